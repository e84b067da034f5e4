/// \file
/// The strings the calls exchange, shared by the session, backup and JetBackup
/// headers: path keys (two spellings of one path compare equal) and the
/// multi-strings of docs/protocol.md §8.10 (NUL-separated names ending in an empty
/// one), written with ESE's sizing rules and split back.
#pragma once

#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/types.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

inline std::string path_key(const std::string& path) {
    return std::filesystem::absolute(std::filesystem::path{path}).lexically_normal().string();
}

/// Writes a multi-string (docs/protocol.md §8.10): BufferTooSmall when a non-zero cbMax is too
/// small, the required size when it is 0.
inline void write_multi_string(const std::vector<std::string>& strings, char* buffer,
                               unsigned long size, unsigned long* actual) {
    std::string joined;
    for (const auto& text : strings) {
        joined += text;
        joined.push_back('\0');
    }
    joined.push_back('\0');
    const auto required = static_cast<unsigned long>(joined.size());
    if (buffer != nullptr && size != 0) {
        if (size < required) {
            fail(JET_errBufferTooSmall);
        }
        std::ranges::copy(joined, buffer);
    }
    if (actual != nullptr) {
        *actual = required;
    }
}

/// Splits a multi-string.
inline std::vector<std::string> split_multi_string(const std::vector<char>& bytes) {
    std::vector<std::string> strings;
    for (std::size_t at = 0; at < bytes.size() && bytes[at] != '\0';) {
        std::string text{&bytes[at]};
        at += text.size() + 1;
        strings.push_back(std::move(text));
    }
    return strings;
}

}  // namespace hotbackup::inline v1::detail::jet
