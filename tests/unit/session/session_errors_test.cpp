// Every runtime error of a backup session (docs/protocol.md §8.3, §8.8, §3),
// each asserted by its errc, and after each one the engine keeps working: the next
// backup succeeds.
#include <atomic>
#include <cstddef>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = instance<memory_storage>;

/// The engine keeps serving backups: a full backup with truncation and then an
/// incremental one both complete with every attached database in them.
template <class Instance>
void check_next_backups_succeed(Instance& engine) {
    const auto attached = engine.attached_databases().size();
    const auto full = run_full_backup(engine, true);
    CHECK(full.databases.size() == attached);
    CHECK(full.dropped.empty());
    CHECK(full.slot_written == backup_slot::full);
    const auto incremental = run_incremental_backup(engine, true);
    CHECK(incremental.databases.size() == attached);
    CHECK(incremental.slot_written == backup_slot::incremental);
}

/// An engine that is still opening: its backup control never allowed backups, as
/// instance's own control is until its constructor finished recovery.
class opening_engine : public engine_type {
  public:
    using engine_type::engine_type;
    [[nodiscard]] std::shared_ptr<backup_control> shared_backup_control() const {
        return opening_control_;
    }

  private:
    std::shared_ptr<backup_control> opening_control_ = std::make_shared<backup_control>();
};
static_assert(hotbackup::backup_source<opening_engine>);

/// Overwrites `length` bytes at `offset` of a file with `value`.
void scribble(memory_storage& storage, const std::filesystem::path& path, std::uint64_t offset,
              std::size_t length, std::byte value) {
    auto file = storage.open(path, hotbackup::open_mode::read_write);
    const std::vector<std::byte> bytes(length, value);
    file.write_at(offset, bytes);
}

std::vector<std::byte> read_bytes(memory_storage& storage, const std::filesystem::path& path,
                                  std::uint64_t offset, std::size_t length) {
    auto file = storage.open(path, hotbackup::open_mode::read_only);
    std::vector<std::byte> bytes(length);
    bytes.resize(file.read_at(offset, bytes));
    return bytes;
}

void write_bytes(memory_storage& storage, const std::filesystem::path& path, std::uint64_t offset,
                 std::span<const std::byte> bytes) {
    auto file = storage.open(path, hotbackup::open_mode::read_write);
    file.write_at(offset, bytes);
}

/// An engine with one database of some hundred pages and a few closed logs.
struct populated_engine {
    memory_storage storage;
    engine_type engine{storage, small_options()};
    database_id database = engine.create_database("/inst/data.edb");

    populated_engine() {
        for (int round = 0; round < 4; ++round) {
            fill(engine, database, 200, static_cast<char>('a' + round));
        }
        engine.checkpoint();
        // Two closed logs past the checkpoint, so a full backup lists several logs.
        for (int round = 0; round < 2; ++round) {
            fill(engine, database, 20, 'z');
            static_cast<void>(engine.force_new_log());
        }
    }
};

/// A full backup in its logs stage, every database read.
auto logs_stage_of_full_backup(engine_type& engine) {
    auto session = begin_backup(engine, full_backup);
    read_all_databases(session);
    return std::move(session).logs();
}

}  // namespace

TEST_CASE("session errors: backup_not_allowed_yet while opening and after term",
          "[session][errors]") {
    memory_storage storage;
    {
        opening_engine opening{storage, small_options()};
        static_cast<void>(opening.create_database("/inst/data.edb"));
        CHECK(error_of([&] { static_cast<void>(begin_backup(opening, full_backup)); }).value() ==
              errc::backup_not_allowed_yet);
        CHECK(error_of([&] {
                  static_cast<void>(begin_backup(opening, incremental_backup));
              }).value() == errc::backup_not_allowed_yet);
        // Once open, the engine's own control allows them.
        check_next_backups_succeed(static_cast<engine_type&>(opening));
    }
    engine_type engine{storage, small_options()};
    static_cast<void>(engine.attach_database("/inst/data.edb"));
    engine.term();
    const auto error = error_of([&] { static_cast<void>(begin_backup(engine, full_backup)); });
    CHECK(error.value() == errc::backup_not_allowed_yet);
    CHECK_THAT(error.what(), contains_text("terminating"));

    engine_type reopened{storage, small_options()};
    static_cast<void>(reopened.attach_database("/inst/data.edb"));
    check_next_backups_succeed(reopened);
}

TEST_CASE("session errors: logging_disabled without recovery", "[session][errors]") {
    memory_storage storage;
    auto options = small_options();
    options.recovery = false;
    {
        engine_type engine{storage, options};
        const auto database = engine.create_database("/inst/data.edb");
        fill(engine, database, 50, 'x');
        CHECK(error_of([&] { static_cast<void>(begin_backup(engine, full_backup)); }).value() ==
              errc::logging_disabled);
        CHECK(error_of([&] {
                  static_cast<void>(begin_backup(engine, incremental_backup));
              }).value() == errc::logging_disabled);
        // The failed begin left no session behind: the engine terminates cleanly.
        engine.term();
    }
    engine_type engine{storage, small_options()};
    static_cast<void>(engine.attach_database("/inst/data.edb"));
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: log_write_fail after a failed log write", "[session][errors]") {
    using faulty = hotbackup::faulty_storage<memory_storage>;
    faulty storage;
    {
        instance<faulty> engine{storage, small_options()};
        const auto database = engine.create_database("/inst/data.edb");
        storage.fail_when([](const hotbackup::storage_operation& operation) {
            return operation.kind == hotbackup::operation_kind::sync &&
                   operation.path.filename() == "edb.log";
        });
        auto transaction = engine.begin_transaction();
        transaction.put(database, "key", "value");
        CHECK(error_of([&] { transaction.commit(); }).value() == errc::log_write_fail);
        storage.disarm();
        CHECK(error_of([&] { static_cast<void>(begin_backup(engine, full_backup)); }).value() ==
              errc::log_write_fail);
        CHECK(error_of([&] {
                  static_cast<void>(begin_backup(engine, incremental_backup));
              }).value() == errc::log_write_fail);
        engine.term();
    }
    // Reopening recovers, and backups work again.
    instance<faulty> engine{storage, small_options()};
    static_cast<void>(engine.attach_database("/inst/data.edb"));
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: invalid_backup for an incremental under circular logging",
          "[session][errors]") {
    memory_storage storage;
    auto options = small_options();
    options.circular_logging = true;
    engine_type engine{storage, options};
    const auto database = engine.create_database("/inst/data.edb");
    fill(engine, database, 100, 'c');
    const auto error =
        error_of([&] { static_cast<void>(begin_backup(engine, incremental_backup)); });
    CHECK(error.value() == errc::invalid_backup);
    CHECK_THAT(error.what(), contains_text("circular"));
    // Full backups are what circular logging allows, and one works now.
    const auto full = run_full_backup(engine, true);
    CHECK(full.databases.size() == 1);
    CHECK(full.slot_written == backup_slot::full);
}

TEST_CASE("session errors: backup_in_progress for a second session, attach, detach and term",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    const auto other = engine.create_database("/inst/other.edb");
    {
        auto session = begin_backup(engine, full_backup);
        CHECK(error_of([&] { static_cast<void>(begin_backup(engine, full_backup)); }).value() ==
              errc::backup_in_progress);
        CHECK(error_of([&] {
                  static_cast<void>(begin_backup(engine, incremental_backup));
              }).value() == errc::backup_in_progress);
        // Creating a database is not blocked (docs/protocol.md §3.7); it is not in
        // this backup, whose databases were fixed at begin.
        static_cast<void>(engine.create_database("/inst/third.edb"));
        CHECK(error_of([&] { engine.detach_database(other); }).value() == errc::backup_in_progress);
        CHECK(error_of([&] { engine.term(); }).value() == errc::backup_in_progress);
        // Nothing was changed: writers go on and the session completes.
        fill(engine, fixture.database, 10, 'w');
        read_all_databases(session);
        auto logs = std::move(session).logs();
        // The logs stage holds the engine's one session too.
        CHECK(error_of([&] { engine.detach_database(other); }).value() == errc::backup_in_progress);
        read_all_logs(logs);
        const auto result = std::move(logs).end();
        CHECK(result.databases.size() == 2);
        CHECK(result.dropped.empty());
    }
    engine.detach_database(other);
    static_cast<void>(engine.attach_database("/inst/other.edb"));
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: missing_full_backup before a truncated full backup",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    auto error = error_of([&] { static_cast<void>(begin_backup(engine, incremental_backup)); });
    CHECK(error.value() == errc::missing_full_backup);
    CHECK(error.context().file == "/inst/data.edb");

    // A copy (not truncated) does not count as a full backup (docs/protocol.md §3.2 step 12).
    const auto copy = run_full_backup(engine, false);
    CHECK(copy.slot_written == backup_slot::copy);
    error = error_of([&] { static_cast<void>(begin_backup(engine, incremental_backup)); });
    CHECK(error.value() == errc::missing_full_backup);

    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: checkpoint_file_not_found and checkpoint_corrupt", "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    const std::filesystem::path checkpoint = "/inst/edb.chk";
    REQUIRE(fixture.storage.exists(checkpoint));

    SECTION("the checkpoint file is gone") {
        fixture.storage.remove(checkpoint);
        const auto error = error_of([&] { static_cast<void>(begin_backup(engine, full_backup)); });
        CHECK(error.value() == errc::checkpoint_file_not_found);
        CHECK(error.context().file == checkpoint.string());
    }
    SECTION("both copies of the checkpoint are damaged") {
        scribble(fixture.storage, checkpoint, 0, 2 * 4096, std::byte{0xA5});
        const auto error = error_of([&] { static_cast<void>(begin_backup(engine, full_backup)); });
        CHECK(error.value() == errc::checkpoint_corrupt);
        CHECK(error.context().file == checkpoint.string());
    }
    // The failed begin left no session: the next checkpoint rewrites the file and
    // backups work again.
    fill(engine, fixture.database, 10, 'k');
    engine.checkpoint();
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: missing_file_to_backup for a gap before an incremental",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    const auto full = run_full_backup(engine, true);
    const auto needed = full.generations.last + 1;
    // Later logs, and a checkpoint past them, as a day of writes would leave.
    for (int round = 0; round < 3; ++round) {
        fill(engine, fixture.database, 100, 'g');
        static_cast<void>(engine.force_new_log());
    }
    engine.checkpoint();
    auto on_disk = engine.log_generations();
    REQUIRE_FALSE(on_disk.empty());
    REQUIRE(on_disk.front() <= needed);
    REQUIRE(engine.checkpoint_generation() > needed);
    // Someone deleted the logs up to and including the first one the next
    // incremental needs.
    for (const auto generation : on_disk) {
        if (generation <= needed) {
            fixture.storage.remove(engine.log_file_path(generation));
        }
    }
    const auto error =
        error_of([&] { static_cast<void>(begin_backup(engine, incremental_backup)); });
    CHECK(error.value() == errc::missing_file_to_backup);
    CHECK(error.context().generation == needed);
    CHECK(error.context().file == engine.log_file_path(needed).string());

    // A new full backup closes the gap; incrementals work again after it.
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: missing_file_to_backup for a log a full backup must hold",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    // The backup holds the logs from the checkpoint at its begin on.
    const auto lost = engine.checkpoint_generation();
    REQUIRE(lost < engine.current_log_generation());
    auto session = begin_backup(engine, full_backup);
    read_all_databases(session);
    // That first log vanishes while the databases are read.
    fixture.storage.remove(engine.log_file_path(lost));
    const auto error = error_of([&] { static_cast<void>(std::move(session).logs()); });
    CHECK(error.value() == errc::missing_file_to_backup);
    CHECK(error.context().generation == lost);
    std::move(session).abort();

    // The next checkpoint moves past the gap, and backups work again.
    fill(engine, fixture.database, 10, 'p');
    engine.checkpoint();
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: log_file_not_copied until every listed log was read to the end",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    auto logs = logs_stage_of_full_backup(engine);
    const auto files = logs.log_files();
    REQUIRE(files.size() >= 2);

    // Nothing read yet: the first listed log is named.
    auto error = error_of([&] { static_cast<void>(std::move(logs).truncate()); });
    CHECK(error.value() == errc::log_file_not_copied);
    CHECK(error.context().generation == files.front().generation);

    // Every log but the last read whole, the last one only partly.
    for (std::size_t index = 0; index + 1 < files.size(); ++index) {
        static_cast<void>(drain(logs.read(files[index])));
    }
    {
        auto partial = logs.read(files.back(), read_options{.buffer_size = 4096});
        auto chunk = partial.begin();
        REQUIRE(chunk != partial.end());
    }
    error = error_of([&] { static_cast<void>(std::move(logs).truncate()); });
    CHECK(error.value() == errc::log_file_not_copied);
    CHECK(error.context().generation == files.back().generation);
    CHECK(error.context().file == files.back().path.string());

    // The session stayed in the logs stage: read the rest, and truncation works.
    static_cast<void>(drain(logs.read(files.back())));
    auto truncated = std::move(logs).truncate();
    const auto result = std::move(truncated).end();
    CHECK(result.logs_truncated);
    CHECK(result.slot_written == backup_slot::full);
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: backup_abort_by_server after stop_backup, from every stage",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    const auto stop_from_another_thread = [&] {
        std::thread stopper{[&] { engine.stop_backup(); }};
        stopper.join();
    };
    const auto expect_abort = [](auto&& call) {
        CHECK(error_of(std::forward<decltype(call)>(call)).value() == errc::backup_abort_by_server);
    };

    SECTION("databases stage") {
        auto session = begin_backup(engine, full_backup);
        const auto files = session.databases();
        auto reader = session.read(files.front(), read_options{.buffer_size = 4096});
        auto chunk = reader.begin();
        REQUIRE(chunk != reader.end());
        // A reader whose helpers read chunks ahead: those must not be handed out.
        auto ahead = session.read(files.front(), {.buffer_size = 4096, .reader_threads = 4});
        auto ahead_chunk = ahead.begin();
        REQUIRE(ahead_chunk != ahead.end());
        stop_from_another_thread();
        expect_abort([&] { static_cast<void>(session.databases()); });
        expect_abort([&] { ++chunk; });  // a reader in the middle of its file
        expect_abort([&] { ++ahead_chunk; });
        expect_abort([&] { static_cast<void>(drain(session.read(files.front()))); });
        expect_abort([&] { static_cast<void>(std::move(session).logs()); });
    }
    SECTION("logs stage") {
        auto logs = logs_stage_of_full_backup(engine);
        const auto files = logs.log_files();
        stop_from_another_thread();
        expect_abort([&] { static_cast<void>(logs.log_files()); });
        expect_abort([&] { static_cast<void>(drain(logs.read(files.front()))); });
        expect_abort([&] { static_cast<void>(std::move(logs).truncate()); });
        expect_abort([&] { static_cast<void>(std::move(logs).end()); });
        // end() ended the session: it is empty now.
        CHECK(error_of([&] { static_cast<void>(logs.log_files()); }).value() == errc::no_backup);
    }
    SECTION("truncated stage") {
        auto logs = logs_stage_of_full_backup(engine);
        read_all_logs(logs);
        auto truncated = std::move(logs).truncate();
        stop_from_another_thread();
        expect_abort([&] { static_cast<void>(truncated.log_files()); });
        expect_abort([&] { static_cast<void>(std::move(truncated).end()); });
    }
    SECTION("an incremental session") {
        static_cast<void>(run_full_backup(engine, true));
        fill(engine, fixture.database, 50, 'i');
        auto logs = begin_backup(engine, incremental_backup);
        stop_from_another_thread();
        expect_abort([&] { static_cast<void>(logs.log_files()); });
        expect_abort([&] { static_cast<void>(std::move(logs).end()); });
    }
    // A stopped session records nothing, and the next backup starts at once.
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: backup_abort_by_server after term with stop_backup",
          "[session][errors]") {
    memory_storage storage;
    std::optional<engine_type> engine;
    engine.emplace(storage, small_options());
    const auto database = engine->create_database("/inst/data.edb");
    fill(*engine, database, 200, 't');

    auto session = begin_backup(*engine, full_backup);
    const auto files = session.databases();
    engine->term(term_option::stop_backup);
    CHECK(error_of([&] { static_cast<void>(drain(session.read(files.front()))); }).value() ==
          errc::backup_abort_by_server);
    CHECK(error_of([&] { static_cast<void>(std::move(session).logs()); }).value() ==
          errc::backup_abort_by_server);

    SECTION("the session is ended after the engine is gone") {
        engine.reset();  // the session never touches it again (the sanitizers check)
        std::move(session).abort();
        // Nothing of the stopped backup is left to refuse the next one.
        engine.emplace(storage, small_options());
        static_cast<void>(engine->attach_database("/inst/data.edb"));
        auto again = begin_backup(*engine, full_backup);
        CHECK(again.databases().size() == 1);
        std::move(again).abort();
        engine.reset();
    }
    SECTION("the engine is destroyed while the session still exists") {
        engine.reset();
        CHECK(error_of([&] { static_cast<void>(session.databases()); }).value() ==
              errc::backup_abort_by_server);
        // and the session's destructor runs after the engine's
    }
    engine.reset();
    engine.emplace(storage, small_options());
    static_cast<void>(engine->attach_database("/inst/data.edb"));
    check_next_backups_succeed(*engine);
}

TEST_CASE("session errors: an engine destroyed during a session stops it", "[session][errors]") {
    memory_storage storage;
    std::optional<hotbackup::backup_session<engine_type, hotbackup::stage::logs>> orphan;
    {
        engine_type engine{storage, small_options()};
        const auto database = engine.create_database("/inst/data.edb");
        fill(engine, database, 100, 'd');
        static_cast<void>(run_full_backup(engine, true));
        orphan.emplace(begin_backup(engine, incremental_backup));
    }
    CHECK(error_of([&] { static_cast<void>(orphan->log_files()); }).value() ==
          errc::backup_abort_by_server);
    CHECK(error_of([&] { static_cast<void>(std::move(*orphan).end()); }).value() ==
          errc::backup_abort_by_server);
    orphan.reset();
    engine_type engine{storage, small_options()};
    static_cast<void>(engine.attach_database("/inst/data.edb"));
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: a damaged database page drops that database, the session goes on",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    const auto healthy = engine.create_database("/inst/healthy.edb");
    fill(engine, healthy, 100, 'h');
    engine.checkpoint();
    const std::filesystem::path damaged_path = "/inst/data.edb";
    constexpr hotbackup::page_number damaged_page = 3;
    const auto page_offset = hotbackup::page_offset(damaged_page, 4096);
    const auto original = read_bytes(fixture.storage, damaged_path, page_offset, 4096);

    errc expected{};
    SECTION("a bad checksum is read_verify_failure") {
        scribble(fixture.storage, damaged_path, page_offset + 100, 1, std::byte{0x5A});
        expected = errc::read_verify_failure;
        CHECK(read_bytes(fixture.storage, damaged_path, page_offset, 4096) != original);
    }
    SECTION("a valid page in the wrong place is read_pgno_verify_failure") {
        const auto other_page =
            read_bytes(fixture.storage, damaged_path, hotbackup::page_offset(4, 4096), 4096);
        REQUIRE(other_page != original);
        write_bytes(fixture.storage, damaged_path, page_offset, other_page);
        expected = errc::read_pgno_verify_failure;
    }

    auto session = begin_backup(engine, full_backup);
    const auto files = session.databases();
    REQUIRE(files.size() == 2);
    for (const auto& file : files) {
        if (file.path == damaged_path) {
            const auto error = error_of([&] { static_cast<void>(drain(session.read(file))); });
            CHECK(error.value() == expected);
            CHECK(error.context().file == damaged_path.string());
            CHECK(error.context().page == damaged_page);
        } else {
            CHECK(drain(session.read(file)).size() == file.stream_size);
        }
    }
    auto logs = std::move(session).logs();
    read_all_logs(logs);
    const auto result = std::move(logs).truncate().end();
    REQUIRE(result.databases.size() == 1);
    CHECK(result.databases.front() == "/inst/healthy.edb");
    REQUIRE(result.dropped.size() == 1);
    CHECK(result.dropped.front().path == damaged_path);
    CHECK_THAT(result.dropped.front().reason, contains_text("page 3"));
    // The slot is written only where the database was copied whole.
    CHECK_FALSE(engine.database_header_of(healthy).slot(backup_slot::full).empty());
    CHECK(engine.database_header_of(fixture.database).slot(backup_slot::full).empty());

    // Repaired, the database is backed up again.
    write_bytes(fixture.storage, damaged_path, page_offset, original);
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: a damaged log is log_read_verify_failure and cancels the session",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    auto logs = logs_stage_of_full_backup(engine);
    const auto files = logs.log_files();
    REQUIRE(files.size() >= 2);
    const auto& damaged = files.front();
    scribble(fixture.storage, damaged.path, 4096 + 10, 1, std::byte{0x77});

    const auto error = error_of([&] { static_cast<void>(drain(logs.read(damaged))); });
    CHECK(error.value() == errc::log_read_verify_failure);
    CHECK(error.context().file == damaged.path.string());
    CHECK(error.context().generation == damaged.generation);
    // The session is cancelled: every later call reports the same failure.
    const auto expect_cancelled = [](auto&& call) {
        CHECK(error_of(std::forward<decltype(call)>(call)).value() ==
              errc::log_read_verify_failure);
    };
    expect_cancelled([&] { static_cast<void>(logs.log_files()); });
    expect_cancelled([&] { static_cast<void>(drain(logs.read(files.back()))); });
    expect_cancelled([&] { static_cast<void>(std::move(logs).truncate()); });
    expect_cancelled([&] { static_cast<void>(std::move(logs).end()); });
    // Nothing was recorded.
    CHECK(engine.database_header_of(fixture.database).slot(backup_slot::full).empty());

    // Once the checkpoint is past the damaged log, backups no longer need it.
    fill(engine, fixture.database, 20, 'r');
    engine.checkpoint();
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: a moved-from or ended session is no_backup", "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    auto session = begin_backup(engine, full_backup);
    auto moved = std::move(session);
    // NOLINTBEGIN(bugprone-use-after-move): the point of the test
    CHECK(error_of([&] { static_cast<void>(session.databases()); }).value() == errc::no_backup);
    CHECK(error_of([&] { static_cast<void>(std::move(session).logs()); }).value() ==
          errc::no_backup);
    std::move(session).abort();  // harmless on an empty session
    read_all_databases(moved);
    auto logs = std::move(moved).logs();
    CHECK(error_of([&] { static_cast<void>(moved.databases()); }).value() == errc::no_backup);
    read_all_logs(logs);
    auto truncated = std::move(logs).truncate();
    CHECK(error_of([&] { static_cast<void>(logs.log_files()); }).value() == errc::no_backup);
    const auto result = std::move(truncated).end();
    CHECK(result.slot_written == backup_slot::full);
    CHECK(error_of([&] { static_cast<void>(std::move(truncated).end()); }).value() ==
          errc::no_backup);
    CHECK(error_of([&] { static_cast<void>(truncated.log_files()); }).value() == errc::no_backup);
    // NOLINTEND(bugprone-use-after-move)
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: invalid_parameter for unknown files and bad buffer sizes",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    auto session = begin_backup(engine, full_backup);
    const auto files = session.databases();
    database_file unknown = files.front();
    unknown.database = database_id{42};
    unknown.path = "/inst/unknown.edb";
    auto error = error_of([&] { static_cast<void>(session.read(unknown)); });
    CHECK(error.value() == errc::invalid_parameter);
    CHECK(error.context().file == "/inst/unknown.edb");
    for (const std::size_t bad_size : {std::size_t{0}, std::size_t{4096 + 512}}) {
        error = error_of(
            [&] { static_cast<void>(session.read(files.front(), {.buffer_size = bad_size})); });
        CHECK(error.value() == errc::invalid_parameter);
        CHECK_THAT(error.what(), contains_text("buffer_size"));
    }
    for (const auto& file : files) {
        static_cast<void>(drain(session.read(file)));
    }
    auto logs = std::move(session).logs();
    const auto log_files = logs.log_files();
    log_file not_listed = log_files.back();
    not_listed.generation += 100;
    CHECK(error_of([&] { static_cast<void>(logs.read(not_listed)); }).value() ==
          errc::invalid_parameter);
    read_all_logs(logs);
    static_cast<void>(std::move(logs).truncate().end());
    check_next_backups_succeed(engine);
}

TEST_CASE("session errors: a database reader resumed after logs() is invalid_backup_sequence",
          "[session][errors]") {
    populated_engine fixture;
    auto& engine = fixture.engine;
    auto session = begin_backup(engine, full_backup);
    const auto files = session.databases();
    auto reader = session.read(files.front(), read_options{.buffer_size = 4096});
    auto chunk = reader.begin();
    REQUIRE(chunk != reader.end());
    auto ahead = session.read(files.front(), {.buffer_size = 4096, .reader_threads = 4});
    auto ahead_chunk = ahead.begin();
    REQUIRE(ahead_chunk != ahead.end());
    auto logs = std::move(session).logs();
    CHECK(error_of([&] { ++chunk; }).value() == errc::invalid_backup_sequence);
    // Chunks its helpers had read ahead are not handed out either.
    CHECK(error_of([&] { ++ahead_chunk; }).value() == errc::invalid_backup_sequence);
    read_all_logs(logs);
    const auto result = std::move(logs).truncate().end();
    // The database was not read to the end, so it is not in the backup.
    CHECK(result.databases.empty());
    REQUIRE(result.dropped.size() == 1);
    check_next_backups_succeed(engine);
}

}  // namespace hotbackup::test
