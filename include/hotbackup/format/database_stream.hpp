/// \file
/// The database stream of a full backup (docs/protocol.md §8.6): what reading
/// one database through a session yields, byte for byte.
///
/// ~~~{.unparsed}
///   stream page 0       the database header as it was when the read began, with
///                       current_full = {backup mark, genLow = checkpoint
///                       generation at begin, genHigh = 0}
///   stream page 1       the same header again (the shadow copy)
///   stream pages 2..N+1 database pages 1..N, each as it was when read (fuzzy:
///                       log replay makes them consistent), each verified
///   stream page N+2     the trailer: database and log signatures, the backup mark
///                       and the generations a restore needs
/// ~~~
///
/// Size = (N + 3) × page size, where N is the page count when the session began.
/// Written at offset 0 of a file, the stream is a database file whose pages sit
/// where the engine expects them; the trailer takes the place of page N + 1, and a
/// restore checks it against the log set and then zeroes it.
///
/// Trailer layout (little-endian) after the 40-byte page header of page.hpp, kind
/// `trailer`, page number N + 1:
/// ~~~{.unparsed}
///   40 u64 magic "HBTRAIL1"     48 u32 format version    52 u32 page size
///   56 u32 page count N         60 u32 reserved
///   64 16B database signature   80 16B log signature
///   96 u64 mark position       104 u64 mark time        112 u32 genLow
///  116 u32 genHigh             120 end of the used bytes
/// ~~~
/// genHigh is the log generation being written when the trailer was made: every
/// page of the stream was read before then, so a restore that replays through it
/// has seen every change the pages can hold.
///
/// Thread-safety: value types and pure functions.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// The size in bytes of the stream of a database of `page_count` pages.
[[nodiscard]] constexpr std::uint64_t database_stream_size(page_number page_count,
                                                           std::uint32_t page_size) noexcept {
    return (std::uint64_t{page_count} + 3) * page_size;
}

/// The last page of a database stream; see the header comment.
struct backup_trailer {
    /// The trailer's first field: "HBTRAIL1" read as a little-endian u64.
    static constexpr std::uint64_t magic = 0x314C'4941'5254'4248;  // "HBTRAIL1"
    /// The layout's version; decode() refuses others.
    static constexpr std::uint32_t format_version = 1;

    /// Bytes per page: the size of the trailer page.
    std::uint32_t page_size = 0;
    page_number page_count = 0;  ///< N: the database pages in the stream
    /// The database's signature, as in its header.
    signature database_signature{};
    /// The signature of the log set the backup's logs belong to.
    signature log_signature{};
    backup_info backup{};  ///< mark, mark time, genLow, genHigh

    /// Compares member by member.
    friend bool operator==(const backup_trailer&, const backup_trailer&) = default;

    /// One sealed trailer page of `page_size` bytes, numbered N + 1.
    [[nodiscard]] std::vector<std::byte> encode() const {
        std::vector<std::byte> page(page_size);
        encode_into(page);
        return page;
    }

    /// Writes the sealed trailer into `page` (exactly page_size bytes).
    void encode_into(std::span<std::byte> page) const {
        std::ranges::fill(page, std::byte{0});
        std::vector<std::byte> fields;
        detail::byte_writer writer{fields};
        writer.put(magic);
        writer.put(format_version);
        writer.put(page_size);
        writer.put(page_count);
        writer.put(std::uint32_t{0});
        for (const auto& value : {database_signature, log_signature}) {
            writer.put(value.random);
            writer.put(value.created);
        }
        writer.put(backup.mark.packed());
        writer.put(backup.mark_time);
        writer.put(backup.generation_low);
        writer.put(backup.generation_high);
        page[page_layout::kind_offset] = static_cast<std::byte>(page_kind::trailer);
        std::ranges::copy(fields, page.begin() + page_layout::header_size);
        seal_page(page, page_count + 1);
    }

    /// Parses the last page of a stream; nothing if it is damaged, not a trailer,
    /// or not at the place its page count says.
    [[nodiscard]] static std::optional<backup_trailer> decode(std::span<const std::byte> page) {
        if (page.size() < 4096) {
            return std::nullopt;
        }
        const auto number = detail::load_le<std::uint32_t>(page, page_layout::number_offset);
        if (number == 0 || check_page(page, number) != page_check::valid ||
            kind_of(page) != page_kind::trailer) {
            return std::nullopt;
        }
        detail::byte_reader reader{page.subspan(page_layout::header_size)};
        if (reader.get<std::uint64_t>() != magic || reader.get<std::uint32_t>() != format_version) {
            return std::nullopt;
        }
        backup_trailer trailer;
        trailer.page_size = reader.get<std::uint32_t>();
        trailer.page_count = reader.get<std::uint32_t>();
        (void)reader.get<std::uint32_t>();
        for (auto* value : {&trailer.database_signature, &trailer.log_signature}) {
            value->random = reader.get<std::uint64_t>();
            value->created = reader.get<std::uint64_t>();
        }
        trailer.backup.mark = log_position::unpack(reader.get<std::uint64_t>());
        trailer.backup.mark_time = reader.get<std::uint64_t>();
        trailer.backup.generation_low = reader.get<std::uint32_t>();
        trailer.backup.generation_high = reader.get<std::uint32_t>();
        if (reader.failed() || trailer.page_size != page.size() ||
            trailer.page_count + 1 != number) {
            return std::nullopt;
        }
        return trailer;
    }
};

}  // namespace hotbackup::inline v1
