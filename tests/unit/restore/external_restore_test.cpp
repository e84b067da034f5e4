// external_restore(): hard recovery in place from files a client copied itself
// (JetExternalRestore's way), and read_options::offset, on which esent.hpp's
// JetReadFile rests. The backup comes from a set (run_backup): its database stream
// is copied where the database is to live, and its logs directory is the backup
// log folder.
#include <cstddef>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/format/database_stream.hpp>
#include <hotbackup/restore/external_restore.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/engine_fixture.hpp"
#include "support/restore_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

constexpr int key_count = 300;

/// A full set of a small instance on `disk` in `root`/set, with `key_count` keys,
/// taken while the log is `logs` generations long; returns its log range.
hotbackup::manifest make_set(memory_storage& disk, const std::filesystem::path& root,
                             char letter = 'p') {
    hotbackup::instance<memory_storage> engine{disk, hotbackup::test::small_options(root / "live")};
    const auto database = engine.create_database(root / "live" / "orders.edb");
    hotbackup::test::fill(engine, database, key_count, letter);
    (void)engine.force_new_log();
    hotbackup::test::fill(engine, database, key_count / 2, letter);
    hotbackup::directory_target<memory_storage> target{disk, root / "set"};
    const auto report = hotbackup::run_backup(engine, target);
    engine.term();
    return report.manifest;
}

void copy(memory_storage& disk, const std::filesystem::path& from,
          const std::filesystem::path& to) {
    auto in = disk.open(from, open_mode::read_only);
    std::vector<std::byte> bytes(static_cast<std::size_t>(in.size()));
    (void)in.read_at(0, bytes);
    if (disk.exists(to)) {
        disk.remove(to);
    }
    auto out = disk.open(to, open_mode::create);
    out.write_at(0, bytes);
    out.close();
}

void flip_byte(memory_storage& disk, const std::filesystem::path& path, std::uint64_t offset) {
    auto file = disk.open(path, open_mode::read_write);
    std::array<std::byte, 1> byte{};
    (void)file.read_at(offset, byte);
    byte[0] ^= std::byte{0x41};
    file.write_at(offset, byte);
    file.close();
}

/// The set of /r copied for an in-place restore into /dest.
struct in_place {
    memory_storage disk;
    hotbackup::manifest set = make_set(disk, "/r");
    hotbackup::external_restore_options options = [this] {
        disk.create_directories("/dest");
        copy(disk, "/r/set/databases/orders.edb", "/dest/orders.edb");
        return hotbackup::test::in_place_options(set, "/r/set", "/r/live/orders.edb",
                                                 "/dest/orders.edb", "/dest");
    }();

    [[nodiscard]] std::filesystem::path log_path(hotbackup::log_generation generation) const {
        return "/r/set/logs/" + hotbackup::log_file_name("edb", generation);
    }

    errc error() {
        return hotbackup::test::error_of([&] { (void)hotbackup::external_restore(disk, options); })
            .value();
    }
};

}  // namespace

TEST_CASE("external restore: the streams and logs a client copied restore in place",
          "[restore][external]") {
    in_place restore;
    REQUIRE(restore.set.generations.last > restore.set.generations.first);
    std::vector<hotbackup::progress_report> reports;
    restore.options.progress = [&](const hotbackup::progress_report& report) {
        reports.push_back(report);
    };
    const auto report = hotbackup::external_restore(restore.disk, restore.options);
    CHECK(report.generations.first == restore.set.generations.first);
    CHECK(report.generations.last == restore.set.generations.last);
    CHECK(report.replayed_records > 0);
    REQUIRE_FALSE(reports.empty());
    CHECK(reports.back().bytes_done == reports.back().bytes_total);

    // The trailer is zeroed, and the header records the restored backup as full.
    {
        auto file = restore.disk.open("/dest/orders.edb", open_mode::read_only);
        std::vector<std::byte> page(4096);
        (void)file.read_at(file.size() - page.size(), page);
        CHECK(std::ranges::all_of(page, [](std::byte value) { return value == std::byte{0}; }));
    }
    hotbackup::instance<memory_storage> reopened{restore.disk, report.options};
    const auto database = reopened.attach_database("/dest/orders.edb");
    const auto header = reopened.database_header_of(database);
    CHECK(header.slot(hotbackup::backup_slot::full).generation_low ==
          restore.set.generations.first);
    CHECK(header.current_full.generation_low == 0);
    const auto transaction = reopened.begin_transaction();
    for (int index = 0; index < key_count; ++index) {
        INFO(index);
        CHECK(transaction.get(database, "key" + std::to_string(index)) == std::string(200, 'p'));
    }
}

TEST_CASE("external restore: later logs in the log folder are replayed too",
          "[restore][external]") {
    memory_storage disk;
    // The live instance goes on after its backup; its newer logs roll forward.
    hotbackup::instance<memory_storage> engine{disk, hotbackup::test::small_options("/r/live")};
    const auto database = engine.create_database("/r/live/orders.edb");
    hotbackup::test::fill(engine, database, key_count, 'a');
    hotbackup::directory_target<memory_storage> target{disk, "/r/set"};
    const auto set = hotbackup::run_backup(engine, target).manifest;
    hotbackup::test::fill(engine, database, key_count, 'b');
    engine.term();
    copy(disk, "/r/set/databases/orders.edb", "/r/restored.edb");
    hotbackup::external_restore_options options;
    options.checkpoint_path = "/r/live";
    options.log_path = "/r/live/logs";
    options.backup_log_path = "/r/set/logs";
    options.databases = {{"/r/live/orders.edb", "/r/restored.edb"}};
    options.generations.first = set.generations.first;
    options.generations.last = set.generations.last;
    const auto report = hotbackup::external_restore(disk, options);
    CHECK(report.generations.last > set.generations.last);
    hotbackup::instance<memory_storage> reopened{disk, report.options};
    const auto restored = reopened.attach_database("/r/restored.edb");
    CHECK(reopened.begin_transaction().get(restored, "key7") == std::string(200, 'b'));
}

TEST_CASE("external restore: each damaged or mismatched input gives ESE's error",
          "[restore][external]") {
    SECTION("a backup log is missing") {
        in_place restore;
        restore.disk.remove(restore.log_path(restore.set.generations.last));
        CHECK(restore.error() == errc::file_not_found);
    }
    SECTION("a backup log of another log set") {
        in_place restore;
        const auto other = make_set(restore.disk, "/o");
        REQUIRE(other.generations.last >= restore.set.generations.last);
        copy(restore.disk,
             "/o/set/logs/" + hotbackup::log_file_name("edb", restore.set.generations.last),
             restore.log_path(restore.set.generations.last));
        CHECK(restore.error() == errc::given_log_file_has_bad_signature);
    }
    SECTION("a backup log that does not follow the one before") {
        in_place restore;
        copy(restore.disk, restore.log_path(restore.set.generations.first),
             restore.log_path(restore.set.generations.first + 1));
        CHECK(restore.error() == errc::given_log_file_is_not_contiguous);
    }
    SECTION("a damaged backup log header") {
        in_place restore;
        flip_byte(restore.disk, restore.log_path(restore.set.generations.last), 100);
        CHECK(restore.error() == errc::log_corrupt_during_hard_restore);
    }
    SECTION("a database that is not a backup stream") {
        in_place restore;
        copy(restore.disk, "/r/live/orders.edb", "/dest/orders.edb");
        CHECK(restore.error() == errc::restore_of_non_backup_database);
    }
    SECTION("a damaged header") {
        in_place restore;
        flip_byte(restore.disk, "/dest/orders.edb", 200);
        flip_byte(restore.disk, "/dest/orders.edb", 4096 + 200);
        CHECK(restore.error() == errc::database_corrupted);
    }
    SECTION("a damaged trailer") {
        in_place restore;
        const auto size = restore.disk.open("/dest/orders.edb", open_mode::read_only).size();
        flip_byte(restore.disk, "/dest/orders.edb", size - 4096 + 40);
        CHECK(restore.error() == errc::bad_patch_page);
    }
    SECTION("a stream cut short") {
        in_place restore;
        auto file = restore.disk.open("/dest/orders.edb", open_mode::read_write);
        file.resize(file.size() - 4096);
        file.close();
        CHECK(restore.error() == errc::bad_backup_database_size);
    }
    SECTION("a range that starts after the database needs, or ends before") {
        in_place restore;
        restore.options.generations.first = restore.set.generations.first + 1;
        CHECK(restore.error() == errc::starting_restore_log_too_high);
        restore.options.generations.first = restore.set.generations.first;
        restore.options.generations.last = restore.set.generations.first;
        CHECK(restore.error() == errc::ending_restore_log_too_low);
    }
    SECTION("a log of another log set in the log folder") {
        in_place restore;
        const auto other = make_set(restore.disk, "/o");
        restore.disk.create_directories("/dest/logs");
        copy(restore.disk,
             "/o/set/logs/" + hotbackup::log_file_name("edb", other.generations.first),
             "/dest/logs/" + hotbackup::log_file_name("edb", restore.set.generations.last + 1));
        CHECK(restore.error() == errc::existing_log_file_has_bad_signature);
    }
    SECTION("a missing restored database") {
        in_place restore;
        restore.disk.remove("/dest/orders.edb");
        CHECK(restore.error() == errc::file_not_found);
    }
    SECTION("bad options") {
        in_place restore;
        restore.options.generations.first = 0;
        CHECK(restore.error() == errc::invalid_parameter);
        restore.options.generations.first = restore.set.generations.last + 1;
        CHECK(restore.error() == errc::invalid_parameter);
        restore.options.generations.first = restore.set.generations.first;
        restore.options.databases.assign(15, restore.options.databases.front());
        CHECK(restore.error() == errc::invalid_parameter);
    }
}

std::vector<std::byte> contents(memory_storage& disk, const std::filesystem::path& path) {
    auto file = disk.open(path, open_mode::read_only);
    std::vector<std::byte> bytes(static_cast<std::size_t>(file.size()));
    (void)file.read_at(0, bytes);
    return bytes;
}

TEST_CASE("external restore: damage anywhere in a backed-up log is corruption",
          "[restore][external]") {
    in_place restore;
    // Past the last write of the last log, where a crash's torn tail would be: a
    // closed log has none.
    const auto last = restore.log_path(restore.set.generations.last);
    const auto size = restore.disk.open(last, open_mode::read_only).size();
    flip_byte(restore.disk, last, size - 4096 + 100);
    CHECK(restore.error() == errc::log_corrupt_during_hard_restore);
    CHECK(contents(restore.disk, "/dest/orders.edb") ==
          contents(restore.disk, "/r/set/databases/orders.edb"));
}

TEST_CASE("external restore: run again after a failure past the checks, it finishes",
          "[restore][external]") {
    in_place restore;
    // A directory where a backup log is to be copied fails the copy, after the
    // database was prepared for replay.
    const auto blocked =
        "/dest/logs/" + hotbackup::log_file_name("edb", restore.set.generations.last);
    restore.disk.create_directories(blocked);
    (void)restore.error();
    REQUIRE(contents(restore.disk, "/dest/orders.edb") !=
            contents(restore.disk, "/r/set/databases/orders.edb"));
    restore.disk.remove(blocked);
    // A narrower range than the failed attempt recorded is refused, not replayed short.
    auto narrower = restore.options;
    narrower.generations.last = restore.set.generations.last - 1;
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::external_restore(restore.disk, narrower);
          }).value() == errc::ending_restore_log_too_low);
    const auto report = hotbackup::external_restore(restore.disk, restore.options);
    hotbackup::instance<memory_storage> reopened{restore.disk, report.options};
    const auto database = reopened.attach_database("/dest/orders.edb");
    CHECK(reopened.begin_transaction().get(database, "key123") == std::string(200, 'p'));
}

TEST_CASE("external restore: no database changes unless every one passes its checks",
          "[restore][external]") {
    in_place restore;
    const auto before = contents(restore.disk, "/dest/orders.edb");
    copy(restore.disk, "/r/live/orders.edb", "/dest/other.edb");
    restore.options.databases.push_back({"/r/live/other.edb", "/dest/other.edb"});
    CHECK(restore.error() == errc::restore_of_non_backup_database);
    CHECK(contents(restore.disk, "/dest/orders.edb") == before);
    restore.options.databases.back() = restore.options.databases.front();
    CHECK(restore.error() == errc::invalid_parameter);  // one database twice
}

TEST_CASE("external restore: another log of a backed-up generation in the log folder is kept",
          "[restore][external]") {
    in_place restore;
    restore.disk.create_directories("/dest/logs");
    const auto foreign =
        "/dest/logs/" + hotbackup::log_file_name("edb", restore.set.generations.first);
    copy(restore.disk, restore.log_path(restore.set.generations.first + 1), foreign);
    const auto before = contents(restore.disk, foreign);
    CHECK(restore.error() == errc::existing_log_file_is_not_contiguous);
    CHECK(contents(restore.disk, foreign) == before);
}

TEST_CASE("read_options::offset: a stream read from an offset is the rest of it",
          "[session][external]") {
    memory_storage disk;
    hotbackup::instance<memory_storage> engine{disk, hotbackup::test::small_options("/live")};
    const auto database = engine.create_database("/live/orders.edb");
    hotbackup::test::fill(engine, database, key_count, 'o');
    auto session = hotbackup::begin_backup(engine, hotbackup::full_backup);
    const auto file = session.databases().front();
    const auto whole = hotbackup::test::drain(session.read(file, {.buffer_size = 4 * 4096}));
    REQUIRE(whole.size() == file.stream_size);
    for (const std::uint64_t pages : {1U, 2U, 5U, 9U}) {
        const auto offset = pages * 4096;
        if (offset > file.stream_size) {
            continue;
        }
        INFO(pages);
        const auto rest =
            hotbackup::test::drain(session.read(file, {.buffer_size = 3 * 4096, .offset = offset}));
        CHECK(rest == std::vector<std::byte>(whole.begin() + static_cast<std::ptrdiff_t>(offset),
                                             whole.end()));
    }
    CHECK(hotbackup::test::drain(session.read(file, {.offset = file.stream_size})).empty());
    CHECK(hotbackup::test::error_of([&] { (void)session.read(file, {.offset = 100}); }).value() ==
          errc::invalid_parameter);
    CHECK(hotbackup::test::error_of([&] {
              (void)session.read(file, {.offset = file.stream_size + 4096});
          }).value() == errc::invalid_parameter);
    // The offset is checked against the size the session listed, not the caller's
    // copy of the file: a larger size there does not let a read start past the end.
    auto enlarged = file;
    enlarged.stream_size += 8 * 4096;
    CHECK(hotbackup::test::error_of([&] {
              (void)session.read(enlarged, {.offset = file.stream_size + 4096});
          }).value() == errc::invalid_parameter);

    auto logs = std::move(session).logs();
    const auto log = logs.log_files().front();
    const auto log_bytes = hotbackup::test::drain(logs.read(log));
    const auto log_rest = hotbackup::test::drain(logs.read(log, {.offset = 8192}));
    CHECK(log_rest == std::vector<std::byte>(log_bytes.begin() + 8192, log_bytes.end()));
    std::move(logs).abort();
}

TEST_CASE("read_options::offset: a file read with a gap is not copied", "[session][external]") {
    memory_storage disk;
    hotbackup::instance<memory_storage> engine{disk, hotbackup::test::small_options("/live")};
    const auto database = engine.create_database("/live/orders.edb");
    hotbackup::test::fill(engine, database, key_count, 'g');
    auto session = hotbackup::begin_backup(engine, hotbackup::full_backup);
    const auto file = session.databases().front();
    // The database from page 5 on only: its last chunk is handed out, but not the
    // pages before page 5.
    (void)hotbackup::test::drain(session.read(file, {.buffer_size = 4096, .offset = 5 * 4096}));
    auto logs = std::move(session).logs();
    for (const auto& log : logs.log_files()) {
        (void)hotbackup::test::drain(logs.read(log, {.offset = 8192}));
    }
    CHECK(hotbackup::test::error_of([&] {
              // NOLINTNEXTLINE(bugprone-use-after-move): a failed transition keeps the session
              (void)std::move(logs).truncate();
          }).value() == errc::log_file_not_copied);
    // The first two pages, then the rest from where they stopped: no gap.
    for (const auto& log : logs.log_files()) {
        auto first_pages = logs.read(log, {.buffer_size = 8192});
        REQUIRE(first_pages.begin() != first_pages.end());
        (void)hotbackup::test::drain(logs.read(log, {.offset = 8192}));
    }
    // NOLINTNEXTLINE(bugprone-use-after-move): the failed truncate() kept the session
    auto truncated = std::move(logs).truncate();
    const auto result = std::move(truncated).end();
    CHECK(result.databases.empty());
    REQUIRE(result.dropped.size() == 1);
    CHECK(result.dropped.front().path == file.path);
}

}  // namespace hotbackup::test
