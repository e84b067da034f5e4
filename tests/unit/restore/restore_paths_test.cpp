// Where restore writes: set file names and database paths in a manifest, and
// renames, that would leave the destination are refused (invalid_path), also
// through a symbolic link; and a set streamed as a tar archive, extracted by GNU
// tar, restores to the same data as the set written to a directory.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/restore_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

/// A full set of a small instance on `storage`, in `root`/set.
template <class Storage>
void make_set(Storage& storage, const std::filesystem::path& root) {
    hotbackup::instance<Storage> engine{storage, hotbackup::test::small_options(root / "live")};
    const auto database = engine.create_database(root / "live" / "orders.edb");
    hotbackup::test::fill(engine, database, 300, 'p');
    hotbackup::directory_target<Storage> target{storage, root / "set"};
    (void)hotbackup::run_backup(engine, target);
    engine.term();
}

/// Replaces the set's manifest with `contents` (with a valid checksum, as an
/// attacker would write it).
void write_manifest(memory_storage& disk, const std::string& set,
                    const hotbackup::manifest& contents) {
    const auto text = contents.to_json();
    disk.remove(set + "/manifest.json");
    auto file = disk.open(set + "/manifest.json", hotbackup::open_mode::create);
    file.write_at(0, std::as_bytes(std::span{text.data(), text.size()}));
    file.close();
}

std::string keys_of(hotbackup::instance<posix_storage>& engine, hotbackup::database_id database) {
    std::string all;
    auto transaction = engine.begin_transaction();
    for (int index = 0; index < 300; ++index) {
        all += transaction.get(database, "key" + std::to_string(index)).value_or("<missing>");
    }
    return all;
}

}  // namespace

TEST_CASE("paths: a manifest naming a file outside its set is refused", "[restore][paths]") {
    memory_storage disk;
    make_set(disk, "/r");
    const auto original = backup_set<memory_storage>{disk, "/r/set"}.contents();
    for (const auto* escape : {"../../etc/passwd", "/etc/passwd", "logs/../../x", "./x"}) {
        INFO(escape);
        auto crafted = original;
        crafted.logs.front().file = escape;
        write_manifest(disk, "/r/set", crafted);
        CHECK(hotbackup::test::error_of([&] {
                  (void)backup_set<memory_storage>(disk, "/r/set");
              }).value() == errc::invalid_path);
    }
}

TEST_CASE("paths: a database path or rename that leaves the destination is refused",
          "[restore][paths]") {
    memory_storage disk;
    make_set(disk, "/r");
    const std::vector<backup_set<memory_storage>> chain{{disk, "/r/set"}};
    for (const auto* target : {"../outside.edb", "/absolute.edb", "data/../../up.edb", "", "."}) {
        INFO(target);
        hotbackup::restore_options options;
        options.renames = {{"/r/live/orders.edb", target}};
        CHECK(hotbackup::test::error_of([&] {
                  (void)hotbackup::restore(chain, disk, "/dest", options);
              }).value() == errc::invalid_path);
        CHECK_FALSE(disk.exists("/outside.edb"));
        CHECK_FALSE(disk.exists("/absolute.edb"));
        CHECK_FALSE(disk.exists("/up.edb"));
    }
    // A recorded original path whose file name is "..".
    auto crafted_path = chain.front().contents();
    crafted_path.databases.front().path = "/r/live/..";
    write_manifest(disk, "/r/set", crafted_path);
    const std::vector<backup_set<memory_storage>> crafted{{disk, "/r/set"}};
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(crafted, disk, "/dest");
          }).value() == errc::invalid_path);
}

TEST_CASE("paths: a restore does not write through a symbolic link", "[restore][paths]") {
    hotbackup::test::storage_fixture<posix_storage> fixture;
    make_set(fixture.storage, fixture.root);
    const auto destination = fixture.root / "dest";
    const auto outside = fixture.root / "outside";
    std::filesystem::create_directories(destination);
    std::filesystem::create_directories(outside);
    std::filesystem::create_directory_symlink(outside, destination / "link");
    const std::vector<backup_set<posix_storage>> chain{{fixture.storage, fixture.root / "set"}};

    hotbackup::restore_options options;
    options.renames = {{(fixture.root / "live" / "orders.edb").string(), "link/orders.edb"}};
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, fixture.storage, destination, options);
          }).value() == errc::invalid_path);

    // The log directory as a link to elsewhere.
    std::filesystem::create_directory_symlink(outside, destination / "logs");
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, fixture.storage, destination);
          }).value() == errc::invalid_path);
    CHECK(std::filesystem::is_empty(outside));
}

TEST_CASE("tar: GNU tar extracts a streamed set, which restores to the same data",
          "[restore][tar]") {
    hotbackup::test::storage_fixture<posix_storage> fixture;
    auto& storage = fixture.storage;
    const auto& root = fixture.root;
    {
        hotbackup::instance<posix_storage> engine{storage,
                                                  hotbackup::test::small_options(root / "live")};
        const auto database = engine.create_database(root / "live" / "orders.edb");
        hotbackup::test::fill(engine, database, 300, 't');
        {
            std::ofstream archive{root / "set.tar", std::ios::binary};
            hotbackup::tar_target target{archive, 1'700'000'000};
            hotbackup::backup_options options;
            options.truncate = false;  // the directory set below needs the same logs
            (void)hotbackup::run_backup(engine, target, options);
        }
        hotbackup::directory_target<posix_storage> target{storage, root / "set-dir"};
        (void)hotbackup::run_backup(engine, target);
        engine.term();
    }
    std::filesystem::create_directories(root / "extracted");
    const auto listing = root / "listing.txt";
    REQUIRE(std::system(
                ("tar -tf '" + (root / "set.tar").string() + "' > '" + listing.string() + "' 2>&1")
                    .c_str()) == 0);
    std::ifstream listed{listing};
    const std::string names{std::istreambuf_iterator<char>{listed},
                            std::istreambuf_iterator<char>{}};
    CHECK(names.find("manifest.json") != std::string::npos);
    CHECK(names.find("databases/orders.edb") != std::string::npos);
    REQUIRE(std::system(("tar -xf '" + (root / "set.tar").string() + "' -C '" +
                         (root / "extracted").string() + "'")
                            .c_str()) == 0);

    std::string restored_keys[2];
    int index = 0;
    for (const auto* set : {"extracted", "set-dir"}) {
        const std::vector<backup_set<posix_storage>> chain{{storage, root / set}};
        (void)hotbackup::verify(chain);
        const auto report =
            hotbackup::restore(chain, storage, root / (std::string{"restored-"} + set));
        hotbackup::instance<posix_storage> restored{storage, report.options};
        const auto database = restored.attach_database(report.databases.front().path);
        restored_keys[index++] = keys_of(restored, database);
        restored.term();
    }
    CHECK(restored_keys[0].find("<missing>") == std::string::npos);
    CHECK(restored_keys[0] == restored_keys[1]);
}

TEST_CASE("paths: restored names that collide, also by case or as a directory, are refused",
          "[restore][paths]") {
    memory_storage disk;
    {
        hotbackup::instance<memory_storage> engine{disk, hotbackup::test::small_options("/r")};
        for (const auto* name : {"/r/a.edb", "/r/b.edb"}) {
            hotbackup::test::fill(engine, engine.create_database(name), 50, 'c');
        }
        hotbackup::directory_target<memory_storage> target{disk, "/r/set"};
        (void)hotbackup::run_backup(engine, target);
        engine.term();
    }
    const std::vector<backup_set<memory_storage>> chain{{disk, "/r/set"}};
    const auto refused = [&](const std::string& a, const std::string& b) {
        hotbackup::restore_options options;
        options.renames = {{"/r/a.edb", a}, {"/r/b.edb", b}};
        return hotbackup::test::error_of(
                   [&] { (void)hotbackup::restore(chain, disk, "/dest", options); })
            .value();
    };
    CHECK(refused("x", "x/b.edb") == errc::invalid_path);
    CHECK(refused("data/a.edb", "DATA/A.edb") == errc::invalid_path);
    CHECK(refused("edb.chk/a.edb", "b.edb") == errc::invalid_path);
    CHECK(refused("logs/a.edb", "b.edb") == errc::invalid_path);
    CHECK(refused("a.edb", "a.edb") == errc::invalid_path);
    CHECK_FALSE(disk.exists("/dest/logs"));

    hotbackup::restore_options twice;
    twice.renames = {{"/r/a.edb", "one.edb"}, {"/r/a.edb", "two.edb"}};
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, disk, "/dest", twice);
          }).value() == errc::invalid_parameter);

    hotbackup::restore_options both;
    both.renames = {{"/r/a.edb", "x/a.edb"}, {"/r/b.edb", "y/b.edb"}};
    const auto report = hotbackup::restore(chain, disk, "/dest", both);
    CHECK(report.databases.size() == 2);
    CHECK(disk.exists("/dest/x/a.edb"));
    CHECK(disk.exists("/dest/y/b.edb"));
}

}  // namespace hotbackup::test
