/// \file
/// page_range_lock<Storage>: a page range of a reference-engine database held
/// against flushes while a backup reads it (instance::lock_pages()). Writers go on
/// changing the cache; a flush of the range waits until the lock is released.
///
/// Thread-safety: one thread at a time per lock.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>

#include "hotbackup/engine/detail/database.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/storage/storage.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

template <storage Storage>
class instance;

/// Holds a page range of a database against flushes (writers go on; they change
/// only the cache). Get it from lock_pages(). It holds no lock of the instance,
/// but a flush of the range waits for it, and detach, term and checkpoints
/// flush: so hold it only to read a chunk through read(), and call nothing else
/// of the instance meanwhile. It keeps the database object alive; after a
/// detach, read() fails (the file is closed). Destroy it before the instance
/// terminates. One thread at a time per lock.
template <storage Storage>
class page_range_lock {
  public:
    /// Takes over `other`'s range; `other` is left empty and unlocks nothing.
    page_range_lock(page_range_lock&& other) noexcept
        : database_(std::move(other.database_)),
          gate_(std::exchange(other.gate_, nullptr)),
          first_(other.first_),
          last_(other.last_) {}
    page_range_lock& operator=(page_range_lock&&) = delete;
    page_range_lock(const page_range_lock&) = delete;
    page_range_lock& operator=(const page_range_lock&) = delete;
    ~page_range_lock() {
        if (gate_ != nullptr) {
            gate_->unlock_range(first_, last_);
        }
    }

    /// Reads and verifies `count` pages from `first` (within the locked range)
    /// into `buffer`, as instance::read_pages does, without taking the
    /// instance's locks again. Throws as read_pages, and invalid_parameter for
    /// pages outside the range.
    void read(page_number first, page_number count, std::span<std::byte> buffer) const {
        if (gate_ == nullptr || first < first_ || count == 0 ||
            std::uint64_t{first} + count - 1 > last_ ||
            buffer.size() < std::size_t{count} * database_->page_size()) {
            throw backup_error(errc::invalid_parameter,
                               "read pages within the locked range into a buffer of count × "
                               "page size bytes");
        }
        database_->read_pages(first, count, buffer);
    }

  private:
    friend class instance<Storage>;
    page_range_lock(std::shared_ptr<detail::database<Storage>> database, page_number first,
                    page_number last)
        : database_(std::move(database)), gate_(&database_->gate()), first_(first), last_(last) {
        gate_->lock_range(first_, last_);
    }
    std::shared_ptr<detail::database<Storage>> database_;
    detail::page_range_gate* gate_;
    page_number first_;
    page_number last_;
};

}  // namespace hotbackup::inline v1
