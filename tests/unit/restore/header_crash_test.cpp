// A power cut while a restore writes a database's header. external_restore() writes
// the restored header into both copies (pages 0 and 1) of the only database file a
// client has; a torn write that reached both copies would leave no readable header,
// and no retry could restore the database. The copies are written one after the
// other with a sync between them (detail::write_header_copies), so the cut tears one
// copy at most and a retried restore succeeds.
#include <cstddef>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/external_restore.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/engine_fixture.hpp"
#include "support/restore_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = hotbackup::instance<faulty_memory_storage>;

constexpr int key_count = 300;
constexpr std::uint64_t page_size = 4096;
// Less than the encoded header (page header, signatures, five backup records): a
// write torn here leaves a copy whose checksum no longer matches its bytes.
constexpr std::size_t torn_prefix = 64;

/// A full set of a small instance in /r/set, its database stream copied durably to
/// /dest/orders.edb; returns the options of an in-place restore from it.
hotbackup::external_restore_options prepare(faulty_memory_storage& disk) {
    hotbackup::manifest set;
    {
        engine_type engine{disk, hotbackup::test::small_options("/r/live")};
        const auto database = engine.create_database("/r/live/orders.edb");
        hotbackup::test::fill(engine, database, key_count, 'h');
        (void)engine.force_new_log();
        hotbackup::test::fill(engine, database, key_count / 2, 'h');
        hotbackup::directory_target<faulty_memory_storage> target{disk, "/r/set"};
        set = hotbackup::run_backup(engine, target).manifest;
        engine.term();
    }
    disk.create_directories("/dest");
    std::vector<std::byte> buffer(std::size_t{1} << 16);
    (void)hotbackup::detail::copy_file_durably(disk, "/r/set/databases/orders.edb", disk,
                                               "/dest/orders.edb", buffer);
    return hotbackup::test::in_place_options(set, "/r/set", "/r/live/orders.edb",
                                             "/dest/orders.edb", "/dest");
}

/// Whether an operation writes one of the header copies of the restored database.
bool header_write(const storage_operation& operation, std::uint64_t copy) {
    return operation.kind == operation_kind::write && operation.path == "/dest/orders.edb" &&
           operation.offset == copy * page_size;
}

}  // namespace

TEST_CASE("a power cut while restore writes a database header leaves a copy a retry restores",
          "[restore][external][crash]") {
    faulty_memory_storage disk;
    const auto options = prepare(disk);
    // Both copies are to be hit: the cut comes while the second is written, and
    // every write not yet synced keeps only its first bytes.
    const auto copy = GENERATE(std::uint64_t{0}, std::uint64_t{1});
    INFO("the write of header copy " << copy << " is torn");
    disk.tear_write_when(
        [&](const storage_operation& operation) { return header_write(operation, copy); },
        torn_prefix);
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::external_restore(disk, options);
          }).value() == hotbackup::errc::disk_io);
    REQUIRE(disk.faults_injected() == 1);
    disk.disarm();
    disk.inner().crash(
        [](const hotbackup::memory_storage::unsynced_write&) { return torn_prefix; });

    const auto report = hotbackup::external_restore(disk, options);
    CHECK(report.generations.last == options.generations.last);
    engine_type reopened{disk, report.options};
    const auto database = reopened.attach_database("/dest/orders.edb");
    const auto contents = hotbackup::test::committed_contents(reopened, database);
    CHECK(contents.size() == static_cast<std::size_t>(key_count));
    for (int index = 0; index < key_count; ++index) {
        INFO(index);
        CHECK(contents.at("key" + std::to_string(index)) == std::string(200, 'h'));
    }
    reopened.term();
}

}  // namespace hotbackup::test
