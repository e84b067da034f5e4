/// \file
/// Backup targets (docs/architecture.md §8 "Backup sets and restore"): where the files of one
/// backup set go. A target is a policy: the code that drives a session writes each
/// file through create(name, size) and, once every file is complete, the manifest
/// through commit_manifest(). A set whose manifest is missing is incomplete; a
/// target writes the manifest last, and only whole.
///
/// ~~~{.unparsed}
///   directory_target<Storage>  a directory on any storage policy (posix files,
///                              memory_storage, faulty_storage): each file written
///                              and synced, the manifest written to a temporary
///                              name, synced, renamed into place, the directory
///                              synced; files of a set may be written in parallel
///   memory_target              the files in memory (tests, small sets)
///   tar_target                 a tar stream to any std::ostream (tar_writer.hpp);
///                              one file at a time, the manifest as its last entry
/// ~~~
///
/// Names are relative paths checked as tar_writer checks them (no absolute path, no
/// "." or ".." component), so a set never writes outside its target.
///
/// Errors: backup_error; backup_directory_not_empty for a directory target that
/// already holds files; invalid_parameter for a bad name, a file given more or
/// fewer bytes than announced, or a second manifest; file_already_exists for a name
/// written twice; storage errors (disk_io, disk_full) naming the file.
///
/// Thread-safety: directory_target and memory_target accept create() and writes to
/// different files from several threads (parallel_files is true); tar_target is for
/// one thread.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <mutex>
#include <ostream>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/error.hpp"
#include "hotbackup/set/tar_writer.hpp"
#include "hotbackup/storage/durable.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// The name of the manifest in every target.
inline constexpr std::string_view manifest_name = "manifest.json";

/// One file being written to a target: exactly the announced bytes, then close().
template <class File>
concept target_file = requires(File& file, std::span<const std::byte> bytes) {
    file.write(bytes);
    file.close();
};

/// Where a backup set goes; see the header comment.
template <class Target>
concept backup_target = requires(Target& target, const std::string& name, std::uint64_t size,
                                 std::span<const std::byte> bytes) {
    { target.create(name, size) } -> target_file;
    target.commit_manifest(bytes);
    { Target::parallel_files } -> std::convertible_to<bool>;
};

namespace detail {

/// Counts bytes against an announced size; shared by the targets' files.
class announced_size {
  public:
    announced_size(std::string name, std::uint64_t size) : name_(std::move(name)), size_(size) {}

    void add(std::size_t bytes) {
        if (bytes > size_ - written_) {
            throw backup_error(errc::invalid_parameter, error_context{.file = name_},
                               std::to_string(written_ + bytes) +
                                   " bytes written to a file announced as " +
                                   std::to_string(size_));
        }
        written_ += bytes;
    }

    void require_complete() const {
        if (written_ != size_) {
            throw backup_error(errc::invalid_parameter, error_context{.file = name_},
                               "only " + std::to_string(written_) + " of " + std::to_string(size_) +
                                   " announced bytes were written");
        }
    }

    [[nodiscard]] std::uint64_t written() const noexcept { return written_; }
    [[nodiscard]] const std::string& name() const noexcept { return name_; }

  private:
    std::string name_;
    std::uint64_t size_;
    std::uint64_t written_ = 0;
};

/// Refuses a set file name a restore would refuse (tar_writer's rules) and the
/// manifest's name, which only commit_manifest() writes.
inline void check_set_file_name(const std::string& name) {
    tar::check_name(name);
    if (name == manifest_name) {
        throw backup_error(errc::invalid_parameter, error_context{.file = name},
                           "the manifest is written by commit_manifest() only");
    }
}

}  // namespace detail

/// A backup set in a directory of a storage policy; see the header comment.
template <storage Storage>
class directory_target {
  public:
    /// Files of a set may be written from several threads at once.
    static constexpr bool parallel_files = true;

    /// A file of the set, written at increasing offsets and synced on close().
    /// One thread at a time; it needs the storage alive, not the target.
    class file {
      public:
        /// Appends `bytes`. Throws backup_error: invalid_parameter (more bytes than
        /// announced), storage errors.
        void write(std::span<const std::byte> bytes) {
            count_.add(bytes.size());
            file_.write_at(count_.written() - bytes.size(), bytes);
        }
        /// Checks the size, syncs and closes. Throws as the header comment says.
        void close() {
            count_.require_complete();
            file_.sync();
            file_.close();
        }

      private:
        friend class directory_target;
        file(typename Storage::file opened, std::string name, std::uint64_t size)
            : file_(std::move(opened)), count_(std::move(name), size) {}
        typename Storage::file file_;
        detail::announced_size count_;
    };

    /// A target writing under `directory` of `storage` (created if missing), which
    /// must be empty: files of an earlier set or attempt would mix with this one.
    /// Both must outlive it. Throws backup_error: backup_directory_not_empty,
    /// storage errors.
    directory_target(Storage& storage, std::filesystem::path directory)
        : storage_(&storage), directory_(std::move(directory)) {
        storage_->create_directories(directory_);
        if (!storage_->list(directory_).empty()) {
            throw backup_error(errc::backup_directory_not_empty,
                               error_context{.file = directory_.string()},
                               "a backup set needs an empty directory");
        }
    }

    /// Creates file `name` (a relative path; its directories are made) for exactly
    /// `size` bytes. Throws backup_error: invalid_parameter, file_already_exists,
    /// storage errors.
    [[nodiscard]] file create(const std::string& name, std::uint64_t size) {
        detail::check_set_file_name(name);
        const auto path = directory_ / name;
        storage_->create_directories(path.parent_path());
        return file{storage_->open(path, open_mode::create), name, size};
    }

    /// Writes the manifest atomically: to a temporary name, synced, renamed into
    /// place, the directory synced. Throws backup_error: invalid_parameter (a
    /// manifest exists), storage errors; then no manifest is in place.
    void commit_manifest(std::span<const std::byte> bytes) {
        const auto final_path = directory_ / std::string{manifest_name};
        if (storage_->exists(final_path)) {
            throw backup_error(errc::invalid_parameter, error_context{.file = final_path.string()},
                               "this set already has a manifest");
        }
        detail::write_file_atomically(*storage_, final_path, bytes);
    }

    /// The directory the set is written to.
    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return directory_; }

  private:
    Storage* storage_;
    std::filesystem::path directory_;
};

/// A backup set held in memory; see the header comment.
class memory_target {
  public:
    /// Files of a set may be written from several threads at once.
    static constexpr bool parallel_files = true;

    /// A file of the set; its bytes enter the target on close(). One thread at a
    /// time; the target must outlive it.
    class file {
      public:
        /// Appends `bytes`. Throws backup_error(invalid_parameter) past the
        /// announced size.
        void write(std::span<const std::byte> bytes) {
            count_.add(bytes.size());
            bytes_.insert(bytes_.end(), bytes.begin(), bytes.end());
        }
        /// Checks the size and stores the file. Throws as the header comment says.
        void close() {
            count_.require_complete();
            target_->store(count_.name(), std::move(bytes_));
        }

      private:
        friend class memory_target;
        file(memory_target& target, std::string name, std::uint64_t size)
            : target_(&target), count_(std::move(name), size) {}
        memory_target* target_;
        detail::announced_size count_;
        std::vector<std::byte> bytes_;
    };

    /// Starts file `name` of exactly `size` bytes. Throws backup_error:
    /// invalid_parameter, file_already_exists.
    [[nodiscard]] file create(const std::string& name, std::uint64_t size) {
        detail::check_set_file_name(name);
        const std::scoped_lock lock{mutex_};
        if (!names_.insert(name).second) {
            throw backup_error(errc::file_already_exists, error_context{.file = name},
                               "the set already has this file");
        }
        return file{*this, name, size};
    }

    /// Stores the manifest, once. Throws backup_error: invalid_parameter.
    void commit_manifest(std::span<const std::byte> bytes) {
        const std::scoped_lock lock{mutex_};
        if (files_.contains(std::string{manifest_name})) {
            throw backup_error(errc::invalid_parameter,
                               error_context{.file = std::string{manifest_name}},
                               "this set already has a manifest");
        }
        files_.emplace(std::string{manifest_name},
                       std::vector<std::byte>{bytes.begin(), bytes.end()});
    }

    /// The complete files (closed ones, and the manifest once committed).
    [[nodiscard]] std::map<std::string, std::vector<std::byte>> files() const {
        const std::scoped_lock lock{mutex_};
        return files_;
    }

    /// Whether the set is complete: its manifest was committed.
    [[nodiscard]] bool complete() const {
        const std::scoped_lock lock{mutex_};
        return files_.contains(std::string{manifest_name});
    }

  private:
    void store(const std::string& name, std::vector<std::byte> bytes) {
        const std::scoped_lock lock{mutex_};
        files_[name] = std::move(bytes);
    }

    mutable std::mutex mutex_;
    std::set<std::string> names_;  // every file created, closed or not
    std::map<std::string, std::vector<std::byte>> files_;
};

/// A backup set as a tar stream; see the header comment.
class tar_target {
  public:
    /// One file at a time: the archive is a single stream.
    static constexpr bool parallel_files = false;

    /// The open entry of the archive. The target must outlive it.
    class file {
      public:
        /// Appends `bytes` to the entry. Throws as tar_writer::write().
        void write(std::span<const std::byte> bytes) { writer_->write(bytes); }
        /// Ends the entry. Throws as tar_writer::end_file().
        void close() { writer_->end_file(); }

      private:
        friend class tar_target;
        explicit file(tar_writer& writer) : writer_(&writer) {}
        tar_writer* writer_;
    };

    /// A target writing to `out`, which must outlive it; `mtime` stamps every
    /// entry (seconds since the Unix epoch).
    explicit tar_target(std::ostream& out, std::int64_t mtime = 0) : writer_(out), mtime_(mtime) {}

    /// Starts entry `name` of exactly `size` bytes; the previous one must be
    /// closed. Throws backup_error: invalid_parameter, disk_io.
    [[nodiscard]] file create(const std::string& name, std::uint64_t size) {
        detail::check_set_file_name(name);
        writer_.begin_file(name, size, mtime_);
        return file{writer_};
    }

    /// Writes the manifest as the last entry and ends the archive. Throws
    /// backup_error: invalid_parameter (an entry is open, or a manifest exists),
    /// disk_io.
    void commit_manifest(std::span<const std::byte> bytes) {
        writer_.begin_file(std::string{manifest_name}, bytes.size(), mtime_);
        writer_.write(bytes);
        writer_.end_file();
        writer_.finish();
    }

  private:
    tar_writer writer_;
    std::int64_t mtime_;
};

static_assert(backup_target<memory_target>);
static_assert(backup_target<tar_target>);

}  // namespace hotbackup::inline v1
