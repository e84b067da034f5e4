// memory_storage::crash() keeps exactly what the storage contract says is durable
// and drops everything else; crash(surviving_bytes) also keeps the chosen prefixes
// of unsynced writes, as a power loss that tears writes would.
#include <array>
#include <cstddef>
#include <functional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

using unsynced_write = memory_storage::unsynced_write;

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

// --- torn writes: crash(surviving_bytes) ------------------------------------------

namespace {

/// Keeps every unsynced write whole.
std::size_t keep_whole(const unsynced_write& write) {
    return write.length;
}

/// Drops every unsynced write.
std::size_t drop(const unsynced_write& /*write*/) {
    return 0;
}

}  // namespace

TEST_CASE_METHOD(crash_fixture, "a torn crash can keep unsynced writes whole",
                 "[storage][memory][crash][torn]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("synced"));
    file.sync();
    file.write_at(0, as_bytes("SYNCED and more"));
    storage.crash(keep_whole);
    REQUIRE(contents_of(storage, path) == "SYNCED and more");
}

TEST_CASE_METHOD(crash_fixture, "a torn crash that keeps nothing is a plain crash",
                 "[storage][memory][crash][torn]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("synced"));
    file.sync();
    file.write_at(0, as_bytes("SYNCED and more"));

    REQUIRE(storage.unsynced_writes().size() == 1);
    SECTION("every write dropped by the function") {
        storage.crash(drop);
        CHECK(storage.unsynced_writes().empty());
    }
    SECTION("an empty function") {
        storage.crash(std::function<std::size_t(const unsynced_write&)>{});
        CHECK(storage.unsynced_writes().empty());
    }

    REQUIRE(contents_of(storage, path) == "synced");
    REQUIRE(storage.unsynced_writes().empty());
}

TEST_CASE_METHOD(crash_fixture, "a torn crash keeps the chosen prefix of a write",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "aaaaaaaa");
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(2, as_bytes("bbbb"));

    SECTION("a prefix") {
        storage.crash([](const unsynced_write&) { return std::size_t{3}; });
        REQUIRE(contents_of(storage, path) == "aabbbaaa");
    }
    SECTION("more than the write's length keeps it whole, and no more") {
        storage.crash([](const unsynced_write&) { return std::size_t{1000}; });
        REQUIRE(contents_of(storage, path) == "aabbbbaa");
    }
}

TEST_CASE_METHOD(crash_fixture, "kept overlapping writes land in the order they were made",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "........");
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(0, as_bytes("1111"));
    file.write_at(2, as_bytes("2222"));
    file.write_at(1, as_bytes("33"));
    const auto writes = storage.unsynced_writes();
    REQUIRE(writes.size() == 3);
    const auto first = writes[0].sequence;

    SECTION("all of them: a later write over an earlier one") {
        storage.crash(keep_whole);
        REQUIRE(contents_of(storage, path) == "133222..");
    }
    SECTION("in order up to a point, as a device that writes in order would") {
        storage.crash([&](const unsynced_write& write) {
            return write.sequence < first + 2 ? write.length : 0;
        });
        REQUIRE(contents_of(storage, path) == "112222..");
    }
    SECTION("out of order: a later write without the earlier one") {
        storage.crash([&](const unsynced_write& write) {
            return write.sequence == first ? 0 : write.length;
        });
        REQUIRE(contents_of(storage, path) == ".33222..");
    }
    SECTION("the first torn, the second dropped, the third whole") {
        storage.crash([&](const unsynced_write& write) -> std::size_t {
            if (write.sequence == first) {
                return 1;
            }
            return write.sequence == first + 1 ? 0 : write.length;
        });
        REQUIRE(contents_of(storage, path) == "133.....");
    }
}

TEST_CASE_METHOD(crash_fixture, "a kept write past the end grows the file with zeros",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "ab");
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(6, as_bytes("xyz"));

    SECTION("whole") {
        storage.crash(keep_whole);
        REQUIRE(contents_of(storage, path) == std::string("ab\0\0\0\0xyz", 9));
    }
    SECTION("torn") {
        storage.crash([](const unsynced_write&) { return std::size_t{1}; });
        REQUIRE(contents_of(storage, path) == std::string("ab\0\0\0\0x", 7));
    }
    SECTION("dropped: the size stays the synced one") {
        storage.crash(drop);
        REQUIRE(contents_of(storage, path) == "ab");
    }
}

TEST_CASE_METHOD(crash_fixture, "a torn crash drops unsynced resizes except as kept writes imply",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "0123456789");
    auto file = storage.open(path, open_mode::read_write);

    SECTION("a cut is undone under a kept write") {
        file.resize(2);
        file.write_at(2, as_bytes("ab"));
        storage.crash(keep_whole);
        REQUIRE(contents_of(storage, path) == "01ab456789");
    }
    SECTION("a growth is kept only as far as a kept write reaches") {
        file.resize(100);
        file.write_at(12, as_bytes("z"));
        storage.crash(keep_whole);
        REQUIRE(contents_of(storage, path) == std::string("0123456789\0\0z", 13));
    }
}

TEST_CASE_METHOD(crash_fixture, "a sync forgets the file's unsynced writes",
                 "[storage][memory][crash][torn]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("first"));
    file.sync();
    file.write_at(5, as_bytes(" second"));
    REQUIRE(storage.unsynced_writes().size() == 1);

    std::vector<unsynced_write> asked;
    storage.crash([&](const unsynced_write& write) {
        asked.push_back(write);
        return std::size_t{0};
    });
    REQUIRE(asked.size() == 1);
    REQUIRE(asked[0].offset == 5);
    REQUIRE(contents_of(storage, path) == "first");
    REQUIRE(storage.unsynced_writes().empty());
}

TEST_CASE_METHOD(crash_fixture, "unsynced_writes lists every pending write in order",
                 "[storage][memory][crash][torn]") {
    const auto other = root / "other.log";
    auto data = storage.open(path, open_mode::create);
    auto log = storage.open(other, open_mode::create);
    REQUIRE(storage.unsynced_writes().empty());

    data.write_at(8, as_bytes("page"));
    log.write_at(0, as_bytes("record"));
    log.write_at(6, {});  // a zero-length write changes nothing and is not listed
    data.write_at(0, as_bytes("header"));
    const auto writes = storage.unsynced_writes();
    REQUIRE(writes.size() == 3);
    const auto first = writes[0].sequence;
    REQUIRE(writes == std::vector<unsynced_write>{
                          {path, 8, 4, first}, {other, 0, 6, first + 1}, {path, 0, 6, first + 2}});

    SECTION("a sync of one file removes only its writes") {
        log.sync();
        REQUIRE(storage.unsynced_writes() ==
                std::vector<unsynced_write>{{path, 8, 4, first}, {path, 0, 6, first + 2}});
    }
    SECTION("crash asks about exactly the listed writes, in order") {
        std::vector<unsynced_write> asked;
        storage.crash([&](const unsynced_write& write) {
            asked.push_back(write);
            return write.length;
        });
        REQUIRE(asked == writes);
        // Neither file's entry was durable: the writes were asked about, but nothing
        // leads to them after the crash.
        REQUIRE(storage.list(root).empty());
        REQUIRE(storage.unsynced_writes().empty());
    }
    SECTION("a removed file's writes stay listed until its removal is durable") {
        storage.sync_directory(root);
        storage.remove(other);
        REQUIRE(storage.unsynced_writes().size() == 3);
        storage.sync_directory(root);
        REQUIRE(storage.unsynced_writes() ==
                std::vector<unsynced_write>{{path, 8, 4, first}, {path, 0, 6, first + 2}});
    }
}

TEST_CASE_METHOD(crash_fixture, "a write made before a rename survives under the durable name",
                 "[storage][memory][crash][torn]") {
    const auto renamed = root / "renamed.edb";
    write_file(storage, path, "old");
    storage.sync_directory(root);
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(0, as_bytes("new"));
    storage.rename(path, renamed);
    // The record stays with the file, under the path it was written through.
    REQUIRE(storage.unsynced_writes() ==
            std::vector<unsynced_write>{{path, 0, 3, storage.unsynced_writes()[0].sequence}});

    SECTION("the rename not durable") {
        storage.crash(keep_whole);
        REQUIRE_FALSE(storage.exists(renamed));
        REQUIRE(contents_of(storage, path) == "new");
    }
    SECTION("the rename durable") {
        storage.sync_directory(root);
        storage.crash(keep_whole);
        REQUIRE_FALSE(storage.exists(path));
        REQUIRE(contents_of(storage, renamed) == "new");
    }
}

TEST_CASE_METHOD(crash_fixture, "a torn write to a new file survives only where its entry does",
                 "[storage][memory][crash][torn]") {
    auto file = storage.open(path, open_mode::create);
    file.write_at(0, as_bytes("torn page"));

    SECTION("the directory synced: the file holds the prefix") {
        storage.sync_directory(root);
        storage.crash([](const unsynced_write&) { return std::size_t{4}; });
        REQUIRE(contents_of(storage, path) == "torn");
    }
    SECTION("the directory not synced: the file is gone") {
        storage.crash(keep_whole);
        REQUIRE_FALSE(storage.exists(path));
    }
}

TEST_CASE_METHOD(crash_fixture, "a torn crash keeps what it kept through the next crash",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "aaaa");
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(0, as_bytes("bbbb"));
    storage.crash([](const unsynced_write&) { return std::size_t{2}; });
    REQUIRE(contents_of(storage, path) == "bbaa");
    storage.crash();
    REQUIRE(contents_of(storage, path) == "bbaa");
}

TEST_CASE_METHOD(crash_fixture, "handles opened before a torn crash are dead afterwards",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "x");
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(0, as_bytes("y"));
    storage.crash(keep_whole);
    std::array<std::byte, 1> buffer{};
    try {
        (void)file.read_at(0, buffer);
        FAIL("a read through a dead handle succeeded");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::invalid_parameter);
    }
    REQUIRE_THROWS_AS(file.write_at(0, as_bytes("z")), backup_error);
    REQUIRE_THROWS_AS(file.sync(), backup_error);
    REQUIRE(contents_of(storage, path) == "y");
}

TEST_CASE_METHOD(crash_fixture,
                 "a surviving_bytes function that throws leaves the storage as it was",
                 "[storage][memory][crash][torn]") {
    write_file(storage, path, "synced");
    auto file = storage.open(path, open_mode::read_write);
    file.write_at(0, as_bytes("SYNCED"));
    const auto writes = storage.unsynced_writes();
    REQUIRE_THROWS_AS(storage.crash([](const unsynced_write&) -> std::size_t {
        throw std::runtime_error("test gives up");
    }),
                      std::runtime_error);
    REQUIRE(storage.unsynced_writes() == writes);
    file.write_at(6, as_bytes("!"));  // the handle still lives
    REQUIRE(contents_of(storage, path) == "SYNCED!");
}

TEST_CASE("a torn crash reaches a memory_storage wrapped in faulty_storage",
          "[storage][memory][faulty][crash][torn]") {
    hotbackup::test::faulty_memory_storage storage;
    const std::filesystem::path path{"/data.edb"};
    write_file(storage, path, "........");
    auto file = storage.open(path, open_mode::read_write);
    // The device fails the write after 5 bytes, then power is lost and 3 of those
    // 5 reach the platter.
    storage.tear_write(storage.operation_count(), 5);
    REQUIRE_THROWS_AS(file.write_at(0, as_bytes("torn page")), backup_error);
    REQUIRE(storage.inner().unsynced_writes().size() == 1);
    REQUIRE(storage.inner().unsynced_writes()[0].length == 5);
    storage.inner().crash([](const unsynced_write&) { return std::size_t{3}; });
    REQUIRE(contents_of(storage, path) == "tor.....");
}

TEST_CASE_METHOD(crash_fixture, "writes from many threads are all recorded, each once",
                 "[storage][memory][crash][torn][threads]") {
    constexpr std::size_t thread_count = 4;
    constexpr std::size_t writes_per_thread = 64;
    constexpr std::size_t block_size = 16;
    auto file = storage.open(path, open_mode::create);
    file.sync();
    std::vector<std::thread> threads;
    for (std::size_t thread_index = 0; thread_index < thread_count; ++thread_index) {
        threads.emplace_back([&, thread_index] {
            const std::vector<std::byte> block(block_size, std::byte{0xff});
            for (std::size_t write_index = 0; write_index < writes_per_thread; ++write_index) {
                const auto offset = (write_index * thread_count + thread_index) * block_size;
                file.write_at(offset, block);
            }
        });
    }
    // A test may list the writes while others are still being made.
    threads.emplace_back([&] {
        for (std::size_t round = 0; round < writes_per_thread; ++round) {
            (void)storage.unsynced_writes();
        }
    });
    for (auto& thread : threads) {
        thread.join();
    }

    const auto writes = storage.unsynced_writes();
    REQUIRE(writes.size() == thread_count * writes_per_thread);
    for (std::size_t index = 1; index < writes.size(); ++index) {
        REQUIRE(writes[index].sequence == writes[index - 1].sequence + 1);
    }
    // Keep every other write, by sequence: exactly those blocks survive.
    storage.crash(
        [](const unsynced_write& write) { return write.sequence % 2 == 0 ? write.length : 0; });
    const auto contents = contents_of(storage, path);
    std::size_t kept_blocks = 0;
    for (const auto& write : writes) {
        // Dropped writes past the last kept one are past the end of the file.
        const auto block =
            write.offset < contents.size() ? contents.substr(write.offset, block_size) : "";
        const bool kept = block == std::string(block_size, '\xff');
        const bool dropped = block.empty() || block == std::string(block_size, '\0');
        REQUIRE((write.sequence % 2 == 0 ? kept : dropped));
        kept_blocks += kept ? 1 : 0;
    }
    REQUIRE(kept_blocks == writes.size() / 2);
}

}  // namespace hotbackup::test
