// Turns an operating-system error number into the backup_error that storage
// models throw, so posix_storage and faulty_storage report an errno the same way.
#pragma once

#include <filesystem>
#include <string>
#include <string_view>
#include <system_error>

#include "hotbackup/error.hpp"

namespace hotbackup::inline v1::detail {

/// Throws backup_error(errc_from_errno(errno_value)) for `path`, with a detail
/// naming the operation and the system's text for the error.
[[noreturn]] inline void throw_io_error(int errno_value, const std::filesystem::path& path,
                                        std::string_view operation) {
    std::string detail{operation};
    detail += " failed: ";
    detail += std::generic_category().message(errno_value);
    throw backup_error(errc_from_errno(errno_value), error_context{.file = path.string()}, detail);
}

/// Throws backup_error(code) for `path` with the given detail.
[[noreturn]] inline void throw_storage_error(errc code, const std::filesystem::path& path,
                                             std::string_view detail) {
    throw backup_error(code, error_context{.file = path.string()}, detail);
}

}  // namespace hotbackup::inline v1::detail
