/// \file
/// closed_log<Storage>: a closed log file of the reference engine, open for a backup
/// to read (instance::open_log()). Every 4 KiB block read is checked against the
/// log format (format/log_format.hpp): the header names this generation, log set
/// and size, each segment is intact, and no intact segment follows an unwritten one
/// when the file is read in order.
///
/// Thread-safety: one thread at a time per object.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <utility>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/engine/log_reader.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/storage/storage.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

template <storage Storage>
class instance;

/// A closed log file of an instance open for reading by a backup, as
/// instance::open_log() returns it: each block read is verified against the log
/// format. Move-only; one thread at a time. The storage must outlive it.
template <storage Storage>
class closed_log {
  public:
    /// The file's length in bytes.
    [[nodiscard]] std::uint64_t size() const noexcept { return size_; }

    /// Reads from `offset` (a multiple of 4 KiB) into `buffer` (a multiple of
    /// 4 KiB), verifies every 4 KiB block read, and returns the bytes read
    /// (fewer only at the end of the file). Verified: the header block (a log
    /// header of this generation and log set, of this file's size) and each
    /// segment (intact, or all zero with nothing but zeros after it when read
    /// in order). Throws backup_error: log_read_verify_failure naming the file,
    /// generation and offset; invalid_parameter (misaligned); disk_io.
    std::size_t read(std::uint64_t offset, std::span<std::byte> buffer) {
        constexpr std::uint64_t block = log_layout::block_size;
        if (offset % block != 0 || buffer.size() % block != 0) {
            throw backup_error(errc::invalid_parameter, error_context{.file = path_},
                               "log reads start at and cover multiples of 4 KiB");
        }
        if (offset >= size_) {
            return 0;
        }
        const auto wanted =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), size_ - offset));
        const auto chunk = buffer.first(wanted);
        if (file_.read_at(offset, chunk) != wanted) {
            fail(offset, "the file ended before its recorded size");
        }
        const bool in_order = offset == next_offset_;
        for (std::size_t at = 0; at < wanted; at += block) {
            const auto block_bytes = chunk.subspan(at, block);
            const auto block_offset = offset + at;
            const auto index = static_cast<std::uint32_t>(block_offset / block);
            if (index == 0) {
                check_header(block_bytes);
            } else if (detail::all_zero(block_bytes)) {
                zero_seen_ = zero_seen_ || in_order;
            } else if (!detail::view_segment(block_bytes, index, generation_).valid) {
                fail(block_offset, "a log segment is damaged");
            } else if (zero_seen_ && in_order) {
                fail(block_offset, "an intact segment follows an unwritten one");
            }
        }
        if (in_order) {
            next_offset_ = offset + wanted;
        }
        return wanted;
    }

  private:
    friend class instance<Storage>;
    closed_log(typename Storage::file file, std::string path, log_generation generation,
               signature log_signature)
        : file_(std::move(file)),
          path_(std::move(path)),
          generation_(generation),
          log_signature_(log_signature),
          size_(file_.size()) {}

    void check_header(std::span<const std::byte> block_bytes) const {
        const auto header = log_file_header::decode(block_bytes);
        if (!header) {
            fail(0, "the log file header is damaged");
        }
        if (header->generation != generation_ || header->log_signature != log_signature_ ||
            std::uint64_t{header->segment_count} * log_layout::block_size != size_) {
            fail(0, "the log file header belongs to another generation, log set or size");
        }
    }

    [[noreturn]] void fail(std::uint64_t offset, std::string_view what) const {
        throw backup_error(errc::log_read_verify_failure,
                           error_context{.file = path_, .generation = generation_},
                           std::string{what} + " at offset " + std::to_string(offset));
    }

    typename Storage::file file_;
    std::string path_;
    log_generation generation_;
    signature log_signature_;
    std::uint64_t size_;
    std::uint64_t next_offset_ = 0;
    bool zero_seen_ = false;
};

}  // namespace hotbackup::inline v1
