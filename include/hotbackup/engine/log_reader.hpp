/// \file
/// Reads one log file back: its header, then its records write by write, telling a
/// torn tail (the last write was cut short by a crash; accepted for the log being
/// written) from corruption (a damaged segment with an intact later write behind
/// it; errc::log_file_corrupt naming the file and the offset). See log_format.hpp
/// for why the two can be told apart.
///
/// Thread-safety: uses only the file it is given.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/error.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// What reading a log file found.
struct log_scan_result {
    /// The file's header.
    log_file_header header{};
    /// The first segment after the last complete write: where writing continues.
    std::uint32_t end_segment = 1;
    /// The file ends with a write that a crash cut short (its segments from
    /// `end_segment` on are damaged or missing).
    bool torn_tail = false;
};

namespace detail {

[[noreturn]] inline void throw_log_corrupt(const std::string& path, log_generation generation,
                                           std::uint64_t offset, const std::string& what) {
    throw backup_error(errc::log_file_corrupt,
                       error_context{.file = path, .generation = generation},
                       "at offset " + std::to_string(offset) + ": " + what);
}

template <storage_file File>
std::vector<std::byte> read_block(File& file, std::uint32_t index) {
    std::vector<std::byte> block(log_layout::block_size);
    const auto count =
        file.read_at(static_cast<std::uint64_t>(index) * log_layout::block_size, block);
    block.resize(count);
    block.resize(log_layout::block_size);  // a short file reads as zeros
    return block;
}

/// Whether `block` is a valid segment `index` of `generation`; its write's
/// first segment and length if so.
struct segment_view {
    bool valid = false;
    std::uint16_t used = 0;
    std::uint32_t write_first = 0;
    std::uint32_t write_count = 0;
};

inline segment_view view_segment(std::span<const std::byte> block, std::uint32_t index,
                                 log_generation generation) noexcept {
    if (check_page(block, index) != page_check::valid ||
        std::to_integer<std::uint8_t>(block[page_layout::kind_offset]) !=
            log_layout::segment_kind ||
        load_le<std::uint32_t>(block, log_layout::generation_offset) != generation) {
        return {};
    }
    segment_view view{true, load_le<std::uint16_t>(block, log_layout::used_offset),
                      load_le<std::uint32_t>(block, log_layout::write_first_offset),
                      load_le<std::uint32_t>(block, log_layout::write_count_offset)};
    if (view.used < log_layout::segment_header_size || view.used > log_layout::block_size ||
        view.write_count == 0 || view.write_first > index ||
        index - view.write_first >= view.write_count) {
        return {};
    }
    return view;
}

}  // namespace detail

/// Reads and checks the header of a log file. Throws backup_error:
/// errc::log_file_corrupt (damaged or not a log header), errc::disk_io.
template <storage_file File>
[[nodiscard]] log_file_header read_log_header(File& file) {
    const auto path = file.path().string();
    const auto block = detail::read_block(file, 0);
    const auto header = log_file_header::decode(block);
    if (!header) {
        detail::throw_log_corrupt(path, 0, 0, "the log file header is damaged or missing");
    }
    return *header;
}

/// Reads every complete write of a log file in order and hands each record with its
/// position to `on_record`. A torn tail is accepted only if `accept_torn_tail`
/// (the log that was being written at a crash); otherwise, and for any damaged
/// segment followed by an intact later write, throws
/// backup_error(errc::log_file_corrupt) naming the file, generation and offset; also
/// for a bad header, a file size that does not match it, or a record that does not
/// parse. Records before the damage have been handed over by then. Also throws
/// storage errors and what `on_record` throws. `on_record` runs on the calling
/// thread and may move from the record.
template <storage_file File>
log_scan_result scan_log_file(File& file, bool accept_torn_tail,
                              const std::function<void(log_position, log_record&&)>& on_record) {
    const auto path = file.path().string();
    log_scan_result result;
    result.header = read_log_header(file);
    const auto generation = result.header.generation;
    const auto segment_count = result.header.segment_count;
    if (file.size() != static_cast<std::uint64_t>(segment_count) * log_layout::block_size) {
        detail::throw_log_corrupt(path, generation, file.size(),
                                  "the file size does not match its header");
    }

    std::uint32_t segment = 1;
    bool damaged = false;
    std::vector<std::byte> payload;
    while (segment < segment_count) {
        auto first = detail::read_block(file, segment);
        if (detail::all_zero(first)) {
            break;  // never written: the end of the log
        }
        const auto view = detail::view_segment(first, segment, generation);
        if (!view.valid || view.write_first != segment ||
            segment + view.write_count > segment_count) {
            damaged = true;
            break;
        }
        // Gather the write's payload; every segment of it must be intact.
        payload.clear();
        std::vector<std::uint64_t> payload_offsets;  // file offset of each payload byte run
        bool complete = true;
        for (std::uint32_t index = 0; index < view.write_count && complete; ++index) {
            auto block =
                index == 0 ? std::exchange(first, {}) : detail::read_block(file, segment + index);
            const auto part = detail::view_segment(block, segment + index, generation);
            // Every segment but a write's last is full, which the offsets rely on.
            complete = part.valid && part.write_first == segment &&
                       part.write_count == view.write_count &&
                       (index + 1 == view.write_count || part.used == log_layout::block_size);
            if (complete) {
                payload_offsets.push_back(static_cast<std::uint64_t>(segment + index) *
                                              log_layout::block_size +
                                          log_layout::segment_header_size);
                payload.insert(payload.end(), block.begin() + log_layout::segment_header_size,
                               block.begin() + part.used);
            }
        }
        if (!complete) {
            damaged = true;
            break;
        }
        // Parse the records of this write; the checksums held, so a record that does
        // not parse was written wrong: corruption, not a tear.
        const auto file_offset_of = [&](std::size_t payload_index) {
            // Payload runs are full segments except the last, so this is arithmetic.
            const auto run = payload_index / log_layout::segment_payload_size;
            return payload_offsets.at(run) + payload_index % log_layout::segment_payload_size;
        };
        std::size_t position = 0;
        while (position < payload.size()) {
            const auto record_offset = file_offset_of(position);
            if (payload.size() - position < log_layout::record_prefix_size) {
                detail::throw_log_corrupt(path, generation, record_offset, "a record is cut short");
            }
            const auto type = std::to_integer<std::uint8_t>(payload[position]);
            const auto length = detail::load_le<std::uint32_t>(payload, position + 1);
            if (length > payload.size() - position - log_layout::record_prefix_size) {
                detail::throw_log_corrupt(path, generation, record_offset,
                                          "a record runs past its write");
            }
            auto record = detail::decode_record(
                type,
                std::span{payload}.subspan(position + log_layout::record_prefix_size, length));
            if (!record) {
                detail::throw_log_corrupt(path, generation, record_offset,
                                          "a record does not parse");
            }
            on_record(log_position{generation, static_cast<std::uint32_t>(record_offset)},
                      std::move(*record));
            position += log_layout::record_prefix_size + length;
        }
        segment += view.write_count;
    }
    result.end_segment = segment;

    // Whatever stopped the scan, no intact later write may follow: that would mean
    // acknowledged data behind the stop point was lost, which no crash can cause.
    for (std::uint32_t index = segment + 1; index < segment_count; ++index) {
        const auto block = detail::read_block(file, index);
        const auto view = detail::view_segment(block, index, generation);
        if (view.valid && view.write_first > segment) {
            detail::throw_log_corrupt(path, generation,
                                      static_cast<std::uint64_t>(segment) * log_layout::block_size,
                                      "a damaged segment lies before intact later writes");
        }
        if (view.valid) {
            // Part of the write that stopped the scan reached the disk while its
            // first segment did not (a disk need not keep a write's blocks in order):
            // a torn tail all the same, to be cleared before writing continues.
            damaged = true;
        }
    }
    if (damaged && !accept_torn_tail) {
        detail::throw_log_corrupt(path, generation,
                                  static_cast<std::uint64_t>(segment) * log_layout::block_size,
                                  "a damaged segment in a log that was closed cleanly");
    }
    result.torn_tail = damaged;
    return result;
}

}  // namespace hotbackup::inline v1
