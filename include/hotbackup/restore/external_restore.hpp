/// \file
/// external_restore(): hard recovery in place, as ESE's JetExternalRestore does it
/// (docs/protocol.md §5), for clients that copied a backup themselves, file by
/// file, without a backup set: the database streams already sit where they are
/// to be restored, and the backed-up logs in one directory.
///
/// Steps, in ESE's order:
/// 1. The backup logs `generations` (first to last) in backup_log_path: each
///    present (file_not_found), of one log set (given_log_file_has_bad_signature),
///    each following the one before (given_log_file_is_not_contiguous), and each
///    whole: every segment is read and verified (log_corrupt_during_hard_restore).
/// 2. The logs already in log_path: every one of the backup's log set; one of the
///    backup's generations, or the one before generations.first, must be that very
///    log (the same creation times); those after generations.last must continue the
///    backup logs (existing_log_file_has_bad_signature /
///    existing_log_file_is_not_contiguous / missing_restore_log_files) and are
///    replayed too, as ESE's phase II (roll forward).
/// 3. Each database of the map: its header must carry a backup
///    (restore_of_non_backup_database) of this log set, and its trailer page the
///    generations this restore replays (bad_backup_database_size, bad_patch_page,
///    database_patch_file_mismatch, starting_restore_log_too_high,
///    ending_restore_log_too_low). Only once every database passed are their
///    headers changed: each records generations.last and its trailer is zeroed
///    (docs/protocol.md §5.2 step 7). A database prepared so by an earlier attempt is taken as it
///    is, if the range covers what that attempt recorded.
/// 4. The backup logs are copied into log_path (when it is another directory), the
///    checkpoint file in checkpoint_path is replaced by one at generations.first, and
///    the logs are replayed into the mapped files; a database the logs name but the
///    map leaves out is ignored. The databases end clean, with the restored backup
///    recorded as their last full backup, and a new, empty log generation takes
///    the checkpoint: an instance opened with the report's options starts at once.
///    (ESE keeps a restored backup as the last full one only if it truncated its
///    logs; a stream does not say, so a later incremental backup of the restored
///    databases is always allowed.)
///
/// Unlike restore() (restore/restore.hpp), which stages everything and moves it into
/// place, this works on the files where they are: a failure after step 3 leaves the
/// databases unusable and the whole restore must be redone from the backup, as with
/// ESE; running it again with the same arguments finishes it.
///
/// Errors: backup_error: invalid_parameter (options, a database named twice),
/// system_path_in_use / log_file_path_in_use (an open instance uses the checkpoint
/// or log directory), the codes above, log_corrupt_during_hard_restore (a backup log fails replay),
/// log_corrupt_during_hard_recovery (a later log), database_corrupted (a damaged
/// header), database_log_set_mismatch (the logs never attach a mapped database),
/// file_not_found, storage errors.
///
/// Thread-safety: nothing else may use the directories or files while it runs.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/engine/detail/log_writer.hpp"
#include "hotbackup/engine/detail/recovery.hpp"
#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/engine/log_reader.hpp"
#include "hotbackup/engine/path_claim.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/checkpoint.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/restore/backup_set.hpp"
#include "hotbackup/restore/restore.hpp"
#include "hotbackup/set/progress.hpp"
#include "hotbackup/storage/durable.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// One database of an in-place restore (ESE's JET_RSTMAP): the path the logs
/// record for it, and where its backup stream was copied.
struct restore_map_entry {
    /// The database's path as the logs record it (ESE's szDatabaseName).
    std::string logged_path;
    /// The copied stream, restored in place (ESE's szNewDatabaseName).
    std::filesystem::path restored_path;
};

/// What external_restore() restores, and where.
struct external_restore_options {
    /// Where the checkpoint file goes (ESE's szCheckpointFilePath).
    std::filesystem::path checkpoint_path;
    /// Where recovery continues after the backup logs (ESE's szLogPath): newer
    /// logs found there are replayed too, and the new logs are written there.
    std::filesystem::path log_path;
    /// The databases to restore; at most 14 (2 × ESE's dbidMax).
    std::vector<restore_map_entry> databases;
    /// Where the backed-up logs are (ESE's szBackupLogPath).
    std::filesystem::path backup_log_path;
    /// The backed-up generations to replay: ESE's genLow to genHigh, both included.
    generation_range generations;
    /// The log set's base name.
    std::string base_name{default_base_name};
    /// Called as logs are checked and copied, and when replay ends.
    progress_callback progress{};
};

/// What external_restore() did.
struct external_restore_report {
    /// Open an instance with these to use the restored databases.
    instance_options options;
    /// The generations replayed: from external_restore_options::generations.first to
    /// its last, or to a later one from log_path.
    generation_range generations;
    /// Log records replayed.
    std::uint64_t replayed_records = 0;
    /// How long the whole restore took.
    double seconds = 0;
};

namespace detail {

template <storage Storage>
class external_restorer {
  public:
    external_restorer(Storage& storage, const external_restore_options& options)
        : storage_(&storage), options_(&options) {}

    external_restore_report run() {
        const auto start = std::chrono::steady_clock::now();
        validate();
        storage_->create_directories(options_->checkpoint_path);
        storage_->create_directories(options_->log_path);
        // An instance running on these directories would have its checkpoint and
        // its current log rewritten under it: claim them as an instance does.
        const path_claim system_claim{storage_identity(*storage_), "system path",
                                      options_->checkpoint_path, errc::system_path_in_use};
        const path_claim log_claim{storage_identity(*storage_), "log path", options_->log_path,
                                   errc::log_file_path_in_use};
        check_backup_logs();
        const auto roll_forward = check_log_path();
        const auto last =
            roll_forward.empty() ? options_->generations.last : roll_forward.back().first;
        std::vector<database_plan> plans;
        plans.reserve(options_->databases.size());
        for (const auto& entry : options_->databases) {
            plans.push_back(check_database(entry));
        }
        for (const auto& plan : plans) {
            prepare_database(plan);
        }
        copy_backup_logs();
        replay(last);
        report_.generations = {options_->generations.first, last};
        report_.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        report(total_, "");
        return report_;
    }

  private:
    void validate() const {
        validate_base_name(options_->base_name);
        if (options_->generations.empty()) {
            throw backup_error(errc::invalid_parameter,
                               "the generations to restore must run from 1 or later to one not "
                               "before it, not " +
                                   std::to_string(options_->generations.first) + ".." +
                                   std::to_string(options_->generations.last));
        }
        if (options_->databases.size() > 14) {
            throw backup_error(errc::invalid_parameter,
                               "at most 14 databases can be restored at once, not " +
                                   std::to_string(options_->databases.size()));
        }
        std::set<std::string> logged;
        std::set<std::filesystem::path> restored;
        for (const auto& entry : options_->databases) {
            if (entry.logged_path.empty() || entry.restored_path.empty()) {
                throw backup_error(errc::invalid_parameter,
                                   "a database of the restore map needs both its logged and its "
                                   "restored path");
            }
            if (!logged.insert(entry.logged_path).second ||
                !restored.insert(entry.restored_path.lexically_normal()).second) {
                throw backup_error(errc::invalid_parameter,
                                   error_context{.file = entry.restored_path.string()},
                                   "the restore map names this database twice");
            }
        }
        if (options_->checkpoint_path.empty() || options_->log_path.empty() ||
            options_->backup_log_path.empty()) {
            throw backup_error(errc::invalid_parameter,
                               "the checkpoint, log and backup log paths must name directories");
        }
    }

    [[nodiscard]] log_settings settings_in(const std::filesystem::path& directory) const {
        return {directory, options_->base_name, log_file_size_, page_size_};
    }

    /// The header of a log of the backup; damage is the hard-restore error.
    template <class File>
    static log_file_header backup_log_header(File& file, const std::filesystem::path& path,
                                             errc damaged) {
        try {
            return read_log_header(file);
        } catch (const backup_error& error) {
            if (error.value() != errc::log_file_corrupt) {
                throw;
            }
            throw backup_error(damaged, error_context{.file = path.string()}, error.what());
        }
    }

    void check_backup_logs() {
        std::optional<std::uint64_t> previous_created;
        for (auto generation = options_->generations.first;
             generation <= options_->generations.last; ++generation) {
            const auto path =
                options_->backup_log_path / log_file_name(options_->base_name, generation);
            const error_context context{.file = path.string(), .generation = generation};
            if (!storage_->exists(path)) {
                throw backup_error(errc::file_not_found, context,
                                   "the backup log directory lacks this generation");
            }
            auto file = storage_->open(path, open_mode::read_only);
            const auto header =
                backup_log_header(file, path, errc::log_corrupt_during_hard_restore);
            if (generation == options_->generations.first) {
                log_signature_ = header.log_signature;
                page_size_ = header.page_size;
                log_file_size_ = std::uint64_t{header.segment_count} * log_layout::block_size;
            }
            if (header.log_signature != log_signature_) {
                throw backup_error(errc::given_log_file_has_bad_signature, context,
                                   "the log belongs to another log set than generation " +
                                       std::to_string(options_->generations.first));
            }
            if (header.generation != generation ||
                (previous_created && header.previous_created != *previous_created) ||
                file.size() != log_file_size_ || header.page_size != page_size_) {
                throw backup_error(errc::given_log_file_is_not_contiguous, context,
                                   "the log does not follow the generation before it");
            }
            check_closed_log_intact(file, path, generation, header.segment_count);
            previous_created = header.created;
            backup_headers_.emplace(generation, header);
            total_ += file.size();
            report(0, path.string());
        }
        high_created_ = previous_created.value_or(0);
    }

    /// A backed-up log is closed: damage anywhere in it, also where a torn tail of
    /// the log being written at a crash would be, is corruption. Throws
    /// backup_error: log_corrupt_during_hard_restore naming the file and offset.
    template <class File>
    void check_closed_log_intact(File& file, const std::filesystem::path& path,
                                 log_generation generation, std::uint32_t segment_count) {
        try {
            const auto scan =
                scan_log_file(file, /*accept_torn_tail=*/false, [](log_position, log_record&&) {});
            // Scanning stops at the first unwritten segment; every one after it must
            // be unwritten too.
            for (auto segment = scan.end_segment; segment < segment_count; ++segment) {
                if (!detail::all_zero(detail::read_block(file, segment))) {
                    detail::throw_log_corrupt(path.string(), generation,
                                              std::uint64_t{segment} * log_layout::block_size,
                                              "a segment after the end of the log was written");
                }
            }
        } catch (const backup_error& error) {
            if (error.value() != errc::log_file_corrupt) {
                throw;
            }
            throw backup_error(errc::log_corrupt_during_hard_restore, error.context(),
                               error.what());
        }
    }

    /// The logs of log_path after generations.last, which continue the backup.
    std::vector<std::pair<log_generation, std::filesystem::path>> check_log_path() {
        const auto settings = settings_in(options_->log_path);
        std::optional<log_generation> current_generation;
        const auto found = logs_of_directory(
            *storage_, settings, [&](auto& file, const std::filesystem::path& path) {
                current_generation =
                    backup_log_header(file, path, errc::log_corrupt_during_hard_recovery)
                        .generation;
                return *current_generation;
            });
        std::vector<std::pair<log_generation, std::filesystem::path>> later;
        auto previous_created = high_created_;
        auto expected = options_->generations.last + 1;
        for (const auto& [generation, path] : found) {
            const error_context context{.file = path.string(), .generation = generation};
            auto file = storage_->open(path, open_mode::read_only);
            const auto header = backup_log_header(file, path,
                                                  generation > options_->generations.last
                                                      ? errc::log_corrupt_during_hard_recovery
                                                      : errc::log_corrupt_during_hard_restore);
            if (header.log_signature != log_signature_) {
                throw backup_error(errc::existing_log_file_has_bad_signature, context,
                                   "the log directory holds a log of another log set");
            }
            if (generation + 1 == options_->generations.first &&
                header.created !=
                    backup_headers_.at(options_->generations.first).previous_created) {
                throw backup_error(errc::existing_log_file_is_not_contiguous, context,
                                   "the log before the backup's first one is of another history");
            }
            if (generation < options_->generations.first) {
                continue;  // older than the restore; recovery never reads it
            }
            if (generation <= options_->generations.last) {
                const auto& backup = backup_headers_.at(generation);
                if (generation == current_generation || header.created != backup.created ||
                    header.previous_created != backup.previous_created) {
                    // Not the backup's log of that generation: a diverging history,
                    // which the restore must not overwrite.
                    throw backup_error(errc::existing_log_file_is_not_contiguous, context,
                                       "the log directory holds another log of this backed-up "
                                       "generation");
                }
                same_directory_logs_.push_back(generation);
                continue;
            }
            if (generation != expected) {
                throw backup_error(
                    errc::missing_restore_log_files,
                    error_context{.file = settings.numbered_path(expected).string(),
                                  .generation = expected},
                    "the log directory skips this generation after the backup's logs");
            }
            if (header.previous_created != previous_created || file.size() != log_file_size_) {
                throw backup_error(
                    errc::existing_log_file_is_not_contiguous, context,
                    "the log does not follow generation " + std::to_string(generation - 1));
            }
            previous_created = header.created;
            later.emplace_back(generation, path);
            total_ += file.size();
            ++expected;
        }
        return later;
    }

    /// A database of the map, checked and ready to be prepared for replay.
    struct database_plan {
        const restore_map_entry* entry = nullptr;
        database_header header{};
        std::uint64_t stream_size = 0;
        bool prepared_before = false;  // by an earlier attempt: header set (first copy at least)
        bool header_copy_damaged = false;  // one copy unreadable: a write torn by a crash
        bool trailer_left = false;  // prepared before, but the crash came before the trailer went
    };

    [[nodiscard]] database_plan check_database(const restore_map_entry& entry) {
        const auto& path = entry.restored_path;
        const auto name = path.string();
        if (!storage_->exists(path)) {
            throw backup_error(errc::file_not_found, error_context{.file = name},
                               "no restored database file for " + entry.logged_path);
        }
        auto file = storage_->open(path, open_mode::read_only);
        const auto size = file.size();
        std::vector<std::byte> page(page_size_);
        std::optional<database_header> header;
        bool header_copy_damaged = false;
        for (std::uint64_t copy = 0; copy < 2; ++copy) {
            std::optional<database_header> decoded;
            if ((copy + 1) * page_size_ <= size) {
                (void)file.read_at(copy * page_size_, page);
                decoded = database_header::decode(page);
            }
            header_copy_damaged = header_copy_damaged || !decoded;
            if (!header) {
                header = decoded;
            }
        }
        if (!header) {
            throw backup_error(errc::database_corrupted, error_context{.file = name, .page = 0},
                               "neither header copy is a database header of " +
                                   std::to_string(page_size_) + "-byte pages");
        }
        check_backup_header(*header, name, header->database_signature, log_signature_, page_size_);
        database_plan plan{&entry, *header, (std::uint64_t{header->page_count} + 3) * page_size_,
                           header->current_full.generation_high != 0, header_copy_damaged};
        const error_context context{.file = name, .page = 0};
        if (plan.prepared_before) {
            // The trailer is gone; what the earlier attempt recorded stands for it.
            if (header->current_full.generation_low < options_->generations.first) {
                throw backup_error(errc::starting_restore_log_too_high, context,
                                   "the database needs logs from generation " +
                                       std::to_string(header->current_full.generation_low));
            }
            if (header->current_full.generation_high > options_->generations.last) {
                throw backup_error(errc::ending_restore_log_too_low, context,
                                   "an earlier restore of this database replayed up to "
                                   "generation " +
                                       std::to_string(header->current_full.generation_high));
            }
            // A crash after the header copies and before the trailer was zeroed
            // leaves the trailer: still this backup's, it is zeroed now. Anything
            // else there is the database's own page and stays.
            if (size == plan.stream_size) {
                (void)file.read_at(plan.stream_size - page_size_, page);
                const auto trailer = backup_trailer::decode(page);
                plan.trailer_left = trailer && trailer->page_count == header->page_count &&
                                    trailer->database_signature == header->database_signature &&
                                    trailer->backup.mark == header->current_full.mark;
            }
            return plan;
        }
        if (size != plan.stream_size) {
            throw backup_error(errc::bad_backup_database_size, error_context{.file = name},
                               "the file has " + std::to_string(size) +
                                   " bytes, its backup stream " + std::to_string(plan.stream_size));
        }
        (void)file.read_at(plan.stream_size - page_size_, page);
        check_backup_trailer(page, name, header->page_count, *header, options_->generations);
        return plan;
    }

    /// docs/protocol.md §5.2 step 7: the header learns the last generation of the backup; the
    /// trailer goes.
    void prepare_database(const database_plan& plan) {
        const auto& path = plan.entry->restored_path;
        auto header = plan.header;
        const bool write_header = !plan.prepared_before || plan.header_copy_damaged;
        const bool zero_trailer = !plan.prepared_before || plan.trailer_left;
        if (!plan.prepared_before) {
            header.current_full.generation_high = options_->generations.last;
        }
        if (write_header || zero_trailer) {
            // The header first, one copy synced before the other is touched: a
            // crash tears one copy at most, and once the first copy is durable a
            // retry takes the database as prepared (repairing the other copy and
            // zeroing a trailer left behind).
            auto file = storage_->open(path, open_mode::read_write);
            if (write_header) {
                detail::write_header_copies(file, header.encode(), page_size_);
            }
            if (zero_trailer) {
                const std::vector<std::byte> zeros(page_size_);
                file.write_at(plan.stream_size - page_size_, zeros);
                file.sync();
            }
            file.close();
        }
        map_.emplace(plan.entry->logged_path, path);
    }

    void copy_backup_logs() {
        const auto target = settings_in(options_->log_path);
        std::vector<std::byte> buffer(std::size_t{1} << 20);
        for (auto generation = options_->generations.first;
             generation <= options_->generations.last; ++generation) {
            const auto source =
                options_->backup_log_path / log_file_name(options_->base_name, generation);
            const auto destination = target.numbered_path(generation);
            if (std::ranges::find(same_directory_logs_, generation) != same_directory_logs_.end()) {
                // The log directory holds this very log already (check_log_path made
                // sure): the same file when both directories are one, else the
                // backup's copy replaces it.
                if (storage_->exists(source) && same_file(source, destination)) {
                    report(log_file_size_, source.string());
                    continue;
                }
            }
            copy_log(source, destination, buffer);
            report(log_file_size_, source.string());
        }
        storage_->sync_directory(options_->log_path);
    }

    [[nodiscard]] bool same_file(const std::filesystem::path& left,
                                 const std::filesystem::path& right) const {
        const auto normal = [](const std::filesystem::path& path) {
            return std::filesystem::absolute(path).lexically_normal();
        };
        return normal(left) == normal(right);
    }

    void copy_log(const std::filesystem::path& source, const std::filesystem::path& destination,
                  std::vector<std::byte>& buffer) {
        (void)detail::copy_file_durably(*storage_, source, *storage_, destination, buffer);
    }

    void replay(log_generation last) {
        const auto settings = settings_in(options_->log_path);
        const auto checkpoint_path =
            options_->checkpoint_path / checkpoint_file_name(options_->base_name);
        // docs/protocol.md §5.2 step 9: redo starts at
        // generations.first, whatever checkpoint was there.
        write_checkpoint(*storage_, checkpoint_path,
                         checkpoint_state{.sequence = 1,
                                          .generation = options_->generations.first,
                                          .offset = 0,
                                          .log_signature = log_signature_});
        storage_->sync_directory(options_->checkpoint_path);
        auto& options = report_.options;
        options.system_path = options_->checkpoint_path;
        options.log_path = options_->log_path;
        options.base_name = options_->base_name;
        options.page_size = page_size_;
        options.log_file_size = log_file_size_;
        options.checkpoint_depth = std::max(options.checkpoint_depth, log_file_size_);
        soft_recovery<Storage> recovery{*storage_, options, settings, checkpoint_path};
        const auto result = replay_mapped(recovery, map_, options_->generations.last);
        if (!result || result->current.generation < last) {
            throw backup_error(errc::missing_restore_log_files,
                               error_context{.file = options_->log_path.string()},
                               "replay ended before generation " + std::to_string(last));
        }
        report_.replayed_records = result->replayed_records;
        close_replayed_log(*storage_, settings, *result, checkpoint_path);
        // Every database replayed clean before any forgets its backup, so a failure
        // here leaves them all as a retry expects them.
        for (const auto& [logged, path] : map_) {
            (void)replayed_header(*storage_, path, page_size_);
        }
        for (const auto& [logged, path] : map_) {
            record_restored_backup(*storage_, path, page_size_, backup_slot::full);
        }
    }

    void report(std::uint64_t bytes, const std::string& file) {
        done_ = std::min(total_, done_ + bytes);
        if (options_->progress) {
            options_->progress(
                progress_report{.bytes_done = done_, .bytes_total = total_, .current_file = file});
        }
    }

    Storage* storage_;
    const external_restore_options* options_;
    external_restore_report report_{};
    signature log_signature_{};
    std::uint32_t page_size_ = 0;
    std::uint64_t log_file_size_ = 0;
    std::uint64_t high_created_ = 0;
    std::vector<log_generation> same_directory_logs_;
    std::map<log_generation, log_file_header> backup_headers_;
    std::map<std::string, std::filesystem::path> map_;
    std::uint64_t total_ = 0;
    std::uint64_t done_ = 0;
};

}  // namespace detail

/// Restores in place, as ESE's JetExternalRestore; see the header comment for the
/// steps and the errc each one throws. Returns the options to open the restored
/// instance with. Runs on the caller's thread, which also calls the progress
/// callback; no instance and nothing else may use the directories meanwhile
/// (an open instance's are refused: system_path_in_use, log_file_path_in_use).
template <storage Storage>
external_restore_report external_restore(Storage& storage,
                                         const external_restore_options& options) {
    return detail::external_restorer<Storage>{storage, options}.run();
}

}  // namespace hotbackup::inline v1
