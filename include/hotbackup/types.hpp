/// \file
/// Names for the numbers the protocol passes around, so signatures say what a
/// number is (a page, a log generation, a database) rather than only its width.
#pragma once

#include <compare>
#include <cstdint>

namespace hotbackup::inline v1 {

/// A database page number; page 1 is the first page after the two header pages.
using page_number = std::uint32_t;

/// The number of one log file. Generations start at 1 and are contiguous.
using log_generation = std::uint32_t;

/// The highest log generation ESE allows (lGenerationMax); past it the log
/// sequence has ended (errc::log_sequence_end).
inline constexpr log_generation max_log_generation = 0x7FFF'F800;

/// An inclusive range of log generations, `first` to `last`. Empty when `first` is
/// 0 (no generation is 0) or after `last`.
struct generation_range {
    /// The first generation of the range.
    log_generation first = 0;
    /// The last generation of the range (inclusive).
    log_generation last = 0;

    /// Whether the range holds no generation.
    [[nodiscard]] constexpr bool empty() const noexcept { return first == 0 || last < first; }
    /// How many generations the range holds.
    [[nodiscard]] constexpr std::uint64_t size() const noexcept {
        return empty() ? 0 : std::uint64_t{last} - first + 1;
    }
    /// Whether `generation` is in the range.
    [[nodiscard]] constexpr bool contains(log_generation generation) const noexcept {
        return !empty() && first <= generation && generation <= last;
    }
    /// Compares member by member.
    friend constexpr bool operator==(const generation_range&, const generation_range&) = default;
};

/// Names an attached database. Stays valid until that database is detached; a use
/// afterwards throws backup_error(errc::invalid_database_id).
struct database_id {
    /// The instance's attachment slot.
    std::uint8_t slot = 0;
    std::uint64_t attachment = 0;  ///< which attachment of the slot, so reuse is caught

    /// Compares member by member.
    friend bool operator==(const database_id&, const database_id&) = default;
    /// Orders by slot, then attachment.
    // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads a defaulted <=>
    friend auto operator<=>(const database_id&, const database_id&) = default;
};

}  // namespace hotbackup::inline v1
