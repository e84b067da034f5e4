// A user's program built against hotbackup as a package: it includes the umbrella
// header (and the checksum helper, which needs xxHash), writes through memory_storage, simulates a
// crash and checks that what was synced survived. It exits non-zero if anything is off.
#include <cstdio>
#include <hotbackup/detail/xxhash.hpp>  // proves the package finds xxHash's header
#include <hotbackup/hotbackup.hpp>
#include <span>
#include <string_view>

int main() {
    hotbackup::memory_storage storage;
    storage.create_directories("/db");
    constexpr std::string_view text = "consumer";
    {
        auto file = storage.open("/db/file", hotbackup::open_mode::create);
        file.write_at(0, std::as_bytes(std::span{text.data(), text.size()}));
        file.sync();
    }
    storage.crash();
    auto file = storage.open("/db/file", hotbackup::open_mode::read_only);
    const std::error_code missing = hotbackup::errc::file_not_found;
    const auto text_bytes = std::as_bytes(std::span{text.data(), text.size()});
    if (file.size() != text.size() || missing.value() != -1811 ||
        hotbackup::detail::xxh3_64(text_bytes, 1) == hotbackup::detail::xxh3_64(text_bytes, 2)) {
        std::puts("hotbackup package consumer: FAILED");
        return 1;
    }
    std::printf("hotbackup %s package consumer: ok\n", hotbackup::version_string);
    return 0;
}
