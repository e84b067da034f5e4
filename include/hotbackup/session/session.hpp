/// \file
/// The typestate backup session (docs/architecture.md §4 "The typestate session"): ESE's
/// external backup protocol (docs/protocol.md §1.1–1.10, §3) as C++ types, so
/// that calling its steps out of order does not compile.
///
/// ~~~{.unparsed}
///   begin_backup(engine, full_backup)        -> backup_session<E, stage::databases>
///       .databases()                            the databases to copy
///       .read(database_file [, options])        generator of verified chunks
///       std::move(s).logs()                  -> backup_session<E, stage::logs>
///   begin_backup(engine, incremental_backup) -> backup_session<E, stage::logs>
///       .log_files() / .read(log_file)
///       std::move(s).truncate()              -> backup_session<E, stage::truncated>
///       std::move(s).end([options])          -> backup_result
///   any stage: std::move(s).abort(); destroying an unfinished session aborts it
/// ~~~
///
/// A transition consumes the session (`&&`) and returns the next stage; the old
/// object is then empty, and any use of it throws backup_error(errc::no_backup)
/// (clang-tidy's bugprone-use-after-move flags it at build time). A transition
/// that throws leaves the session where it was: it can be retried, ended or
/// aborted. end() is the exception: it always ends the session, also when it
/// throws.
///
/// Runtime errors (backup_error with ESE's numbers) are those the types cannot see:
/// begin: backup_not_allowed_yet, logging_disabled, log_write_fail, invalid_backup
/// (incremental under circular logging), backup_in_progress, missing_full_backup,
/// checkpoint_file_not_found / checkpoint_corrupt / bad_checkpoint_signature,
/// missing_file_to_backup (incremental); after the engine's stop_backup() (or its
/// termination with term_option::stop_backup) every call but abort() throws
/// backup_abort_by_server and end() ends the session and throws it too.
///
/// Reading: read(file) returns a lazy generator of `std::span<const std::byte>`
/// chunks from page-aligned buffers it owns (read_options::buffer_size, 1 MiB by
/// default; one buffer, or 2n with read_options::reader_threads = n > 1). A chunk
/// is valid until the next is requested or the generator is destroyed. Database
/// streams follow format/database_stream.hpp; every page is verified before it is
/// yielded, and the pages of a chunk are locked against the engine's flushes only
/// while that chunk is read, so writers never wait for the consumer. With
/// read_options::reader_threads > 1, helper threads read and verify chunks ahead of
/// the consumer (session/detail/session_state.hpp says how). A damaged page
/// throws read_verify_failure / read_pgno_verify_failure naming database and page
/// and drops that database from the backup; the session goes on. A damaged log
/// throws log_read_verify_failure and cancels the session (so does any other error
/// opening or reading a log): every later call throws that error again. A database
/// counts as copied once its last chunk was handed out, a log once its last byte
/// was, each after every byte before it: a reader that starts at
/// read_options::offset continues where an earlier one stopped, and a part read
/// before the part ahead of it was handed out does not count (so read one file in
/// order; a gap leaves it not copied).
///
/// Thread-safety: the files of one session may be read at once from different
/// threads (one thread per generator); a session object's own members are called
/// from one thread at a time. A session must not outlive the storage of its engine;
/// it may outlive the engine itself, which stops it on termination.
///
/// Lifetimes: a generator holds the session's shared state, so it stays safe to
/// use after the session moved on; resumed after its stage ended it throws
/// errc::invalid_backup_sequence (the file is then not in the backup).
#pragma once

#include <algorithm>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/error.hpp"
#include "hotbackup/format/database_stream.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/session/backup_files.hpp"
#include "hotbackup/session/backup_source.hpp"
#include "hotbackup/session/detail/session_state.hpp"

namespace hotbackup::inline v1 {

/// The stages of a backup session, as types.
namespace stage {
/// Full backup, before the logs: databases are listed and read.
struct databases {};
/// The logs are listed and read.
struct logs {};
/// The logs were truncated; only end() and abort() remain.
struct truncated {};
}  // namespace stage

template <backup_source Source, class Stage>
class backup_session;

/// One backup session of an engine, in stage `Stage`; see the header comment.
/// Move-only; its members are called from one thread at a time, while the
/// generators read() returns may run on other threads.
template <backup_source Source, class Stage>
class backup_session {
  public:
    /// The engine type the session backs up.
    using source_type = Source;
    /// The session's stage: stage::databases, stage::logs or stage::truncated.
    using stage_type = Stage;

    /// Takes over `other`'s session; `other` is left empty (errc::no_backup).
    backup_session(backup_session&&) noexcept = default;
    /// Aborts the session this one held, then takes `other`'s.
    backup_session& operator=(backup_session&& other) noexcept {
        if (this != &other) {
            abort_held();
            state_ = std::move(other.state_);
        }
        return *this;
    }
    backup_session(const backup_session&) = delete;
    backup_session& operator=(const backup_session&) = delete;

    /// Aborts an unfinished session (as abort()).
    ~backup_session() { abort_held(); }

    /// Full or incremental. Throws backup_error(no_backup) on an empty session.
    [[nodiscard]] backup_kind kind() const { return state().kind(); }

    /// The databases of a full backup, fixed at begin (attach and detach wait for
    /// the session's end). Throws backup_error: backup_abort_by_server, no_backup
    /// (moved-from), the cancel error.
    [[nodiscard]] std::vector<database_file> databases()
        const requires std::same_as<Stage, stage::databases> {
        return state().database_files();
    }

    /// Reads one database's stream (format/database_stream.hpp), from
    /// read_options::offset on. Throws backup_error: invalid_parameter (not a
    /// listed database, a buffer size that is not a positive multiple of the page
    /// size or above max_buffer_size, reader_threads outside
    /// 1..max_reader_threads, an offset that is not a multiple of the page size or
    /// past the end); no_backup. The generator
    /// throws read_verify_failure / read_pgno_verify_failure (the database is then
    /// dropped), backup_abort_by_server, invalid_backup_sequence (resumed after
    /// logs()), the cancel error, storage errors. Use the generator from one thread
    /// at a time; it keeps the session's state alive, and each chunk it yields is
    /// valid until the next is requested or the generator is destroyed.
    [[nodiscard]] generator<std::span<const std::byte>> read(
        const database_file& file,
        read_options options = {}) const requires std::same_as<Stage, stage::databases> {
        auto& current = state();
        check_buffer(options, current.page_size());
        const auto index = current.database_index(file);
        // Against the size the session listed: an offset past the stream's real end
        // is refused even if the caller's copy of `file` says a larger size.
        check_offset(options, current.database_stream_size_of(index), current.page_size(),
                     file.path);
        return current.read_database_stream(state_, index, options.buffer_size,
                                            options.reader_threads,
                                            options.offset / current.page_size());
    }

    /// Leaves the databases: rolls the log, so every log the backup lists is closed
    /// and durable, and fixes the ranges to copy and to truncate (docs/protocol.md §3.4). A
    /// database not read to the end by now is not in the backup. Throws
    /// backup_error: backup_abort_by_server, missing_file_to_backup,
    /// checkpoint_file_not_found / checkpoint_corrupt, log_write_fail,
    /// file_not_found (no closed log), storage errors; the session stays in this
    /// stage.
    [[nodiscard]] backup_session<Source, stage::logs> logs() && requires
        std::same_as<Stage, stage::databases> {
        state().prepare_logs();
        return backup_session<Source, stage::logs>{std::move(state_)};
    }

    /// The log files to copy, one per generation that backup_result::generations will
    /// report. Throws
    /// backup_error: backup_abort_by_server, no_backup, the cancel error.
    [[nodiscard]] std::vector<log_file> log_files() const
        requires(std::same_as<Stage, stage::logs> || std::same_as<Stage, stage::truncated>) {
        return state().log_files();
    }

    /// The closed logs truncate() would delete: generations from the oldest on
    /// disk up to the first one still needed (docs/protocol.md §3.4; ESE's
    /// JetGetTruncateLogInfoInstance). Their log_file::size is 0 (not read). Throws backup_error:
    /// backup_abort_by_server, no_backup, the cancel error.
    [[nodiscard]] std::vector<log_file> logs_to_truncate()
        const requires std::same_as<Stage, stage::logs> {
        return state().logs_to_truncate();
    }

    /// Reads one log file byte for byte from read_options::offset on, verifying its
    /// header and every segment. Throws backup_error: invalid_parameter (not a
    /// listed log, or bad read_options), no_backup. The generator throws
    /// log_read_verify_failure, missing_file_to_backup, storage errors (each of
    /// which cancels the session), backup_abort_by_server, the cancel error,
    /// invalid_backup_sequence (resumed after truncate() or end()). Chunks and
    /// lifetime as for databases.
    [[nodiscard]] generator<std::span<const std::byte>> read(
        const log_file& file,
        read_options options = {}) const requires std::same_as<Stage, stage::logs> {
        auto& current = state();
        check_buffer(options, current.page_size());
        current.check_listed(file);
        check_offset(options, file.size, current.page_size(), file.path);
        return current.read_log_stream(state_, file, options.buffer_size, options.offset);
    }

    /// Deletes the logs this backup made unnecessary (docs/protocol.md §3.5) once every listed log
    /// was read to the end. Throws backup_error: log_file_not_copied naming the
    /// first log not read, backup_abort_by_server, storage errors; the session
    /// stays in this stage.
    [[nodiscard]] backup_session<Source, stage::truncated> truncate() && requires
        std::same_as<Stage, stage::logs> {
        state().truncate();
        return backup_session<Source, stage::truncated>{std::move(state_)};
    }

    /// Ends the backup: records it in the header slot chosen by kind × truncated
    /// (docs/protocol.md §3.6) of each database in it, and frees the engine's one session.
    /// Throws backup_error: backup_abort_by_server (the engine stopped the backup;
    /// the session is ended, nothing recorded), the cancel error, no_backup.
    [[nodiscard]] backup_result end(end_options options = {}) &&
        requires(std::same_as<Stage, stage::logs> || std::same_as<Stage, stage::truncated>) {
        auto held = std::move(state_);
        if (!held) {
            throw_empty();
        }
        return held->end(options);
    }

    /// Ends the session without recording a backup (JET_bitBackupEndAbort). Never
    /// throws; does nothing on an empty session.
    void abort() && noexcept { abort_held(); }

  private:
    template <backup_source, class>
    friend class backup_session;
    template <backup_source S>
    friend backup_session<S, stage::databases> begin_backup(S&, full_backup_t);
    template <backup_source S>
    friend backup_session<S, stage::logs> begin_backup(S&, incremental_backup_t);

    explicit backup_session(std::shared_ptr<detail::session_state<Source>> state) noexcept
        : state_(std::move(state)) {}

    [[nodiscard]] detail::session_state<Source>& state() const {
        if (!state_) {
            throw_empty();
        }
        return *state_;
    }

    [[noreturn]] static void throw_empty() {
        throw backup_error(errc::no_backup, "this session object was moved from or has ended");
    }

    static void check_buffer(const read_options& options, std::uint32_t page_size) {
        if (options.buffer_size == 0 || options.buffer_size % page_size != 0 ||
            options.buffer_size > max_buffer_size) {
            throw backup_error(errc::invalid_parameter,
                               "read_options::buffer_size must be a positive multiple of the "
                               "page size (" +
                                   std::to_string(page_size) + " bytes) of at most " +
                                   std::to_string(max_buffer_size) + " bytes");
        }
        if (options.reader_threads < 1 || options.reader_threads > max_reader_threads) {
            throw backup_error(errc::invalid_parameter,
                               "read_options::reader_threads must be from 1 to " +
                                   std::to_string(max_reader_threads));
        }
    }

    static void check_offset(const read_options& options, std::uint64_t size,
                             std::uint32_t page_size, const std::filesystem::path& path) {
        if (options.offset % page_size != 0 || options.offset > size) {
            throw backup_error(errc::invalid_parameter, error_context{.file = path.string()},
                               "read_options::offset " + std::to_string(options.offset) +
                                   " must be a multiple of the page size (" +
                                   std::to_string(page_size) + " bytes) of at most the size, " +
                                   std::to_string(size) + " bytes");
        }
    }

    void abort_held() noexcept {
        if (auto held = std::exchange(state_, nullptr)) {
            held->abort();
        }
    }

    std::shared_ptr<detail::session_state<Source>> state_;
};

/// Begins a full backup of `source` (ESE's JetBeginExternalBackupInstance with no
/// grbit): every attached database, then the logs from the checkpoint at begin.
/// Throws backup_error: backup_not_allowed_yet, logging_disabled, log_write_fail,
/// backup_in_progress, checkpoint_file_not_found, checkpoint_corrupt,
/// bad_checkpoint_signature, storage errors. `source` must outlive the session
/// unless it stops the session when it terminates (as instance does).
template <backup_source Source>
[[nodiscard]] backup_session<Source, stage::databases> begin_backup(Source& source,
                                                                    full_backup_t /*kind*/) {
    return backup_session<Source, stage::databases>{
        std::make_shared<detail::session_state<Source>>(source, backup_kind::full)};
}

/// Begins an incremental backup (JET_bitBackupIncremental): the logs on disk,
/// listed at once (the log is rolled now). Throws backup_error:
/// backup_not_allowed_yet, logging_disabled, log_write_fail, invalid_backup
/// (circular logging), backup_in_progress, missing_full_backup (a database has no
/// full backup whose logs were truncated), missing_file_to_backup (a log since the
/// last backup is gone), file_not_found (no closed log on disk),
/// checkpoint_file_not_found, checkpoint_corrupt, storage errors.
template <backup_source Source>
[[nodiscard]] backup_session<Source, stage::logs> begin_backup(Source& source,
                                                               incremental_backup_t /*kind*/) {
    return backup_session<Source, stage::logs>{
        std::make_shared<detail::session_state<Source>>(source, backup_kind::incremental)};
}

}  // namespace hotbackup::inline v1
