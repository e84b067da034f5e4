/// \file
/// The storage policy: the few file operations the engine, the backup session and
/// the backup targets need, as a concept, so the same code runs on real files
/// (posix_storage), on memory that can simulate a power loss (memory_storage), and
/// on a wrapper that injects I/O errors and torn writes (faulty_storage).
///
/// Durability contract, which every model meets and on which crash safety rests:
/// - `file::write_at` and `file::resize` change what later reads see at once, but
///   survive a crash only after `file::sync` returns (fdatasync).
/// - `open` in a creating mode, `rename` and `remove` change the namespace at once,
///   but survive a crash only after `sync_directory` of the parent directory returns
///   (of both parents, for a rename across directories). A newly created file's own
///   entry is also made durable by `sync` of that file.
/// - `create_directories` returns after the directories it made are durable.
///
/// A model may be stronger (posix_storage syncs the directory after every create
/// and rename, not after a remove); memory_storage is exactly this strong, so tests on it catch
/// code that forgets a sync.
///
/// Errors: every operation throws backup_error with an errc (file_not_found,
/// file_already_exists, file_access_denied, invalid_path, file_invalid_type,
/// disk_full, disk_io, ...) whose message names the path and the operation.
///
/// Thread safety: a storage object may be used from many threads at once. One file
/// object may serve concurrent read_at and write_at calls (on disjoint ranges for
/// writes), as pread/pwrite do; resize, close and moving it need exclusive use.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <vector>

namespace hotbackup::inline v1 {

/// How `storage::open` opens a file.
enum class open_mode {
    read_only,       ///< an existing file, for reading; writes fail with file_access_denied
    read_write,      ///< an existing file, for reading and writing
    create,          ///< a new file; file_already_exists if the name is taken
    create_or_open,  ///< the existing file, or a new empty one
};

/// What a directory entry is. Symbolic links are `other`: storage never follows
/// them when listing, so a caller can refuse them.
enum class entry_kind { file, directory, other };

/// One entry of `storage::list`.
struct directory_entry {
    std::string name;  ///< file name only, without the directory
    /// File, directory or other (a symbolic link is never followed).
    entry_kind kind;

    /// Compares member by member.
    friend bool operator==(const directory_entry&, const directory_entry&) = default;
};

/// An open file of a storage model: positional reads and writes, size, sync.
/// Move-only; destroying an open file closes it (ignoring errors; call close() to
/// see them). Every operation on a closed or moved-from file throws
/// backup_error(errc::invalid_parameter). A file may refer to its storage, which
/// must then outlive it (memory_storage and faulty_storage files do).
template <class File>
concept storage_file = std::movable<File> && !std::copyable<File> &&
                       requires(File & file, const File& const_file, std::uint64_t offset,
                                std::span<std::byte> buffer, std::span<const std::byte> bytes) {
    /// Reads up to buffer.size() bytes at offset; fewer only at end of file.
    { file.read_at(offset, buffer) } -> std::same_as<std::size_t>;
    /// Writes every byte or throws (a partial write is reported as an error).
    { file.write_at(offset, bytes) } -> std::same_as<void>;
    { const_file.size() } -> std::same_as<std::uint64_t>;
    /// Grows with zero bytes or cuts the file to the given size.
    { file.resize(offset) } -> std::same_as<void>;
    /// Makes written bytes and the size durable.
    { file.sync() } -> std::same_as<void>;
    { file.close() } -> std::same_as<void>;
    { const_file.path() } -> std::same_as<const std::filesystem::path&>;
};

/// A storage model: opens files and manages the namespace. See the header comment
/// for the durability contract every model meets, its errors and its thread safety.
template <class Storage>
concept storage = storage_file<typename Storage::file> &&
    requires(Storage& storage, const std::filesystem::path& path, open_mode mode) {
    { storage.open(path, mode) } -> std::same_as<typename Storage::file>;
    { storage.exists(path) } -> std::same_as<bool>;
    /// Entries of a directory (not "." or ".."), sorted by name.
    { storage.list(path) } -> std::same_as<std::vector<directory_entry>>;
    { storage.create_directories(path) } -> std::same_as<void>;
    /// Replaces the target atomically if it exists.
    { storage.rename(path, path) } -> std::same_as<void>;
    /// Removes a file or an empty directory.
    { storage.remove(path) } -> std::same_as<void>;
    { storage.sync_directory(path) } -> std::same_as<void>;
};

namespace detail {

/// What makes two storage objects one namespace: a storage's own identity() if it
/// has one (memory_storage: its tree), the wrapped storage's for a wrapper, else one
/// per storage type (real file systems).
template <class Storage>
const void* storage_identity(Storage& storage) {
    if constexpr (requires { storage.identity(); }) {
        return storage.identity();
    } else if constexpr (requires { storage.inner(); }) {
        return storage_identity(storage.inner());
    } else {
        static const char per_type = 0;
        return &per_type;
    }
}

}  // namespace detail

}  // namespace hotbackup::inline v1
