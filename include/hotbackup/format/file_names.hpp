/// \file
/// The names of an instance's files, as ESE names them (docs/protocol.md §8.4,
/// §4.1): numbered logs "<base><8 upper-case hex digits>.log", the current log
/// "<base>.log", the checkpoint "<base>.chk". The base name is exactly 3 characters
/// (default "edb"). Readers accept 5- or 8-digit numbered names, as ESE does, so logs
/// written by ESENT's 8.3-compatible naming ("edb0000A.log") are recognised too.
///
/// Everything here is pure string work: thread-safe, no I/O.
#pragma once

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <string_view>

#include "hotbackup/error.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// Length of a base name (JET_BASE_NAME_LENGTH).
inline constexpr std::size_t base_name_length = 3;

/// The base name used when none is given (JET_paramBaseName's default).
inline constexpr std::string_view default_base_name = "edb";

namespace detail {

inline bool equal_ignoring_case(std::string_view left, std::string_view right) noexcept {
    return std::ranges::equal(left, right, [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) ==
               std::tolower(static_cast<unsigned char>(b));
    });
}

inline std::optional<log_generation> parse_hex(std::string_view digits) noexcept {
    std::uint64_t value = 0;
    for (const char digit : digits) {
        const auto lower = static_cast<char>(std::tolower(static_cast<unsigned char>(digit)));
        if (lower >= '0' && lower <= '9') {
            value = value * 16 + static_cast<std::uint64_t>(lower - '0');
        } else if (lower >= 'a' && lower <= 'f') {
            value = value * 16 + static_cast<std::uint64_t>(lower - 'a' + 10);
        } else {
            return std::nullopt;
        }
    }
    return static_cast<log_generation>(value);  // at most 8 digits: fits in 32 bits
}

}  // namespace detail

/// Checks a base name: exactly 3 letters or digits (so it can never name another
/// directory or carry a dot). Throws backup_error(errc::invalid_parameter) naming
/// the option and the value.
inline void validate_base_name(std::string_view base) {
    const bool safe = std::ranges::all_of(
        base, [](char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; });
    if (base.size() != base_name_length || !safe) {
        throw backup_error(errc::invalid_parameter,
                           "base name '" + std::string{base} +
                               "' must be exactly 3 letters or digits (JET_paramBaseName)");
    }
}

/// "<base><8 upper-case hex digits>.log", e.g. "edb0000001A.log" for generation 26.
/// Throws backup_error(errc::invalid_parameter) for a bad base name or a generation
/// outside [1, max_log_generation].
[[nodiscard]] inline std::string log_file_name(std::string_view base, log_generation generation) {
    validate_base_name(base);
    if (generation == 0 || generation > max_log_generation) {
        throw backup_error(errc::invalid_parameter, error_context{.generation = generation},
                           "log generations run from 1 to 0x7FFFF800");
    }
    constexpr std::string_view hex_digits = "0123456789ABCDEF";
    std::string name{base};
    for (int shift = 28; shift >= 0; shift -= 4) {
        name += hex_digits[(generation >> static_cast<unsigned>(shift)) & 0xFU];
    }
    return name + ".log";
}

/// "<base>.log": the log being written, which has no number yet.
[[nodiscard]] inline std::string current_log_file_name(std::string_view base) {
    validate_base_name(base);
    return std::string{base} + ".log";
}

/// "<base>.chk": the checkpoint file, in the instance's system path.
[[nodiscard]] inline std::string checkpoint_file_name(std::string_view base) {
    validate_base_name(base);
    return std::string{base} + ".chk";
}

/// The generation of a numbered log file name of this base, or nothing if the name
/// is not one: the base (any case), then 5 or 8 hex digits (any case), then ".log"
/// (any case), and a generation in [1, max_log_generation]. The current log
/// "<base>.log" is not a numbered log. Never throws.
[[nodiscard]] inline std::optional<log_generation> parse_log_file_name(
    std::string_view file_name, std::string_view base) noexcept {
    constexpr std::string_view extension = ".log";
    if (file_name.size() < base.size() + extension.size() ||
        !detail::equal_ignoring_case(file_name.substr(0, base.size()), base) ||
        !detail::equal_ignoring_case(file_name.substr(file_name.size() - extension.size()),
                                     extension)) {
        return std::nullopt;
    }
    const auto digits =
        file_name.substr(base.size(), file_name.size() - base.size() - extension.size());
    if (digits.size() != 5 && digits.size() != 8) {
        return std::nullopt;
    }
    const auto generation = detail::parse_hex(digits);
    if (!generation || *generation == 0 || *generation > max_log_generation) {
        return std::nullopt;
    }
    return generation;
}

}  // namespace hotbackup::inline v1
