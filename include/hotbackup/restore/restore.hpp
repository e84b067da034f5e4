/// \file
/// restore(): hard recovery from a chain of backup sets (docs/protocol.md §5) into
/// a destination directory that then opens as a normal instance with clean
/// databases.
///
/// ~~~{.unparsed}
///   destination/<base>.chk          the checkpoint (the instance's system path)
///   destination/logs/               the logs (its log path)
///   destination/<database names>    each database under its file name, or the
///                                   name the renames give (ESE's JET_RSTMAP)
/// ~~~
///
/// Steps: check the chain (backup_set.hpp); copy the logs of the chain, then the
/// newer logs of a roll-forward directory (same log signature, contiguous), up to
/// an optional last generation; copy each database stream, checking header, pages
/// and trailer on the way, write its header with the generation the restore
/// replays to and zero the trailer (docs/protocol.md §5.2 step 7); replay the logs into the
/// databases (recovery.hpp with a database map), which leaves them clean; start a new log
/// generation and write a checkpoint at it, so the instance opened on the
/// destination replays nothing again; record the restored backup in each header
/// (its current-full info moves to the full or copy slot).
///
/// Everything is written in the staging directory destination/.hotbackup-restore;
/// only a complete, replayed restore is moved into place, by renames listed in
/// staging/restored.json, which is synced first. A restore interrupted by a crash
/// is run again with the same arguments: before that file exists the staging
/// directory is wiped and the restore starts over; after, the renames are
/// finished. A restore that fails before that file exists removes its staging
/// directory (best effort) and leaves no file under a final name; one that fails
/// while moving files into place keeps the file, and running it again finishes.
/// The moves put the checkpoint first, then the logs, then the databases, so an
/// instance opened on a half-moved destination refuses to start rather than replay.
///
/// Paths: rename targets are relative to the destination; one that is absolute,
/// has a "." or ".." component or goes through a symbolic link is refused
/// (invalid_path), and so are set file names that leave their set (manifest.hpp).
/// Files already under a final name are never overwritten (file_already_exists).
///
/// Errors: backup_error: those of check_chain and of each file's checks
/// (backup_set.hpp); invalid_parameter (options); invalid_path; file_already_exists;
/// existing_log_file_has_bad_signature / existing_log_file_is_not_contiguous /
/// missing_restore_log_files (roll-forward logs); log_corrupt_during_hard_restore
/// (a set's log fails replay) / log_corrupt_during_hard_recovery (a roll-forward
/// log); backup_abort_by_caller (a stop request); storage errors.
///
/// Thread-safety: one restore per destination at a time.
#pragma once

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <range/v3/view/filter.hpp>
#include <set>
#include <stop_token>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/engine/detail/log_writer.hpp"
#include "hotbackup/engine/detail/recovery.hpp"
#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/engine/log_reader.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/checkpoint.hpp"
#include "hotbackup/restore/backup_set.hpp"
#include "hotbackup/set/progress.hpp"
#include "hotbackup/storage/durable.hpp"

namespace hotbackup::inline v1 {

/// Restores one database of the chain under another name (ESE's JET_RSTMAP).
struct database_rename {
    std::string original_path;  ///< the path the manifest records
    std::string restored_name;  ///< relative to the destination
};

/// How restore() restores.
struct restore_options {
    /// With renames, only the databases they name are restored; without, every
    /// database of the full set under its file name.
    std::vector<database_rename> renames;
    /// A log directory (on the destination's storage) whose newer logs continue the
    /// chain: numbered logs and the current log "<base>.log". Its instance must not
    /// be running (the current log is copied as it is).
    std::optional<std::filesystem::path> roll_forward;
    /// Replay no generation after this one.
    std::optional<log_generation> stop_after_generation;
    /// Bytes copied at once: a multiple of the page size.
    std::size_t buffer_size = std::size_t{1} << 20;
    /// Called after each chunk copied; replay itself reports nothing.
    progress_callback progress;
    /// A stop request fails the restore with errc::backup_abort_by_caller while
    /// files are copied; log replay, once begun, runs to its end.
    std::stop_token stop;
};

/// One restored database.
struct restored_database {
    /// The path the manifest records: where the database lived when backed up.
    std::string original_path;
    std::filesystem::path path;  ///< where it is now
};

/// What restore() made: open the instance with `options`, then attach the
/// databases.
struct restore_report {
    /// The options to open the restored instance with: system and log path in the
    /// destination, the chain's base name, page size and log file size.
    instance_options options;
    /// Each restored database and where it is now.
    std::vector<restored_database> databases;
    /// The generations replayed: from the chain's first to the last one replayed.
    generation_range generations;
    /// Database stream bytes copied (0 when an interrupted restore was finished).
    std::uint64_t database_bytes = 0;
    /// Log bytes copied, roll-forward logs included (0 when resumed).
    std::uint64_t log_bytes = 0;
    /// Log records replayed (0 when resumed).
    std::uint64_t replayed_records = 0;
    double seconds = 0;         ///< the whole restore
    double replay_seconds = 0;  ///< of which log replay (recovery) took this long
    bool resumed = false;       ///< an interrupted restore was finished

    /// Copy speed over the whole restore in MB/s (10^6 bytes), 0 if no time passed.
    [[nodiscard]] double megabytes_per_second() const noexcept {
        return seconds > 0 ? static_cast<double>(database_bytes + log_bytes) / 1e6 / seconds : 0;
    }
};

/// The staging directory's name in the destination.
inline constexpr std::string_view restore_staging_name = ".hotbackup-restore";

namespace detail {

/// Refuses a destination-relative name that is absolute, has an empty, "." or ".."
/// component, or whose existing components are not plain directories (a symbolic
/// link, a file) below `root`.
template <storage Storage>
void check_inside(Storage& storage, const std::filesystem::path& root, const std::string& name) {
    try {
        tar::check_name(name);
    } catch (const backup_error& error) {
        throw backup_error(
            errc::invalid_path, error_context{.file = name},
            "a restored file must stay inside the destination: " + std::string{error.what()});
    }
    auto directory = root;
    const std::filesystem::path relative{name};
    for (auto component = relative.begin(); component != relative.end(); ++component) {
        if (!storage.exists(directory)) {
            return;
        }
        const auto entries = storage.list(directory);
        const auto found = std::ranges::find(entries, component->string(), &directory_entry::name);
        const bool last = std::next(component) == relative.end();
        if (found != entries.end() &&
            (found->kind == entry_kind::other || (!last && found->kind != entry_kind::directory))) {
            throw backup_error(errc::invalid_path, error_context{.file = (root / name).string()},
                               "the path goes through " + (directory / *component).string() +
                                   ", which is a symbolic link or not a directory");
        }
        directory /= *component;
    }
}

/// Removes a directory tree of a storage policy. Throws backup_error from the
/// storage.
template <storage Storage>
void remove_tree(Storage& storage, const std::filesystem::path& path) {
    if (!storage.exists(path)) {
        return;
    }
    for (const auto& entry : storage.list(path)) {
        if (entry.kind == entry_kind::directory) {
            remove_tree(storage, path / entry.name);
        } else {
            storage.remove(path / entry.name);
        }
    }
    storage.remove(path);
}

/// remove_tree after a failure, when the first error is the one to report.
template <storage Storage>
void discard_tree(Storage& storage, const std::filesystem::path& path) noexcept {
    try {
        remove_tree(storage, path);
    } catch (...) {  // cleanup after a failure, best effort
    }
}

/// Runs hard recovery's replay: each database the logs name is replayed into the
/// file `map` gives (one it leaves out is ignored), and a damaged log is
/// log_corrupt_during_hard_restore up to the backup's last generation
/// `last_backed_up`, log_corrupt_during_hard_recovery after it.
template <storage Storage>
std::optional<recovery_result> replay_mapped(
    soft_recovery<Storage>& recovery, const std::map<std::string, std::filesystem::path>& map,
    log_generation last_backed_up) {
    recovery.map_databases(
        [&map](const std::string& logged) -> std::optional<std::filesystem::path> {
            const auto found = map.find(logged);
            if (found == map.end()) {
                return std::nullopt;
            }
            return found->second;
        });
    try {
        return recovery.run();
    } catch (const backup_error& error) {
        if (error.value() != errc::log_file_corrupt) {
            throw;
        }
        const auto generation = error.context().generation.value_or(0);
        throw backup_error(generation <= last_backed_up ? errc::log_corrupt_during_hard_restore
                                                        : errc::log_corrupt_during_hard_recovery,
                           error.context(), error.what());
    }
}

/// Ends a hard recovery's replay so that the instance opened next replays nothing
/// again: the log recovery made (or continued) names the databases' original
/// paths, so a continued log, or one whose header names attachments, is closed and
/// a new, empty generation with none attached takes the checkpoint.
template <storage Storage>
void close_replayed_log(Storage& storage, const log_settings& settings,
                        const recovery_result& result,
                        const std::filesystem::path& checkpoint_path) {
    auto current = result.current;
    if (result.end_segment > 1 || !result.current.attachments.empty()) {
        current = create_log_file(storage, settings, result.log_signature, current.generation + 1,
                                  current.created, {});
        install_log_file(storage, settings, result.current.generation);
    }
    write_checkpoint(storage, checkpoint_path,
                     checkpoint_state{.sequence = 1,
                                      .generation = current.generation,
                                      .offset = log_layout::block_size,
                                      .log_signature = result.log_signature});
    storage.sync_directory(checkpoint_path.parent_path());
}

/// The header of a database after replay, which must have left it clean. Throws
/// backup_error: database_corrupted, database_log_set_mismatch (the replayed logs
/// never attach it), storage errors.
template <storage Storage>
database_header replayed_header(Storage& storage, const std::filesystem::path& path,
                                std::uint32_t page_size) {
    auto file = storage.open(path, open_mode::read_only);
    std::vector<std::byte> page(page_size);
    (void)file.read_at(0, page);
    const auto header = database_header::decode(page);
    if (!header) {
        throw backup_error(errc::database_corrupted, error_context{.file = path.string()},
                           "the header is damaged after replay");
    }
    if (header->state != database_state::clean) {
        throw backup_error(errc::database_log_set_mismatch, error_context{.file = path.string()},
                           "the restored logs never attach this database");
    }
    return *header;
}

/// Moves the backup a replayed database was restored from out of its current-full
/// info into `slot`, where a later incremental backup looks for it, after checking
/// that replay left the database clean. Throws as replayed_header().
template <storage Storage>
void record_restored_backup(Storage& storage, const std::filesystem::path& path,
                            std::uint32_t page_size, backup_slot slot) {
    auto header = replayed_header(storage, path, page_size);
    header.slot(slot) = header.current_full;
    header.current_full = {};
    auto file = storage.open(path, open_mode::read_write);
    detail::write_header_copies(file, header.encode(), page_size);
    file.close();
}

/// A database of the chain and where it goes.
struct database_plan {
    const manifest_database* database;
    std::string final_name;   ///< relative to the destination
    std::string staged_name;  ///< relative to the staging directory
};

template <storage Storage, storage SetStorage>
class restorer {
  public:
    using settings_type = detail::log_settings;

    restorer(const std::vector<backup_set<SetStorage>>& sets, Storage& storage,
             std::filesystem::path destination, const restore_options& options)
        : sets_(&sets),
          storage_(&storage),
          destination_(std::move(destination)),
          staging_(destination_ / std::string{restore_staging_name}),
          options_(&options),
          pacer_(options.progress, 0, options.stop, "the restore") {}

    restore_report run() {
        chain_ = check_chain(*sets_);
        if (chain_.source_format != reference_format_name) {
            throw backup_error(
                errc::invalid_backup,
                error_context{
                    .file = (sets_->front().directory() / std::string{manifest_name}).string()},
                "the set holds pages and logs of format \"" + chain_.source_format +
                    "\": only its own engine can rebuild from it (verify() "
                    "checks its files by the manifest)");
        }
        check_buffer_size(options_->buffer_size, chain_.page_size);
        plan_databases();
        report_.options.system_path = destination_;
        report_.options.log_path = destination_ / "logs";
        report_.options.base_name = chain_.base_name;
        report_.options.page_size = chain_.page_size;
        report_.options.log_file_size = chain_.log_file_size;
        report_.options.checkpoint_depth =
            std::max(report_.options.checkpoint_depth, chain_.log_file_size);
        for (const auto& plan : plans_) {
            report_.databases.push_back({plan.database->path, destination_ / plan.final_name});
        }
        report_.generations.first = chain_.generations.first;

        storage_->create_directories(destination_);
        // The directories the restore writes through must be plain directories too.
        check_inside(*storage_, destination_, "logs");
        check_inside(*storage_, destination_, std::string{restore_staging_name});
        if (storage_->exists(staging_ / marker_name)) {
            const auto marker = read_marker();
            report_.resumed = true;
            report_from_marker(marker);
            finish_moves(marker, true);
            return finish_report();
        }
        refuse_existing();
        remove_tree(*storage_, staging_);
        try {
            storage_->create_directories(staging_ / "logs");
            copy_logs();
            copy_databases();
            const auto replay_start = pacer_.seconds();
            replay();
            report_.replay_seconds = pacer_.seconds() - replay_start;
            write_marker();
        } catch (...) {
            discard_tree(*storage_, staging_);
            throw;
        }
        finish_moves(read_marker(), false);
        return finish_report();
    }

  private:
    static constexpr std::string_view marker_name = "restored.json";

    restore_report finish_report() {
        report_.seconds = pacer_.seconds();
        return report_;
    }

    void plan_databases() {
        const auto& full = sets_->front().contents();
        // Names the restore itself writes; a database may neither take one nor sit
        // below one.
        std::vector<std::string> taken{std::string{restore_staging_name}, "logs",
                                       checkpoint_file_name(chain_.base_name)};
        const auto add = [&](const manifest_database& database, const std::string& name) {
            check_inside(*storage_, destination_, name);
            for (const auto& other : taken) {
                if (names_collide(name, other)) {
                    throw backup_error(errc::invalid_path, error_context{.file = name},
                                       "the name collides with " + other +
                                           ", another file or directory of the restore");
                }
            }
            taken.push_back(name);
            plans_.push_back({&database, name, "db-" + std::to_string(plans_.size())});
        };
        if (options_->renames.empty()) {
            for (const auto& database : full.databases) {
                add(database, std::filesystem::path{database.path}.filename().string());
            }
            return;
        }
        std::set<std::string> originals;
        for (const auto& rename : options_->renames) {
            const auto found =
                std::ranges::find(full.databases, rename.original_path, &manifest_database::path);
            if (found == full.databases.end()) {
                throw backup_error(errc::invalid_parameter,
                                   error_context{.file = rename.original_path},
                                   "the full set holds no database of this path");
            }
            if (!originals.insert(rename.original_path).second) {
                throw backup_error(errc::invalid_parameter,
                                   error_context{.file = rename.original_path},
                                   "the renames name this database twice");
            }
            add(*found, rename.restored_name);
        }
    }

    /// Whether two destination-relative names are the same file, ignoring case (as
    /// some file systems do), or one is a directory the other lies in.
    static bool names_collide(const std::string& left, const std::string& right) {
        const auto lower = [](std::string text) {
            std::ranges::transform(text, text.begin(), [](unsigned char character) {
                return static_cast<char>(std::tolower(character));
            });
            return text;
        };
        const auto a = lower(left);
        const auto b = lower(right);
        const auto& shorter = a.size() <= b.size() ? a : b;
        const auto& longer = a.size() <= b.size() ? b : a;
        return longer.starts_with(shorter) &&
               (longer.size() == shorter.size() || longer[shorter.size()] == '/');
    }

    /// A fresh restore never overwrites: the final names must be free and the log
    /// directory empty.
    void refuse_existing() const {
        const auto taken = [&](const std::filesystem::path& path) {
            if (storage_->exists(path)) {
                throw backup_error(errc::file_already_exists, error_context{.file = path.string()},
                                   "the restore destination already holds this file");
            }
        };
        taken(destination_ / checkpoint_file_name(chain_.base_name));
        for (const auto& plan : plans_) {
            taken(destination_ / plan.final_name);
        }
        const auto logs = destination_ / "logs";
        if (storage_->exists(logs) && !storage_->list(logs).empty()) {
            throw backup_error(errc::file_already_exists, error_context{.file = logs.string()},
                               "the restore destination's log directory is not empty");
        }
    }

    [[nodiscard]] settings_type settings_in(const std::filesystem::path& directory) const {
        return {directory, chain_.base_name, chain_.log_file_size, chain_.page_size};
    }

    template <storage From, class Check>
    void copy_file(From& from, const std::filesystem::path& source, Check& check, errc missing,
                   const error_context& context, const std::filesystem::path& target,
                   const std::string& label) {
        auto out = storage_->open(target, open_mode::create);
        read_checked(from, source, check, buffer_, missing, context,
                     [&](std::uint64_t offset, std::span<const std::byte> chunk) {
                         out.write_at(offset, chunk);
                         pacer_.advance(label, chunk.size());
                     });
        out.sync();
        out.close();
    }

    void copy_logs() {
        const auto last = options_->stop_after_generation.value_or(max_log_generation);
        if (last < chain_.generations.first) {
            throw backup_error(errc::invalid_parameter,
                               "stop_after_generation " + std::to_string(last) +
                                   " is before the chain's first generation " +
                                   std::to_string(chain_.generations.first));
        }
        std::vector<const chain_log*> copies;
        for (const auto& entry : chain_.logs) {
            if (entry.log.generation <= last) {
                copies.push_back(&entry);
            }
        }
        const auto roll_forward = roll_forward_logs(last);
        for (const auto* entry : copies) {
            pacer_.add_total(entry->log.size);
        }
        pacer_.add_total(roll_forward.size() * chain_.log_file_size);
        for (const auto& plan : plans_) {
            pacer_.add_total(plan.database->stream_size);
        }
        for (const auto& entry : chain_.duplicates) {
            pacer_.add_total(entry.log.size);
        }
        buffer_.resize(options_->buffer_size);
        check_duplicate_logs(
            *sets_, chain_, buffer_,
            [&](const std::string& file, std::size_t bytes) { pacer_.advance(file, bytes); });
        const auto staged = settings_in(staging_ / "logs");
        std::optional<std::uint64_t> previous_created;
        for (const auto* entry : copies) {
            const auto& set = sets_->at(entry->set);
            const auto path = set.path_of(entry->log.file);
            log_file_check check{path.string(), entry->log, chain_, previous_created};
            copy_file(set.storage(), path, check, errc::missing_restore_log_files, check.context(),
                      staged.numbered_path(entry->log.generation), entry->log.file);
            previous_created = check.created();
            report_.log_bytes += entry->log.size;
            report_.generations.last = entry->log.generation;
        }
        for (const auto& [generation, path] : roll_forward) {
            copy_roll_forward(generation, path, previous_created, staged);
            report_.generations.last = generation;
        }
        storage_->sync_directory(staging_ / "logs");
    }

    /// The logs of the roll-forward directory that continue the chain, up to `last`.
    [[nodiscard]] std::vector<std::pair<log_generation, std::filesystem::path>> roll_forward_logs(
        log_generation last) const {
        std::vector<std::pair<log_generation, std::filesystem::path>> logs;
        if (!options_->roll_forward || last <= chain_.generations.last) {
            return logs;
        }
        const auto settings = settings_in(*options_->roll_forward);
        const auto found = logs_of_directory(*storage_, settings,
                                             [](auto& file, const std::filesystem::path& path) {
                                                 return roll_forward_header(file, path).generation;
                                             });
        auto expected = chain_.generations.last + 1;
        for (const auto& [generation, path] : found | ranges::views::filter([&](const auto& entry) {
                                                  return entry.first > chain_.generations.last &&
                                                         entry.first <= last;
                                              })) {
            if (generation != expected) {
                throw backup_error(errc::missing_restore_log_files,
                                   error_context{.file = settings.numbered_path(expected).string(),
                                                 .generation = expected},
                                   "the roll-forward directory skips this generation");
            }
            logs.emplace_back(generation, path);
            ++expected;
        }
        return logs;
    }

    /// The header of a roll-forward log; damage is the hard-recovery error.
    template <class File>
    [[nodiscard]] static log_file_header roll_forward_header(File& file,
                                                             const std::filesystem::path& path) {
        try {
            return read_log_header(file);
        } catch (const backup_error& error) {
            if (error.value() != errc::log_file_corrupt) {
                throw;
            }
            throw backup_error(errc::log_corrupt_during_hard_recovery,
                               error_context{.file = path.string()}, error.what());
        }
    }

    /// Copies one roll-forward log into the staged log directory: the live
    /// directory's current log as the current log, so replay zeroes a torn tail
    /// of it as recovery does, the others under their numbers.
    void copy_roll_forward(log_generation generation, const std::filesystem::path& path,
                           std::optional<std::uint64_t>& previous_created,
                           const settings_type& staged) {
        const error_context context{.file = path.string(), .generation = generation};
        {
            auto file = storage_->open(path, open_mode::read_only);
            if (file.size() != chain_.log_file_size) {
                throw backup_error(errc::log_corrupt_during_hard_recovery, context,
                                   "the log has " + std::to_string(file.size()) +
                                       " bytes, the chain's logs " +
                                       std::to_string(chain_.log_file_size));
            }
            const auto header = roll_forward_header(file, path);
            if (header.log_signature != chain_.log_signature) {
                throw backup_error(errc::existing_log_file_has_bad_signature, context,
                                   "the log belongs to another log set");
            }
            if (header.generation != generation ||
                (previous_created && header.previous_created != *previous_created)) {
                throw backup_error(errc::existing_log_file_is_not_contiguous, context,
                                   "the log does not follow the chain's last generation");
            }
            previous_created = header.created;
        }
        struct size_only {
            void size(std::uint64_t) const {}
            void chunk(std::span<const std::byte>) const {}
            void finish() const {}
        } check;
        const bool current = path.filename() == current_log_file_name(chain_.base_name);
        copy_file(*storage_, path, check, errc::missing_restore_log_files, context,
                  current ? staged.current_path() : staged.numbered_path(generation),
                  path.filename().string());
        report_.log_bytes += chain_.log_file_size;
    }

    void copy_databases() {
        const auto& full = sets_->front();
        for (const auto& plan : plans_) {
            const auto source = full.path_of(plan.database->file);
            const auto target = staging_ / plan.staged_name;
            database_stream_check check{source.string(), *plan.database, chain_,
                                        report_.generations.last};
            copy_file(full.storage(), source, check, errc::file_not_found,
                      error_context{.file = source.string()}, target, plan.database->file);
            // docs/protocol.md §5.2 step 7: the header learns
            // the last generation replayed, the trailer goes.
            auto header = check.header();
            header.current_full.generation_high = report_.generations.last;
            auto file = storage_->open(target, open_mode::read_write);
            detail::write_header_copies(file, header.encode(), chain_.page_size);
            const std::vector<std::byte> zeros(chain_.page_size);
            file.write_at(plan.database->stream_size - chain_.page_size, zeros);
            file.sync();
            file.close();
            report_.database_bytes += plan.database->stream_size;
        }
        storage_->sync_directory(staging_);
    }

    void replay() {
        pacer_.check();
        const auto settings = settings_in(staging_ / "logs");
        instance_options options = report_.options;
        options.system_path = staging_;
        options.log_path = staging_ / "logs";
        soft_recovery<Storage> recovery{*storage_, options, settings,
                                        staging_ / checkpoint_file_name(chain_.base_name)};
        std::map<std::string, std::filesystem::path> staged;
        for (const auto& plan : plans_) {
            staged.emplace(plan.database->path, staging_ / plan.staged_name);
        }
        const auto result = replay_mapped(recovery, staged, chain_.generations.last);
        report_.replayed_records = result ? result->replayed_records : 0;
        if (!result) {
            throw backup_error(errc::missing_restore_log_files, "no log was restored");
        }
        close_replayed_log(*storage_, settings, *result,
                           staging_ / checkpoint_file_name(chain_.base_name));
        for (const auto& plan : plans_) {
            record_restored_backup(*storage_, staging_ / plan.staged_name, chain_.page_size,
                                   sets_->front().contents().kind == set_kind::full
                                       ? backup_slot::full
                                       : backup_slot::copy);
        }
    }

    /// The renames that put the staged restore in place, in an order that keeps a
    /// half-moved destination from replaying anything: the checkpoint first (it
    /// names the new, empty generation, so an instance opened on the destination
    /// refuses to start until that log is there), the numbered logs, the current log,
    /// then the databases.
    [[nodiscard]] std::vector<std::pair<std::string, std::string>> moves() const {
        std::vector<std::pair<std::string, std::string>> list;
        const auto checkpoint = checkpoint_file_name(chain_.base_name);
        list.emplace_back(checkpoint, checkpoint);
        const auto current = current_log_file_name(chain_.base_name);
        for (const auto& entry : storage_->list(staging_ / "logs")) {
            if (entry.name != current) {
                list.emplace_back("logs/" + entry.name, "logs/" + entry.name);
            }
        }
        list.emplace_back("logs/" + current, "logs/" + current);
        for (const auto& plan : plans_) {
            list.emplace_back(plan.staged_name, plan.final_name);
        }
        return list;
    }

    /// Writes restored.json atomically (a temporary name, synced, renamed, the
    /// directory synced): it exists only whole, so a re-run either finishes the
    /// moves it lists or starts over.
    void write_marker() {
        nlohmann::json marker;
        marker["generation_high"] = report_.generations.last;
        marker["moves"] = moves();
        nlohmann::json databases = nlohmann::json::array();
        for (const auto& database : report_.databases) {
            databases.push_back({database.original_path, database.path.string()});
        }
        marker["databases"] = std::move(databases);
        const auto text = marker.dump(2) + "\n";
        detail::write_file_atomically(*storage_, staging_ / marker_name,
                                      std::as_bytes(std::span{text.data(), text.size()}));
    }

    [[noreturn]] void marker_damaged(const std::string& why) const {
        throw backup_error(errc::invalid_backup,
                           error_context{.file = (staging_ / marker_name).string()},
                           "the staged restore's list of renames is damaged: " + why);
    }

    [[nodiscard]] nlohmann::json read_marker() const {
        auto file = storage_->open(staging_ / marker_name, open_mode::read_only);
        std::string text(file.size(), '\0');
        text.resize(file.read_at(0, std::as_writable_bytes(std::span{text.data(), text.size()})));
        try {
            return nlohmann::json::parse(text);
        } catch (const nlohmann::json::exception& error) {
            marker_damaged(error.what());
        }
    }

    /// A resumed restore reports what the interrupted one restored.
    void report_from_marker(const nlohmann::json& marker) {
        try {
            report_.generations.last = marker.at("generation_high").get<log_generation>();
            report_.databases.clear();
            for (const auto& database : marker.at("databases")) {
                report_.databases.push_back(
                    {database.at(0).get<std::string>(), database.at(1).get<std::string>()});
            }
        } catch (const nlohmann::json::exception& error) {
            marker_damaged(error.what());
        }
    }

    /// Moves every file restored.json lists into place; a file moved before an
    /// interruption is skipped. A fresh run never replaces a file (one that appeared
    /// under a final name since is file_already_exists); a resumed one renames over
    /// a final name that still has its staged file, which only the interrupted
    /// rename can have left (an instance opened on a half-moved destination refuses
    /// to start and creates no file).
    void finish_moves(const nlohmann::json& marker, bool resuming) {
        try {
            for (const auto& move : marker.at("moves")) {
                const auto from = staging_ / move.at(0).get<std::string>();
                const auto final_name = move.at(1).get<std::string>();
                check_inside(*storage_, destination_, final_name);
                const auto to = destination_ / final_name;
                if (!storage_->exists(from)) {
                    continue;  // moved before the interruption
                }
                if (!resuming && storage_->exists(to)) {
                    throw backup_error(errc::file_already_exists,
                                       error_context{.file = to.string()},
                                       "a file appeared under this name while the restore was "
                                       "being moved into place");
                }
                storage_->create_directories(to.parent_path());
                storage_->rename(from, to);
                // The new name first: a crash before the old directory is synced
                // leaves the file under both names (the re-run renames it again),
                // never under neither.
                storage_->sync_directory(to.parent_path());
                storage_->sync_directory(from.parent_path());
            }
        } catch (const nlohmann::json::exception& error) {
            marker_damaged(error.what());
        }
        // Everything else first and the list last: a crash in between resumes, finds
        // nothing left to move and removes the list.
        for (const auto& entry : storage_->list(staging_)) {
            if (entry.kind == entry_kind::directory) {
                remove_tree(*storage_, staging_ / entry.name);
            } else if (entry.name != marker_name) {
                storage_->remove(staging_ / entry.name);
            }
        }
        storage_->remove(staging_ / marker_name);
        storage_->remove(staging_);
        storage_->sync_directory(destination_);
    }

    const std::vector<backup_set<SetStorage>>* sets_;
    Storage* storage_;
    std::filesystem::path destination_;
    std::filesystem::path staging_;
    const restore_options* options_;
    copy_pacer pacer_;
    restore_chain chain_;
    std::vector<database_plan> plans_;
    std::vector<std::byte> buffer_;
    restore_report report_;
};

}  // namespace detail

/// Restores the chain `sets` (a full or copy set, then incremental or
/// differential sets in order) into `destination` of `storage`; see the header
/// comment. Returns where everything went and how to open it. Throws the
/// backup_error the header comment lists, and invalid_backup if the staged list of
/// renames of an interrupted restore is damaged. Runs on the caller's thread, which
/// also calls the progress callback; one restore per destination at a time. After
/// a crash or a failure while moving files into place, run it again with the same
/// arguments.
template <storage Storage, storage SetStorage>
restore_report restore(const std::vector<backup_set<SetStorage>>& sets, Storage& storage,
                       const std::filesystem::path& destination,
                       const restore_options& options = {}) {
    return detail::restorer<Storage, SetStorage>{sets, storage, destination, options}.run();
}

}  // namespace hotbackup::inline v1
