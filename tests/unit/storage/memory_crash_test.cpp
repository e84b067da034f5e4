// memory_storage::crash() keeps exactly what the storage contract says is durable
// and drops everything else.
#include <array>
#include <cstddef>

#include "support/catch.hpp"
#include "support/storage_fixture.hpp"

using hotbackup::backup_error;
using hotbackup::entry_kind;
using hotbackup::errc;
using hotbackup::memory_storage;
using hotbackup::open_mode;
using hotbackup::test::as_bytes;
using hotbackup::test::contents_of;
using hotbackup::test::write_file;

namespace {

struct crash_fixture {
    crash_fixture() { storage.create_directories(root); }
    memory_storage storage;
    std::filesystem::path root{"/db"};
    std::filesystem::path path{root / "data.edb"};
};

}  // namespace

TEST_CASE_METHOD(crash_fixture, "crash drops unsynced bytes and keeps synced ones",
                 "[storage][memory][crash]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("synced"));
    file.sync();
    file.write_at(0, as_bytes("SYNCED and more"));
    REQUIRE(contents_of(storage, path) == "SYNCED and more");

    storage.crash();

    REQUIRE(storage.exists(path));
    REQUIRE(contents_of(storage, path) == "synced");
}

TEST_CASE_METHOD(crash_fixture, "crash undoes an unsynced resize", "[storage][memory][crash]") {
    write_file(storage, path, "0123456789");
    auto file = storage.open(path, open_mode::read_write);
    file.resize(4);
    storage.crash();
    REQUIRE(contents_of(storage, path) == "0123456789");
}

TEST_CASE_METHOD(crash_fixture, "crash drops a created file that was never synced",
                 "[storage][memory][crash]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("lost"));
    storage.crash();
    REQUIRE_FALSE(storage.exists(path));
    REQUIRE(storage.list(root).empty());
}

TEST_CASE_METHOD(crash_fixture, "a created file's own sync makes its entry durable",
                 "[storage][memory][crash]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("kept"));
    file.sync();
    storage.crash();
    REQUIRE(contents_of(storage, path) == "kept");
}

TEST_CASE_METHOD(crash_fixture, "a created file whose directory was synced survives empty",
                 "[storage][memory][crash]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("bytes never synced"));
    storage.sync_directory(root);
    storage.crash();
    REQUIRE(storage.exists(path));
    REQUIRE(contents_of(storage, path).empty());
}

TEST_CASE_METHOD(crash_fixture, "crash undoes a rename until its directory is synced",
                 "[storage][memory][crash]") {
    write_file(storage, path, "new contents");
    write_file(storage, root / "target.edb", "old contents");
    storage.sync_directory(root);

    SECTION("without sync_directory both names come back as they were") {
        storage.rename(path, root / "target.edb");
        // Syncing the renamed file does not make the rename durable.
        auto renamed = storage.open(root / "target.edb", open_mode::read_write);
        renamed.sync();
        storage.crash();
        REQUIRE(contents_of(storage, path) == "new contents");
        REQUIRE(contents_of(storage, root / "target.edb") == "old contents");
    }

    SECTION("after sync_directory the rename survives") {
        storage.rename(path, root / "target.edb");
        storage.sync_directory(root);
        storage.crash();
        REQUIRE_FALSE(storage.exists(path));
        REQUIRE(contents_of(storage, root / "target.edb") == "new contents");
    }
}

TEST_CASE_METHOD(crash_fixture, "a rename across directories needs both directories synced",
                 "[storage][memory][crash]") {
    storage.create_directories(root / "other");
    write_file(storage, path, "moving");
    storage.sync_directory(root);
    storage.rename(path, root / "other" / "moved.edb");
    storage.sync_directory(root / "other");
    storage.crash();
    // The new name is durable, the removal of the old one is not: both exist,
    // as on a real file system that synced only the target directory.
    REQUIRE(contents_of(storage, root / "other" / "moved.edb") == "moving");
    REQUIRE(contents_of(storage, path) == "moving");
}

TEST_CASE_METHOD(crash_fixture, "crash undoes a remove until its directory is synced",
                 "[storage][memory][crash]") {
    write_file(storage, path, "still here");
    storage.sync_directory(root);

    SECTION("without sync_directory the file comes back") {
        storage.remove(path);
        REQUIRE_FALSE(storage.exists(path));
        storage.crash();
        REQUIRE(contents_of(storage, path) == "still here");
    }

    SECTION("after sync_directory it stays removed") {
        storage.remove(path);
        storage.sync_directory(root);
        storage.crash();
        REQUIRE_FALSE(storage.exists(path));
    }
}

TEST_CASE_METHOD(crash_fixture, "create_directories is durable at once",
                 "[storage][memory][crash]") {
    storage.create_directories(root / "logs" / "archive");
    storage.crash();
    REQUIRE(storage.list(root) ==
            std::vector<hotbackup::directory_entry>{{"logs", entry_kind::directory}});
    REQUIRE(storage.exists(root / "logs" / "archive"));
}

TEST_CASE_METHOD(crash_fixture, "files inside a renamed directory follow it through a crash",
                 "[storage][memory][crash]") {
    storage.create_directories(root / "staging");
    write_file(storage, root / "staging" / "a.log", "a");
    storage.rename(root / "staging", root / "final");
    storage.sync_directory(root);
    storage.crash();
    REQUIRE_FALSE(storage.exists(root / "staging"));
    REQUIRE(contents_of(storage, root / "final" / "a.log") == "a");
}

TEST_CASE_METHOD(crash_fixture, "handles opened before a crash are dead afterwards",
                 "[storage][memory][crash]") {
    write_file(storage, path, "x");
    auto file = storage.open(path, open_mode::read_write);
    storage.crash();
    std::array<std::byte, 1> buffer{};
    REQUIRE_THROWS_AS(file.read_at(0, buffer), backup_error);
    try {
        file.write_at(0, as_bytes("y"));
        FAIL("a write through a dead handle succeeded");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::invalid_parameter);
        REQUIRE_THAT(error.what(), hotbackup::test::contains_text("crash"));
    }
    auto reopened = storage.open(path, open_mode::read_write);
    REQUIRE(reopened.read_at(0, buffer) == 1);
}

TEST_CASE_METHOD(crash_fixture, "a second crash keeps what the first one kept",
                 "[storage][memory][crash]") {
    write_file(storage, path, "stable");
    storage.crash();
    storage.crash();
    REQUIRE(contents_of(storage, path) == "stable");
}

TEST_CASE("memory_storage resolves paths lexically and refuses to climb above its root",
          "[storage][memory]") {
    memory_storage storage;
    storage.create_directories("/a/b");
    hotbackup::test::write_file(storage, "/a/./b/../b/f", "same file");
    REQUIRE(contents_of(storage, "a/b/f") == "same file");
    // As in POSIX, the root's parent is the root itself.
    hotbackup::test::write_file(storage, "/../top", "at the root");
    REQUIRE(contents_of(storage, "/top") == "at the root");
    try {
        (void)storage.open("../x", open_mode::create);
        FAIL("a path above the root was accepted");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::invalid_path);
    }
}

TEST_CASE_METHOD(crash_fixture,
                 "a new file's sync does not lose the durable file renamed away from its name",
                 "[storage][memory][crash]") {
    // Log rollover: archive the current log, then start a new one under the old name.
    write_file(storage, root / "edb.log", "generation 1");
    storage.sync_directory(root);
    storage.rename(root / "edb.log", root / "edb00000001.log");
    write_file(storage, root / "edb.log", "generation 2");  // created and synced
    storage.crash();
    REQUIRE(contents_of(storage, root / "edb.log") == "generation 2");
    REQUIRE(contents_of(storage, root / "edb00000001.log") == "generation 1");
}

TEST_CASE_METHOD(
    crash_fixture,
    "create_directories does not lose the durable directory renamed away from its name",
    "[storage][memory][crash]") {
    storage.create_directories(root / "staging");
    write_file(storage, root / "staging" / "a.log", "a");
    storage.rename(root / "staging", root / "final");
    storage.create_directories(root / "staging");
    storage.crash();
    REQUIRE(contents_of(storage, root / "final" / "a.log") == "a");
    REQUIRE(storage.list(root / "staging").empty());
}

TEST_CASE_METHOD(crash_fixture,
                 "a directory durable under two names after a crash keeps one and never loops",
                 "[storage][memory][crash]") {
    storage.create_directories(root / "a");
    storage.create_directories(root / "b");
    write_file(storage, root / "a" / "f", "f");
    storage.rename(root / "a", root / "b" / "a");
    storage.sync_directory(root / "b");  // only the target directory
    storage.crash();
    const bool at_old_name = storage.exists(root / "a");
    const bool at_new_name = storage.exists(root / "b" / "a");
    REQUIRE(at_old_name != at_new_name);
    const auto directory = at_old_name ? root / "a" : root / "b" / "a";
    REQUIRE(contents_of(storage, directory / "f") == "f");
    // Moving it into itself is refused however it is named.
    storage.create_directories(directory / "inner");
    REQUIRE_THROWS_AS(storage.rename(directory, directory / "inner" / "x"), backup_error);
    storage.crash();  // terminates
    REQUIRE(contents_of(storage, directory / "f") == "f");
}
