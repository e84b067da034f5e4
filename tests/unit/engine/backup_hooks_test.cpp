// The hooks the backup session will use (docs/architecture.md §3.2 "The backup_source boundary"):
// listing databases, reading verified pages, locking page ranges against flushes, rolling
// and listing the log, deleting logs, and recording a backup in a header slot.
#include <atomic>
#include <chrono>
#include <future>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

template <class Action>
errc error_code_of(Action&& action) {
    try {
        action();
    } catch (const backup_error& error) {
        return error.value();
    }
    return errc{};
}

void fill(instance<memory_storage>& engine, database_id database, int keys, char letter) {
    auto transaction = engine.begin_transaction();
    for (int index = 0; index < keys; ++index) {
        transaction.put(database, "key" + std::to_string(index), std::string(200, letter));
    }
    transaction.commit();
}

}  // namespace

TEST_CASE("engine hooks: databases, pages and their verification", "[engine][hooks]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    fill(engine, database, 300, 'a');
    engine.checkpoint();  // pages reach the file

    const auto databases = engine.attached_databases();
    REQUIRE(databases.size() == 1);
    CHECK(databases[0].id == database);
    CHECK(databases[0].path == "/inst/data.edb");
    CHECK(databases[0].page_size == 4096);
    const auto page_count = databases[0].page_count;
    CHECK(page_count > 10);

    std::vector<std::byte> buffer(std::size_t{page_count} * 4096);
    engine.read_pages(database, 1, page_count, buffer);  // every page verifies
    // Past the end of the file pages read as unused zeros and pass.
    engine.read_pages(database, page_count + 1, 2, buffer);

    // Damage page 3 on disk: reading it names the file and the page.
    {
        auto file = storage.open("/inst/data.edb", hotbackup::open_mode::read_write);
        const std::byte flipped{0x5A};
        file.write_at(hotbackup::page_offset(3, 4096) + 100, std::span{&flipped, 1});
    }
    try {
        engine.read_pages(database, 1, page_count, buffer);
        FAIL("a damaged page was read without error");
    } catch (const backup_error& error) {
        CHECK(error.value() == errc::read_verify_failure);
        CHECK(error.context().page == 3U);
        CHECK_THAT(error.what(), contains_text("/inst/data.edb"));
    }
    // A valid page at the wrong place is read_pgno_verify_failure.
    {
        auto file = storage.open("/inst/data.edb", hotbackup::open_mode::read_write);
        std::vector<std::byte> page_four(4096);
        (void)file.read_at(hotbackup::page_offset(4, 4096), page_four);
        file.write_at(hotbackup::page_offset(3, 4096), page_four);
    }
    CHECK(error_code_of([&] { engine.read_pages(database, 3, 1, buffer); }) ==
          errc::read_pgno_verify_failure);
    CHECK(error_code_of([&] { engine.read_pages(database, 1, 2, std::span{buffer}.first(10)); }) ==
          errc::invalid_parameter);
    CHECK(error_code_of([&] {
              engine.read_pages(database_id{5, 99}, 1, 1, buffer);
          }) == errc::invalid_database_id);
}

TEST_CASE("engine hooks: a locked page range holds flushes back, not writers",
          "[engine][hooks][threads]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    fill(engine, database, 50, 'a');
    engine.checkpoint();
    const auto flushed_before = engine.statistics().pages_flushed;

    std::future<void> checkpoint;
    {
        const auto lock = engine.lock_pages(database, 1, 1000);
        std::vector<std::byte> buffer(std::size_t{4} * 4096);
        lock.read(1, 4, buffer);  // reads go through the lock
        CHECK(error_code_of([&] { lock.read(999, 4, buffer); }) == errc::invalid_parameter);
        // A writer on another thread is not held back (the holder of a page lock
        // calls nothing else of the instance).
        std::async(std::launch::async, [&] { fill(engine, database, 50, 'b'); }).get();
        checkpoint = std::async(std::launch::async, [&] { engine.checkpoint(); });
        CHECK(checkpoint.wait_for(std::chrono::milliseconds(200)) == std::future_status::timeout);
        CHECK(engine.statistics().pages_flushed == flushed_before);
    }
    checkpoint.get();  // released: the flush goes through
    CHECK(engine.statistics().pages_flushed > flushed_before);
}

TEST_CASE("engine hooks: rolling, listing and deleting logs", "[engine][hooks]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    CHECK(engine.current_log_generation() == 1);
    CHECK(engine.log_generations().empty());
    CHECK(engine.roll_log() == 2);
    CHECK(engine.roll_log() == 3);
    CHECK(engine.log_generations() == std::vector<hotbackup::log_generation>{1, 2});
    CHECK(engine.log_file_path(2) == "/inst/logs/edb00000002.log");
    CHECK(storage.exists(engine.log_file_path(2)));

    fill(engine, database, 10, 'a');
    engine.checkpoint();
    const auto checkpoint = engine.checkpoint_generation();
    CHECK(checkpoint == 3);
    CHECK(error_code_of([&] { (void)engine.delete_logs(1, checkpoint + 1); }) ==
          errc::invalid_parameter);
    engine.hold_logs_from(2);
    CHECK(error_code_of([&] { (void)engine.delete_logs(1, 3); }) == errc::invalid_parameter);
    CHECK(engine.delete_logs(1, 2) == 1);
    engine.hold_logs_from(std::nullopt);
    CHECK(engine.delete_logs(1, 3) == 1);  // generation 1 is gone already: skipped
    CHECK(engine.log_generations().empty());
}

TEST_CASE("engine hooks: backup slots follow the header rules", "[engine][hooks]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    const backup_info incremental{{5, 100}, 1000, 4, 5};
    engine.write_backup_slot(database, backup_slot::incremental, incremental);
    engine.write_backup_slot(database, backup_slot::differential, incremental);
    CHECK(engine.database_header_of(database).slot(backup_slot::incremental) == incremental);

    // An older mark never overwrites a newer one.
    engine.write_backup_slot(database, backup_slot::incremental, {{4, 0}, 900, 3, 4});
    CHECK(engine.database_header_of(database).slot(backup_slot::incremental) == incremental);

    // A truncated full backup clears the incremental and differential slots.
    const backup_info full{{6, 0}, 2000, 2, 6};
    engine.write_backup_slot(database, backup_slot::full, full);
    const auto header = engine.database_header_of(database);
    CHECK(header.slot(backup_slot::full) == full);
    CHECK(header.slot(backup_slot::incremental).empty());
    CHECK(header.slot(backup_slot::differential).empty());
    engine.term();

    // The slots are in the file: a new instance reads them back.
    instance<memory_storage> reopened{storage, small_options()};
    const auto again = reopened.attach_database("/inst/data.edb");
    CHECK(reopened.database_header_of(again).slot(backup_slot::full) == full);
}

TEST_CASE("engine hooks: a running backup blocks attach, detach and term", "[engine][hooks]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    using begin_status = hotbackup::backup_control::begin_status;
    const auto control = engine.shared_backup_control();
    CHECK(control->try_begin() == begin_status::started);
    CHECK(control->try_begin() == begin_status::in_progress);  // one backup at a time
    CHECK(error_code_of([&] { engine.detach_database(database); }) == errc::backup_in_progress);
    CHECK(error_code_of([&] { (void)engine.attach_database("/inst/other.edb"); }) ==
          errc::backup_in_progress);
    CHECK(error_code_of([&] { engine.term(); }) == errc::backup_in_progress);
    fill(engine, database, 5, 'a');  // writers go on
    control->finish();
    engine.detach_database(database);
    engine.term();
    CHECK(control->try_begin() == begin_status::not_allowed_yet);  // terminated
}

}  // namespace hotbackup::test
