// memory_storage: the storage policy in memory, able to simulate a power loss.
//
// It keeps what a program has written (what reads see) apart from what a crash
// would leave (what was made durable), exactly as the contract in storage.hpp
// allows and no more: a file's bytes become durable at `file::sync`, a create,
// rename or remove at `sync_directory` of the parent (a created file's entry also
// at its own `sync`), and `create_directories` at once. `crash()` then throws away
// everything else, so a test can crash at any point and check what recovery finds.
//
// One namespace: absolute and relative paths name the same tree ("/a" and "a" are
// the same file); "." and ".." are resolved lexically and a path that climbs above
// the root is invalid_path.
//
// Thread safety: every member may be called from many threads; one shared mutex
// guards the tree (reads share it). File handles must not outlive their storage;
// handles opened before a crash() are dead afterwards (errc::invalid_parameter).
#pragma once

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <filesystem>
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

    /// A file or a directory. Files keep two byte images, directories two child
    /// maps: what the program sees now, and what survives a crash.
    struct node {
        bool is_directory = false;
        std::vector<std::byte> bytes;
        std::vector<std::byte> durable_bytes;
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
    /// An open file of a memory_storage. Models `storage_file`.
    class file {
      public:
        file(file&& other) noexcept
            : storage_(std::exchange(other.storage_, nullptr)),
              node_(std::move(other.node_)),
              path_(std::move(other.path_)),
              epoch_(other.epoch_),
              writable_(other.writable_) {}
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

        /// Writes every byte at offset, extending the file with zeros as needed.
        /// Throws backup_error(file_access_denied) on a read-only file.
        void write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
            const std::unique_lock lock{storage_mutex()};
            require_writable();
            if (bytes.empty()) {
                return;  // as pwrite: a zero-length write does not extend the file
            }
            const auto end = checked_end(offset, bytes.size());
            auto& contents = node_->bytes;
            if (end > contents.size()) {
                grow(contents, end);
            }
            std::ranges::copy(bytes, contents.begin() + static_cast<std::ptrdiff_t>(offset));
        }

        /// The size in bytes as reads see it.
        [[nodiscard]] std::uint64_t size() const {
            const std::shared_lock lock{storage_mutex()};
            require_live();
            return node_->bytes.size();
        }

        /// Grows with zeros or cuts. Throws backup_error(file_access_denied) on a
        /// read-only file.
        void resize(std::uint64_t new_size) {
            const std::unique_lock lock{storage_mutex()};
            require_writable();
            grow(node_->bytes, checked_end(new_size, 0));
        }

        /// Makes the bytes durable, and the file's entry if it was created and its
        /// directory not synced since.
        void sync() {
            const std::unique_lock lock{storage_mutex()};
            require_live();
            node_->durable_bytes = node_->bytes;
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
            try {
                bytes.resize(new_size);
            } catch (const std::bad_alloc&) {
                detail::throw_storage_error(
                    errc::disk_full, path_,
                    "out of memory for " + std::to_string(new_size) + " bytes");
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
            auto& child = current->children[name];
            if (!child) {
                child = node::make_directory();
                make_entry_durable(*current, name);
            } else if (!child->is_directory) {
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

    /// Simulates a power loss: afterwards the tree holds exactly what was durable
    /// (unsynced bytes, creates, renames and removes are gone), and every file
    /// handle opened before is dead.
    void crash() {
        const std::unique_lock lock{mutex_};
        std::set<const node*> visited{root_.get()};
        restore_durable(*root_, visited);
        epoch_.fetch_add(1);
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

    static node_ptr child_of(const node& directory, const std::string& name) {
        if (!directory.is_directory) {
            return nullptr;
        }
        const auto child = directory.children.find(name);
        return child == directory.children.end() ? nullptr : child->second;
    }

    /// Rebuilds the live tree from the durable one. A rename across directories
    /// synced only in its target leaves one node durable under two names; a file may
    /// stay so (like a hard link), but a directory keeps only the first name found,
    /// so the tree stays a tree (no cycle, nothing visited twice).
    static void restore_durable(node& directory, std::set<const node*>& visited) {
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
                restore_durable(*child, visited);
            } else {
                child->bytes = child->durable_bytes;
            }
            ++entry;
        }
    }

    mutable std::shared_mutex mutex_;
    node_ptr root_;
    std::atomic<std::uint64_t> epoch_{0};
};

static_assert(storage<memory_storage>);

}  // namespace hotbackup::inline v1
