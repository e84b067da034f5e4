// The checksum wrapper computes XXH3-64 (known answers from xxHash's definition)
// and the seed changes the result, which is what ties a page to its number.
#include <array>
#include <hotbackup/detail/xxhash.hpp>
#include <span>
#include <string_view>
#include <vector>

#include "support/catch.hpp"

using hotbackup::detail::xxh3_64;

TEST_CASE("xxh3_64 computes XXH3-64 and depends on the seed", "[checksum]") {
    REQUIRE(xxh3_64({}, 0) == 0x2D06800538D394C2ULL);  // XXH3-64 of the empty input
    constexpr std::string_view text = "hotbackup page";
    const auto bytes = std::as_bytes(std::span{text.data(), text.size()});
    REQUIRE(xxh3_64(bytes, 1) == xxh3_64(bytes, 1));
    REQUIRE(xxh3_64(bytes, 1) != xxh3_64(bytes, 2));

    std::array<std::byte, 64> page{};
    const auto clean = xxh3_64(page, 7);
    page[40] = std::byte{1};  // one flipped bit
    REQUIRE(xxh3_64(page, 7) != clean);
}

TEST_CASE("xxh3_64 gives the portable code's result on every path", "[checksum]") {
    // Lengths around xxHash's own boundaries (16, 128, 240, stripes of 64 bytes,
    // blocks of 1024) and the sizes the library hashes (4 KiB segments, pages).
    std::vector<std::byte> bytes(32768 + 3);
    for (std::size_t index = 0; index < bytes.size(); ++index) {
        bytes[index] = static_cast<std::byte>((index * 131 + 7) % 251);
    }
    for (const std::size_t length : {0, 1, 16, 17, 128, 129, 240, 241, 255, 256, 1023, 1024, 1025,
                                     4096, 8192, 16384, 32768, 32771}) {
        for (const std::uint64_t seed :
             {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{77777}}) {
            const auto input = std::span{bytes}.first(length);
            CHECK(xxh3_64(input, seed) == hotbackup::detail::xxh3_64_portable(input, seed));
        }
    }
#if defined(__x86_64__) && !defined(__AVX2__) && XXH_VERSION_NUMBER >= 801 && \
    XXH_VERSION_NUMBER <= 802
    // Here the comparison above is between two different codes: an x86-64 build
    // without -mavx2, on a CPU with AVX2, takes the AVX2 kernels.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx2") != 0) {
        CHECK(hotbackup::detail::xxh3_64_uses_avx2());
    }
#endif
}
