/// \file
/// faulty_storage<Inner>: wraps a storage model and injects failures, so tests can
/// prove that every I/O error surfaces as the right errc and loses nothing.
///
/// Every operation (open, read, write, size, resize, sync, close, exists, list,
/// create_directories, rename, remove, sync_directory) takes the next index from one
/// counter, starting at 0. A test runs its workload once unarmed to learn how many
/// operations it performs (`operation_count()`), then once per index with
/// `fail_operation(index)` armed: a sweep over every point where the device could
/// fail. `fail_when(predicate)` fails every operation a predicate picks (say, every
/// write to a log file), and `tear_write(index, bytes)` lets a write reach the device
/// only up to a chosen byte before failing, as a power loss or a full disk in the
/// middle of a write would.
///
/// A failed operation throws what the real device would: the backup_error of
/// errno EIO (errc::disk_io) or ENOSPC (errc::disk_full), naming the path, the
/// operation and its index. The operation has no effect, except a torn write (its
/// prefix is written) and a failed close (the file is closed all the same).
///
/// Thread safety: like Inner. Rules may be armed and disarmed while other threads
/// run operations. File handles must not outlive their faulty_storage.
#pragma once

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/detail/io_error.hpp"
#include "hotbackup/storage/memory_storage.hpp"  // for the static_assert below
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// The error an injected fault reports.
enum class fault_kind {
    io_error,  ///< EIO: errc::disk_io
    no_space,  ///< ENOSPC: errc::disk_full
};

/// The kinds of operation faulty_storage counts.
enum class operation_kind {
    open,
    read,
    write,
    size,
    resize,
    sync,
    close,
    exists,
    list,
    create_directories,
    rename,
    remove,
    sync_directory,
};

/// One operation as a fault predicate sees it.
struct storage_operation {
    std::uint64_t index = 0;  ///< position in the sequence of all operations, from 0
    /// What the operation does.
    operation_kind kind = operation_kind::open;
    std::filesystem::path path{};  ///< the file or directory (the source, for a rename)
    std::uint64_t offset = 0;      ///< read and write: the offset; resize: the new size
    std::size_t length = 0;        ///< read and write: the byte count
};

/// A storage model that wraps Inner and fails the operations a test chooses.
/// Models `storage`.
template <storage Inner>
class faulty_storage {
    struct rule {
        std::function<bool(const storage_operation&)> picks{};
        fault_kind fault = fault_kind::io_error;
        std::optional<std::size_t> torn_after{};  // for a write: bytes that reach the device
        bool once = false;
    };

  public:
    /// A file of Inner whose every operation goes through the fault rules. It must
    /// not outlive its faulty_storage.
    class file {
      public:
        /// Takes over `other`'s file; `other` is left moved-from.
        file(file&& other) noexcept
            : owner_(std::exchange(other.owner_, nullptr)), inner_(std::move(other.inner_)) {}
        /// Replaces this file by `other`'s, as Inner's move assignment does;
        /// `other` is left moved-from.
        file& operator=(file&& other) noexcept {
            if (this != &other) {
                owner_ = std::exchange(other.owner_, nullptr);
                inner_ = std::move(other.inner_);
            }
            return *this;
        }
        file(const file&) = delete;
        file& operator=(const file&) = delete;
        ~file() = default;

        /// Inner's read_at, unless a fault is injected.
        std::size_t read_at(std::uint64_t offset, std::span<std::byte> buffer) {
            owner().check({.kind = operation_kind::read,
                           .path = inner_.path(),
                           .offset = offset,
                           .length = buffer.size()});
            return inner_.read_at(offset, buffer);
        }

        /// Inner's write_at, unless a fault is injected; a torn write writes its
        /// first bytes and then throws.
        void write_at(std::uint64_t offset, std::span<const std::byte> bytes) {
            const auto torn_after = owner().check({.kind = operation_kind::write,
                                                   .path = inner_.path(),
                                                   .offset = offset,
                                                   .length = bytes.size()},
                                                  /*can_tear=*/true);
            if (!torn_after) {
                inner_.write_at(offset, bytes);
                return;
            }
            inner_.write_at(offset, bytes.first(std::min(*torn_after, bytes.size())));
            detail::throw_io_error(EIO, inner_.path(),
                                   "write torn after " + std::to_string(*torn_after) + " of " +
                                       std::to_string(bytes.size()) + " bytes at offset " +
                                       std::to_string(offset) + " (injected fault)");
        }

        /// Inner's size, unless a fault is injected.
        [[nodiscard]] std::uint64_t size() const {
            owner().check({.kind = operation_kind::size, .path = inner_.path()});
            return inner_.size();
        }

        /// Inner's resize, unless a fault is injected.
        void resize(std::uint64_t new_size) {
            owner().check(
                {.kind = operation_kind::resize, .path = inner_.path(), .offset = new_size});
            inner_.resize(new_size);
        }

        /// Inner's sync, unless a fault is injected (then nothing becomes durable).
        void sync() {
            owner().check({.kind = operation_kind::sync, .path = inner_.path()});
            inner_.sync();
        }

        /// Inner's close; an injected fault is reported after the file is closed,
        /// as close(2) does.
        void close() {
            try {
                owner().check({.kind = operation_kind::close, .path = inner_.path()});
            } catch (...) {
                inner_.close();
                throw;
            }
            inner_.close();
        }

        /// The path the file was opened with.
        [[nodiscard]] const std::filesystem::path& path() const noexcept { return inner_.path(); }

      private:
        friend class faulty_storage;
        file(faulty_storage* owner, typename Inner::file inner)
            : owner_(owner), inner_(std::move(inner)) {}

        [[nodiscard]] faulty_storage& owner() const {
            if (owner_ == nullptr) {
                detail::throw_storage_error(errc::invalid_parameter, inner_.path(),
                                            "the file was moved from");
            }
            return *owner_;
        }

        faulty_storage* owner_;
        typename Inner::file inner_;
    };

    /// Constructs the wrapped storage from the arguments.
    template <class... Args>
        requires std::constructible_from<Inner, Args...>
    explicit faulty_storage(Args&&... args) : inner_(std::forward<Args>(args)...) {}

    faulty_storage(const faulty_storage&) = delete;
    faulty_storage& operator=(const faulty_storage&) = delete;
    faulty_storage(faulty_storage&&) = delete;
    faulty_storage& operator=(faulty_storage&&) = delete;
    ~faulty_storage() = default;

    /// The wrapped storage (for example to crash() a memory_storage after a fault).
    /// Operations made on it directly are neither counted nor failed.
    Inner& inner() noexcept { return inner_; }
    /// The wrapped storage, read-only.
    const Inner& inner() const noexcept { return inner_; }

    /// Fails the operation with this index, once.
    void fail_operation(std::uint64_t index, fault_kind fault = fault_kind::io_error) {
        arm({.picks = [index](const storage_operation& op) { return op.index == index; },
             .fault = fault,
             .once = true});
    }

    /// Fails every operation the predicate picks, until disarm(). Predicates run
    /// under the rules' lock, from the thread of the operation: they must not call
    /// this storage.
    void fail_when(const std::function<bool(const storage_operation&)>& predicate,
                   fault_kind fault = fault_kind::io_error) {
        arm({.picks = predicate, .fault = fault});
    }

    /// Lets the write with this index reach the device only up to `bytes_written`
    /// bytes, then fails it with EIO; once. Fails any other kind of operation at
    /// that index outright.
    void tear_write(std::uint64_t index, std::size_t bytes_written) {
        arm({.picks = [index](const storage_operation& op) { return op.index == index; },
             .torn_after = bytes_written,
             .once = true});
    }

    /// Tears every write the predicate picks after `bytes_written` bytes, until
    /// disarm().
    void tear_write_when(const std::function<bool(const storage_operation&)>& predicate,
                         std::size_t bytes_written) {
        arm({.picks = predicate, .torn_after = bytes_written});
    }

    /// Removes every rule; counting goes on.
    void disarm() {
        const std::scoped_lock lock{rules_mutex_};
        rules_.clear();
    }

    /// How many operations ran (or were attempted) so far.
    [[nodiscard]] std::uint64_t operation_count() const noexcept { return next_index_.load(); }

    /// How many operations were failed so far.
    [[nodiscard]] std::uint64_t faults_injected() const noexcept { return faults_.load(); }

    /// Inner's open, unless a fault is injected.
    [[nodiscard]] file open(const std::filesystem::path& path, open_mode mode) {
        check({.kind = operation_kind::open, .path = path});
        return file{this, inner_.open(path, mode)};
    }

    /// Inner's exists, unless a fault is injected.
    [[nodiscard]] bool exists(const std::filesystem::path& path) {
        check({.kind = operation_kind::exists, .path = path});
        return inner_.exists(path);
    }

    /// Inner's list, unless a fault is injected.
    [[nodiscard]] std::vector<directory_entry> list(const std::filesystem::path& directory) {
        check({.kind = operation_kind::list, .path = directory});
        return inner_.list(directory);
    }

    /// Inner's create_directories, unless a fault is injected.
    void create_directories(const std::filesystem::path& directory) {
        check({.kind = operation_kind::create_directories, .path = directory});
        inner_.create_directories(directory);
    }

    /// Inner's rename, unless a fault is injected.
    void rename(const std::filesystem::path& from, const std::filesystem::path& to) {
        check({.kind = operation_kind::rename, .path = from});
        inner_.rename(from, to);
    }

    /// Inner's remove, unless a fault is injected.
    void remove(const std::filesystem::path& path) {
        check({.kind = operation_kind::remove, .path = path});
        inner_.remove(path);
    }

    /// Inner's sync_directory, unless a fault is injected.
    void sync_directory(const std::filesystem::path& directory) {
        check({.kind = operation_kind::sync_directory, .path = directory});
        inner_.sync_directory(directory);
    }

  private:
    void arm(rule new_rule) {
        const std::scoped_lock lock{rules_mutex_};
        rules_.push_back(std::move(new_rule));
    }

    /// Numbers the operation and applies the first rule that picks it: throws for
    /// a plain fault; for a tearing rule on a write (can_tear) returns how many
    /// bytes may reach the device. Returns nothing when no rule picks it.
    std::optional<std::size_t> check(storage_operation operation, bool can_tear = false) {
        operation.index = next_index_.fetch_add(1);
        const auto fired = take_rule_for(operation);
        if (!fired) {
            return std::nullopt;
        }
        faults_.fetch_add(1);
        if (fired->torn_after && can_tear) {
            return fired->torn_after;
        }
        const int error = fired->fault == fault_kind::no_space ? ENOSPC : EIO;
        detail::throw_io_error(error, operation.path,
                               std::string{name_of(operation.kind)} +
                                   " (injected fault at operation " +
                                   std::to_string(operation.index) + ")");
    }

    /// The first rule that picks `operation`, removed if it fires once.
    std::optional<rule> take_rule_for(const storage_operation& operation) {
        const std::scoped_lock lock{rules_mutex_};
        const auto found = std::ranges::find_if(
            rules_, [&](const rule& candidate) { return candidate.picks(operation); });
        if (found == rules_.end()) {
            return std::nullopt;
        }
        auto fired = *found;
        if (fired.once) {
            rules_.erase(found);
        }
        return fired;
    }

    static const char* name_of(operation_kind kind) noexcept {
        switch (kind) {
            case operation_kind::open:
                return "open";
            case operation_kind::read:
                return "read";
            case operation_kind::write:
                return "write";
            case operation_kind::size:
                return "size";
            case operation_kind::resize:
                return "resize";
            case operation_kind::sync:
                return "sync";
            case operation_kind::close:
                return "close";
            case operation_kind::exists:
                return "exists";
            case operation_kind::list:
                return "list";
            case operation_kind::create_directories:
                return "create_directories";
            case operation_kind::rename:
                return "rename";
            case operation_kind::remove:
                return "remove";
            case operation_kind::sync_directory:
                return "sync_directory";
        }
        return "operation";
    }

    Inner inner_;
    std::mutex rules_mutex_;
    std::vector<rule> rules_;
    std::atomic<std::uint64_t> next_index_{0};
    std::atomic<std::uint64_t> faults_{0};
};

static_assert(storage<faulty_storage<memory_storage>>);

}  // namespace hotbackup::inline v1
