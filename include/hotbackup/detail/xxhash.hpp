// XXH3-64, the checksum of every page, header, trailer, checkpoint and log segment
// (docs/protocol.md §8.5), used header-only: XXH_INLINE_ALL compiles xxHash into
// each translation unit, so nothing links against libxxhash. xxhash.h allows a
// plain inclusion before this one.
//
// Why a second, AVX2 path: a backup hashes every page it copies, and with the
// SSE2 code that x86-64 builds get by default the hash costs about as much as the
// copy itself. A header-only library cannot ship xxHash's separately compiled
// dispatcher (xxh_x86dispatch.c), so on x86-64 with GCC or Clang, unless the build
// already targets AVX2, this header compiles xxHash's AVX2 kernels with a target
// attribute (XXH_DISPATCH_AVX2, the switch that dispatcher uses) and picks them at
// run time when the CPU has AVX2. Inputs of 240 bytes or less take xxHash's own
// short path either way. The kernels' names are xxHash internals, so the path is on
// only for the versions whose internals are known here (0.8.1 and 0.8.2), and only if
// this header is the first to compile xxHash inline; otherwise the portable call is
// used (also if xxHash's implementation was compiled earlier in the translation
// unit). HOTBACKUP_NO_XXH3_DISPATCH turns it off. Both paths compute the same XXH3
// (tests/unit/detail/xxhash_test.cpp compares them).
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__)) && !defined(__AVX2__) && \
    !defined(HOTBACKUP_NO_XXH3_DISPATCH) && !defined(XXH_INLINE_ALL_31684351384) &&           \
    !defined(XXH_IMPLEM_13a8737387)
#define HOTBACKUP_XXH3_DISPATCH 1
#include <immintrin.h>
#ifndef XXH_DISPATCH_AVX2
#define XXH_DISPATCH_AVX2 1
#endif
#ifndef XXH_TARGET_AVX2
#define XXH_TARGET_AVX2 __attribute__((__target__("avx2")))
#endif
// The AVX2 kernels store 32-byte vectors into the accumulator and the seeded
// secret with aligned stores; the SSE2 build aligns them to 16 bytes only.
#ifndef XXH_ACC_ALIGN
#define XXH_ACC_ALIGN 32
#endif
#endif

#ifndef XXH_INLINE_ALL
#define XXH_INLINE_ALL
#endif
#include <xxhash.h>

#if defined(HOTBACKUP_XXH3_DISPATCH) &&                                                \
    (XXH_VERSION_NUMBER < 801 || XXH_VERSION_NUMBER > 802 || XXH_DISPATCH_AVX2 == 0 || \
     XXH_ACC_ALIGN % 32 != 0 || XXH_SEC_ALIGN % 32 != 0)
#undef HOTBACKUP_XXH3_DISPATCH
#endif

// The functions below differ with the build's flags (dispatch or not, -mavx2), so
// each variant gets its own inline namespace: translation units built differently
// link their own copies instead of one silently replacing the other.
#if defined(HOTBACKUP_XXH3_DISPATCH)
#define HOTBACKUP_XXH3_VARIANT xxh3_dispatch_avx2
#elif defined(__AVX2__)
#define HOTBACKUP_XXH3_VARIANT xxh3_avx2
#else
#define HOTBACKUP_XXH3_VARIANT xxh3_portable
#endif

namespace hotbackup::inline v1::detail {
inline namespace HOTBACKUP_XXH3_VARIANT {

#ifdef HOTBACKUP_XXH3_DISPATCH

/// XXH3-64 of an input longer than XXH3_MIDSIZE_MAX, with xxHash's AVX2 kernels.
__attribute__((__target__("avx2"))) inline std::uint64_t xxh3_64_long_avx2(const void* input,
                                                                           std::size_t length,
                                                                           std::uint64_t seed) {
#if XXH_VERSION_NUMBER >= 802
    return XXH3_hashLong_64b_withSeed_internal(input, length, seed, XXH3_accumulate_avx2,
                                               XXH3_scrambleAcc_avx2, XXH3_initCustomSecret_avx2);
#else
    return XXH3_hashLong_64b_withSeed_internal(input, length, seed, XXH3_accumulate_512_avx2,
                                               XXH3_scrambleAcc_avx2, XXH3_initCustomSecret_avx2);
#endif
}

/// Whether this CPU runs AVX2 code (asked once).
inline bool cpu_has_avx2() noexcept {
    static const bool has_avx2 = [] {
        __builtin_cpu_init();
        return __builtin_cpu_supports("avx2") != 0;
    }();
    return has_avx2;
}

#endif

/// XXH3-64 with xxHash's portable (build-selected) code, whatever the CPU.
[[nodiscard]] inline std::uint64_t xxh3_64_portable(std::span<const std::byte> bytes,
                                                    std::uint64_t seed) noexcept {
    return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

/// XXH3-64 of `bytes` with `seed` (a page number, a log generation, ...), so that a
/// block copied to the wrong place fails verification even if its bytes are intact.
[[nodiscard]] inline std::uint64_t xxh3_64(std::span<const std::byte> bytes,
                                           std::uint64_t seed) noexcept {
#ifdef HOTBACKUP_XXH3_DISPATCH
    if (bytes.size() > XXH3_MIDSIZE_MAX && cpu_has_avx2()) {
        return xxh3_64_long_avx2(bytes.data(), bytes.size(), seed);
    }
#endif
    return xxh3_64_portable(bytes, seed);
}

/// XXH3-64 with seed 0 of bytes given in pieces, as a backup set's manifest records
/// each file's checksum: the same value as one XXH3_64bits() of the concatenation.
class xxh3_stream {
  public:
    xxh3_stream() noexcept { XXH3_64bits_reset(&state_); }

    void update(std::span<const std::byte> bytes) noexcept {
        XXH3_64bits_update(&state_, bytes.data(), bytes.size());
    }

    [[nodiscard]] std::uint64_t digest() const noexcept { return XXH3_64bits_digest(&state_); }

  private:
    XXH3_state_t state_{};
};

/// Whether xxh3_64() picks AVX2 kernels at run time on this CPU (for tests and
/// reports); false where the build itself targets AVX2 or dispatch is off.
[[nodiscard]] inline bool xxh3_64_uses_avx2() noexcept {
#ifdef HOTBACKUP_XXH3_DISPATCH
    return cpu_has_avx2();
#else
    return false;
#endif
}

}  // namespace HOTBACKUP_XXH3_VARIANT
}  // namespace hotbackup::inline v1::detail
