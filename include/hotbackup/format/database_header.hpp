/// \file
/// The database header (docs/protocol.md §8.5, §3.6, §4.3): the first two
/// pages of a database file hold it twice (header and shadow copy), so a torn
/// header write leaves the other copy readable. It records what the database is
/// (signature, page size), whether it was shut down cleanly (state), which log set
/// it belongs to (log signature) and the four backup slots that decide what the
/// next backup may do.
///
/// Layout (little-endian) after the 40-byte page header of page.hpp, kind `header`,
/// page number 0 in both copies:
/// \code{.unparsed}
///   40 u32 magic 0x89ABCDEF     44 u32 format version     48 u32 page size
///   52 u32 state                56 16B database signature 72 16B log signature
///   88 u64 database time        96 u32 page count        100 u32 reserved
///  104 5 × backup_info (24 B each: u64 mark position, u64 mark time,
///      u32 genLow, u32 genHigh): full, copy, incremental, differential, current full
///  224 end of the used bytes; the rest of the page is zero.
/// \endcode
///
/// Thread-safety: value types and pure functions.
#pragma once

#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// Identifies a database file or a log set: a random number and the creation
/// time, as ESE's SIGNATURE does.
struct signature {
    /// Random bits (0, with `created` 0: no signature).
    std::uint64_t random = 0;
    std::uint64_t created = 0;  ///< microseconds since the Unix epoch

    /// A new signature, unique with overwhelming probability.
    [[nodiscard]] static signature make() {
        std::random_device entropy;
        const auto random = (static_cast<std::uint64_t>(entropy()) << 32) | entropy();
        return {random, now_microseconds()};
    }

    /// The current system time in microseconds since the Unix epoch.
    [[nodiscard]] static std::uint64_t now_microseconds() {
        return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                              std::chrono::system_clock::now().time_since_epoch())
                                              .count());
    }

    /// Whether this is the all-zero signature, which names nothing.
    [[nodiscard]] bool empty() const noexcept { return random == 0 && created == 0; }
    /// Compares member by member.
    friend bool operator==(const signature&, const signature&) = default;
};

/// A log position: the generation and the byte offset of a record in that log
/// file, ordered as the log is written. ESE's LGPOS.
struct log_position {
    /// The log file's generation.
    log_generation generation = 0;
    /// Byte offset in that file.
    std::uint32_t offset = 0;

    /// The position as one number, generation in the upper 32 bits; orders as the
    /// position does.
    [[nodiscard]] std::uint64_t packed() const noexcept {
        return (static_cast<std::uint64_t>(generation) << 32) | offset;
    }
    /// The position a packed() value stands for.
    [[nodiscard]] static log_position unpack(std::uint64_t packed) noexcept {
        return {static_cast<log_generation>(packed >> 32), static_cast<std::uint32_t>(packed)};
    }
    /// Orders by generation, then offset: the order the log is written in.
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend auto operator<=>(const log_position&, const log_position&) = default;
};

/// One backup slot of a database header (ESE's BKINFO): the log position and time
/// of the backup's mark, and the generations it holds.
struct backup_info {
    /// The log position of the backup's mark.
    log_position mark{};
    std::uint64_t mark_time = 0;  ///< microseconds since the Unix epoch
    /// The lowest log generation the backup holds.
    log_generation generation_low = 0;
    /// The highest log generation the backup holds.
    log_generation generation_high = 0;

    /// Whether the slot records no backup.
    [[nodiscard]] bool empty() const noexcept { return generation_low == 0; }
    /// Compares member by member.
    friend bool operator==(const backup_info&, const backup_info&) = default;
};

/// The header slots a finished backup writes (docs/protocol.md §3.6): full or incremental,
/// truncated or not.
enum class backup_slot : std::uint8_t {
    full = 0,          ///< full backup whose logs were truncated (bkinfoFullPrev)
    copy = 1,          ///< full backup without truncation (bkinfoCopyPrev)
    incremental = 2,   ///< logs-only backup with truncation (bkinfoIncPrev)
    differential = 3,  ///< logs-only backup without truncation (bkinfoDiffPrev)
};

/// The state of a database file (ESE's JET_dbstate).
enum class database_state : std::uint32_t {
    just_created = 1,  ///< created and not yet shut down cleanly
    dirty = 2,         ///< attached: pages may be behind the log
    clean = 3,         ///< every change is in the file; no log is needed
};

/// The contents of a database header.
struct database_header {
    /// Marks a header page.
    static constexpr std::uint32_t magic = 0x89AB'CDEF;
    /// The layout version read and written.
    static constexpr std::uint32_t format_version = 1;

    /// Database page size in bytes.
    std::uint32_t page_size = 0;
    /// Whether the database was shut down cleanly.
    database_state state = database_state::just_created;
    /// Identifies this database file.
    signature database_signature{};
    /// The log set the database was last attached to.
    signature log_signature{};
    /// The database time: every page change takes the next value, so a page's
    /// time orders its changes and makes redo idempotent (ESE's dbtime).
    std::uint64_t dbtime = 0;
    /// The number of B+tree pages (the last page number).
    page_number page_count = 0;
    std::array<backup_info, 4> backups{};  ///< indexed by backup_slot
    backup_info current_full{};            ///< set only in a backup stream's header copy

    /// The backup slot `which` of `backups`.
    [[nodiscard]] backup_info& slot(backup_slot which) noexcept {
        return backups.at(static_cast<std::size_t>(which));
    }
    /// The backup slot `which` of `backups`.
    [[nodiscard]] const backup_info& slot(backup_slot which) const noexcept {
        return backups.at(static_cast<std::size_t>(which));
    }

    /// One sealed header page of `page_size` bytes.
    [[nodiscard]] std::vector<std::byte> encode() const {
        std::vector<std::byte> page(page_size);
        std::vector<std::byte> fields;
        detail::byte_writer writer{fields};
        writer.put(magic);
        writer.put(format_version);
        writer.put(page_size);
        writer.put(static_cast<std::uint32_t>(state));
        put_signature(writer, database_signature);
        put_signature(writer, log_signature);
        writer.put(dbtime);
        writer.put(page_count);
        writer.put(std::uint32_t{0});
        for (const auto& info : backups) {
            put_backup_info(writer, info);
        }
        put_backup_info(writer, current_full);
        page[page_layout::kind_offset] = static_cast<std::byte>(page_kind::header);
        std::ranges::copy(fields, page.begin() + page_layout::header_size);
        seal_page(page, 0);
        return page;
    }

    /// Parses one header copy; nothing if it is torn, unused or not a header.
    [[nodiscard]] static std::optional<database_header> decode(std::span<const std::byte> page) {
        if (page.size() < 4096 || check_page(page, 0) != page_check::valid ||
            kind_of(page) != page_kind::header) {
            return std::nullopt;
        }
        detail::byte_reader reader{page.subspan(page_layout::header_size)};
        if (reader.get<std::uint32_t>() != magic || reader.get<std::uint32_t>() != format_version) {
            return std::nullopt;
        }
        database_header header;
        header.page_size = reader.get<std::uint32_t>();
        header.state = static_cast<database_state>(reader.get<std::uint32_t>());
        header.database_signature = get_signature(reader);
        header.log_signature = get_signature(reader);
        header.dbtime = reader.get<std::uint64_t>();
        header.page_count = reader.get<std::uint32_t>();
        (void)reader.get<std::uint32_t>();
        for (auto& info : header.backups) {
            info = get_backup_info(reader);
        }
        header.current_full = get_backup_info(reader);
        if (reader.failed() || header.page_size != page.size()) {
            return std::nullopt;
        }
        return header;
    }

  private:
    static void put_signature(detail::byte_writer& writer, const signature& value) {
        writer.put(value.random);
        writer.put(value.created);
    }
    static signature get_signature(detail::byte_reader& reader) {
        signature value;
        value.random = reader.get<std::uint64_t>();
        value.created = reader.get<std::uint64_t>();
        return value;
    }
    static void put_backup_info(detail::byte_writer& writer, const backup_info& info) {
        writer.put(info.mark.packed());
        writer.put(info.mark_time);
        writer.put(info.generation_low);
        writer.put(info.generation_high);
    }
    static backup_info get_backup_info(detail::byte_reader& reader) {
        backup_info info;
        info.mark = log_position::unpack(reader.get<std::uint64_t>());
        info.mark_time = reader.get<std::uint64_t>();
        info.generation_low = reader.get<std::uint32_t>();
        info.generation_high = reader.get<std::uint32_t>();
        return info;
    }
};

}  // namespace hotbackup::inline v1
