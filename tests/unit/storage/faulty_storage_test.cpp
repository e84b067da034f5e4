// faulty_storage injects the failures a test asks for, at the operation it asks
// for, and reports them as the real device would.
#include <cstdint>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

const std::filesystem::path root{"/work"};

/// A workload that uses every kind of operation once or more.
void workload(faulty_memory_storage& storage) {
    storage.create_directories(root / "logs");
    auto file = storage.open(root / "logs" / "edb.log", open_mode::create);
    file.write_at(0, as_bytes("record one"));
    file.resize(64);
    file.sync();
    std::vector<std::byte> buffer(16);
    (void)file.read_at(0, buffer);
    (void)file.size();
    file.close();
    storage.rename(root / "logs" / "edb.log", root / "logs" / "edb00000001.log");
    storage.sync_directory(root / "logs");
    (void)storage.list(root / "logs");
    (void)storage.exists(root / "logs" / "edb00000001.log");
    storage.remove(root / "logs" / "edb00000001.log");
}

}  // namespace

TEST_CASE("faulty_storage with nothing armed counts operations and changes nothing",
          "[storage][faulty]") {
    faulty_memory_storage storage;
    workload(storage);
    REQUIRE(storage.operation_count() == 13);
    REQUIRE(storage.faults_injected() == 0);
    REQUIRE(storage.inner().list(root / "logs").empty());
}

TEST_CASE("a fault at every operation index surfaces as that operation's error",
          "[storage][faulty][sweep]") {
    std::uint64_t operation_count = 0;
    {
        faulty_memory_storage counting;
        workload(counting);
        operation_count = counting.operation_count();
    }
    REQUIRE(operation_count > 0);

    for (std::uint64_t index = 0; index < operation_count; ++index) {
        for (const auto fault : {fault_kind::io_error, fault_kind::no_space}) {
            CAPTURE(index, fault == fault_kind::io_error ? "EIO" : "ENOSPC");
            faulty_memory_storage storage;
            storage.fail_operation(index, fault);
            bool thrown = false;
            try {
                workload(storage);
            } catch (const backup_error& error) {
                thrown = true;
                CHECK(error.value() ==
                      (fault == fault_kind::io_error ? errc::disk_io : errc::disk_full));
                CHECK_THAT(error.what(),
                           hotbackup::test::contains_text("injected fault at operation " +
                                                          std::to_string(index)));
                CHECK_THAT(error.what(), hotbackup::test::contains_text(root.string()));
            }
            CHECK(thrown);
            CHECK(storage.faults_injected() == 1);
            // The failed operation was the last one: the workload stopped there.
            CHECK(storage.operation_count() == index + 1);
        }
    }
}

TEST_CASE("fail_operation fires once and fail_when until disarmed", "[storage][faulty]") {
    faulty_memory_storage storage;
    storage.create_directories(root);
    auto file = storage.open(root / "a", open_mode::create);
    const auto next = storage.operation_count();

    storage.fail_operation(next);
    REQUIRE_THROWS_AS(file.write_at(0, as_bytes("x")), backup_error);
    file.write_at(0, as_bytes("x"));  // a one-shot fault does not repeat

    storage.fail_when([](const storage_operation& op) { return op.kind == operation_kind::sync; },
                      fault_kind::no_space);
    REQUIRE_THROWS_AS(file.sync(), backup_error);
    REQUIRE_THROWS_AS(file.sync(), backup_error);
    file.write_at(1, as_bytes("y"));  // other kinds pass
    storage.disarm();
    file.sync();
    REQUIRE(storage.faults_injected() == 3);
}

TEST_CASE("a predicate sees the operation's kind, path, offset and length", "[storage][faulty]") {
    faulty_memory_storage storage;
    storage.create_directories(root);
    std::vector<storage_operation> seen;
    storage.fail_when([&seen](const storage_operation& op) {
        seen.push_back(op);
        return op.kind == operation_kind::write && op.path.extension() == ".log" &&
               op.offset >= 4096;
    });
    auto log = storage.open(root / "edb.log", open_mode::create);
    log.write_at(0, as_bytes("header"));
    try {
        log.write_at(4096, as_bytes("segment"));
        FAIL("the write at 4096 was not failed");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::disk_io);
    }
    REQUIRE(seen.size() == 3);
    REQUIRE(seen[2].kind == operation_kind::write);
    REQUIRE(seen[2].offset == 4096);
    REQUIRE(seen[2].length == 7);
    REQUIRE(seen[2].index == seen[1].index + 1);
    REQUIRE(contents_of(storage.inner(), root / "edb.log") == "header");
}

TEST_CASE("a failed operation has no effect", "[storage][faulty]") {
    faulty_memory_storage storage;
    storage.create_directories(root);
    hotbackup::test::write_file(storage.inner(), root / "a", "original");
    storage.fail_when([](const storage_operation&) { return true; });
    REQUIRE_THROWS_AS(storage.rename(root / "a", root / "b"), backup_error);
    REQUIRE_THROWS_AS(storage.remove(root / "a"), backup_error);
    REQUIRE_THROWS_AS((void)storage.open(root / "c", open_mode::create), backup_error);
    storage.disarm();
    REQUIRE(storage.inner().exists(root / "a"));
    REQUIRE_FALSE(storage.inner().exists(root / "b"));
    REQUIRE_FALSE(storage.inner().exists(root / "c"));
}

TEST_CASE("a torn write reaches the device up to the chosen byte, then fails",
          "[storage][faulty][crash]") {
    faulty_memory_storage storage;
    storage.create_directories(root);
    auto file = storage.open(root / "page.db", open_mode::create);
    file.write_at(0, as_bytes("AAAAAAAA"));
    file.sync();

    storage.tear_write(storage.operation_count(), 3);
    try {
        file.write_at(0, as_bytes("BBBBBBBB"));
        FAIL("the torn write did not fail");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::disk_io);
        REQUIRE_THAT(error.what(), hotbackup::test::contains_text("torn after 3 of 8 bytes"));
    }
    REQUIRE(contents_of(storage.inner(), root / "page.db") == "BBBAAAAA");

    // The torn bytes were never synced: a crash brings back the old page.
    storage.inner().crash();
    REQUIRE(contents_of(storage.inner(), root / "page.db") == "AAAAAAAA");
}

TEST_CASE("tear_write_when tears every matching write", "[storage][faulty]") {
    faulty_memory_storage storage;
    storage.create_directories(root);
    auto file = storage.open(root / "f", open_mode::create);
    storage.tear_write_when(
        [](const storage_operation& op) { return op.kind == operation_kind::write; }, 1);
    REQUIRE_THROWS_AS(file.write_at(0, as_bytes("xy")), backup_error);
    REQUIRE_THROWS_AS(file.write_at(2, as_bytes("zw")), backup_error);
    REQUIRE(contents_of(storage.inner(), root / "f") == std::string("x\0z", 3));
}

TEST_CASE("a failed close still closes the file", "[storage][faulty]") {
    faulty_memory_storage storage;
    storage.create_directories(root);
    auto file = storage.open(root / "f", open_mode::create);
    storage.fail_operation(storage.operation_count());
    REQUIRE_THROWS_AS(file.close(), backup_error);
    try {
        file.sync();
        FAIL("a closed file accepted sync");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::invalid_parameter);
    }
}

}  // namespace hotbackup::test
