/// \file
/// detail::attachment_table: the databases an instance has attached, one per slot
/// (at most max_attached_databases), each with the attachment number that tells a
/// database_id of the current attachment from one of an earlier attachment of the
/// same slot.
///
/// Thread-safety: none; the instance guards it with its databases lock.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "hotbackup/engine/detail/database.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/storage/storage.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1::detail {

/// How many databases one instance can attach (ESE's limit is 6 too).
inline constexpr std::size_t attachment_slots = 6;

/// One slot of the table: empty when `database` is null.
template <storage Storage>
struct attached_entry {
    std::shared_ptr<detail::database<Storage>> database;
    std::uint64_t attachment = 0;
};

template <storage Storage>
class attachment_table {
  public:
    using entry = attached_entry<Storage>;

    /// The entry `id` names. Throws backup_error: invalid_database_id when the slot
    /// is empty or holds a later attachment (the database was detached).
    [[nodiscard]] const entry& entry_for(database_id id) const {
        if (id.slot < entries_.size()) {
            const auto& found = entries_.at(id.slot);
            if (found.database && found.attachment == id.attachment) {
                return found;
            }
        }
        throw backup_error(errc::invalid_database_id,
                           "the database id names no attached database (detached?)");
    }
    [[nodiscard]] entry& entry_for(database_id id) {
        return const_cast<entry&>(std::as_const(*this).entry_for(id));
    }

    /// The attached database whose path is `path` (compared lexically normalised).
    [[nodiscard]] std::optional<database_id> find_by_path(const std::filesystem::path& path) const {
        const auto wanted = path.lexically_normal();
        for (std::size_t slot = 0; slot < entries_.size(); ++slot) {
            const auto& found = entries_.at(slot);
            if (found.database && found.database->path().lexically_normal() == wanted) {
                return database_id{static_cast<std::uint8_t>(slot), found.attachment};
            }
        }
        return std::nullopt;
    }

    /// The lowest empty slot. Throws backup_error: too_many_attached_databases
    /// naming `path`, the database that wants one.
    [[nodiscard]] std::uint8_t free_slot(const std::filesystem::path& path) const {
        for (std::size_t slot = 0; slot < entries_.size(); ++slot) {
            if (!entries_.at(slot).database) {
                return static_cast<std::uint8_t>(slot);
            }
        }
        throw backup_error(errc::too_many_attached_databases, error_context{.file = path.string()},
                           "at most 6 databases can be attached to one instance");
    }

    /// Puts an opened database in empty slot `slot` under a new attachment number.
    database_id install(std::uint8_t slot, std::shared_ptr<database<Storage>> opened) {
        auto& target = entries_.at(slot);
        target.database = std::move(opened);
        target.attachment = next_attachment_++;
        return database_id{slot, target.attachment};
    }

    /// Locks, exclusively, the tree of every database that `writes` (a map ordered
    /// by (database_id, key)) touches, each once. Throws backup_error:
    /// invalid_database_id (a database was detached): nothing is locked then.
    template <class WriteMap>
    [[nodiscard]] std::vector<std::unique_lock<std::shared_mutex>> lock_trees_for(
        const WriteMap& writes) const {
        std::vector<std::unique_lock<std::shared_mutex>> locks;
        std::optional<database_id> previous;
        for (const auto& [where, value] : writes) {
            if (previous != where.first) {
                previous = where.first;
                locks.emplace_back(entry_for(where.first).database->tree_mutex());
            }
        }
        return locks;
    }

    /// Applies `writes` (a value to put, or none to erase) to the cached trees,
    /// recording the log records and touched pages in `changes`. The caller holds
    /// the trees' locks (lock_trees_for()). Throws what the trees throw.
    template <class WriteMap>
    void apply(const WriteMap& writes, change_set& changes) {
        for (const auto& [where, value] : writes) {
            auto& target = *entry_for(where.first).database;
            if (value) {
                target.put(where.second, *value, changes);
            } else {
                target.erase(where.second, changes);
            }
        }
    }

    /// Marks each page `changes` touched as changed by a commit ending at `end`
    /// (unlimited: never to be flushed).
    void set_commit_end(const change_set& changes, log_position end) {
        for (const auto& [slot, page] : changes.touched) {
            entries_.at(slot).database->set_commit_end(page, end);
        }
    }

    /// What flush() wrote, and the oldest change it left dirty.
    struct flush_result {
        std::uint64_t pages = 0;
        std::optional<log_position> oldest_dirty;
    };

    /// Writes back every attached database's dirty pages whose changes the log
    /// holds up to `durable`; `wait`: also those a backup has locked, once it lets
    /// go. Throws backup_error from the storage.
    flush_result flush(log_position durable, bool wait) {
        flush_result result;
        for (auto& found : entries_) {
            if (!found.database) {
                continue;
            }
            result.pages += found.database->flush(durable, wait);
            const auto oldest = found.database->oldest_dirty();
            if (oldest && (!result.oldest_dirty || *oldest < *result.oldest_dirty)) {
                result.oldest_dirty = oldest;
            }
        }
        return result;
    }

    /// The attached databases as a new log file's header records them.
    [[nodiscard]] std::vector<log_attachment> log_attachments() const {
        std::vector<log_attachment> attachments;
        for (std::size_t slot = 0; slot < entries_.size(); ++slot) {
            const auto& found = entries_.at(slot);
            if (found.database) {
                attachments.push_back({static_cast<std::uint8_t>(slot),
                                       found.database->header().database_signature,
                                       found.database->path().string()});
            }
        }
        return attachments;
    }

    [[nodiscard]] static constexpr std::size_t size() noexcept { return attachment_slots; }
    [[nodiscard]] entry& at(std::size_t slot) { return entries_.at(slot); }
    [[nodiscard]] const entry& at(std::size_t slot) const { return entries_.at(slot); }
    [[nodiscard]] auto begin() noexcept { return entries_.begin(); }
    [[nodiscard]] auto end() noexcept { return entries_.end(); }
    [[nodiscard]] auto begin() const noexcept { return entries_.begin(); }
    [[nodiscard]] auto end() const noexcept { return entries_.end(); }

  private:
    std::array<entry, attachment_slots> entries_{};
    std::uint64_t next_attachment_ = 1;
};

}  // namespace hotbackup::inline v1::detail
