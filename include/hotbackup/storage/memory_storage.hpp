/// \file
/// memory_storage: the storage policy in memory, able to simulate a power loss.
///
/// It keeps what a program has written (what reads see) apart from what a crash
/// would leave (what was made durable), exactly as the contract in storage.hpp
/// allows and no more: a file's bytes become durable at `file::sync`, a create,
/// rename or remove at `sync_directory` of the parent (a created file's entry also
/// at its own `sync`), and `create_directories` at once. `crash()` then throws away
/// everything else, so a test can crash at any point and check what recovery finds.
///
/// A real device may also keep part of what was not synced: some writes, or the
/// first bytes of one (a torn page, a torn log segment). So each file records the
/// writes made since its last sync (offset and a copy of the bytes; a sync drops
/// them, so memory grows only with unsynced data), and `crash(surviving_bytes)` lets
/// the test choose, write by write, how many leading bytes reach the durable image.
/// `unsynced_writes()` lists them, numbered in the order they were made.
///
/// One namespace: absolute and relative paths name the same tree ("/a" and "a" are
/// the same file); "." and ".." are resolved lexically and a path that climbs above
/// the root is invalid_path.
///
/// Thread safety: every member may be called from many threads; one shared mutex
/// guards the tree (reads share it). File handles must not outlive their storage;
/// handles opened before a crash are dead afterwards (errc::invalid_parameter).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/detail/io_error.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// The storage policy in memory, with crash simulation. Models `storage`.
class memory_storage {
    struct node;
    using node_ptr = std::shared_ptr<node>;
    using children_map = std::map<std::string, node_ptr, std::less<>>;

    /// A write made since its file's last sync, kept so a crash can let a prefix
    /// of it survive.
    struct recorded_write {
        std::filesystem::path path;  // of the handle it was written through
        std::uint64_t offset = 0;
        std::vector<std::byte> bytes;
        std::size_t sequence = 0;
    };

    /// A file or a directory. Files keep two byte images, directories two child
    /// maps: what the program sees now, and what survives a crash.
    struct node {
        bool is_directory = false;
        std::vector<std::byte> bytes;
        std::vector<std::byte> durable_bytes;
        // The writes that took `durable_bytes` to `bytes` (with any resizes, which
        // are not recorded), oldest first; empty after a sync.
        std::vector<recorded_write> unsynced_writes;
        children_map children;
        children_map durable_children;
        // A created file whose entry is not durable yet: its own sync makes the
        // entry durable (see storage.hpp); a rename clears this.
        std::weak_ptr<node> created_in;
        std::string created_name;

        static node_ptr make_directory() {
            auto directory = std::make_shared<node>();
            directory->is_directory = true;
            return directory;
        }
    };

  public:
    /// A write made since its file's last sync, as `unsynced_writes()` lists it and
    /// `crash(surviving_bytes)` asks about it.
    struct unsynced_write {
        /// The path of the handle it was written through, as given to `open` (a
        /// later rename does not change it).
        std::filesystem::path path;
        std::uint64_t offset = 0;  ///< where in the file the write starts
        std::size_t length = 0;    ///< how many bytes it wrote (never 0)
        /// Its place among the writes that changed this storage, numbered from 0 in
        /// the order they were made (over every file, across crashes). Lets a test
        /// keep, say, every write before a chosen point.
        std::size_t sequence = 0;

        /// Compares member by member.
        friend bool operator==(const unsynced_write&, const unsynced_write&) = default;
    };

    /// An open file of a memory_storage. Models `storage_file`. It must not outlive
    /// its storage, and is dead (errc::invalid_parameter) after a crash().
    class file {
      public:
        /// Takes over `other`'s handle; `other` is left closed.
        file(file&& other) noexcept
            : storage_(std::exchange(other.storage_, nullptr)),
              node_(std::move(other.node_)),
              path_(std::move(other.path_)),
              epoch_(other.epoch_),
              writable_(other.writable_) {}
        /// Drops this handle, then takes over `other`'s; `other` is left closed.
        file& operator=(file&& other) noexcept {
            if (this == &other) {
                return *this;
            }
            storage_ = std::exchange(other.storage_, nullptr);
            node_ = std::move(other.node_);
            path_ = std::move(other.path_);
            epoch_ = other.epoch_;
            writable_ = other.writable_;
            return *this;
        }
        file(const file&) = delete;
        file& operator=(const file&) = delete;
        ~file() = default;

        /// Reads up to buffer.size() bytes at offset; fewer only at end of file.
        std::size_t read_at(std::uint64_t offset, std::span<std::byte> buffer) {
            const std::shared_lock lock{storage_mutex()};
            require_live();
            const auto& bytes = node_->bytes;
            if (offset >= bytes.size()) {
                return 0;
            }
            const auto count = std::min<std::uint64_t>(buffer.size(), bytes.size() - offset);
            std::memcpy(buffer.data(), bytes.data() + offset, static_cast<std::size_t>(count));
            return static_cast<std::size_t>(count);
        }

        /// Writes every byte at offset, extending the file with zeros as needed, and
        /// records the write until the next sync (see `unsynced_writes`). Throws
        /// backup_error: file_access_denied on a read-only file, invalid_parameter if
        /// offset + size overflows, disk_full if memory runs out (nothing changes).
        void write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
            const std::unique_lock lock{storage_mutex()};
            require_writable();
            if (bytes.empty()) {
                return;  // as pwrite: a zero-length write does not extend the file
            }
            const auto end = checked_end(offset, bytes.size());
            // Everything that can run out of memory happens before the file changes,
            // so a failed write leaves no trace, in the file or in the record.
            auto& writes = node_->unsynced_writes;
            recorded_write record;
            reporting_out_of_memory_as_disk_full(bytes.size(), [&] {
                record.path = path_;
                record.bytes.assign(bytes.begin(), bytes.end());
                writes.reserve(writes.size() + 1);
            });
            auto& contents = node_->bytes;
            if (end > contents.size()) {
                grow(contents, end);
            }
            std::ranges::copy(bytes, contents.begin() + static_cast<std::ptrdiff_t>(offset));
            record.offset = offset;
            record.sequence = storage_->next_write_sequence_++;
            writes.push_back(std::move(record));  // cannot throw: the room is reserved
        }

        /// The size in bytes as reads see it.
        [[nodiscard]] std::uint64_t size() const {
            const std::shared_lock lock{storage_mutex()};
            require_live();
            return node_->bytes.size();
        }

        /// Grows with zeros or cuts. Not recorded as a write: a crash keeps the size
        /// the last sync made durable, grown only by the writes it keeps. Throws
        /// backup_error: file_access_denied on a read-only file, invalid_parameter or
        /// disk_full if the size is too large.
        void resize(std::uint64_t new_size) {
            const std::unique_lock lock{storage_mutex()};
            require_writable();
            grow(node_->bytes, checked_end(new_size, 0));
        }

        /// Makes the bytes durable, and the file's entry if it was created and its
        /// directory not synced since; forgets the file's unsynced writes. Throws
        /// backup_error(invalid_parameter) on a closed or dead handle.
        void sync() {
            const std::unique_lock lock{storage_mutex()};
            require_live();
            node_->durable_bytes = node_->bytes;
            node_->unsynced_writes.clear();
            if (const auto directory = node_->created_in.lock()) {
                const auto entry = directory->children.find(node_->created_name);
                if (entry != directory->children.end() && entry->second == node_) {
                    make_entry_durable(*directory, node_->created_name);
                }
                node_->created_in.reset();
            }
        }

        /// Closes the handle (nothing can fail in memory).
        void close() {
            const std::shared_lock lock{storage_mutex()};
            require_live();
            storage_ = nullptr;
            node_.reset();
        }

        /// The path the file was opened with.
        [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

      private:
        friend class memory_storage;
        file(memory_storage* storage, node_ptr node, std::filesystem::path path,
             std::uint64_t epoch, bool writable)
            : storage_(storage),
              node_(std::move(node)),
              path_(std::move(path)),
              epoch_(epoch),
              writable_(writable) {}

        /// The storage's mutex; throws if the handle is closed or moved from.
        [[nodiscard]] std::shared_mutex& storage_mutex() const {
            if (storage_ == nullptr) {
                detail::throw_storage_error(errc::invalid_parameter, path_,
                                            "the file is closed or was moved from");
            }
            return storage_->mutex_;
        }

        /// offset + length as a size this process can hold; invalid_parameter if it
        /// overflows, as pwrite's EFBIG would.
        [[nodiscard]] std::size_t checked_end(std::uint64_t offset, std::size_t length) const {
            constexpr auto limit =
                static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max());
            if (offset > limit || length > limit - offset) {
                detail::throw_storage_error(errc::invalid_parameter, path_,
                                            "offset " + std::to_string(offset) + " + " +
                                                std::to_string(length) + " bytes is too large");
            }
            return static_cast<std::size_t>(offset + length);
        }

        /// Resizes, reporting exhausted memory as a full device.
        void grow(std::vector<std::byte>& bytes, std::size_t new_size) const {
            reporting_out_of_memory_as_disk_full(new_size, [&] { bytes.resize(new_size); });
        }

        /// Runs `allocate`, reporting exhausted memory (for about `size` bytes) as a
        /// full device, as a real one would report it.
        template <class Allocate>
        void reporting_out_of_memory_as_disk_full(std::size_t size, Allocate&& allocate) const {
            try {
                std::forward<Allocate>(allocate)();
            } catch (const std::bad_alloc&) {
                detail::throw_storage_error(errc::disk_full, path_,
                                            "out of memory for " + std::to_string(size) + " bytes");
            }
        }

        // The checks below run with the storage's mutex held, so a crash() cannot
        // come between them and the operation.
        // storage_mutex() has already refused a closed handle.
        void require_live() const {
            if (storage_->epoch_.load() != epoch_) {
                detail::throw_storage_error(errc::invalid_parameter, path_,
                                            "the file was opened before crash()");
            }
        }
        void require_writable() const {
            require_live();
            if (!writable_) {
                detail::throw_storage_error(errc::file_access_denied, path_,
                                            "the file was opened read-only");
            }
        }

        memory_storage* storage_;
        node_ptr node_;
        std::filesystem::path path_;
        std::uint64_t epoch_;
        bool writable_;
    };

    memory_storage() : root_(node::make_directory()) {}
    memory_storage(const memory_storage&) = delete;
    memory_storage& operator=(const memory_storage&) = delete;
    memory_storage(memory_storage&&) = delete;
    memory_storage& operator=(memory_storage&&) = delete;
    ~memory_storage() = default;

    /// Opens (or creates, by mode) a file. Throws backup_error: file_not_found
    /// (the file, or a creating open's directory, is missing), file_already_exists,
    /// file_invalid_type (a directory), invalid_path.
    [[nodiscard]] file open(const std::filesystem::path& path, open_mode mode) {
        const auto names = split(path);
        if (names.empty()) {
            detail::throw_storage_error(errc::file_invalid_type, path, "is a directory");
        }
        const std::unique_lock lock{mutex_};
        const auto directory = find_directory(path, names, names.size() - 1);
        const auto& name = names.back();
        auto entry = directory->children.find(name);
        if (entry == directory->children.end()) {
            if (mode == open_mode::read_only || mode == open_mode::read_write) {
                detail::throw_storage_error(errc::file_not_found, path, "open: no such file");
            }
            auto created = std::make_shared<node>();
            created->created_in = directory;
            created->created_name = name;
            entry = directory->children.emplace(name, std::move(created)).first;
        } else if (mode == open_mode::create) {
            detail::throw_storage_error(errc::file_already_exists, path, "create: already exists");
        }
        if (entry->second->is_directory) {
            detail::throw_storage_error(errc::file_invalid_type, path, "open: is a directory");
        }
        return file{this, entry->second, path, epoch_.load(), mode != open_mode::read_only};
    }

    /// Whether a file or directory exists at path.
    [[nodiscard]] bool exists(const std::filesystem::path& path) const {
        const auto names = split(path);
        const std::shared_lock lock{mutex_};
        return lookup(names, names.size()) != nullptr;
    }

    /// The entries of a directory, sorted by name. Throws backup_error:
    /// file_not_found, invalid_path (not a directory).
    [[nodiscard]] std::vector<directory_entry> list(const std::filesystem::path& directory) const {
        const auto names = split(directory);
        const std::shared_lock lock{mutex_};
        const auto found = find_directory(directory, names, names.size());
        std::vector<directory_entry> entries;
        entries.reserve(found->children.size());
        for (const auto& [name, child] : found->children) {
            entries.push_back(
                {name, child->is_directory ? entry_kind::directory : entry_kind::file});
        }
        return entries;  // std::map keeps them sorted
    }

    /// Creates a directory and its missing parents, durable at once. Throws
    /// backup_error(invalid_path) if a component exists and is not a directory.
    void create_directories(const std::filesystem::path& directory) {
        const auto names = split(directory);
        const std::unique_lock lock{mutex_};
        auto current = root_;
        for (const auto& name : names) {
            const auto found = current->children.find(name);
            if (found == current->children.end()) {
                // Made before it is inserted: an allocation failure leaves no empty entry.
                auto made = node::make_directory();
                current->children.emplace(name, made);
                make_entry_durable(*current, name);
                current = std::move(made);
                continue;
            }
            const auto& child = found->second;
            if (!child->is_directory) {
                detail::throw_storage_error(errc::invalid_path, directory,
                                            "'" + name + "' exists and is not a directory");
            }
            current = child;
        }
    }

    /// Renames a file or directory, replacing a target file. Durable only after
    /// sync_directory of both parents. Throws backup_error: file_not_found,
    /// file_invalid_type (the target is a directory), invalid_path.
    void rename(const std::filesystem::path& from, const std::filesystem::path& to) {
        const auto from_names = split(from);
        const auto to_names = split(to);
        if (from_names.empty() || to_names.empty()) {
            detail::throw_storage_error(errc::invalid_path, from, "cannot rename the root");
        }
        const std::unique_lock lock{mutex_};
        const auto from_directory = find_directory(from, from_names, from_names.size() - 1);
        const auto source = from_directory->children.find(from_names.back());
        if (source == from_directory->children.end()) {
            detail::throw_storage_error(errc::file_not_found, from, "rename: no such file");
        }
        const auto to_directory = find_directory(to, to_names, to_names.size() - 1);
        const auto target = to_directory->children.find(to_names.back());
        if (target != to_directory->children.end() && target->second == source->second) {
            return;  // renaming a file onto itself changes nothing, as in POSIX
        }
        if (target != to_directory->children.end() && source->second->is_directory &&
            !target->second->is_directory) {
            detail::throw_storage_error(
                errc::invalid_path, from,
                "rename to '" + to.string() + "': a directory cannot replace a file");
        }
        if (target != to_directory->children.end() && target->second->is_directory) {
            detail::throw_storage_error(errc::file_invalid_type, from,
                                        "rename to '" + to.string() + "': target is a directory");
        }
        if (source->second->is_directory && is_on_path(source->second, to_names)) {
            detail::throw_storage_error(
                errc::invalid_path, from,
                "rename to '" + to.string() + "': cannot move a directory into itself");
        }
        auto moved = source->second;
        moved->created_in.reset();  // a rename is durable only through its directories
        from_directory->children.erase(source);
        to_directory->children[to_names.back()] = std::move(moved);
    }

    /// Removes a file or an empty directory. Durable only after sync_directory of
    /// the parent. Throws backup_error: file_not_found, invalid_operation (the
    /// directory is not empty), invalid_path.
    void remove(const std::filesystem::path& path) {
        const auto names = split(path);
        if (names.empty()) {
            detail::throw_storage_error(errc::invalid_path, path, "cannot remove the root");
        }
        const std::unique_lock lock{mutex_};
        const auto directory = find_directory(path, names, names.size() - 1);
        const auto entry = directory->children.find(names.back());
        if (entry == directory->children.end()) {
            detail::throw_storage_error(errc::file_not_found, path, "remove: no such file");
        }
        if (entry->second->is_directory && !entry->second->children.empty()) {
            detail::throw_storage_error(errc::invalid_operation, path,
                                        "remove: directory not empty");
        }
        directory->children.erase(entry);
    }

    /// Makes every create, rename and remove in this directory durable.
    /// Throws backup_error: file_not_found, invalid_path.
    void sync_directory(const std::filesystem::path& directory) {
        const auto names = split(directory);
        const std::unique_lock lock{mutex_};
        const auto found = find_directory(directory, names, names.size());
        found->durable_children = found->children;
        for (const auto& [name, child] : found->children) {
            child->created_in.reset();
        }
    }

    /// What makes two handles one namespace: its tree. Instances use it to refuse a
    /// second instance on the same paths of the same storage (instance.hpp).
    [[nodiscard]] const void* identity() const noexcept { return root_.get(); }

    /// Simulates a power loss: afterwards the tree holds exactly what was durable
    /// (unsynced bytes, resizes, creates, renames and removes are gone), and every
    /// file handle opened before is dead. May throw std::bad_alloc while copying.
    void crash() { crash(nullptr); }

    /// Simulates a power loss that tears writes: as `crash()`, except that each
    /// file's durable image becomes its last synced bytes with, in the order the
    /// writes were made (a later one over an earlier one), the first
    /// `surviving_bytes(write)` bytes of each of its unsynced writes (0 drops the
    /// write; a count of `length` or more keeps it whole). A kept write past the
    /// end grows the file, with zeros before it if it starts past the end.
    /// Unsynced resizes are dropped, so a cut is undone and a growth is kept only
    /// as far as a kept write reaches. The namespace is restored exactly as by
    /// `crash()`: a file survives only under the names its directories (or its
    /// own sync, when created) made durable.
    ///
    /// `surviving_bytes` is called once for each write `unsynced_writes()` lists,
    /// in sequence order, before anything changes; it runs with the storage locked
    /// and must not call the storage. If it throws, the exception propagates and
    /// the storage is unchanged. An empty function drops every write, as `crash()`.
    /// May throw std::bad_alloc while building the new images.
    void crash(const std::function<std::size_t(const unsynced_write&)>& surviving_bytes) {
        const std::unique_lock lock{mutex_};
        // sequence -> surviving byte count, for the writes that keep at least one.
        std::map<std::size_t, std::size_t> kept;
        if (surviving_bytes) {
            for (const auto& write : list_unsynced_writes()) {
                const auto count = std::min(surviving_bytes(write), write.length);
                if (count > 0) {
                    kept.emplace(write.sequence, count);
                }
            }
        }
        std::set<const node*> visited{root_.get()};
        restore_durable(*root_, kept, visited);
        epoch_.fetch_add(1);
    }

    /// The writes a crash could still tear or drop: every write made since its
    /// file's last sync (or since the last crash), ordered by sequence, to any file
    /// reachable now or durably. Writes to a file that no name leads to, now or
    /// after a crash (removed and the removal synced, only a handle left), are not
    /// listed: no crash can bring them back. Zero-length writes are never listed.
    /// May throw std::bad_alloc.
    [[nodiscard]] std::vector<unsynced_write> unsynced_writes() const {
        const std::shared_lock lock{mutex_};
        return list_unsynced_writes();
    }

  private:
    /// Splits a path into names below the root, resolving "." and "..".
    static std::vector<std::string> split(const std::filesystem::path& path) {
        std::vector<std::string> names;
        for (const auto& component : path.lexically_normal().relative_path()) {
            const auto name = component.string();
            if (name.empty() || name == ".") {
                continue;
            }
            if (name == "..") {
                detail::throw_storage_error(errc::invalid_path, path, "climbs above the root");
            }
            names.push_back(name);
        }
        return names;
    }

    /// Whether `candidate` is a directory on the way to `names`' parent, by
    /// identity: after a partly durable rename one node can have two names.
    [[nodiscard]] bool is_on_path(const node_ptr& candidate,
                                  const std::vector<std::string>& names) const {
        auto current = root_;
        for (std::size_t index = 0; index + 1 < names.size() && current; ++index) {
            current = child_of(*current, names[index]);
            if (current == candidate) {
                return true;
            }
        }
        return false;
    }

    /// Makes one new entry of `directory` durable. If the name is durably bound to
    /// another node that is still linked in the directory (renamed away, the
    /// directory not synced since), binding the name alone would lose that node in
    /// a crash, so the whole directory is made durable, as an fsync of it would.
    static void make_entry_durable(node& directory, const std::string& name) {
        const auto durable = directory.durable_children.find(name);
        const bool displaces_linked_node =
            durable != directory.durable_children.end() &&
            std::ranges::any_of(directory.children,
                                [&](const auto& entry) { return entry.second == durable->second; });
        if (displaces_linked_node) {
            directory.durable_children = directory.children;
        } else {
            directory.durable_children[name] = directory.children.at(name);
        }
    }

    /// The node named by the first `depth` names, or null if there is none (also
    /// when a component on the way is a file; find_directory tells these apart).
    [[nodiscard]] node_ptr lookup(const std::vector<std::string>& names, std::size_t depth) const {
        auto current = root_;
        for (std::size_t index = 0; index < depth && current; ++index) {
            current = child_of(*current, names[index]);
        }
        return current;
    }

    /// The directory named by the first `depth` names. Throws backup_error:
    /// file_not_found if it is missing, invalid_path if it or a component on the
    /// way is a file (POSIX's ENOTDIR).
    [[nodiscard]] node_ptr find_directory(const std::filesystem::path& path,
                                          const std::vector<std::string>& names,
                                          std::size_t depth) const {
        auto current = root_;
        for (std::size_t index = 0; index <= depth; ++index) {
            if (!current->is_directory) {
                detail::throw_storage_error(errc::invalid_path, path, "not a directory");
            }
            if (index == depth) {
                break;
            }
            current = child_of(*current, names[index]);
            if (!current) {
                detail::throw_storage_error(errc::file_not_found, path, "no such directory");
            }
        }
        return current;
    }

    /// unsynced_writes() with the mutex held.
    [[nodiscard]] std::vector<unsynced_write> list_unsynced_writes() const {
        std::vector<unsynced_write> writes;
        std::set<const node*> visited{root_.get()};
        collect_unsynced_writes(*root_, visited, writes);
        std::ranges::sort(writes, {}, &unsynced_write::sequence);
        return writes;
    }

    /// Adds the unsynced writes of every file below `directory`, following both the
    /// live and the durable entries, each node once (after a rename a node can have
    /// a live name and a different durable one).
    static void collect_unsynced_writes(const node& directory, std::set<const node*>& visited,
                                        std::vector<unsynced_write>& writes) {
        for (const auto* entries : {&directory.children, &directory.durable_children}) {
            for (const auto& [name, child] : *entries) {
                if (!visited.insert(child.get()).second) {
                    continue;
                }
                if (child->is_directory) {
                    collect_unsynced_writes(*child, visited, writes);
                    continue;
                }
                for (const auto& write : child->unsynced_writes) {
                    writes.push_back(
                        {write.path, write.offset, write.bytes.size(), write.sequence});
                }
            }
        }
    }

    static node_ptr child_of(const node& directory, const std::string& name) {
        if (!directory.is_directory) {
            return nullptr;
        }
        const auto child = directory.children.find(name);
        return child == directory.children.end() ? nullptr : child->second;
    }

    /// Rebuilds the live tree from the durable one, each file from its durable bytes
    /// and the `kept` prefixes (by sequence) of its unsynced writes. A rename across
    /// directories synced only in its target leaves one node durable under two names;
    /// a file may stay so (like a hard link), but a directory keeps only the first
    /// name found, so the tree stays a tree (no cycle, nothing visited twice).
    static void restore_durable(node& directory, const std::map<std::size_t, std::size_t>& kept,
                                std::set<const node*>& visited) {
        directory.children = directory.durable_children;
        for (auto entry = directory.children.begin(); entry != directory.children.end();) {
            const auto child = entry->second;
            child->created_in.reset();
            if (child->is_directory && !visited.insert(child.get()).second) {
                directory.durable_children.erase(entry->first);
                entry = directory.children.erase(entry);
                continue;
            }
            if (child->is_directory) {
                restore_durable(*child, kept, visited);
            } else {
                restore_file(*child, kept);
            }
            ++entry;
        }
    }

    /// Makes a file's durable bytes what the crash leaves and shows them. Its
    /// unsynced writes are then forgotten, so a file under two names is restored
    /// the same way twice.
    static void restore_file(node& file, const std::map<std::size_t, std::size_t>& kept) {
        auto& image = file.durable_bytes;
        for (const auto& write : file.unsynced_writes) {  // oldest first
            const auto survivor = kept.find(write.sequence);
            if (survivor == kept.end()) {
                continue;
            }
            // write_at checked that offset + length fits in a size_t.
            const auto offset = static_cast<std::size_t>(write.offset);
            const auto count = survivor->second;
            if (offset + count > image.size()) {
                image.resize(offset + count);
            }
            std::copy_n(write.bytes.begin(), count,
                        image.begin() + static_cast<std::ptrdiff_t>(offset));
        }
        file.unsynced_writes.clear();
        file.bytes = image;
    }

    mutable std::shared_mutex mutex_;
    node_ptr root_;
    std::atomic<std::uint64_t> epoch_{0};
    std::size_t next_write_sequence_ = 0;  // guarded by mutex_ (held exclusively)
};

static_assert(storage<memory_storage>);

}  // namespace hotbackup::inline v1
