// The checksum wrapper computes XXH3-64 (known answers from xxHash's definition)
// and the seed changes the result, which is what ties a page to its number.
#include <array>
#include <hotbackup/detail/xxhash.hpp>
#include <span>
#include <string_view>

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
