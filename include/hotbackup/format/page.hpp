/// \file
/// The page format shared by every database page and header (docs/protocol.md
/// §8.5): each page carries its own number, a kind, the database time of its
/// last change and an XXH3-64 checksum seeded with its page number, so a page that
/// was torn, bit-flipped or written at the wrong offset is caught when it is read.
///
/// Layout of the first 40 bytes of every page (little-endian):
/// \code{.unparsed}
///   0  u64 checksum of bytes [8, page size), seed = page number
///   8  u32 page number (0 for both header copies, N + 1 for the backup trailer)
///  12  u8  page kind
///  13  u8  reserved (0)
///  14  u16 entry count (B+tree pages)
///  16  u64 database time of the last change (the page's "LSN", see btree.hpp)
///  24  u32 kind-specific (a branch page's leftmost child)
///  28  12 bytes reserved (0)
/// \endcode
/// An all-zero page is an unused page and passes verification, as in ESE.
///
/// Thread-safety: pure functions on caller-owned bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/detail/xxhash.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// What a page holds.
enum class page_kind : std::uint8_t {
    unused = 0,   ///< never written (all zero)
    leaf = 1,     ///< B+tree leaf: keys and values
    branch = 2,   ///< B+tree branch: separator keys and child pages
    header = 3,   ///< database header (both copies)
    trailer = 4,  ///< the last page of a backup stream (docs/protocol.md §8.6)
};

/// The result of checking one page.
enum class page_check {
    valid,         ///< checksum and page number match
    unused,        ///< all zero: never written
    bad_checksum,  ///< torn or corrupted (errc::read_verify_failure)
    wrong_page,    ///< a valid page of another number (errc::read_pgno_verify_failure)
};

/// Byte offsets of the page header's fields, as laid out above.
namespace page_layout {
/// Offset of the u64 checksum.
inline constexpr std::size_t checksum_offset = 0;
/// Offset of the u32 page number.
inline constexpr std::size_t number_offset = 8;
/// Offset of the u8 page kind.
inline constexpr std::size_t kind_offset = 12;
/// Offset of the u16 entry count.
inline constexpr std::size_t count_offset = 14;
/// Offset of the u64 database time.
inline constexpr std::size_t dbtime_offset = 16;
/// Offset of the u32 kind-specific field.
inline constexpr std::size_t extra_offset = 24;
/// Bytes of the page header; the page's contents follow.
inline constexpr std::size_t header_size = 40;
}  // namespace page_layout

/// Computes the checksum of a page whose number field says `page`, and stores both.
/// `bytes` is one whole page.
inline void seal_page(std::span<std::byte> bytes, page_number page) noexcept {
    detail::store_le(bytes, page_layout::number_offset, page);
    const auto checksum = detail::xxh3_64(bytes.subspan(8), page);
    detail::store_le(bytes, page_layout::checksum_offset, checksum);
}

/// Checks one page read from the place of page `expected`.
[[nodiscard]] inline page_check check_page(std::span<const std::byte> bytes,
                                           page_number expected) noexcept {
    const auto stored_number = detail::load_le<std::uint32_t>(bytes, page_layout::number_offset);
    const auto stored_checksum =
        detail::load_le<std::uint64_t>(bytes, page_layout::checksum_offset);
    if (detail::xxh3_64(bytes.subspan(8), stored_number) == stored_checksum) {
        return stored_number == expected ? page_check::valid : page_check::wrong_page;
    }
    return detail::all_zero(bytes) ? page_check::unused : page_check::bad_checksum;
}

/// Throws the error for a failed check of page `page` of `file`:
/// errc::read_verify_failure for a bad checksum, errc::read_pgno_verify_failure for
/// a page written at the wrong place. Does nothing for valid and unused pages.
inline void require_page(page_check result, const std::string& file, page_number page) {
    if (result == page_check::bad_checksum) {
        throw backup_error(errc::read_verify_failure, error_context{.file = file, .page = page},
                           "page checksum mismatch");
    }
    if (result == page_check::wrong_page) {
        throw backup_error(errc::read_pgno_verify_failure,
                           error_context{.file = file, .page = page},
                           "the page holds another page's number");
    }
}

/// The kind recorded in a page.
[[nodiscard]] inline page_kind kind_of(std::span<const std::byte> bytes) noexcept {
    return static_cast<page_kind>(std::to_integer<std::uint8_t>(bytes[page_layout::kind_offset]));
}

/// The database time recorded in a page (0 for an unused page).
[[nodiscard]] inline std::uint64_t dbtime_of(std::span<const std::byte> bytes) noexcept {
    return detail::load_le<std::uint64_t>(bytes, page_layout::dbtime_offset);
}

/// Byte offset of page `page` in a database file: two header pages come first,
/// so page 1 starts at 2 × page size (ESE's OffsetOfPgno).
[[nodiscard]] constexpr std::uint64_t page_offset(page_number page,
                                                  std::uint32_t page_size) noexcept {
    return (static_cast<std::uint64_t>(page) + 1) * page_size;
}

}  // namespace hotbackup::inline v1
