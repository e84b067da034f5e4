/// \file
/// Soft recovery: what an instance does when it opens (docs/architecture.md §2 "Glossary").
/// It finds the checkpoint, replays every log from the checkpoint generation to the
/// current log into the databases attached along the way, writes their pages, marks
/// them clean, and leaves the log ready to be continued.
///
/// The attachments at the checkpoint generation come from that log file's header;
/// attach and detach records update them as replay goes. A transaction's records are
/// applied when its commit record is read, so a transaction cut off by the crash
/// leaves no trace. Page records apply only to pages with an older database time,
/// so recovery can itself crash and be run again.
///
/// Crash windows it repairs: a leftover "<base>tmp.log" (a roll that had not put the
/// next log in place; removed), a missing current log after the numbered one was
/// renamed (a new current log is made), a torn tail of the current log (zeroed, so
/// writing continues after the last complete write), a checkpoint never written.
///
/// Hard recovery (restore, restore/restore.hpp) runs the same replay over logs copied
/// from backup sets, with a database map (ESE's JET_RSTMAP): each database the log
/// names is replayed into the file the map gives, and one the map leaves out is
/// ignored.
///
/// Thread-safety: runs before the instance is shared; single-threaded.
#pragma once

#include <algorithm>
#include <array>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hotbackup/engine/detail/database.hpp"
#include "hotbackup/engine/detail/log_writer.hpp"
#include "hotbackup/engine/instance_options.hpp"
#include "hotbackup/engine/log_reader.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/checkpoint.hpp"

namespace hotbackup::inline v1::detail {

/// Where recovery leaves the log: the instance continues from here.
struct recovery_result {
    signature log_signature{};
    log_file_header current{};  ///< header of the current log "<base>.log"
    std::uint32_t end_segment = 1;
    /// Slots the replayed log still had attached at its end: the instance logs a
    /// detach record for each before it moves the checkpoint past them.
    std::vector<std::uint8_t> detach_slots;
    std::uint64_t checkpoint_sequence = 0;  ///< of the checkpoint read (0 if none)
    std::uint64_t replayed_records = 0;
    std::uint32_t replayed_generations = 0;
};

/// The numbered log generations in the log directory, ascending.
template <storage Storage>
[[nodiscard]] std::vector<log_generation> numbered_log_generations(Storage& storage,
                                                                   const log_settings& settings) {
    std::vector<log_generation> generations;
    for (const auto& entry : storage.list(settings.directory)) {
        if (entry.kind != entry_kind::file) {
            continue;
        }
        if (const auto generation = parse_log_file_name(entry.name, settings.base_name)) {
            generations.push_back(*generation);
        }
    }
    std::ranges::sort(generations);
    return generations;
}

/// Every log of a log directory by generation: the numbered logs, and the current
/// log under the generation its header names (`current_generation_of(file, path)`
/// reads it, and throws its own error for a damaged header). Both restores look
/// here for the logs that continue a backup. Throws backup_error:
/// existing_log_file_is_not_contiguous when the current log repeats a numbered
/// generation; storage errors.
template <storage Storage, class CurrentGeneration>
[[nodiscard]] std::map<log_generation, std::filesystem::path> logs_of_directory(
    Storage& storage, const log_settings& settings, CurrentGeneration&& current_generation_of) {
    std::map<log_generation, std::filesystem::path> found;
    for (const auto generation : numbered_log_generations(storage, settings)) {
        found.emplace(generation, settings.numbered_path(generation));
    }
    if (storage.exists(settings.current_path())) {
        auto file = storage.open(settings.current_path(), open_mode::read_only);
        const log_generation generation = current_generation_of(file, settings.current_path());
        if (!found.emplace(generation, settings.current_path()).second) {
            throw backup_error(
                errc::existing_log_file_is_not_contiguous,
                error_context{.file = settings.current_path().string(), .generation = generation},
                "the current log repeats a numbered generation of the log directory");
        }
    }
    return found;
}

/// Deletes the numbered logs of generations [first, end) from the log directory,
/// then syncs it if any went; returns how many. Throws backup_error from the storage.
template <storage Storage>
std::size_t delete_numbered_logs(Storage& storage, const log_settings& settings,
                                 log_generation first, log_generation end) {
    std::size_t deleted = 0;
    for (const auto generation : numbered_log_generations(storage, settings)) {
        if (generation >= first && generation < end) {
            storage.remove(settings.numbered_path(generation));
            ++deleted;
        }
    }
    if (deleted > 0) {
        storage.sync_directory(settings.directory);
    }
    return deleted;
}

template <storage Storage>
class soft_recovery {
  public:
    soft_recovery(Storage& storage, const instance_options& options, log_settings settings,
                  std::filesystem::path checkpoint_path)
        : storage_(&storage),
          options_(&options),
          settings_(std::move(settings)),
          checkpoint_path_(std::move(checkpoint_path)) {}

    /// Maps the database paths the log records to the files to replay into; a path
    /// mapped to nothing is skipped. Without a map every path is used as logged.
    using database_map = std::function<std::optional<std::filesystem::path>(const std::string&)>;

    /// Replays into the files `map` names instead of the logged paths (hard recovery).
    void map_databases(database_map map) { map_ = std::move(map); }

    /// Runs recovery. Returns nothing if there is no log set yet (a new instance).
    /// Throws backup_error: checkpoint_corrupt; missing_log_file (a generation
    /// between the checkpoint and the current log is missing, naming it);
    /// log_generation_mismatch, bad_log_signature, invalid_log_sequence,
    /// log_file_size_mismatch, page_size_mismatch (a log that does not belong);
    /// log_file_corrupt (naming file and offset); attached_database_mismatch or
    /// database_log_set_mismatch (a database the log needs is missing or another
    /// one); read_verify_failure; storage errors.
    std::optional<recovery_result> run() {
        if (storage_->exists(settings_.temporary_path())) {
            storage_->remove(settings_.temporary_path());
            storage_->sync_directory(settings_.directory);
        }
        const auto checkpoint = read_checkpoint(*storage_, checkpoint_path_);
        const auto numbered = numbered_log_generations(*storage_, settings_);
        std::optional<log_file_header> current;
        if (storage_->exists(settings_.current_path())) {
            auto file = storage_->open(settings_.current_path(), open_mode::read_only);
            current = read_log_header(file);
        }
        if (!checkpoint && numbered.empty() && !current) {
            return std::nullopt;
        }
        if (!current && numbered.empty()) {
            throw backup_error(errc::missing_log_file,
                               error_context{.file = settings_.current_path().string(),
                                             .generation = checkpoint->generation},
                               "the checkpoint needs this generation but the log directory "
                               "holds no log files");
        }
        const auto last = current ? current->generation : numbered.back();
        if (current && !numbered.empty() && numbered.back() >= current->generation) {
            throw backup_error(errc::invalid_log_sequence,
                               error_context{.file = settings_.current_path().string(),
                                             .generation = current->generation},
                               "the current log is older than numbered log generation " +
                                   std::to_string(numbered.back()));
        }
        const auto first =
            checkpoint ? checkpoint->generation : (numbered.empty() ? last : numbered.front());
        if (first > last) {
            throw backup_error(
                errc::missing_log_file,
                error_context{.file = checkpoint_path_.string(), .generation = first},
                "the checkpoint is past the newest log generation " + std::to_string(last));
        }

        replay_from_ = checkpoint ? checkpoint->position() : log_position{first, 0};
        recovery_result result;
        result.checkpoint_sequence = checkpoint ? checkpoint->sequence : 0;
        std::optional<std::uint64_t> previous_created;
        log_scan_result scan;
        for (log_generation generation = first; generation <= last; ++generation) {
            const bool is_current = current && generation == last;
            const auto path =
                is_current ? settings_.current_path() : settings_.numbered_path(generation);
            if (!storage_->exists(path)) {
                throw backup_error(errc::missing_log_file,
                                   error_context{.file = path.string(), .generation = generation},
                                   "recovery from the checkpoint at generation " +
                                       std::to_string(first) + " needs this log");
            }
            auto file = storage_->open(path, open_mode::read_only);
            const auto header = read_log_header(file);
            if (generation == first) {
                result.log_signature =
                    checkpoint ? checkpoint->log_signature : header.log_signature;
            }
            check_header(header, path, generation, result.log_signature, previous_created);
            log_signature_ = result.log_signature;
            if (generation == first) {
                for (const auto& attachment : header.attachments) {
                    attach(attachment.slot, attachment.database_signature, attachment.path);
                }
            }
            scan = scan_log_file(file, generation == last,
                                 [&](log_position position, log_record&& record) {
                                     ++result.replayed_records;
                                     replay(position, std::move(record));
                                 });
            previous_created = header.created;
            ++result.replayed_generations;
        }
        pending_.clear();  // a transaction without its commit record never happened

        for (std::size_t slot = 0; slot < slots_.size(); ++slot) {
            auto& entry = slots_.at(slot);
            if (entry.problem) {
                throw backup_error(entry.problem->code, entry.problem->context,
                                   "recovery needs this database, still attached at the end "
                                   "of the log: " +
                                       entry.problem->detail);
            }
            if (entry.database) {
                finish(std::move(entry.database));
                result.detach_slots.push_back(static_cast<std::uint8_t>(slot));
            }
        }

        if (current) {
            result.current = *current;
            result.end_segment = scan.end_segment;
            if (scan.torn_tail) {
                zero_tail(scan.end_segment, current->segment_count);
            }
        } else {
            // The current log was renamed to its number and its successor never put in
            // place: start the next generation now.
            result.current = create_log_file(*storage_, settings_, result.log_signature, last + 1,
                                             previous_created.value_or(0), {});
            install_log_file(*storage_, settings_, std::nullopt);
            result.end_segment = 1;
        }
        return result;
    }

  private:
    /// Why a slot's database could not be opened for replay.
    struct slot_problem {
        errc code;
        error_context context;
        std::string detail;
    };
    struct slot_state {
        std::unique_ptr<detail::database<Storage>> database;
        signature database_signature{};
        std::optional<slot_problem> problem;
    };

    void check_header(const log_file_header& header, const std::filesystem::path& path,
                      log_generation generation, const signature& log_signature,
                      std::optional<std::uint64_t> previous_created) const {
        const error_context context{.file = path.string(), .generation = generation};
        if (header.generation != generation) {
            throw backup_error(
                errc::log_generation_mismatch, context,
                "the file's header says generation " + std::to_string(header.generation));
        }
        if (header.log_signature != log_signature) {
            throw backup_error(errc::bad_log_signature, context,
                               "the log belongs to another log set");
        }
        if (std::uint64_t{header.segment_count} * log_layout::block_size !=
            options_->log_file_size) {
            throw backup_error(
                errc::log_file_size_mismatch, context,
                "the log file has " +
                    std::to_string(std::uint64_t{header.segment_count} * log_layout::block_size) +
                    " bytes, the instance's log_file_size is " +
                    std::to_string(options_->log_file_size));
        }
        if (header.page_size != options_->page_size) {
            throw backup_error(
                errc::page_size_mismatch, context,
                "the log was written for pages of " + std::to_string(header.page_size) + " bytes");
        }
        if (previous_created && header.previous_created != *previous_created) {
            throw backup_error(errc::invalid_log_sequence, context,
                               "the log does not follow the previous generation");
        }
    }

    void replay(log_position position, log_record&& record) {
        std::visit(
            [&](auto&& body) {
                using body_type = std::decay_t<decltype(body)>;
                if constexpr (std::is_same_v<body_type, log_records::commit>) {
                    for (auto& [record_position, pending] : pending_) {
                        apply(record_position, pending);
                    }
                    pending_.clear();
                } else if constexpr (std::is_same_v<body_type, log_records::attach>) {
                    attach(body.database, body.database_signature, body.path);
                } else if constexpr (std::is_same_v<body_type, log_records::detach>) {
                    detach(body.database);
                } else if (position >= replay_from_) {
                    pending_.emplace_back(position, std::move(record));
                }
            },
            std::move(record));
    }

    void apply(log_position position, const log_record& record) {
        std::visit(
            [&](const auto& body) {
                using body_type = std::decay_t<decltype(body)>;
                if constexpr (std::is_same_v<body_type, log_records::page_image> ||
                              std::is_same_v<body_type, log_records::leaf_put> ||
                              std::is_same_v<body_type, log_records::leaf_erase>) {
                    if (body.database >= slots_.size()) {
                        return;
                    }
                    auto& entry = slots_.at(body.database);
                    if (entry.database) {
                        entry.database->redo(body, position);
                    }
                }
            },
            record);
    }

    void attach(std::uint8_t slot, const signature& database_signature, const std::string& path) {
        if (slot >= slots_.size()) {
            return;
        }
        auto& entry = slots_.at(slot);
        if (entry.database && entry.database_signature == database_signature) {
            return;
        }
        detach(slot);
        entry.database_signature = database_signature;
        std::filesystem::path file = path;
        if (map_) {
            const auto mapped = map_(path);
            if (!mapped) {
                return;  // not restored: its records are skipped
            }
            file = *mapped;
        }
        const error_context context{.file = file.string()};
        if (!storage_->exists(file)) {
            entry.problem = slot_problem{errc::attached_database_mismatch, context,
                                         "the database file is missing"};
            return;
        }
        auto opened =
            std::make_unique<detail::database<Storage>>(*storage_, file, slot, options_->page_size);
        const auto header = opened->header();
        if (header.database_signature != database_signature) {
            entry.problem = slot_problem{errc::attached_database_mismatch, context,
                                         "the file is another database than the log names"};
            return;
        }
        if (header.state != database_state::clean && header.log_signature != log_signature_) {
            // Detached from this log set and attached to another since: its pages
            // belong to that log now, and replaying this one must not touch it.
            entry.problem = slot_problem{errc::database_log_set_mismatch, context,
                                         "the database is attached to another log set"};
            return;
        }
        entry.database = std::move(opened);
    }

    void detach(std::uint8_t slot) {
        if (slot >= slots_.size()) {
            return;
        }
        auto& entry = slots_.at(slot);
        entry.problem.reset();
        if (entry.database) {
            finish(std::move(entry.database));
        }
    }

    /// Writes every replayed page of a database and marks it clean, so that a later
    /// attachment of the same file in the log reads what replay made of it.
    void finish(std::unique_ptr<detail::database<Storage>> replayed) {
        replayed->flush(log_position{max_log_generation, ~std::uint32_t{0}});
        replayed->refresh_header_counters();
        replayed->write_header(
            [](database_header& header) { header.state = database_state::clean; });
        replayed->close();
    }

    void zero_tail(std::uint32_t end_segment, std::uint32_t segment_count) {
        auto file = storage_->open(settings_.current_path(), open_mode::read_write);
        const std::vector<std::byte> zeros(std::size_t{segment_count - end_segment} *
                                           log_layout::block_size);
        file.write_at(std::uint64_t{end_segment} * log_layout::block_size, zeros);
        file.sync();
        file.close();
    }

    Storage* storage_;
    const instance_options* options_;
    log_settings settings_;
    std::filesystem::path checkpoint_path_;
    std::array<slot_state, 6> slots_{};
    std::vector<std::pair<log_position, log_record>> pending_;
    /// Page changes before this position are in the database files already (the
    /// checkpoint was taken after they were flushed).
    log_position replay_from_{};
    signature log_signature_{};
    database_map map_;
};

}  // namespace hotbackup::inline v1::detail
