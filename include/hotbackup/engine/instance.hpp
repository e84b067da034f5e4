/// \file
/// instance<Storage>: the reference engine (docs/architecture.md §6 "Engine"). One log stream
/// (base name, log directory), one checkpoint file, and up to six attached
/// databases, each an ordered key/value B+tree, on any storage policy.
///
/// Opening runs soft recovery (recovery.hpp); term() (also run by the destructor)
/// flushes every page, marks the databases clean, logs their detach and advances
/// the checkpoint. Commits are logged, applied to cached pages, and made durable by
/// group commit (log_writer.hpp); dirty pages are written back when the log between
/// the checkpoint and the tip outgrows checkpoint_depth, always after the log that
/// covers them is durable. With circular logging, logs behind the checkpoint are
/// deleted as it moves; otherwise they stay until a backup truncates them.
///
/// Failure model: a failed log write or sync makes the instance unavailable for
/// good: that call throws errc::log_write_fail and every later call
/// errc::instance_unavailable; opening it again recovers from the log. A failed page
/// write while moving the checkpoint does not undo a commit (its log is durable): it
/// is kept and thrown by checkpoint() or term(), and the flush is retried.
///
/// The members under "backup_source hooks" are what the backup session uses
/// (docs/architecture.md §3 "Layers", session/backup_source.hpp): list databases, read and verify
/// pages, lock page ranges against flushes, roll, list and read the log, delete
/// logs, record a backup in a header. A running session blocks attach, detach and
/// term(); term(term_option::stop_backup) and the destructor stop it first.
///
/// Thread-safety: every member may be called from any thread. Lock order, outermost
/// first: commit, checkpoint, attached databases, a database's tree, the log.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "hotbackup/engine/closed_log.hpp"
#include "hotbackup/engine/detail/attachment_table.hpp"
#include "hotbackup/engine/detail/database.hpp"
#include "hotbackup/engine/detail/log_writer.hpp"
#include "hotbackup/engine/detail/recovery.hpp"
#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/engine/page_range_lock.hpp"
#include "hotbackup/engine/path_claim.hpp"
#include "hotbackup/engine/transaction.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/checkpoint.hpp"
#include "hotbackup/protocol/source_types.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// An engine instance on storage policy `Storage`; see the header comment.
///
/// Lifetimes: the storage must outlive the instance and everything obtained from it;
/// transactions (and their scans) must not outlive the instance. Thread safety:
/// every member may be called from any thread.
template <storage Storage>
class instance {
  public:
    /// The transaction type of this instance; see basic_transaction.
    using transaction = basic_transaction<instance>;

    /// ESE's limit on attached databases per instance.
    static constexpr std::size_t max_attached_databases = detail::attachment_slots;

    /// Opens the instance: checks the options, claims the system and log paths,
    /// and runs soft recovery (or starts a new log set if there is none). Throws
    /// backup_error: invalid_parameter (a bad option, named), invalid_system_path /
    /// invalid_log_directory (missing and create_paths off), system_path_in_use /
    /// log_file_path_in_use, every error of recovery (recovery.hpp), storage errors.
    instance(Storage& storage, instance_options options)
        : storage_(&storage), options_(std::move(options)) {
        options_.validate();
        detail::prepare_directory(*storage_, options_.system_path, options_.create_paths,
                                  errc::invalid_system_path, "system_path");
        detail::prepare_directory(*storage_, options_.log_path, options_.create_paths,
                                  errc::invalid_log_directory, "log_path");
        system_claim_ = detail::path_claim(detail::storage_identity(storage), "system path",
                                           options_.system_path, errc::system_path_in_use);
        log_claim_ = detail::path_claim(detail::storage_identity(storage), "log path",
                                        options_.log_path, errc::log_file_path_in_use);
        log_settings_ = {options_.log_path, options_.base_name, options_.log_file_size,
                         options_.page_size};
        checkpoint_path_ = options_.system_path / checkpoint_file_name(options_.base_name);
        if (options_.recovery) {
            recover_and_open_log_writer();
        }
        backup_control_->allow_backups();
    }

    instance(const instance&) = delete;
    instance& operator=(const instance&) = delete;

    /// Terminates the instance if term() was not called, stopping a running backup
    /// session; errors are swallowed (call term() to see them).
    ~instance() {
        try {
            term(term_option::stop_backup);
        } catch (...) {  // a destructor must not throw
        }
    }

    /// Shuts down cleanly: flushes every page, marks each database clean and logs
    /// its detach, advances the checkpoint, closes the log and releases the paths.
    /// After a log failure it only closes files (the databases stay dirty; the next
    /// open recovers them). Idempotent. From its start no backup may begin
    /// (errc::backup_not_allowed_yet). With term_option::stop_backup a running
    /// session is stopped first: its next call fails with
    /// errc::backup_abort_by_server and it never calls this instance again.
    /// Throws backup_error: backup_in_progress (term_option::complete while a
    /// session runs; nothing is changed), the first deferred page-flush error,
    /// storage errors (the instance is terminated all the same).
    void term(term_option option = term_option::complete) {
        if (option == term_option::stop_backup) {
            backup_control_->release_source();
        } else if (!backup_control_->refuse_backups()) {
            throw backup_error(errc::backup_in_progress,
                               "a backup session is running; end it, or terminate with "
                               "term_option::stop_backup");
        }
        if (terminated_.exchange(true)) {
            return;
        }
        std::exception_ptr error;
        {
            const std::scoped_lock checkpoint_lock{checkpoint_mutex_};
            error = deferred_error_;
        }
        {
            const std::scoped_lock report_lock{report_mutex_};
            if (unreported_log_failure_) {
                error = std::exchange(unreported_log_failure_, nullptr);
            }
        }
        const bool healthy = (!log_ || !log_->failed()) && !apply_failed_.load();
        try {
            const std::scoped_lock locks{commit_mutex_, checkpoint_mutex_};
            const std::unique_lock databases_lock{databases_mutex_};
            for (auto& entry : databases_) {
                if (entry.database && healthy) {
                    close_database(*entry.database);
                }
                entry = {};
            }
            if (log_ && healthy) {
                log_->flush_all();
                write_checkpoint_locked(log_->end_position());
                delete_behind_checkpoint_locked();
            }
        } catch (...) {
            if (!error) {
                error = std::current_exception();
            }
            const std::scoped_lock commit_lock{commit_mutex_};
            const std::unique_lock databases_lock{databases_mutex_};
            for (auto& entry : databases_) {
                entry = {};
            }
        }
        if (log_) {
            // Closed, not destroyed: a call racing with term() may still look at it.
            try {
                log_->close();
            } catch (...) {
                if (!error) {
                    error = std::current_exception();
                }
            }
        }
        system_claim_.release();
        log_claim_.release();
        if (error) {
            std::rethrow_exception(error);
        }
    }

    // ---- databases ----

    /// Creates a database file at `path` and attaches it. Throws backup_error:
    /// database_duplicate (the file exists), too_many_attached_databases,
    /// invalid_path (longer than 512 bytes), log_write_fail, instance_unavailable,
    /// storage errors.
    database_id create_database(const std::filesystem::path& path) {
        check_available();
        detail::check_database_path(path);
        const std::scoped_lock locks{commit_mutex_, checkpoint_mutex_};
        const std::unique_lock databases_lock{databases_mutex_};
        if (storage_->exists(path)) {
            throw backup_error(errc::database_duplicate, error_context{.file = path.string()},
                               "a file of that name already exists");
        }
        const auto slot = databases_.free_slot(path);
        database_header header;
        header.page_size = options_.page_size;
        header.state = database_state::just_created;
        header.database_signature = signature::make();
        header.log_signature = log_signature_;
        header.page_count = 1;
        detail::database<Storage>::create_file(*storage_, path, options_.page_size, header);
        return attach_locked(slot, path);
    }

    /// Attaches an existing database. Attaching one that is attached already returns
    /// its id (ESE's JET_wrnDatabaseAttached). Throws backup_error: file_not_found,
    /// database_dirty_shutdown (not shut down cleanly: open the instance whose logs
    /// it needs), database_corrupted, page_size_mismatch, too_many_attached_databases,
    /// backup_in_progress, invalid_path, log_write_fail, instance_unavailable.
    database_id attach_database(const std::filesystem::path& path) {
        check_available();
        detail::check_database_path(path);
        const std::scoped_lock locks{commit_mutex_, checkpoint_mutex_};
        const std::unique_lock databases_lock{databases_mutex_};
        if (const auto attached = databases_.find_by_path(path)) {
            return *attached;
        }
        require_no_backup();
        if (!storage_->exists(path)) {
            throw backup_error(errc::file_not_found, error_context{.file = path.string()},
                               "no database file to attach");
        }
        return attach_locked(databases_.free_slot(path), path);
    }

    /// Flushes the database, marks it clean, logs the detach and closes it. Throws
    /// backup_error: invalid_database_id, backup_in_progress, log_write_fail,
    /// instance_unavailable, storage errors (the database stays attached).
    void detach_database(database_id id) {
        check_available();
        const std::scoped_lock locks{commit_mutex_, checkpoint_mutex_};
        const std::unique_lock databases_lock{databases_mutex_};
        auto& entry = databases_.entry_for(id);
        require_no_backup();
        close_database(*entry.database);
        entry = {};
    }

    /// The databases attached now, by slot. Throws
    /// backup_error(errc::instance_unavailable).
    [[nodiscard]] std::vector<database_info> attached_databases() const {
        check_available();
        const std::shared_lock databases_lock{databases_mutex_};
        std::vector<database_info> result;
        for (std::size_t slot = 0; slot < databases_.size(); ++slot) {
            const auto& entry = databases_.at(slot);
            if (!entry.database) {
                continue;
            }
            const std::shared_lock tree_lock{entry.database->tree_mutex()};
            result.push_back({database_id{static_cast<std::uint8_t>(slot), entry.attachment},
                              entry.database->path(), options_.page_size,
                              entry.database->page_count(),
                              entry.database->header().database_signature});
        }
        return result;
    }

    // ---- transactions and the log ----

    /// A new transaction. Throws backup_error(errc::instance_unavailable).
    [[nodiscard]] transaction begin_transaction() {
        check_available();
        return transaction{*this};
    }

    /// Makes every lazy commit durable. Throws backup_error: log_write_fail,
    /// instance_unavailable.
    void flush_log() {
        check_available();
        if (log_) {
            log_->flush_all();
        }
    }

    /// Closes the current log generation and starts the next (ESE's
    /// JET_bitForceNewLog); returns the new current generation. Throws
    /// backup_error: logging_disabled, log_write_fail, log_sequence_end,
    /// instance_unavailable.
    log_generation force_new_log() {
        check_available();
        require_logging();
        log_generation generation = 0;
        {
            const std::scoped_lock commit_lock{commit_mutex_};
            check_available();  // again: term() may have run while this waited
            generation = log_->roll();
        }
        maybe_checkpoint();
        return generation;
    }

    /// Writes every dirty page whose log is durable and advances the checkpoint
    /// (deleting logs behind it under circular logging). Throws backup_error: a
    /// page-flush error (also one deferred from an earlier automatic checkpoint),
    /// log_write_fail, instance_unavailable.
    void checkpoint() {
        check_available();
        const std::scoped_lock checkpoint_lock{checkpoint_mutex_};
        check_available();
        // An earlier automatic checkpoint's failure is reported once, here, after
        // this run has retried the flush.
        const auto earlier_failure = std::exchange(deferred_error_, nullptr);
        run_checkpoint_locked(flush_mode::wait_for_backup);
        if (earlier_failure) {
            std::rethrow_exception(earlier_failure);
        }
    }

    /// The options the instance was opened with; valid as long as the instance.
    [[nodiscard]] const instance_options& options() const noexcept { return options_; }

    /// A snapshot of the counters; also after term(). Never throws backup_error.
    [[nodiscard]] instance_statistics statistics() const {
        instance_statistics result;
        result.commits = commits_.load();
        result.pages_flushed = pages_flushed_.load();
        result.checkpoints = checkpoints_.load();
        result.recovered_records = recovered_records_;
        if (log_) {
            result.log_bytes_written = log_->bytes_written();
        }
        return result;
    }

    // ---- backup_source hooks ----

    /// The database page size.
    [[nodiscard]] std::uint32_t page_size() const noexcept { return options_.page_size; }

    /// The log set's signature. Throws backup_error(errc::logging_disabled).
    [[nodiscard]] signature log_signature() const {
        require_logging();
        return log_signature_;
    }

    /// The header of an attached database as it is now. Throws backup_error:
    /// invalid_database_id, instance_unavailable.
    [[nodiscard]] database_header database_header_of(database_id id) const {
        check_available();
        const std::shared_lock databases_lock{databases_mutex_};
        auto& database = *databases_.entry_for(id).database;
        auto header = database.header();
        const std::shared_lock tree_lock{database.tree_mutex()};
        header.dbtime = database.dbtime();
        header.page_count = database.page_count();
        return header;
    }

    /// Reads `count` pages from `first` of an attached database's file into `buffer`
    /// (at least count × page size bytes) and verifies each; unused pages (all
    /// zero, also past the end of the file) pass. A page being flushed may be read
    /// half-written and fail: to read pages while the engine runs, lock them with
    /// lock_pages() and read through the lock.
    /// Throws backup_error: read_verify_failure / read_pgno_verify_failure naming
    /// the file and page, invalid_database_id, invalid_parameter (`first` is 0 or the
    /// buffer is too small), instance_unavailable, disk_io.
    void read_pages(database_id id, page_number first, page_number count,
                    std::span<std::byte> buffer) {
        check_available();
        if (buffer.size() < std::size_t{count} * options_.page_size || first == 0) {
            throw backup_error(errc::invalid_parameter,
                               "read_pages needs page numbers from 1 and a buffer of count × "
                               "page size bytes");
        }
        const std::shared_lock databases_lock{databases_mutex_};
        databases_.entry_for(id).database->read_pages(first, count, buffer);
    }

    /// A page range of a database held against flushes; see lock_pages().
    using page_range_lock = hotbackup::page_range_lock<Storage>;

    /// Locks pages [first, last] of a database against flushes until the returned
    /// object is destroyed; waits for flushes of those pages in progress. Throws
    /// backup_error: invalid_parameter (`first` is 0 or `last` < `first`),
    /// invalid_database_id, instance_unavailable.
    [[nodiscard]] page_range_lock lock_pages(database_id id, page_number first, page_number last) {
        check_available();
        if (first == 0 || last < first) {
            throw backup_error(errc::invalid_parameter,
                               "a page range runs from page 1 or later to a page not before it");
        }
        std::shared_ptr<detail::database<Storage>> database;
        {
            const std::shared_lock databases_lock{databases_mutex_};
            database = databases_.entry_for(id).database;
        }
        return page_range_lock{std::move(database), first, last};
    }

    /// Closes the current log and starts the next: every log below the returned
    /// generation is complete and durable. Same as force_new_log().
    log_generation roll_log() { return force_new_log(); }

    /// The generation being written now ("<base>.log"). Throws backup_error:
    /// logging_disabled, instance_unavailable.
    [[nodiscard]] log_generation current_log_generation() const {
        check_available();
        require_logging();
        return log_->generation();
    }

    /// The numbered (closed) log generations in the log directory, ascending. Throws
    /// backup_error: logging_disabled, instance_unavailable, storage errors.
    [[nodiscard]] std::vector<log_generation> log_generations() const {
        check_available();
        require_logging();
        return detail::numbered_log_generations(*storage_, log_settings_);
    }

    /// The path of a closed log generation, whether or not the file exists. Throws
    /// backup_error(errc::invalid_parameter) for a generation outside
    /// [1, max_log_generation].
    [[nodiscard]] std::filesystem::path log_file_path(log_generation generation) const {
        return log_settings_.numbered_path(generation);
    }

    /// The lowest generation crash recovery needs now. Throws
    /// backup_error(errc::logging_disabled).
    [[nodiscard]] log_generation checkpoint_generation() const {
        require_logging();
        return checkpoint_generation_.load();
    }

    /// Deletes the closed logs of generations [first, end), oldest first, skipping
    /// missing ones; never the checkpoint generation or later, nor a held one.
    /// Returns how many it deleted. Throws backup_error: invalid_parameter (the range
    /// reaches the checkpoint or a held generation), logging_disabled,
    /// instance_unavailable, storage errors.
    std::size_t delete_logs(log_generation first, log_generation end) {
        check_available();
        require_logging();
        const std::scoped_lock checkpoint_lock{checkpoint_mutex_};
        check_available();
        const auto limit =
            std::min(checkpoint_generation_.load(), held_from_.value_or(max_log_generation));
        if (end > limit) {
            throw backup_error(errc::invalid_parameter, error_context{.generation = end - 1},
                               "logs from generation " + std::to_string(limit) +
                                   " on are still needed by recovery or a backup");
        }
        return detail::delete_numbered_logs(*storage_, log_settings_, first, end);
    }

    /// Keeps logs from `generation` on from circular-log deletion (a backup needs
    /// them), or lets them go again with nothing.
    void hold_logs_from(std::optional<log_generation> generation) {
        const std::scoped_lock checkpoint_lock{checkpoint_mutex_};
        held_from_ = generation;
    }

    /// The state this instance shares with its backup sessions.
    [[nodiscard]] std::shared_ptr<backup_control> shared_backup_control() const {
        return backup_control_;
    }

    /// Asks the running backup session to stop (ESE's JetStopBackupInstance): its
    /// next call fails with errc::backup_abort_by_server. Harmless without one.
    void stop_backup() noexcept { backup_control_->request_stop(); }

    /// Whether the log can serve a backup.
    [[nodiscard]] hotbackup::log_state log_state() const {
        if (!log_) {
            return hotbackup::log_state::disabled;
        }
        return log_->failed() ? hotbackup::log_state::failed : hotbackup::log_state::healthy;
    }

    /// Whether logs behind the checkpoint are deleted (options().circular_logging).
    [[nodiscard]] bool circular_logging() const noexcept { return options_.circular_logging; }

    /// The position the next log record takes. Throws backup_error:
    /// logging_disabled, instance_unavailable.
    [[nodiscard]] log_position log_tip() const {
        check_available();
        require_logging();
        return log_->end_position();
    }

    /// The checkpoint generation as the checkpoint file records it. Throws
    /// backup_error: checkpoint_file_not_found, checkpoint_corrupt,
    /// bad_checkpoint_signature (the file belongs to another log set), each naming
    /// the file; logging_disabled, instance_unavailable, storage errors.
    [[nodiscard]] log_generation stored_checkpoint_generation() const {
        check_available();
        require_logging();
        const std::scoped_lock checkpoint_lock{checkpoint_mutex_};
        const auto stored = read_checkpoint(*storage_, checkpoint_path_);
        if (!stored) {
            throw backup_error(errc::checkpoint_file_not_found,
                               error_context{.file = checkpoint_path_.string()},
                               "the checkpoint file is missing or was never written");
        }
        if (stored->log_signature != log_signature_) {
            throw backup_error(errc::bad_checkpoint_signature,
                               error_context{.file = checkpoint_path_.string()},
                               "the checkpoint belongs to another log set");
        }
        return stored->generation;
    }

    /// A closed log file open for reading by a backup; see open_log().
    using closed_log = hotbackup::closed_log<Storage>;

    /// Opens closed log `generation` for a backup to read. Throws backup_error:
    /// missing_file_to_backup (not on disk) naming the file, logging_disabled,
    /// instance_unavailable, storage errors.
    [[nodiscard]] closed_log open_log(log_generation generation) {
        check_available();
        require_logging();
        const auto path = log_settings_.numbered_path(generation);
        if (!storage_->exists(path)) {
            throw backup_error(errc::missing_file_to_backup,
                               error_context{.file = path.string(), .generation = generation},
                               "the log file is not on disk");
        }
        return closed_log{storage_->open(path, open_mode::read_only), path.string(), generation,
                          log_signature_};
    }

    /// Records a finished backup in a database header slot (docs/protocol.md §3.6): the slot is
    /// overwritten only if its mark is not newer; a truncated full backup also
    /// clears the incremental and differential slots. Both header copies are
    /// written and synced. Throws backup_error: invalid_database_id,
    /// instance_unavailable, storage errors.
    void write_backup_slot(database_id id, backup_slot slot, const backup_info& info) {
        check_available();
        const std::shared_lock databases_lock{databases_mutex_};
        databases_.entry_for(id).database->write_header([&](database_header& header) {
            if (header.slot(slot).mark > info.mark) {
                return;
            }
            header.slot(slot) = info;
            if (slot == backup_slot::full) {
                header.slot(backup_slot::incremental) = {};
                header.slot(backup_slot::differential) = {};
            }
        });
    }

  private:
    friend transaction;

    // ---- opening ----

    /// Recovers the instance from its logs (or starts a first log) and opens the
    /// log writer: the startup half of the constructor.
    void recover_and_open_log_writer() {
        detail::soft_recovery<Storage> recovery{*storage_, options_, log_settings_,
                                                checkpoint_path_};
        auto recovered = recovery.run();
        std::uint64_t sequence = 0;
        if (!recovered) {
            recovered.emplace();
            recovered->log_signature = signature::make();
            recovered->current = detail::create_log_file(*storage_, log_settings_,
                                                         recovered->log_signature, 1, 0, {});
            detail::install_log_file(*storage_, log_settings_, std::nullopt);
            recovered->end_segment = 1;
        } else {
            sequence = recovered->checkpoint_sequence;
            recovered_records_ = recovered->replayed_records;
        }
        log_signature_ = recovered->log_signature;
        log_ = std::make_unique<detail::log_writer<Storage>>(
            *storage_, log_settings_, recovered->current, recovered->end_segment,
            [this] { return attachments_for_new_log(); });
        if (!recovered->detach_slots.empty()) {
            std::vector<log_record> detaches;
            for (const auto slot : recovered->detach_slots) {
                detaches.emplace_back(log_records::detach{slot});
            }
            log_->flush_to(log_->append(detaches));
        }
        const std::scoped_lock checkpoint_lock{checkpoint_mutex_};
        checkpoint_sequence_ = sequence;
        write_checkpoint_locked(log_->end_position());
        delete_behind_checkpoint_locked();
    }

    /// The attachments a new log file's header records. The log writer calls it
    /// while rolling, and every roll happens under the commit lock, which attach
    /// and detach also hold, so the table cannot change meanwhile.
    std::vector<log_attachment> attachments_for_new_log() const {
        return databases_.log_attachments();
    }

    // ---- checks ----

    void check_available() const {
        if (terminated_.load()) {
            throw backup_error(errc::instance_unavailable, "the instance has been terminated");
        }
        if (log_ && log_->failed()) {
            std::exception_ptr unreported;
            {
                const std::scoped_lock report_lock{report_mutex_};
                unreported = std::exchange(unreported_log_failure_, nullptr);
            }
            if (unreported) {
                std::rethrow_exception(unreported);
            }
            throw backup_error(errc::instance_unavailable,
                               "a log write failed; terminate the instance and open it again "
                               "to recover from the log");
        }
        if (apply_failed_.load()) {
            throw backup_error(errc::instance_unavailable,
                               "a commit failed while applying its changes; open the instance "
                               "again to recover from the log");
        }
    }

    void require_logging() const {
        if (!log_) {
            throw backup_error(errc::logging_disabled,
                               "the instance runs without a log (options.recovery is off)");
        }
    }

    void require_no_backup() const {
        if (backup_control_->active()) {
            throw backup_error(errc::backup_in_progress,
                               "databases cannot be attached or detached during a backup");
        }
    }

    void check_write(database_id id, std::string_view key, std::string_view value) const {
        check_available();
        detail::check_record_size(key, value, options_.page_size);
        const std::shared_lock databases_lock{databases_mutex_};
        (void)databases_.entry_for(id);
    }

    /// Opens and attaches a database file: the attach record is durable before the
    /// header says dirty, so a crash between the two leaves a clean database that
    /// recovery reattaches harmlessly.
    database_id attach_locked(std::uint8_t slot, const std::filesystem::path& path) {
        auto opened =
            std::make_unique<detail::database<Storage>>(*storage_, path, slot, options_.page_size);
        const auto header = opened->header();
        const bool never_used = header.state == database_state::just_created &&
                                header.dbtime == 0 && header.log_signature == log_signature_;
        if (header.state != database_state::clean && !never_used) {
            throw backup_error(errc::database_dirty_shutdown, error_context{.file = path.string()},
                               "the database was not shut down cleanly; open the instance "
                               "whose log it was attached to so recovery can finish it");
        }
        if (log_) {
            const log_record record =
                log_records::attach{slot, header.database_signature, header.dbtime, path.string()};
            log_->flush_to(log_->append(std::span{&record, 1}));
        }
        opened->write_header([&](database_header& written) {
            written.state = database_state::dirty;
            written.log_signature = log_signature_;
        });
        return databases_.install(slot, std::move(opened));
    }

    /// Flushes a database, marks it clean and logs its detach. Callers hold the
    /// commit, checkpoint and (exclusive) databases locks.
    void close_database(detail::database<Storage>& database) {
        if (log_) {
            log_->flush_all();
            pages_flushed_ += database.flush(log_->durable_position());
        } else {
            pages_flushed_ += database.flush(unlimited_position);
        }
        {
            const std::shared_lock tree_lock{database.tree_mutex()};
            database.refresh_header_counters();
        }
        database.write_header(
            [](database_header& header) { header.state = database_state::clean; });
        if (log_) {
            const log_record record = log_records::detach{database.slot()};
            log_->flush_to(log_->append(std::span{&record, 1}));
        }
        database.close();
    }

    // ---- commit ----

    std::optional<std::string> read_committed(database_id id, std::string_view key) const {
        check_available();
        const std::shared_lock databases_lock{databases_mutex_};
        const auto& database = *databases_.entry_for(id).database;
        const std::shared_lock tree_lock{database.tree_mutex()};
        return database.get(key);
    }

    typename detail::database<Storage>::scan_batch scan_committed(database_id id,
                                                                  std::string_view from) const {
        check_available();
        const std::shared_lock databases_lock{databases_mutex_};
        const auto& database = *databases_.entry_for(id).database;
        const std::shared_lock tree_lock{database.tree_mutex()};
        return database.scan_from(from);
    }

    void commit_writes(const typename transaction::write_map& writes, commit_mode mode) {
        check_available();
        if (writes.empty()) {
            return;
        }
        log_position end{};
        {
            const std::scoped_lock commit_lock{commit_mutex_};
            check_available();  // again: term() or a failed commit may have come first
            const std::shared_lock databases_lock{databases_mutex_};
            // Every database must still be attached before anything is applied.
            const auto tree_locks = databases_.lock_trees_for(writes);
            detail::change_set changes;
            try {
                if (log_) {
                    changes.start = log_->end_position();
                }
                databases_.apply(writes, changes);
                if (log_) {
                    changes.records.emplace_back(
                        log_records::commit{signature::now_microseconds()});
                    end = log_->append(changes.records);
                }
                databases_.set_commit_end(changes, end);
            } catch (...) {
                // The cache may hold part of this commit and the log none of it: only
                // recovery from the log can restore a consistent state. The pages it
                // touched must never be flushed, nor any page at all from now on.
                apply_failed_.store(true);
                databases_.set_commit_end(changes, unlimited_position);
                throw;
            }
            ++commits_;
        }
        if (log_ && mode == commit_mode::durable) {
            log_->flush_to(end);
        }
        maybe_checkpoint();
    }

    // ---- checkpoint ----

    /// Starts a checkpoint if the log between the checkpoint and the tip is deeper
    /// than checkpoint_depth and no other thread is running one. Errors are kept for
    /// checkpoint() and term(): the commit that triggered it is durable already.
    void maybe_checkpoint() {
        if (!log_) {
            return;
        }
        const auto tip = log_->end_position();
        const auto behind =
            std::uint64_t{tip.generation - checkpoint_generation_.load()} * options_.log_file_size +
            tip.offset;
        if (behind <= options_.checkpoint_depth) {
            return;
        }
        const std::unique_lock checkpoint_lock{checkpoint_mutex_, std::try_to_lock};
        if (!checkpoint_lock.owns_lock()) {
            return;
        }
        try {
            run_checkpoint_locked(flush_mode::skip_locked_pages);
        } catch (...) {
            if (log_->failed()) {
                // No caller has seen the log fail yet: the next call reports it as
                // log_write_fail, later ones as instance_unavailable.
                const std::scoped_lock report_lock{report_mutex_};
                unreported_log_failure_ = std::current_exception();
            } else if (!deferred_error_) {
                deferred_error_ = std::current_exception();
            }
        }
    }

    /// Whether a checkpoint's flush waits for pages a backup has locked (an explicit
    /// checkpoint) or leaves them dirty for the next one (the automatic checkpoint a
    /// committing thread runs: writers never wait for a backup).
    enum class flush_mode { wait_for_backup, skip_locked_pages };

    void run_checkpoint_locked(flush_mode mode) {
        if (apply_failed_.load()) {
            return;  // the cache may hold half a commit: nothing may be flushed
        }
        const bool wait = mode == flush_mode::wait_for_backup;
        if (!log_) {
            const std::shared_lock databases_lock{databases_mutex_};
            pages_flushed_ += databases_.flush(unlimited_position, wait).pages;
            return;
        }
        // Read before the flush: a page dirtied from now on has its first-dirty
        // position here or later.
        auto position = log_->end_position();
        log_->flush_all();
        const auto durable = log_->durable_position();
        {
            const std::shared_lock databases_lock{databases_mutex_};
            const auto flushed = databases_.flush(durable, wait);
            pages_flushed_ += flushed.pages;
            if (flushed.oldest_dirty) {
                position = std::min(position, *flushed.oldest_dirty);
            }
        }
        if (position > checkpoint_position_) {
            write_checkpoint_locked(position);
        }
        delete_behind_checkpoint_locked();
    }

    void write_checkpoint_locked(log_position position) {
        checkpoint_state state;
        state.sequence = ++checkpoint_sequence_;
        state.generation = position.generation;
        state.offset = position.offset;
        state.log_signature = log_signature_;
        write_checkpoint(*storage_, checkpoint_path_, state);
        checkpoint_position_ = position;
        checkpoint_generation_.store(position.generation);
        ++checkpoints_;
    }

    void delete_behind_checkpoint_locked() {
        if (!options_.circular_logging) {
            return;
        }
        const auto limit =
            std::min(checkpoint_generation_.load(), held_from_.value_or(max_log_generation));
        detail::delete_numbered_logs(*storage_, log_settings_, 1, limit);
    }

    static constexpr log_position unlimited_position{max_log_generation, ~std::uint32_t{0}};

    Storage* storage_;
    instance_options options_;
    detail::log_settings log_settings_;
    std::filesystem::path checkpoint_path_;
    detail::path_claim system_claim_;
    detail::path_claim log_claim_;
    signature log_signature_{};
    std::unique_ptr<detail::log_writer<Storage>> log_;

    std::mutex commit_mutex_;
    mutable std::mutex checkpoint_mutex_;
    mutable std::shared_mutex databases_mutex_;
    detail::attachment_table<Storage> databases_;  // under databases_mutex_

    std::uint64_t checkpoint_sequence_ = 0;  // under checkpoint_mutex_
    log_position checkpoint_position_{};     // under checkpoint_mutex_
    std::atomic<log_generation> checkpoint_generation_{0};
    std::optional<log_generation> held_from_;  // under checkpoint_mutex_
    std::exception_ptr deferred_error_;        // under checkpoint_mutex_
    mutable std::mutex report_mutex_;
    mutable std::exception_ptr unreported_log_failure_;  // under report_mutex_

    std::atomic<bool> terminated_{false};
    std::atomic<bool> apply_failed_{false};
    std::shared_ptr<backup_control> backup_control_ = std::make_shared<backup_control>();
    std::atomic<std::uint64_t> commits_{0};
    std::atomic<std::uint64_t> pages_flushed_{0};
    std::atomic<std::uint64_t> checkpoints_{0};
    std::uint64_t recovered_records_ = 0;
};

}  // namespace hotbackup::inline v1
