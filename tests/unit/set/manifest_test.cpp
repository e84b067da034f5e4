// manifest.json: every member round-trips through to_json() and parse(); the
// checksum catches any change; contradictions between members, unknown kinds and
// versions, and file names outside the set are refused with invalid_backup or
// invalid_path naming the manifest.
#include <hotbackup/set/manifest.hpp>
#include <string>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"

namespace {

using hotbackup::errc;
using hotbackup::manifest;

manifest sample() {
    manifest contents;
    contents.kind = hotbackup::set_kind::full;
    contents.base_name = "abc";
    contents.page_size = 8192;
    contents.log_file_size = 1 << 20;
    contents.log_signature = {0xFEDC'BA98'7654'3210, 1'700'000'000'000'000};
    contents.generations.first = 7;
    contents.generations.last = 8;
    contents.started_us = 1'700'000'000'123'456;
    contents.ended_us = 1'700'000'001'000'000;
    contents.databases.push_back({.path = "/data/orders.edb",
                                  .file = "databases/orders.edb",
                                  .page_count = 10,
                                  .stream_size = 13 * 8192,
                                  .xxh3 = 0x0123'4567'89AB'CDEF,
                                  .database_signature = {42, 1'600'000'000'000'000}});
    for (hotbackup::log_generation generation = 7; generation <= 8; ++generation) {
        contents.logs.push_back({.generation = generation,
                                 .file = "logs/abc0000000" + std::to_string(generation) + ".log",
                                 .size = 1 << 20,
                                 .xxh3 = generation * 1000ULL});
    }
    return contents;
}

errc error_parsing(const std::string& text) {
    return hotbackup::test::error_of([&] { (void)manifest::parse(text, "manifest.json"); }).value();
}

}  // namespace

TEST_CASE("manifest: every member round-trips", "[manifest]") {
    const auto contents = sample();
    const auto text = contents.to_json();
    CHECK(manifest::parse(text, "manifest.json") == contents);
    CHECK(text.find("\"kind\": \"full\"") != std::string::npos);
    CHECK(text.find("\"xxh3\": \"0123456789abcdef\"") != std::string::npos);
    CHECK(text.find("\"started\": \"2023-11-14T22:13:20.123456Z\"") != std::string::npos);
    for (const auto kind : {hotbackup::set_kind::copy, hotbackup::set_kind::incremental,
                            hotbackup::set_kind::differential}) {
        auto other = sample();
        other.kind = kind;
        if (!hotbackup::holds_databases(kind)) {
            other.databases.clear();
        }
        CHECK(manifest::parse(other.to_json(), "m") == other);
    }
}

TEST_CASE("manifest: the source's format round-trips; a set without one is hotbackup's",
          "[manifest]") {
    auto other = sample();
    other.source_format = "sensor-readings/1";
    other.logs[0].size = 4096;  // another engine's logs may differ in size
    CHECK(manifest::parse(other.to_json(), "m") == other);
    CHECK(other.to_json().find("\"source_format\": \"sensor-readings/1\"") != std::string::npos);
    auto reference = sample();
    CHECK(reference.source_format == hotbackup::reference_format_name);
    reference.logs[0].size = 4096;
    CHECK(error_parsing(reference.to_json()) == errc::invalid_backup);
    // A manifest written before the member existed (0.1.0) is of the reference
    // format: golden_test verifies and restores such sets page by page.
    auto empty_format = sample();
    empty_format.source_format.clear();
    CHECK(error_parsing(empty_format.to_json()) == errc::invalid_backup);
}

TEST_CASE("manifest: damage and contradictions are invalid_backup naming the file", "[manifest]") {
    const auto text = sample().to_json();
    CHECK(error_parsing("") == errc::invalid_backup);
    CHECK(error_parsing("[1, 2]") == errc::invalid_backup);
    CHECK(error_parsing(text.substr(0, text.size() / 2)) == errc::invalid_backup);

    auto changed = text;
    changed.replace(changed.find("\"generation_high\": 8"), 20, "\"generation_high\": 9");
    CHECK(error_parsing(changed) == errc::invalid_backup);  // the checksum

    const auto error = hotbackup::test::error_of(
        [&] { (void)manifest::parse(changed, "/sets/full/manifest.json"); });
    CHECK(error.context().file == "/sets/full/manifest.json");
    CHECK(std::string{error.what()}.find("checksum") != std::string::npos);

    // Contradictions, each written with a valid checksum.
    const auto refused = [](auto&& change) {
        auto contents = sample();
        change(contents);
        return error_parsing(contents.to_json());
    };
    CHECK(refused([](manifest& m) { m.generations.last = 9; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.logs[1].generation = 9; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.logs[0].size = 4096; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.databases[0].stream_size += 1; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.databases[0].path.clear(); }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.kind = hotbackup::set_kind::incremental; }) ==
          errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.page_size = 1000; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.base_name = "toolong"; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.generations.first = 0; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.logs[1].file = m.logs[0].file; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.logs[1].file = "manifest.json"; }) == errc::invalid_backup);
    CHECK(refused([](manifest& m) { m.logs[0].file = "../escape.log"; }) == errc::invalid_path);
    CHECK(refused([](manifest& m) { m.databases[0].file = "/abs.edb"; }) == errc::invalid_path);
}

TEST_CASE("manifest: another format or version is refused", "[manifest]") {
    auto text = sample().to_json();
    auto other_version = text;
    other_version.replace(other_version.find("\"format_version\": 1"), 19, "\"format_version\": 2");
    const auto error =
        hotbackup::test::error_of([&] { (void)manifest::parse(other_version, "m"); });
    CHECK(error.value() == errc::invalid_backup);
    CHECK(std::string{error.what()}.find("format version 2") != std::string::npos);

    auto other_format = text;
    other_format.replace(other_format.find("hotbackup backup set"), 20, "something else here!");
    CHECK(error_parsing(other_format) == errc::invalid_backup);
}
