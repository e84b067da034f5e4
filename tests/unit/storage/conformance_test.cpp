// The storage contract (storage.hpp), written once and run against every model:
// posix_storage on a temporary directory, memory_storage, and faulty_storage with
// nothing armed and any_storage (each must behave exactly like what it wraps).
#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

/// Runs `action` and returns the errc of the backup_error it throws; fails the
/// test if it throws nothing or something else. Also checks that the message
/// names `path`.
template <class Action>
errc error_of(Action&& action, const std::filesystem::path& path) {
    try {
        action();
    } catch (const backup_error& error) {
        if (!path.empty()) {
            CHECK_THAT(error.what(), hotbackup::test::contains_text(path.string()));
        }
        return error.value();
    }
    FAIL("no backup_error was thrown");
    return errc{};
}

}  // namespace

TEMPLATE_TEST_CASE("storage conformance", "[storage][conformance]", posix_storage, memory_storage,
                   faulty_memory_storage, any_memory_storage) {
    storage_fixture<TestType> fixture;
    auto& storage = fixture.storage;
    const auto root = fixture.root;
    const auto path = root / "data.bin";

    SECTION("a created file reads back what was written, with short reads only at the end") {
        auto file = storage.open(path, open_mode::create);
        file.write_at(0, as_bytes("hello, "));
        file.write_at(7, as_bytes("world"));
        REQUIRE(file.size() == 12);
        REQUIRE(read_all(file) == "hello, world");

        std::array<std::byte, 8> buffer{};
        REQUIRE(file.read_at(8, buffer) == 4);
        REQUIRE(file.read_at(12, buffer) == 0);
        REQUIRE(file.read_at(1000, buffer) == 0);
        REQUIRE(file.path() == path);
    }

    SECTION("a write past the end extends the file with zero bytes") {
        auto file = storage.open(path, open_mode::create);
        file.write_at(4, as_bytes("x"));
        REQUIRE(read_all(file) == std::string("\0\0\0\0x", 5));
    }

    SECTION("a zero-length write does not extend the file") {
        auto file = storage.open(path, open_mode::create);
        file.write_at(100, {});
        REQUIRE(file.size() == 0);
    }

    SECTION("an offset that overflows is invalid_parameter, not a wild write") {
        auto file = storage.open(path, open_mode::create);
        const auto huge = std::numeric_limits<std::uint64_t>::max() - 1;
        REQUIRE(error_of([&] { file.write_at(huge, as_bytes("xy")); }, path) ==
                errc::invalid_parameter);
        REQUIRE(error_of([&] { file.resize(huge); }, path) == errc::invalid_parameter);
        REQUIRE(file.size() == 0);
    }

    SECTION("resize grows with zeros and cuts") {
        auto file = storage.open(path, open_mode::create);
        file.write_at(0, as_bytes("abcdef"));
        file.resize(3);
        REQUIRE(read_all(file) == "abc");
        file.resize(5);
        REQUIRE(read_all(file) == std::string("abc\0\0", 5));
    }

    SECTION("create fails with file_already_exists on an existing name") {
        write_file(storage, path, "old");
        REQUIRE(error_of([&] { (void)storage.open(path, open_mode::create); }, path) ==
                errc::file_already_exists);
        REQUIRE(contents_of(storage, path) == "old");
    }

    SECTION("create_or_open keeps an existing file's contents") {
        write_file(storage, path, "kept");
        auto file = storage.open(path, open_mode::create_or_open);
        REQUIRE(read_all(file) == "kept");
    }

    SECTION("opening a missing file fails with file_not_found naming it") {
        REQUIRE(error_of([&] { (void)storage.open(path, open_mode::read_only); }, path) ==
                errc::file_not_found);
        REQUIRE(error_of([&] { (void)storage.open(path, open_mode::read_write); }, path) ==
                errc::file_not_found);
        REQUIRE_FALSE(storage.exists(path));
    }

    SECTION("creating in a missing directory fails with file_not_found") {
        const auto nested = root / "missing" / "data.bin";
        REQUIRE(error_of([&] { (void)storage.open(nested, open_mode::create); }, nested) ==
                errc::file_not_found);
    }

    SECTION("a path through a file fails with invalid_path") {
        write_file(storage, path, "x");
        const auto through = path / "inner" / "deeper";
        REQUIRE(error_of([&] { (void)storage.open(through, open_mode::create); }, through) ==
                errc::invalid_path);
        REQUIRE(error_of([&] { storage.create_directories(through); }, path) == errc::invalid_path);
    }

    SECTION("opening a directory as a file fails with file_invalid_type") {
        storage.create_directories(root / "dir");
        REQUIRE(error_of([&] { (void)storage.open(root / "dir", open_mode::read_only); },
                         root / "dir") == errc::file_invalid_type);
    }

    SECTION("a read-only file refuses writes and resizes with file_access_denied") {
        write_file(storage, path, "ro");
        auto file = storage.open(path, open_mode::read_only);
        REQUIRE(error_of([&] { file.write_at(0, as_bytes("x")); }, path) ==
                errc::file_access_denied);
        REQUIRE(error_of([&] { file.resize(0); }, path) == errc::file_access_denied);
        REQUIRE(read_all(file) == "ro");
    }

    SECTION("a closed or moved-from file refuses every operation with invalid_parameter") {
        auto file = storage.open(path, open_mode::create);
        auto moved = std::move(file);
        moved.write_at(0, as_bytes("still open"));
        std::array<std::byte, 4> buffer{};
        // NOLINTNEXTLINE(bugprone-use-after-move): the moved-from state is what is tested
        REQUIRE(error_of([&] { (void)file.read_at(0, buffer); }, "") == errc::invalid_parameter);
        moved.close();
        REQUIRE(error_of([&] { (void)moved.read_at(0, buffer); }, path) == errc::invalid_parameter);
        REQUIRE(error_of([&] { moved.sync(); }, path) == errc::invalid_parameter);
        REQUIRE(error_of([&] { moved.close(); }, path) == errc::invalid_parameter);
        REQUIRE(contents_of(storage, path) == "still open");
    }

    SECTION("rename replaces the target and keeps open handles readable") {
        write_file(storage, path, "new");
        write_file(storage, root / "target.bin", "old");
        auto handle = storage.open(path, open_mode::read_only);
        storage.rename(path, root / "target.bin");
        REQUIRE_FALSE(storage.exists(path));
        REQUIRE(contents_of(storage, root / "target.bin") == "new");
        REQUIRE(read_all(handle) == "new");
    }

    SECTION("rename moves a directory with its contents") {
        storage.create_directories(root / "a" / "b");
        write_file(storage, root / "a" / "b" / "f", "deep");
        storage.rename(root / "a", root / "c");
        REQUIRE_FALSE(storage.exists(root / "a"));
        REQUIRE(contents_of(storage, root / "c" / "b" / "f") == "deep");
    }

    SECTION("a directory cannot replace a file by rename") {
        storage.create_directories(root / "dir");
        write_file(storage, path, "file");
        REQUIRE(error_of([&] { storage.rename(root / "dir", path); }, root / "dir") ==
                errc::invalid_path);
        REQUIRE(contents_of(storage, path) == "file");
    }

    SECTION("paths with a trailing separator name the directory itself") {
        storage.create_directories(root / "trailing");
        REQUIRE(storage.list(root / "trailing/").empty());
        storage.sync_directory(root / "trailing/");
        storage.remove(root / "trailing/");
        REQUIRE_FALSE(storage.exists(root / "trailing"));
    }

    SECTION("rename of a missing file fails with file_not_found") {
        REQUIRE(error_of([&] { storage.rename(path, root / "x"); }, path) == errc::file_not_found);
    }

    SECTION("remove deletes files and empty directories, never a full directory") {
        write_file(storage, path, "x");
        storage.remove(path);
        REQUIRE_FALSE(storage.exists(path));
        REQUIRE(error_of([&] { storage.remove(path); }, path) == errc::file_not_found);

        storage.create_directories(root / "full");
        write_file(storage, root / "full" / "f", "x");
        REQUIRE(error_of([&] { storage.remove(root / "full"); }, root / "full") ==
                errc::invalid_operation);
        storage.remove(root / "full" / "f");
        storage.remove(root / "full");
        REQUIRE_FALSE(storage.exists(root / "full"));
    }

    SECTION("list returns the entries sorted by name with their kinds") {
        write_file(storage, root / "b.log", "1");
        write_file(storage, root / "a.log", "2");
        storage.create_directories(root / "sub");
        REQUIRE(storage.list(root) == std::vector<directory_entry>{{"a.log", entry_kind::file},
                                                                   {"b.log", entry_kind::file},
                                                                   {"sub", entry_kind::directory}});
        REQUIRE(storage.list(root / "sub").empty());
        REQUIRE(error_of([&] { (void)storage.list(root / "none"); }, root / "none") ==
                errc::file_not_found);
    }

    SECTION("create_directories makes nested directories and may be repeated") {
        const auto nested = root / "x" / "y" / "z";
        storage.create_directories(nested);
        storage.create_directories(nested);
        REQUIRE(storage.exists(nested));
        write_file(storage, nested / "f", "ok");
        REQUIRE(contents_of(storage, nested / "f") == "ok");
    }

    SECTION("sync and sync_directory succeed; a missing directory is file_not_found") {
        auto file = storage.open(path, open_mode::create);
        file.write_at(0, as_bytes("durable"));
        file.sync();
        storage.sync_directory(root);
        REQUIRE(error_of([&] { storage.sync_directory(root / "none"); }, root / "none") ==
                errc::file_not_found);
    }
}

// A test case of its own, not a section of the one above, so that the TSan run
// (tests tagged [threads]) runs only the tests that use threads.
TEMPLATE_TEST_CASE("storage conformance: concurrent writes and reads on disjoint ranges",
                   "[storage][conformance][threads]", posix_storage, memory_storage,
                   faulty_memory_storage, any_memory_storage) {
    storage_fixture<TestType> fixture;
    auto& storage = fixture.storage;
    const auto path = fixture.root / "data.bin";

    constexpr std::size_t thread_count = 4;
    constexpr std::size_t block_size = 4096;
    constexpr std::size_t blocks_per_thread = 32;
    auto file = storage.open(path, open_mode::create);
    std::vector<std::thread> threads;
    for (std::size_t thread_index = 0; thread_index < thread_count; ++thread_index) {
        threads.emplace_back([&file, thread_index] {
            const std::vector<std::byte> block(block_size,
                                               static_cast<std::byte>('a' + thread_index));
            for (std::size_t block_index = 0; block_index < blocks_per_thread; ++block_index) {
                const auto offset = (block_index * thread_count + thread_index) * block_size;
                file.write_at(offset, block);
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    REQUIRE(file.size() == thread_count * block_size * blocks_per_thread);

    std::vector<int> wrong_blocks(thread_count, 0);
    threads.clear();
    for (std::size_t thread_index = 0; thread_index < thread_count; ++thread_index) {
        threads.emplace_back([&file, &wrong_blocks, thread_index] {
            std::vector<std::byte> block(block_size);
            for (std::size_t block_index = 0; block_index < blocks_per_thread; ++block_index) {
                const auto offset = (block_index * thread_count + thread_index) * block_size;
                const bool complete = file.read_at(offset, block) == block_size;
                const bool right = std::ranges::all_of(block, [&](std::byte value) {
                    return value == static_cast<std::byte>('a' + thread_index);
                });
                wrong_blocks[thread_index] += (complete && right) ? 0 : 1;
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    REQUIRE(wrong_blocks == std::vector<int>(thread_count, 0));
}

}  // namespace hotbackup::test
