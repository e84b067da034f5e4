// detail::session_state: what a backup session knows, shared by its stage objects
// and its file readers (session/session.hpp), which may run on several threads.
//
// Every call into the engine runs under backup_control::pin_source() after the
// stop request was checked, so an engine that stops the backup and goes away
// never sees a late call. The bookkeeping (which databases and logs were read to
// the end, the generation ranges) is under one mutex, never held while the engine
// is called.
//
// Why logs are listed only after the databases were read: a database copy is
// fuzzy; it is made consistent by replaying every log from the checkpoint at
// begin through the generation being written when the last page was read. Listing
// rolls the log, so every listed generation is closed and durable and holds every
// change any copied page can carry.
//
// What truncation may delete, and why it is safe (docs/protocol.md §3.4): logs below the
// checkpoint are not needed by crash recovery; logs below the copied range are in
// this backup; and a database that is not in this backup still needs the logs
// since its last full backup, so those stay. Truncation happens only after every
// listed log was read to the end.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/detail/aligned_buffer.hpp"
#include "hotbackup/detail/helper_thread.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_stream.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/protocol/source_types.hpp"
#include "hotbackup/session/backup_files.hpp"
#include "hotbackup/session/backup_source.hpp"
#include "hotbackup/session/log_range.hpp"

namespace hotbackup::inline v1::detail {

enum class session_phase { databases, preparing_logs, logs, truncated, ended };

template <backup_source Source>
class session_state {
  public:
    /// Begins a session: the checks of docs/protocol.md §3.2 in ESE's order. Throws as
    /// begin_backup() documents; on error no session exists.
    session_state(Source& source, backup_kind kind)
        : source_(&source), control_(source.shared_backup_control()), kind_(kind) {
        if (!control_->backups_allowed()) {
            throw backup_error(errc::backup_not_allowed_yet,
                               "the engine is opening or terminating");
        }
        switch (source.log_state()) {
            case log_state::disabled:
                throw backup_error(errc::logging_disabled,
                                   "the engine runs without a log, so nothing can be restored");
            case log_state::failed:
                throw backup_error(errc::log_write_fail,
                                   "a log write failed; reopen the engine to recover first");
            case log_state::healthy:
                break;
        }
        if (kind == backup_kind::incremental && source.circular_logging()) {
            throw backup_error(errc::invalid_backup,
                               "circular logging deletes logs, so only full backups can be taken");
        }
        switch (control_->try_begin()) {
            case backup_control::begin_status::not_allowed_yet:
                throw backup_error(errc::backup_not_allowed_yet,
                                   "the engine is opening or terminating");
            case backup_control::begin_status::in_progress:
                throw backup_error(errc::backup_in_progress,
                                   "another backup session of this engine is running");
            case backup_control::begin_status::started:
                break;
        }
        try {
            const auto pin = control_->pin_source();
            if (!pin) {
                throw backup_error(errc::backup_not_allowed_yet, "the engine is terminating");
            }
            start();
            if (kind == backup_kind::incremental) {
                // A logs-only session starts in the logs stage (docs/protocol.md §3.4 runs now).
                prepare_logs_pinned();
                phase_ = session_phase::logs;
            }
        } catch (...) {
            release();
            throw;
        }
    }

    session_state(const session_state&) = delete;
    session_state& operator=(const session_state&) = delete;
    ~session_state() { release(); }

    [[nodiscard]] backup_kind kind() const noexcept { return kind_; }
    [[nodiscard]] std::uint32_t page_size() const noexcept { return page_size_; }

    // ---- databases ----

    [[nodiscard]] std::vector<database_file> database_files() {
        const auto pin = checked_pin();
        std::vector<database_file> files;
        files.reserve(databases_.size());
        for (const auto& entry : databases_) {
            files.push_back(entry.file);
        }
        return files;
    }

    /// The index of a listed database, or throws invalid_parameter.
    [[nodiscard]] std::size_t database_index(const database_file& file) const {
        for (std::size_t index = 0; index < databases_.size(); ++index) {
            if (databases_[index].file.database == file.database) {
                return index;
            }
        }
        throw backup_error(errc::invalid_parameter, error_context{.file = file.path.string()},
                           "the database is not one this session listed");
    }

    [[nodiscard]] page_number database_page_count(std::size_t index) const {
        return databases_.at(index).file.page_count;
    }

    /// The stream size of a listed database as the session listed it (a caller's
    /// copy of the database_file may say otherwise).
    [[nodiscard]] std::uint64_t database_stream_size_of(std::size_t index) const {
        return databases_.at(index).file.stream_size;
    }

    /// The header page of a database stream, snapshotted as its read begins.
    [[nodiscard]] std::vector<std::byte> open_database(std::size_t index) {
        const auto pin = checked_pin();
        require_phase(session_phase::databases, index);
        const auto& file = databases_.at(index).file;
        auto header =
            run_as_database_read(index, [&] { return source_->database_header_of(file.database); });
        header.page_count = file.page_count;
        header.current_full = {full_mark_.mark, full_mark_.mark_time, copy_low_, 0};
        return header.encode();
    }

    /// Fills `buffer` with stream pages [first, first + count) of database `index`;
    /// the last chunk marks the database copied. A read error drops the database.
    void read_database_chunk(std::size_t index, std::span<const std::byte> header_page,
                             std::uint64_t first, std::uint64_t count,
                             std::span<std::byte> buffer) {
        const auto pin = checked_pin();
        require_phase(session_phase::databases, index);
        const auto& file = databases_.at(index).file;
        const std::uint64_t trailer_index = std::uint64_t{file.page_count} + 2;
        const auto page_bytes = [&](std::uint64_t stream_page) {
            return buffer.subspan(static_cast<std::size_t>((stream_page - first) * page_size_),
                                  page_size_);
        };
        for (auto stream_page = first; stream_page < std::min<std::uint64_t>(first + count, 2);
             ++stream_page) {
            std::ranges::copy(header_page, page_bytes(stream_page).begin());
        }
        const auto data_first = std::max<std::uint64_t>(first, 2);
        const auto data_end = std::min(first + count, trailer_index);
        if (data_first < data_end) {
            const auto first_page = static_cast<page_number>(data_first - 1);
            const auto last_page = static_cast<page_number>(data_end - 2);
            run_as_database_read(index, [&] {
                const auto lock = source_->lock_pages(file.database, first_page, last_page);
                lock.read(
                    first_page, last_page - first_page + 1,
                    buffer.subspan(static_cast<std::size_t>((data_first - first) * page_size_)));
            });
        }
        if (first + count > trailer_index) {
            backup_trailer trailer;
            trailer.page_size = page_size_;
            trailer.page_count = file.page_count;
            trailer.database_signature = file.database_signature;
            trailer.log_signature = log_signature_;
            trailer.backup = {
                full_mark_.mark, full_mark_.mark_time, copy_low_,
                run_as_database_read(index, [&] { return source_->current_log_generation(); })};
            trailer.encode_into(page_bytes(trailer_index));
        }
        if (first + count == trailer_index + 1) {
            const std::scoped_lock lock{mutex_};
            if (phase_ != session_phase::databases) {
                throw_left_databases(index);
            }
            // Copied only if every page before this last chunk was handed out too,
            // by this reader or one that started earlier (read_options::offset).
            auto& entry = databases_.at(index);
            if (entry.handed_out >= first) {
                entry.copied = true;
                entry.drop_reason.clear();
            }
        }
    }

    /// Notes that stream pages [first, first + count) of database `index` reach the
    /// consumer; what was handed out from page 0 on without a gap decides whether
    /// the database counts as copied.
    void hand_out_database_pages(std::size_t index, std::uint64_t first, std::uint64_t count) {
        const std::scoped_lock lock{mutex_};
        auto& handed_out = databases_.at(index).handed_out;
        if (first <= handed_out) {
            handed_out = std::max(handed_out, first + count);
        }
    }

    // The two readers are coroutines. They are non-static members because Clang 14
    // cannot compile a coroutine that is a function template or a static member of
    // a class template with -fsanitize=function (part of UBSan): "Cannot represent
    // a difference across sections". `self` is this object, and keeps it alive
    // while the generator lives.

    /// A database's stream, chunk by chunk; see session/session.hpp.
    //
    // With reader_threads = n > 1, n helper threads read ahead: while the consumer
    // has chunk k, up to 2n - 1 later chunks are queued or being read and verified,
    // chunk j by helper j mod n into buffer j mod 2n. The consumer's work (writing
    // the chunk somewhere) then overlaps the reads, the reads, whose cost is mostly
    // the hash of every page, run on n cores, and each helper has its next chunk
    // queued when it finishes one. The last chunk, which carries the trailer, is read on
    // this thread after every other one was handed out: the trailer's generation is
    // then taken after every page was read, and the database counts as copied only
    // when that chunk is handed out.
    generator<std::span<const std::byte>> read_database_stream(std::shared_ptr<session_state> self,
                                                               std::size_t index,
                                                               std::size_t buffer_size,
                                                               unsigned reader_threads,
                                                               std::uint64_t start_page) {
        const auto header_page = self->open_database(index);
        const std::uint64_t buffer_pages = buffer_size / page_size_;
        const std::uint64_t total_pages = std::uint64_t{self->database_page_count(index)} + 3;
        const std::uint64_t chunk_count =
            (total_pages - start_page + buffer_pages - 1) / buffer_pages;
        if (chunk_count == 0) {
            co_return;
        }
        const auto chunk_first = [&](std::uint64_t chunk) {
            return start_page + chunk * buffer_pages;
        };
        const auto chunk_pages = [&](std::uint64_t chunk) {
            return std::min(buffer_pages, total_pages - chunk_first(chunk));
        };
        // Helpers only if there are chunks before the last one to read ahead.
        const auto helper_count = static_cast<std::size_t>(
            std::min<std::uint64_t>(reader_threads > 1 ? reader_threads : 0, chunk_count - 1));
        const auto buffer_count = helper_count == 0 ? 1 : 2 * helper_count;
        std::vector<aligned_buffer> buffers;
        buffers.reserve(buffer_count);
        for (std::size_t slot = 0; slot < buffer_count; ++slot) {
            buffers.emplace_back(buffer_size);
        }
        // Declared after the buffers: destroyed first, so no helper outlives them.
        // A task captures values only (and this session, which `self` keeps alive).
        helper_pool helpers{helper_count};
        const auto buffer_of = [&](std::uint64_t chunk) -> aligned_buffer& {
            return buffers[static_cast<std::size_t>(chunk % buffers.size())];
        };
        const auto helper_of = [&](std::uint64_t chunk) -> helper_thread& {
            return helpers[static_cast<std::size_t>(chunk % helpers.size())];
        };
        const auto header = std::span<const std::byte>{header_page};
        const auto start_read = [&](std::uint64_t chunk) {
            helper_of(chunk).start([this, index, header, first = chunk_first(chunk),
                                    pages = chunk_pages(chunk), target = buffer_of(chunk).bytes()] {
                read_database_chunk(index, header, first, pages, target);
            });
        };
        const auto read_ahead =
            std::min<std::uint64_t>(helper_count == 0 ? 0 : buffer_count, chunk_count - 1);
        for (std::uint64_t chunk = 0; chunk < read_ahead; ++chunk) {
            start_read(chunk);
        }
        for (std::uint64_t chunk = 0; chunk < chunk_count; ++chunk) {
            if (chunk + 1 == chunk_count || helper_count == 0) {
                self->read_database_chunk(index, header_page, chunk_first(chunk),
                                          chunk_pages(chunk), buffer_of(chunk).bytes());
            } else {
                helper_of(chunk).wait();
                // Read ahead, but handed out now: the session must still be in the
                // databases stage, not stopped and not cancelled.
                self->check_still_reading(index);
                // The consumer asked for this chunk, so it is done with the one
                // before: its buffer takes the next chunk to read ahead.
                if (chunk > 0 && chunk - 1 + buffer_count < chunk_count - 1) {
                    start_read(chunk - 1 + buffer_count);
                }
            }
            const auto bytes = static_cast<std::size_t>(chunk_pages(chunk) * page_size_);
            self->database_bytes_ += bytes;
            self->hand_out_database_pages(index, chunk_first(chunk), chunk_pages(chunk));
            auto handed_out = std::span<const std::byte>{buffer_of(chunk).bytes().first(bytes)};
            co_yield handed_out;
        }
    }

    /// A log file's bytes, chunk by chunk; see session/session.hpp.
    generator<std::span<const std::byte>> read_log_stream(std::shared_ptr<session_state> self,
                                                          log_file file, std::size_t buffer_size,
                                                          std::uint64_t start) {
        aligned_buffer buffer{buffer_size};
        auto log = self->open_log(file);
        for (std::uint64_t offset = start;;) {
            const auto count = self->read_log_chunk(log, file.generation, offset, buffer.bytes());
            if (count == 0) {
                break;
            }
            offset += count;
            auto chunk = std::span<const std::byte>{buffer.bytes().first(count)};
            co_yield chunk;
            if (offset >= log.size()) {
                break;
            }
        }
    }

    // ---- logs ----

    /// Rolls the log and fixes the ranges to copy and to delete (docs/protocol.md §3.4).
    void prepare_logs() {
        const auto pin = checked_pin();
        {
            const std::scoped_lock lock{mutex_};
            phase_ = session_phase::preparing_logs;
        }
        try {
            prepare_logs_pinned();
        } catch (...) {
            const std::scoped_lock lock{mutex_};
            phase_ = session_phase::databases;
            throw;
        }
        const std::scoped_lock lock{mutex_};
        phase_ = session_phase::logs;
    }

    [[nodiscard]] std::vector<log_file> log_files() {
        const auto pin = checked_pin();
        return logs_;
    }

    [[nodiscard]] std::vector<log_file> logs_to_truncate() {
        const auto pin = checked_pin();
        std::vector<log_file> files;
        for (const auto generation : source_->log_generations()) {
            if (generation >= delete_low_ && generation < delete_end_) {
                files.push_back({generation, source_->log_file_path(generation), 0});
            }
        }
        return files;
    }

    /// Throws invalid_parameter unless `file` is one of the logs this session listed.
    void check_listed(const log_file& file) const {
        if (file.generation < copy_low_ || file.generation >= copy_end_) {
            throw backup_error(
                errc::invalid_parameter,
                error_context{.file = file.path.string(), .generation = file.generation},
                "the log is not one this session listed");
        }
    }

    [[nodiscard]] auto open_log(const log_file& file) {
        check_listed(file);
        const auto pin = checked_pin();
        require_log_phase();
        return run_as_log_read([&] { return source_->open_log(file.generation); });
    }

    /// Reads the next chunk of a log; the read that reaches its end marks it copied.
    /// A read error cancels the session.
    template <class LogFile>
    std::size_t read_log_chunk(LogFile& log, log_generation generation, std::uint64_t offset,
                               std::span<std::byte> buffer) {
        const auto pin = checked_pin();
        require_log_phase();
        const auto count = run_as_log_read([&] { return log.read(offset, buffer); });
        log_bytes_ += count;
        // A log counts as copied once every byte was read, from 0 on without a gap
        // (a reader may start at read_options::offset where an earlier one stopped).
        const std::scoped_lock lock{mutex_};
        auto& read_up_to = log_read_up_to_[generation];
        if (offset <= read_up_to) {
            read_up_to = std::max(read_up_to, offset + count);
        }
        if (read_up_to >= log.size()) {
            logs_copied_.insert(generation);
        }
        return count;
    }

    /// Deletes the logs the backup made unnecessary (docs/protocol.md §3.5).
    void truncate() {
        const auto pin = checked_pin();
        require_log_phase();
        {
            const std::scoped_lock lock{mutex_};
            for (auto generation = copy_low_; generation < copy_end_; ++generation) {
                if (!logs_copied_.contains(generation)) {
                    throw backup_error(
                        errc::log_file_not_copied,
                        error_context{.file = source_->log_file_path(generation).string(),
                                      .generation = generation},
                        "every listed log must be read to the end before truncation");
                }
            }
        }
        source_->hold_logs_from(std::nullopt);
        try {
            logs_deleted_ =
                delete_low_ < delete_end_ ? source_->delete_logs(delete_low_, delete_end_) : 0;
        } catch (...) {
            source_->hold_logs_from(copy_low_);
            throw;
        }
        const std::scoped_lock lock{mutex_};
        truncated_ = true;
        phase_ = session_phase::truncated;
    }

    /// Records the backup in the database headers (docs/protocol.md §3.6) and ends the session.
    [[nodiscard]] backup_result end(const end_options& options) {
        rethrow_cancel();
        auto pin = control_->pin_source();
        if (!pin || control_->stop_requested()) {
            pin.reset();
            release();
            throw backup_error(errc::backup_abort_by_server,
                               "the engine stopped this backup; nothing was recorded");
        }
        backup_result result;
        result.kind = kind_;
        result.generations = {copy_low_, copy_end_ - 1};
        result.database_bytes = database_bytes_.load();
        result.log_bytes = log_bytes_.load();
        result.logs_truncated = truncated_ || options.truncate_done;
        result.logs_deleted = logs_deleted_;
        const auto slot = backup_slot_of(kind_, result.logs_truncated);
        const auto& mark = kind_ == backup_kind::full ? full_mark_ : logs_mark_;
        const backup_info info{mark.mark, mark.mark_time, copy_low_, copy_end_ - 1};
        std::vector<database_entry> entries;
        {
            const std::scoped_lock lock{mutex_};
            entries = databases_;
        }
        for (const auto& entry : entries) {
            if (kind_ == backup_kind::full && !entry.copied) {
                result.dropped.push_back(
                    {entry.file.path, entry.drop_reason.empty()
                                          ? std::string{"it was not read to the end"}
                                          : entry.drop_reason});
                continue;
            }
            result.databases.push_back(entry.file.path);
            if (options.no_header_update) {
                continue;
            }
            try {
                source_->write_backup_slot(entry.file.database, slot, info);
            } catch (const std::exception& error) {
                result.header_update_failures.push_back({entry.file.path, error.what()});
            }
        }
        if (!options.no_header_update) {
            result.slot_written = slot;
        }
        pin.reset();
        release();
        return result;
    }

    /// Ends the session without recording it. Never throws.
    void abort() noexcept { release(); }

  private:
    struct database_entry {
        database_file file;
        bool copied = false;
        std::uint64_t handed_out = 0;  // stream pages handed out from page 0 without a gap
        std::string drop_reason;
    };

    /// Reads what begin needs: the log set, the databases, the checkpoint and the
    /// mark. Runs pinned.
    void start() {
        page_size_ = source_->page_size();
        log_signature_ = source_->log_signature();
        // Hold every log before the checkpoint is read, so circular logging cannot
        // delete the checkpoint's generation in between; then narrow the hold.
        source_->hold_logs_from(log_generation{1});
        if (kind_ == backup_kind::full) {
            // The checkpoint before the page counts: a page allocated after its count
            // is fixed is not in the stream, so the image that creates it must be in
            // the logs copied, which begin at this generation. Read the other way
            // round, a checkpoint moving in between could pass that image (a restore
            // then found the tree pointing at a page it never got).
            copy_low_ = source_->stored_checkpoint_generation();
        }
        const auto attached = source_->attached_databases();
        for (const auto& info : attached) {
            database_entry entry;
            entry.file = {info.id,
                          info.path,
                          info.page_size,
                          info.page_count,
                          database_stream_size(info.page_count, info.page_size),
                          info.database_signature};
            databases_.push_back(std::move(entry));
        }
        if (kind_ == backup_kind::incremental) {
            // docs/protocol.md §3.2 step 12: a copy backup does not count as a full one.
            for (const auto& info : attached) {
                if (source_->database_header_of(info.id).slot(backup_slot::full).empty()) {
                    throw backup_error(errc::missing_full_backup,
                                       error_context{.file = info.path.string()},
                                       "an incremental backup needs a full backup whose logs "
                                       "were truncated first");
                }
            }
            return;
        }
        source_->hold_logs_from(copy_low_);
        full_mark_ = {source_->log_tip(), now_microseconds(), copy_low_, 0};
    }

    /// docs/protocol.md §3.4 step 6: the databases this full backup did not copy keep
    /// the logs since their last full backup. Returns, for each, that backup's last
    /// generation (0: it never had one).
    [[nodiscard]] std::vector<log_generation> uncopied_databases_last_full() {
        std::vector<database_id> copied_databases;
        {
            const std::scoped_lock lock{mutex_};
            for (const auto& entry : databases_) {
                if (entry.copied) {
                    copied_databases.push_back(entry.file.database);
                }
            }
        }
        std::vector<log_generation> lasts;
        for (const auto& info : source_->attached_databases()) {
            if (std::ranges::find(copied_databases, info.id) == copied_databases.end()) {
                lasts.push_back(
                    source_->database_header_of(info.id).slot(backup_slot::full).generation_high);
            }
        }
        return lasts;
    }

    void prepare_logs_pinned() {
        logs_mark_ = {source_->log_tip(), now_microseconds(), 0, 0};
        log_range_inputs inputs;
        inputs.kind = kind_;
        inputs.checkpoint_at_begin = copy_low_;
        inputs.rolled = source_->roll_log();
        inputs.on_disk = source_->log_generations();
        if (kind_ == backup_kind::incremental) {
            // docs/protocol.md §3.4 step 4: the logs since the last backup must all be here.
            for (const auto& entry : databases_) {
                const auto header = source_->database_header_of(entry.file.database);
                inputs.needed_since_last_backup.push_back(
                    std::max(header.slot(backup_slot::full).generation_high,
                             header.slot(backup_slot::incremental).generation_high) +
                    1);
            }
        }
        if (!inputs.on_disk.empty()) {
            inputs.checkpoint_now = source_->stored_checkpoint_generation();
        }
        if (kind_ == backup_kind::full) {
            inputs.uncopied_full_last = uncopied_databases_last_full();
        }
        const auto plan = plan_log_range(inputs);
        throw_unless_planned(plan);
        copy_low_ = plan.copy.first;
        copy_end_ = plan.copy.last + 1;
        delete_low_ = plan.truncate.empty() ? 0 : plan.truncate.first;
        delete_end_ = plan.truncate.empty() ? 0 : plan.truncate.last + 1;
        std::vector<log_file> listed;
        for (auto generation = copy_low_; generation < copy_end_; ++generation) {
            const auto log = source_->open_log(generation);
            listed.push_back({generation, source_->log_file_path(generation), log.size()});
        }
        const std::scoped_lock lock{mutex_};
        logs_ = std::move(listed);
    }

    /// Throws the error for a log range plan_log_range() could not plan, naming
    /// the file of the generation it is about.
    void throw_unless_planned(const log_range_plan& plan) {
        const auto generation = plan.problem_generation;
        switch (plan.problem) {
            case log_range_problem::none:
                return;
            case log_range_problem::no_closed_log:
                throw backup_error(errc::file_not_found, "no closed log file is on disk");
            case log_range_problem::gap_since_last_backup:
                throw backup_error(
                    errc::missing_file_to_backup,
                    error_context{.file = source_->log_file_path(generation).string(),
                                  .generation = generation},
                    "the log after the last backup of " +
                        databases_.at(plan.problem_database).file.path.string() +
                        " is gone, so an incremental backup would leave a gap");
            case log_range_problem::log_missing:
                throw backup_error(
                    errc::missing_file_to_backup,
                    error_context{.file = source_->log_file_path(generation).string(),
                                  .generation = generation},
                    "a log the backup must hold is not on disk");
        }
    }

    /// Throws what a read of database `index` would throw now that was not a
    /// read error: the cancel error, backup_abort_by_server, invalid_backup_sequence.
    void check_still_reading(std::size_t index) {
        rethrow_cancel();
        if (control_->stop_requested()) {
            throw_stopped();
        }
        require_phase(session_phase::databases, index);
    }

    /// Pins the engine for one call, after the stop request and a cancel. Throws
    /// the cancel error or backup_abort_by_server (the engine stopped).
    [[nodiscard]] std::shared_lock<std::shared_mutex> checked_pin() {
        rethrow_cancel();
        if (control_->stop_requested()) {
            throw_stopped();
        }
        auto pin = control_->pin_source();
        if (!pin || control_->stop_requested()) {
            throw_stopped();
        }
        return std::move(*pin);
    }

    [[noreturn]] static void throw_stopped() {
        throw backup_error(errc::backup_abort_by_server,
                           "the engine stopped this backup (stop_backup() or termination)");
    }

    void rethrow_cancel() const {
        const std::scoped_lock lock{mutex_};
        if (cancel_error_) {
            std::rethrow_exception(cancel_error_);
        }
    }

    void require_phase(session_phase phase, std::size_t database_index) const {
        const std::scoped_lock lock{mutex_};
        if (phase_ != phase) {
            throw_left_databases(database_index);
        }
    }

    void require_log_phase() const {
        const std::scoped_lock lock{mutex_};
        if (phase_ != session_phase::logs) {
            throw backup_error(errc::invalid_backup_sequence,
                               "the session left the logs stage while a log was being read");
        }
    }

    [[noreturn]] void throw_left_databases(std::size_t index) const {
        throw backup_error(errc::invalid_backup_sequence,
                           error_context{.file = databases_.at(index).file.path.string()},
                           "the session left the databases stage before this database was "
                           "read to the end; it is not in the backup");
    }

    /// Runs a read of database `index`; an error other than a stop drops the
    /// database from the backup (docs/protocol.md §3.3) and is rethrown.
    template <class Read>
    decltype(auto) run_as_database_read(std::size_t index, Read&& read) {
        try {
            return std::forward<Read>(read)();
        } catch (const std::exception& error) {
            const std::scoped_lock lock{mutex_};
            databases_.at(index).copied = false;
            databases_.at(index).drop_reason = error.what();
            throw;
        }
    }

    /// Runs a read of a log; an error cancels the whole session (docs/protocol.md §1.4).
    template <class Read>
    decltype(auto) run_as_log_read(Read&& read) {
        try {
            return std::forward<Read>(read)();
        } catch (...) {
            {
                const std::scoped_lock lock{mutex_};
                if (!cancel_error_) {
                    cancel_error_ = std::current_exception();
                }
            }
            release_pinned();
            throw;
        }
    }

    /// Ends the session: lets the engine delete logs again and frees its one
    /// session. Idempotent; never throws.
    void release() noexcept {
        if (released_.exchange(true)) {
            return;
        }
        try {
            if (const auto pin = control_->pin_source()) {
                source_->hold_logs_from(std::nullopt);
            }
        } catch (...) {  // the hold only keeps logs longer
        }
        finish();
    }

    /// release() for a caller that pinned the engine already.
    void release_pinned() noexcept {
        if (released_.exchange(true)) {
            return;
        }
        try {
            source_->hold_logs_from(std::nullopt);
        } catch (...) {  // the hold only keeps logs longer
        }
        finish();
    }

    void finish() noexcept {
        {
            const std::scoped_lock lock{mutex_};
            phase_ = session_phase::ended;
        }
        control_->finish();
    }

    [[nodiscard]] static std::uint64_t now_microseconds() {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    }

    Source* source_;
    std::shared_ptr<backup_control> control_;
    backup_kind kind_;
    std::uint32_t page_size_ = 0;
    signature log_signature_{};
    backup_info full_mark_{};  // log tip and time at begin (full)
    backup_info logs_mark_{};  // log tip and time when the logs were listed

    mutable std::mutex mutex_;
    session_phase phase_ = session_phase::databases;          // under mutex_
    std::vector<database_entry> databases_;                   // copied, drop_reason under mutex_
    std::exception_ptr cancel_error_;                         // under mutex_
    std::set<log_generation> logs_copied_;                    // under mutex_
    std::map<log_generation, std::uint64_t> log_read_up_to_;  // under mutex_
    std::vector<log_file> logs_;                              // under mutex_
    bool truncated_ = false;                                  // under mutex_

    // Written by begin and prepare_logs only, before any reader may use them.
    log_generation copy_low_ = 0;
    log_generation copy_end_ = 0;
    log_generation delete_low_ = 0;
    log_generation delete_end_ = 0;
    std::size_t logs_deleted_ = 0;

    std::atomic<std::uint64_t> database_bytes_{0};
    std::atomic<std::uint64_t> log_bytes_{0};
    std::atomic<bool> released_{false};
};

}  // namespace hotbackup::inline v1::detail
