// tar_writer: the archive GNU tar lists and extracts byte for byte (short names,
// names split into prefix and name, long and non-ASCII names through pax), the
// header fields as POSIX lays them out, pax records for sizes of 8 GiB and more,
// and every misuse refused with invalid_parameter or disk_io.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hotbackup/set/tar_writer.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <iterator>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

namespace tar = hotbackup::detail::tar;

std::vector<std::byte> pattern(std::size_t size, unsigned seed) {
    std::vector<std::byte> bytes(size);
    for (std::size_t index = 0; index < size; ++index) {
        bytes[index] = static_cast<std::byte>((index * 31 + seed * 7 + index / 512) % 256);
    }
    return bytes;
}

std::string text_of(const std::filesystem::path& path) {
    std::ifstream in{path, std::ios::binary};
    return {std::istreambuf_iterator<char>{in}, std::istreambuf_iterator<char>{}};
}

/// Runs a shell command; returns its exit status and what it printed.
std::pair<int, std::string> run(const std::string& command, const std::filesystem::path& output) {
    const int status = std::system((command + " > '" + output.string() + "' 2>&1").c_str());
    return {status, text_of(output)};
}

}  // namespace

TEST_CASE("tar_writer: GNU tar lists and extracts every entry byte for byte", "[tar]") {
    // GNU tar is an essential package on Debian, where CI runs.
    REQUIRE(std::system("tar --version > /dev/null 2>&1") == 0);
    hotbackup::test::storage_fixture<hotbackup::posix_storage> scratch;
    const std::string long_component(120, 'c');
    const std::map<std::string, std::vector<std::byte>> entries{
        {"set/databases/orders.edb", pattern(3000, 1)},
        {"set/logs/edb00000001.log", pattern(512 * 8, 2)},
        {"set/empty", {}},
        // 150 bytes: split into a prefix and a name at a '/'.
        {"set/" + std::string(90, 'p') + "/" + std::string(54, 'n'), pattern(100, 3)},
        // A component longer than 100 bytes: only a pax "path" record can say it.
        {"set/" + long_component + "/file", pattern(700, 4)},
        // UTF-8: also through pax.
        {"set/caf\xC3\xA9.log", pattern(10, 5)},
    };
    const auto archive_path = scratch.root / "set.tar";
    {
        std::ofstream archive{archive_path, std::ios::binary};
        tar_writer writer{archive};
        for (const auto& [name, bytes] : entries) {
            writer.begin_file(name, bytes.size(), 1'700'000'000);
            // In pieces, as a backup's chunks arrive.
            const auto data = std::span{bytes};
            for (std::size_t offset = 0; offset < data.size(); offset += 1000) {
                writer.write(
                    data.subspan(offset, std::min<std::size_t>(1000, data.size() - offset)));
            }
            writer.end_file();
        }
        writer.finish();
        CHECK(writer.bytes_written() % 512 == 0);
        CHECK(writer.bytes_written() == std::filesystem::file_size(archive_path));
    }

    const auto [list_status, listing] =
        run("tar -tf '" + archive_path.string() + "'", scratch.root / "list.txt");
    REQUIRE(list_status == 0);
    for (const auto& [name, bytes] : entries) {
        CHECK_THAT(listing, hotbackup::test::contains_text(name + "\n"));
    }
    CHECK(listing.find("PaxHeaders") == std::string::npos);  // GNU tar applied them

    const auto target = scratch.root / "extracted";
    std::filesystem::create_directories(target);
    const auto [extract_status, messages] =
        run("tar -xf '" + archive_path.string() + "' -C '" + target.string() + "'",
            scratch.root / "extract.txt");
    REQUIRE(extract_status == 0);
    CHECK(messages.empty());
    for (const auto& [name, bytes] : entries) {
        const auto path = target / name;
        REQUIRE(std::filesystem::exists(path));
        const auto content = text_of(path);
        CHECK(content.size() == bytes.size());
        CHECK(std::equal(
            content.begin(), content.end(), bytes.begin(), bytes.end(),
            [](char left, std::byte right) { return static_cast<std::byte>(left) == right; }));
    }
}

TEST_CASE("tar_writer: ustar header fields and pax records", "[tar]") {
    // "<length> <key>=<value>\n" where the length counts the record itself,
    // including its own digits.
    CHECK(tar::pax_record("size", "9663676416") == "19 size=9663676416\n");
    CHECK(tar::pax_record("path", "a") == "9 path=a\n");
    CHECK(tar::pax_record("path", "ab") == "11 path=ab\n");

    std::ostringstream out;
    tar_writer writer{out};
    const std::uint64_t nine_gib = std::uint64_t{9} << 30U;
    writer.begin_file("big.edb", nine_gib, 1'700'000'000);
    const auto bytes = out.str();
    // A pax header ('x') carrying the size, then the file's own header.
    REQUIRE(bytes.size() == 3 * 512);
    CHECK(bytes[156] == 'x');
    CHECK(bytes.substr(512, 20) == "19 size=9663676416\n" + std::string(1, '\0'));
    const auto header = bytes.substr(1024, 512);
    CHECK(header.substr(0, 8) == std::string("big.edb") + '\0');
    CHECK(header[156] == '0');
    CHECK(header.substr(257, 6) == std::string("ustar") + '\0');
    CHECK(header.substr(263, 2) == "00");
    CHECK(header.substr(136, 12) == std::string("14524770400") + '\0');  // mtime, octal
    // The checksum: the sum of the bytes with the field read as spaces.
    std::uint32_t sum = 0;
    for (std::size_t index = 0; index < 512; ++index) {
        sum += (index >= 148 && index < 156) ? ' ' : static_cast<unsigned char>(header[index]);
    }
    CHECK(std::stoul(header.substr(148, 6), nullptr, 8) == sum);

    // Exactly 8 GiB - 1 still fits in ustar's 11 octal digits.
    std::ostringstream small;
    tar_writer ustar_only{small};
    ustar_only.begin_file("edge.edb", tar::max_ustar_size, 0);
    CHECK(small.str().size() == 512);
    CHECK(small.str().substr(124, 12) == std::string("77777777777") + '\0');
}

TEST_CASE("tar_writer: misuse is invalid_parameter, a failed stream is disk_io", "[tar]") {
    const std::vector<std::string> bad_names{"",
                                             "/etc/passwd",
                                             "../escape",
                                             "set/../../escape",
                                             "set//double",
                                             "set/./dot",
                                             "set/",
                                             std::string("nul\0byte", 8)};
    for (const auto& bad : bad_names) {
        std::ostringstream out;
        tar_writer writer{out};
        const auto error = error_of([&] { writer.begin_file(bad, 1, 0); });
        CHECK(error.value() == errc::invalid_parameter);
        CHECK(out.str().empty());  // nothing written for a refused name
    }

    const std::array<std::byte, 4> four{};
    {
        std::ostringstream out;
        tar_writer writer{out};
        CHECK(error_of([&] { writer.write(four); }).value() == errc::invalid_parameter);
    }
    {
        std::ostringstream out;
        tar_writer writer{out};
        writer.begin_file("a", 3, 0);
        const auto error = error_of([&] { writer.write(four); });
        CHECK(error.value() == errc::invalid_parameter);
        CHECK(error.context().file == "a");
        // The archive is left incomplete: no more calls, not even finish().
        CHECK(error_of([&] { writer.finish(); }).value() == errc::invalid_parameter);
    }
    {
        std::ostringstream out;
        tar_writer writer{out};
        writer.begin_file("a", 8, 0);
        writer.write(four);
        CHECK(error_of([&] { writer.end_file(); }).value() == errc::invalid_parameter);
    }
    {
        std::ostringstream out;
        tar_writer writer{out};
        writer.begin_file("a", 0, 0);
        CHECK(error_of([&] { writer.begin_file("b", 0, 0); }).value() == errc::invalid_parameter);
    }
    {
        std::ostringstream out;
        tar_writer writer{out};
        writer.finish();
        CHECK(out.str() == std::string(1024, '\0'));
        CHECK(error_of([&] { writer.begin_file("late", 0, 0); }).value() ==
              errc::invalid_parameter);
    }
    {
        std::ostringstream out;
        out.setstate(std::ios::badbit);  // a full disk, a closed pipe
        tar_writer writer{out};
        const auto error = error_of([&] { writer.begin_file("set/orders.edb", 1, 0); });
        CHECK(error.value() == errc::disk_io);
        CHECK(error.context().file == "set/orders.edb");
    }
}

}  // namespace hotbackup::test
