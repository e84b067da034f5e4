// Golden fixtures: an instance directory and a full + incremental chain of sets written
// by hotbackup 0.1.0 (tests/golden/v0.1.0, README.md there says how they were made).
// Today's code must open that instance, verify that chain and restore it with every
// key back. A change of an on-disk format that breaks this test must either keep
// reading the old format or turn this test into a refusal by name (the errc) with an
// upgrade note in the README, in the same commit.
#include <cstdint>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <map>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace {

using hotbackup::posix_storage;
using engine_type = hotbackup::instance<posix_storage>;
using set_type = hotbackup::backup_set<posix_storage>;

const std::filesystem::path golden_root = std::filesystem::path{HOTBACKUP_GOLDEN_DIR} / "v0.1.0";

/// What tests/cli/make_instance commits as key `number`.
std::string golden_value(std::uint64_t number) {
    auto value = "value of key " + std::to_string(number) + " ";
    value.resize(100 + number % 100, static_cast<char>('a' + number % 26));
    return value;
}

/// Keys 0..count-1 with their values, as the fixtures hold them.
std::map<std::string, std::string> golden_keys(std::uint64_t count) {
    std::map<std::string, std::string> keys;
    for (std::uint64_t number = 0; number < count; ++number) {
        keys.emplace("key-" + std::to_string(number), golden_value(number));
    }
    return keys;
}

/// A writable copy of the fixtures: opening an instance writes to its logs, and the
/// committed files must stay as 0.1.0 wrote them.
std::filesystem::path copy_of_fixtures(const std::filesystem::path& scratch) {
    const auto copy = scratch / "v0.1.0";
    std::filesystem::copy(golden_root, copy, std::filesystem::copy_options::recursive);
    return copy;
}

std::map<std::string, std::string> contents_of(const hotbackup::instance_options& options,
                                               const std::filesystem::path& database_path) {
    posix_storage storage;
    engine_type engine{storage, options};
    const auto database = engine.attach_database(database_path);
    auto contents = hotbackup::test::committed_contents(engine, database);
    engine.term();
    return contents;
}

}  // namespace

TEST_CASE("the 0.1.0 instance directory opens with all 500 keys", "[golden]") {
    const hotbackup::test::storage_fixture<posix_storage> scratch;
    const auto fixtures = copy_of_fixtures(scratch.root);
    auto options = hotbackup::test::small_options(fixtures / "instance");
    options.create_paths = false;
    CHECK(contents_of(options, fixtures / "instance" / "orders.edb") == golden_keys(500));
}

TEST_CASE("the 0.1.0 full + incremental chain verifies and restores every key", "[golden]") {
    hotbackup::test::storage_fixture<posix_storage> scratch;
    const auto fixtures = copy_of_fixtures(scratch.root);
    auto& storage = scratch.storage;
    std::vector<set_type> chain;
    chain.emplace_back(storage, fixtures / "full");
    chain.emplace_back(storage, fixtures / "incremental");

    // 0.1.0 manifests have no source_format: they are of the reference format, so
    // verify() checks their pages and logs, not only sizes and XXH3.
    CHECK(chain.front().contents().source_format == hotbackup::reference_format_name);
    CHECK(chain.back().contents().source_format == hotbackup::reference_format_name);
    CHECK(chain.front().contents().to_json().find("source_format") != std::string::npos);
    const auto verified = hotbackup::verify(chain);
    CHECK(verified.chain.source_format == hotbackup::reference_format_name);
    CHECK(verified.chain.generations.first == 3);
    CHECK(verified.chain.generations.last == 5);
    CHECK(verified.database_files == 1);
    CHECK(verified.log_files == 4);

    SECTION("the whole chain") {
        const auto report = hotbackup::restore(chain, storage, scratch.root / "restored");
        REQUIRE(report.databases.size() == 1);
        CHECK(report.generations.last == 5);
        CHECK(contents_of(report.options, report.databases.front().path) == golden_keys(500));
    }
    SECTION("the full set alone") {
        chain.pop_back();
        const auto report = hotbackup::restore(chain, storage, scratch.root / "restored");
        REQUIRE(report.databases.size() == 1);
        CHECK(contents_of(report.options, report.databases.front().path) == golden_keys(300));
    }
}
