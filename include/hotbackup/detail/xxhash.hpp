// XXH3-64, the checksum of every page, header, trailer, checkpoint and log segment
// (ese-reference.md Part A §5), used header-only: XXH_INLINE_ALL compiles xxHash into
// each translation unit, so nothing links against libxxhash. xxhash.h allows a
// plain inclusion before this one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

namespace hotbackup::inline v1::detail {

/// XXH3-64 of `bytes` with `seed` (a page number, a log generation, ...), so that a
/// block copied to the wrong place fails verification even if its bytes are intact.
[[nodiscard]] inline std::uint64_t xxh3_64(std::span<const std::byte> bytes,
                                           std::uint64_t seed) noexcept {
    return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

}  // namespace hotbackup::inline v1::detail
