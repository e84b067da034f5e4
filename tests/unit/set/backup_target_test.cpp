// Backup targets: each models backup_target; files hold exactly the announced
// bytes; the manifest comes last, once, and whole (a crash or a failed rename
// before it leaves no manifest); names that would escape the target are refused;
// and a session's files go into a target as they are read.
#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/set/backup_target.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/engine_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

static_assert(hotbackup::backup_target<directory_target<memory_storage>>);
static_assert(hotbackup::backup_target<directory_target<hotbackup::posix_storage>>);
static_assert(hotbackup::backup_target<directory_target<hotbackup::test::faulty_memory_storage>>);
static_assert(hotbackup::backup_target<memory_target>);
static_assert(hotbackup::backup_target<tar_target>);

/// Writes `text` into a new file of `target` in two pieces and closes it.
template <class Target>
void put(Target& target, const std::string& name, std::string_view text) {
    auto file = target.create(name, text.size());
    file.write(as_bytes(text.substr(0, text.size() / 2)));
    file.write(as_bytes(text.substr(text.size() / 2)));
    file.close();
}

std::string read_text(memory_storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, hotbackup::open_mode::read_only);
    return hotbackup::test::read_all(file);
}

}  // namespace

TEST_CASE("memory_target: exact sizes, one manifest, no escaping names", "[target]") {
    memory_target target;
    put(target, "databases/orders.edb", "pages of orders");
    put(target, "logs/edb00000001.log", "log records");
    CHECK_FALSE(target.complete());
    CHECK(target.files().size() == 2);

    CHECK(error_of([&] { static_cast<void>(target.create("databases/orders.edb", 1)); }).value() ==
          errc::file_already_exists);
    const std::vector<std::string> bad_names{"../escape", "/abs", "a/./b",
                                             std::string{manifest_name}};
    for (const auto& bad : bad_names) {
        CHECK(error_of([&] { static_cast<void>(target.create(bad, 1)); }).value() ==
              errc::invalid_parameter);
    }
    {
        auto file = target.create("short", 10);
        file.write(as_bytes("12345"));
        CHECK(error_of([&] { file.close(); }).value() == errc::invalid_parameter);
        CHECK(error_of([&] { file.write(as_bytes("1234567")); }).value() ==
              errc::invalid_parameter);
    }
    CHECK_FALSE(target.files().contains("short"));  // never complete, never stored

    target.commit_manifest(as_bytes("{}"));
    CHECK(target.complete());
    CHECK(error_of([&] { target.commit_manifest(as_bytes("{}")); }).value() ==
          errc::invalid_parameter);
    CHECK(target.files().size() == 3);
}

TEST_CASE("directory_target: files synced, the manifest renamed into place last", "[target]") {
    memory_storage storage;
    {
        directory_target target{storage, "/sets/full-1"};
        put(target, "databases/orders.edb", "pages of orders");
        put(target, "logs/edb00000001.log", "log records");
        CHECK_FALSE(storage.exists("/sets/full-1/manifest.json"));
        storage.crash();  // power lost before the manifest: the set is incomplete
    }
    CHECK_FALSE(storage.exists("/sets/full-1/manifest.json"));
    CHECK(read_text(storage, "/sets/full-1/databases/orders.edb") == "pages of orders");

    directory_target target{storage, "/sets/full-2"};
    put(target, "databases/orders.edb", "pages of orders");
    target.commit_manifest(as_bytes(R"({"kind":"full"})"));
    storage.crash();  // everything committed survives a power loss
    CHECK(read_text(storage, "/sets/full-2/manifest.json") == R"({"kind":"full"})");
    CHECK(read_text(storage, "/sets/full-2/databases/orders.edb") == "pages of orders");
    CHECK_FALSE(storage.exists("/sets/full-2/manifest.json.tmp"));
    CHECK(error_of([&] { target.commit_manifest(as_bytes("{}")); }).value() ==
          errc::invalid_parameter);
    CHECK(error_of([&] { static_cast<void>(target.create("../full-1/x", 1)); }).value() ==
          errc::invalid_parameter);
}

TEST_CASE("directory_target: a directory that holds files is refused", "[target]") {
    memory_storage storage;
    {
        directory_target target{storage, "/sets/used"};
        put(target, "databases/orders.edb", "pages of orders");
    }
    CHECK(error_of([&] {
              directory_target again{storage, "/sets/used"};
          }).value() == errc::backup_directory_not_empty);
    directory_target fresh{storage, "/sets/fresh"};  // a new, empty one is fine
}

TEST_CASE("directory_target: a failed manifest write leaves no manifest, a retry succeeds",
          "[target]") {
    hotbackup::test::faulty_memory_storage storage;
    directory_target target{storage, "/sets/full"};
    put(target, "databases/orders.edb", "pages of orders");
    storage.fail_when([](const hotbackup::storage_operation& operation) {
        return operation.kind == hotbackup::operation_kind::rename;
    });
    const auto error = error_of([&] { target.commit_manifest(as_bytes("{}")); });
    CHECK(error.value() == errc::disk_io);
    CHECK_FALSE(storage.exists("/sets/full/manifest.json"));
    storage.disarm();
    target.commit_manifest(as_bytes("{}"));  // the leftover temporary is replaced
    CHECK(storage.exists("/sets/full/manifest.json"));
}

TEST_CASE("tar_target: the manifest is the archive's last entry", "[target][tar]") {
    REQUIRE(std::system("tar --version > /dev/null 2>&1") == 0);
    hotbackup::test::storage_fixture<hotbackup::posix_storage> scratch;
    std::ostringstream archive;
    {
        tar_target target{archive, 1'700'000'000};
        put(target, "databases/orders.edb", "pages of orders");
        CHECK(error_of([&] {
                  static_cast<void>(target.create(std::string{manifest_name}, 2));
              }).value() == errc::invalid_parameter);
        put(target, "logs/edb00000001.log", "log records");
        target.commit_manifest(as_bytes("{}"));
    }
    const auto tar_path = scratch.root / "set.tar";
    std::ofstream{tar_path, std::ios::binary} << archive.str();
    const auto listing_path = scratch.root / "listing.txt";
    REQUIRE(std::system(("tar -tf '" + tar_path.string() + "' > '" + listing_path.string() + "'")
                            .c_str()) == 0);
    std::ifstream listing{listing_path};
    std::vector<std::string> names;
    for (std::string line; std::getline(listing, line);) {
        names.push_back(line);
    }
    CHECK(names == std::vector<std::string>{"databases/orders.edb", "logs/edb00000001.log",
                                            "manifest.json"});
}

TEST_CASE("a session's files go into a target as they are read", "[target][session]") {
    memory_storage storage;
    hotbackup::instance<memory_storage> engine{storage, hotbackup::test::small_options()};
    const auto database = engine.create_database("/inst/orders.edb");
    hotbackup::test::fill(engine, database, 300, 'o');

    memory_target target;
    auto session = hotbackup::begin_backup(engine, hotbackup::full_backup);
    for (const auto& file : session.databases()) {
        auto copy = target.create("databases/" + file.path.filename().string(), file.stream_size);
        for (const std::span<const std::byte> chunk : session.read(file)) {
            copy.write(chunk);
        }
        copy.close();
    }
    auto logs = std::move(session).logs();
    for (const auto& file : logs.log_files()) {
        auto copy = target.create("logs/" + file.path.filename().string(), file.size);
        for (const std::span<const std::byte> chunk : logs.read(file)) {
            copy.write(chunk);
        }
        copy.close();
    }
    const auto result = std::move(logs).truncate().end();
    target.commit_manifest(as_bytes("{}"));

    const auto files = target.files();
    CHECK(files.at("databases/orders.edb").size() == result.database_bytes);
    std::uint64_t log_bytes = 0;
    for (const auto& [name, bytes] : files) {
        if (name.starts_with("logs/")) {
            log_bytes += bytes.size();
        }
    }
    CHECK(log_bytes == result.log_bytes);
    CHECK(target.complete());
}

}  // namespace hotbackup::test
