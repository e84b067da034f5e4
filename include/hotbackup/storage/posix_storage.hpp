/// \file
/// posix_storage: the storage policy on real files through POSIX calls.
///
/// Reads and writes are positional (pread/pwrite), so one file serves several
/// threads without a shared offset. `sync` is fdatasync. Every create and rename is
/// followed by an fsync of the parent directory, which makes it durable when the
/// call returns (stronger than the storage contract asks). A remove is not: it is
/// durable once `sync_directory` of its parent returns, as the contract says, so
/// that deleting many files (truncating hundreds of logs) costs one directory sync,
/// not one each. Descriptors are
/// opened with O_CLOEXEC so a child process started by the embedding program does
/// not inherit the database and log files.
///
/// Errors: the errno of the failing call, mapped by errc_from_errno, thrown as
/// backup_error whose message names the path, the operation and the system's text.
///
/// Thread safety: stateless; any number of threads may use one object. A file
/// object follows the rules of storage.hpp.
#pragma once

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/detail/io_error.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

namespace detail {

/// The directory whose entry names `path` ("." for a bare file name).
inline std::filesystem::path parent_directory(const std::filesystem::path& path) {
    // "d/sub/" names sub, whose parent is d; parent_path() alone would give "d/sub".
    auto normal = path.lexically_normal();
    if (!normal.has_filename()) {
        normal = normal.parent_path();
    }
    auto parent = normal.parent_path();
    return parent.empty() ? std::filesystem::path{"."} : parent;
}

/// Closes a descriptor on every path out of a scope unless released.
class unique_fd {
  public:
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() {
        if (fd_ >= 0) {
            ::close(fd_);
        }
    }
    [[nodiscard]] int get() const noexcept { return fd_; }
    [[nodiscard]] int release() noexcept { return std::exchange(fd_, -1); }

  private:
    int fd_;
};

/// fsyncs a directory, so that entries created, renamed or removed in it survive a
/// crash (on Linux a file's fsync does not cover its directory entry).
inline void fsync_directory(const std::filesystem::path& directory) {
    const unique_fd fd{::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (fd.get() < 0) {
        throw_io_error(errno, directory, "open directory for sync");
    }
    if (::fsync(fd.get()) != 0) {
        throw_io_error(errno, directory, "fsync of directory");
    }
}

}  // namespace detail

/// The storage policy on the local file system. Models `storage`.
class posix_storage {
  public:
    /// An open file descriptor with positional I/O. Models `storage_file`.
    class file {
      public:
        /// Takes over `other`'s descriptor; `other` is left closed.
        file(file&& other) noexcept
            : path_(std::move(other.path_)),
              fd_(std::exchange(other.fd_, -1)),
              writable_(other.writable_) {}
        /// Closes this file (ignoring errors), then takes over `other`'s
        /// descriptor; `other` is left closed.
        file& operator=(file&& other) noexcept {
            if (this != &other) {
                close_ignoring_errors();
                path_ = std::move(other.path_);
                fd_ = std::exchange(other.fd_, -1);
                writable_ = other.writable_;
            }
            return *this;
        }
        file(const file&) = delete;
        file& operator=(const file&) = delete;
        ~file() { close_ignoring_errors(); }

        /// Reads up to buffer.size() bytes at offset; fewer only at end of file.
        /// Throws backup_error (disk_io, ...) naming the path.
        std::size_t read_at(std::uint64_t offset, std::span<std::byte> buffer) {
            require_open();
            std::size_t done = 0;
            while (done < buffer.size()) {
                const auto result = ::pread(fd_, buffer.data() + done, buffer.size() - done,
                                            to_off_t(offset + done));
                if (result < 0) {
                    const int error = errno;  // before anything can allocate
                    if (error == EINTR) {
                        continue;
                    }
                    detail::throw_io_error(error, path_, describe("pread", offset, buffer.size()));
                }
                if (result == 0) {
                    break;  // end of file
                }
                done += static_cast<std::size_t>(result);
            }
            return done;
        }

        /// Writes every byte at offset (extending the file as needed).
        /// Throws backup_error: file_access_denied on a read-only file, disk_full,
        /// disk_io, ... naming the path.
        void write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
            require_writable();
            std::size_t done = 0;
            while (done < bytes.size()) {
                const auto result = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                                             to_off_t(offset + done));
                if (result < 0) {
                    const int error = errno;
                    if (error == EINTR) {
                        continue;
                    }
                    detail::throw_io_error(error, path_, describe("pwrite", offset, bytes.size()));
                }
                if (result == 0) {
                    // pwrite makes no progress only when the device cannot take more.
                    detail::throw_io_error(ENOSPC, path_, describe("pwrite", offset, bytes.size()));
                }
                done += static_cast<std::size_t>(result);
            }
        }

        /// The file's size in bytes. Throws backup_error naming the path.
        [[nodiscard]] std::uint64_t size() const {
            require_open();
            struct stat status {};
            if (::fstat(fd_, &status) != 0) {
                detail::throw_io_error(errno, path_, "fstat");
            }
            return static_cast<std::uint64_t>(status.st_size);
        }

        /// Sets the size: grows with zero bytes or cuts. Throws backup_error.
        void resize(std::uint64_t new_size) {
            require_writable();
            const auto length = to_off_t(new_size);
            while (::ftruncate(fd_, length) != 0) {
                const int error = errno;
                if (error != EINTR) {
                    detail::throw_io_error(error, path_,
                                           "ftruncate to " + std::to_string(new_size) + " bytes");
                }
            }
        }

        /// Makes written bytes and the size durable (fdatasync). Throws backup_error.
        void sync() {
            require_open();
            if (::fdatasync(fd_) != 0) {
                detail::throw_io_error(errno, path_, "fdatasync");
            }
        }

        /// Closes the descriptor; the file is closed even when this throws.
        void close() {
            require_open();
            // Linux releases the descriptor even when close reports an error, so
            // it is never retried.
            if (::close(std::exchange(fd_, -1)) != 0) {
                detail::throw_io_error(errno, path_, "close");
            }
        }

        /// The path the file was opened with.
        [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

        /// The descriptor, for callers that need an fcntl or similar; -1 when closed.
        [[nodiscard]] int native_handle() const noexcept { return fd_; }

      private:
        friend class posix_storage;
        file(std::filesystem::path path, int fd, bool writable) noexcept
            : path_(std::move(path)), fd_(fd), writable_(writable) {}

        void close_ignoring_errors() noexcept {
            if (fd_ >= 0) {
                ::close(std::exchange(fd_, -1));
            }
        }
        void require_open() const {
            if (fd_ < 0) {
                detail::throw_storage_error(errc::invalid_parameter, path_,
                                            "the file is closed or was moved from");
            }
        }
        void require_writable() const {
            require_open();
            if (!writable_) {
                detail::throw_storage_error(errc::file_access_denied, path_,
                                            "the file was opened read-only");
            }
        }
        [[nodiscard]] off_t to_off_t(std::uint64_t offset) const {
            if (offset > static_cast<std::uint64_t>(std::numeric_limits<off_t>::max())) {
                detail::throw_storage_error(errc::invalid_parameter, path_,
                                            "offset " + std::to_string(offset) + " is too large");
            }
            return static_cast<off_t>(offset);
        }
        static std::string describe(const char* call, std::uint64_t offset, std::size_t length) {
            return std::string{call} + " of " + std::to_string(length) + " bytes at offset " +
                   std::to_string(offset);
        }

        std::filesystem::path path_;
        int fd_ = -1;
        bool writable_ = false;
    };

    /// Opens (or creates, by mode) a regular file. A creating mode syncs the parent
    /// directory. Throws backup_error: file_not_found, file_already_exists,
    /// file_access_denied, file_invalid_type (a directory), invalid_path, ...
    [[nodiscard]] file open(const std::filesystem::path& path, open_mode mode) const {
        int flags = O_CLOEXEC;
        switch (mode) {
            case open_mode::read_only:
                flags |= O_RDONLY;
                break;
            case open_mode::read_write:
                flags |= O_RDWR;
                break;
            case open_mode::create:
                flags |= O_RDWR | O_CREAT | O_EXCL;
                break;
            case open_mode::create_or_open:
                flags |= O_RDWR | O_CREAT;
                break;
        }
        constexpr mode_t new_file_permissions = 0666;  // narrowed by the umask
        int raw_fd = -1;
        do {
            raw_fd = ::open(path.c_str(), flags, new_file_permissions);
        } while (raw_fd < 0 && errno == EINTR);
        if (raw_fd < 0) {
            detail::throw_io_error(errno, path, "open");
        }
        detail::unique_fd fd{raw_fd};
        struct stat status {};
        if (::fstat(fd.get(), &status) != 0) {
            detail::throw_io_error(errno, path, "fstat");
        }
        if (!S_ISREG(status.st_mode)) {
            detail::throw_storage_error(errc::file_invalid_type, path, "not a regular file");
        }
        if ((flags & O_CREAT) != 0) {
            try {
                detail::fsync_directory(detail::parent_directory(path));
            } catch (...) {
                // A file this call created must not stay behind half-durable: a
                // retry would then fail with file_already_exists.
                if (mode == open_mode::create) {
                    ::unlink(path.c_str());
                }
                throw;
            }
        }
        return file{path, fd.release(), mode != open_mode::read_only};
    }

    /// Whether anything exists at path (a dangling symbolic link counts).
    /// Throws backup_error for errors other than "no such entry".
    [[nodiscard]] bool exists(const std::filesystem::path& path) const {
        struct stat status {};
        if (::lstat(path.c_str(), &status) == 0) {
            return true;
        }
        if (errno == ENOENT || errno == ENOTDIR) {
            return false;
        }
        detail::throw_io_error(errno, path, "lstat");
    }

    /// The entries of a directory, sorted by name; symbolic links are reported as
    /// entry_kind::other and not followed. Throws backup_error (file_not_found, ...).
    [[nodiscard]] std::vector<directory_entry> list(const std::filesystem::path& directory) const {
        detail::unique_fd fd{::open(directory.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
        if (fd.get() < 0) {
            detail::throw_io_error(errno, directory, "open directory");
        }
        DIR* stream = ::fdopendir(fd.get());
        if (stream == nullptr) {
            detail::throw_io_error(errno, directory, "fdopendir");
        }
        (void)fd.release();  // the stream owns the descriptor now
        std::vector<directory_entry> entries;
        try {
            errno = 0;
            while (const dirent* entry = ::readdir(stream)) {
                const std::string name = entry->d_name;
                const auto kind = name == "." || name == ".."
                                      ? std::nullopt
                                      : kind_of(::dirfd(stream), *entry, directory);
                if (kind) {
                    entries.push_back({name, *kind});
                }
                errno = 0;
            }
            if (errno != 0) {
                detail::throw_io_error(errno, directory, "readdir");
            }
        } catch (...) {
            ::closedir(stream);
            throw;
        }
        ::closedir(stream);
        std::ranges::sort(entries, {}, &directory_entry::name);
        return entries;
    }

    /// Creates a directory and any missing parents, each made durable before this
    /// returns. Throws backup_error: invalid_path if a component exists and is not
    /// a directory, file_access_denied, disk_full, ...
    void create_directories(const std::filesystem::path& directory) const {
        std::filesystem::path prefix;
        for (const auto& component : directory) {
            prefix /= component;
            if (component == prefix.root_path() || component.empty()) {
                continue;
            }
            if (::mkdir(prefix.c_str(), 0777) == 0) {
                detail::fsync_directory(detail::parent_directory(prefix));
                continue;
            }
            const int error = errno;
            struct stat status {};
            if (error == EEXIST && ::stat(prefix.c_str(), &status) == 0 &&
                S_ISDIR(status.st_mode)) {
                // Another thread, or an earlier attempt whose fsync failed, may have
                // made it: sync anyway, so it is durable when this returns.
                detail::fsync_directory(detail::parent_directory(prefix));
                continue;
            }
            if (error == EEXIST) {
                detail::throw_storage_error(errc::invalid_path, prefix,
                                            "exists and is not a directory");
            }
            detail::throw_io_error(error, prefix, "mkdir");
        }
    }

    /// Renames atomically (replacing an existing target), then syncs both parent
    /// directories. Throws backup_error naming the source path.
    void rename(const std::filesystem::path& from, const std::filesystem::path& to) const {
        if (::rename(from.c_str(), to.c_str()) != 0) {
            const int error = errno;
            detail::throw_io_error(error, from, "rename to '" + to.string() + "'");
        }
        const auto from_directory = detail::parent_directory(from);
        const auto to_directory = detail::parent_directory(to);
        detail::fsync_directory(to_directory);
        if (from_directory != to_directory) {
            detail::fsync_directory(from_directory);
        }
    }

    /// Removes a file or an empty directory; durable after sync_directory() of the
    /// parent. Throws backup_error: file_not_found, invalid_operation (directory not
    /// empty), ...
    void remove(const std::filesystem::path& path) const {
        if (::unlink(path.c_str()) != 0) {
            const int error = errno;
            // Linux reports EISDIR for a directory; other systems EPERM.
            if ((error == EISDIR || error == EPERM) && ::rmdir(path.c_str()) == 0) {
                return;
            }
            detail::throw_io_error(error == EISDIR ? errno : error, path, "remove");
        }
    }

    /// fsyncs a directory. Throws backup_error (file_not_found, ...).
    void sync_directory(const std::filesystem::path& directory) const {
        detail::fsync_directory(directory);
    }

  private:
    /// The kind of a listed entry; nothing if it vanished meanwhile.
    static std::optional<entry_kind> kind_of(int directory_fd, const dirent& entry,
                                             const std::filesystem::path& directory) {
        switch (entry.d_type) {
            case DT_REG:
                return entry_kind::file;
            case DT_DIR:
                return entry_kind::directory;
            case DT_UNKNOWN:
                break;  // some file systems do not fill d_type
            default:
                return entry_kind::other;
        }
        struct stat status {};
        if (::fstatat(directory_fd, entry.d_name, &status, AT_SYMLINK_NOFOLLOW) != 0) {
            const int error = errno;
            if (error == ENOENT) {
                return std::nullopt;  // removed since readdir saw it
            }
            detail::throw_io_error(error, directory / entry.d_name, "fstatat");
        }
        if (S_ISREG(status.st_mode)) {
            return entry_kind::file;
        }
        return S_ISDIR(status.st_mode) ? entry_kind::directory : entry_kind::other;
    }
};

static_assert(storage<posix_storage>);

}  // namespace hotbackup::inline v1
