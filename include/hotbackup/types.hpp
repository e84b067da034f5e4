// Names for the numbers the protocol passes around, so signatures say what a
// number is (a page, a log generation) rather than only its width.
#pragma once

#include <cstdint>

namespace hotbackup::inline v1 {

/// A database page number; page 1 is the first page after the two header pages.
using page_number = std::uint32_t;

/// The number of one log file. Generations start at 1 and are contiguous.
using log_generation = std::uint32_t;

/// The highest log generation ESE allows (lGenerationMax); past it the log
/// sequence has ended (errc::log_sequence_end).
inline constexpr log_generation max_log_generation = 0x7FFF'F800;

}  // namespace hotbackup::inline v1
