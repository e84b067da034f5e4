// Behaviour of instance<Storage> through its public API: options, paths in use,
// databases, transactions, limits, lazy commits, log failure, recovery off.
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <map>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

/// Runs `action` and returns the backup_error it throws (fails the test if none).
template <class Action>
backup_error error_of(Action&& action) {
    try {
        action();
    } catch (const backup_error& error) {
        return error;
    }
    FAIL("no backup_error was thrown");
    throw std::logic_error{"unreachable"};
}

}  // namespace

TEST_CASE("engine: a bad option is invalid_parameter naming the option", "[engine][options]") {
    memory_storage storage;
    const auto expect_rejected = [&](instance_options options, const std::string& option) {
        const auto error = error_of([&] { instance<memory_storage> engine{storage, options}; });
        CHECK(error.value() == errc::invalid_parameter);
        CHECK_THAT(error.what(), contains_text(option));
    };
    auto options = small_options();
    options.page_size = 2048;
    expect_rejected(options, "page_size");
    options = small_options();
    options.page_size = 12288;
    expect_rejected(options, "page_size");
    options = small_options();
    options.log_file_size = 32 * 1024;
    expect_rejected(options, "log_file_size");
    options = small_options();
    options.log_file_size = 64 * 1024 + 100;
    expect_rejected(options, "log_file_size");
    options = small_options();
    options.base_name = "ab";
    expect_rejected(options, "base name");
    options = small_options();
    options.base_name = "a/b";
    expect_rejected(options, "base name");
    options = small_options();
    options.checkpoint_depth = 1024;
    expect_rejected(options, "checkpoint_depth");
    options = small_options();
    options.system_path.clear();
    expect_rejected(options, "system_path");
    // Every valid page size opens.
    for (const std::uint32_t page_size : {4096U, 8192U, 16384U, 32768U}) {
        options = small_options("/sizes" + std::to_string(page_size));
        options.page_size = page_size;
        instance<memory_storage> engine{storage, options};
        CHECK(engine.page_size() == page_size);
    }
}

TEST_CASE("engine: missing paths are refused unless create_paths", "[engine][options]") {
    memory_storage storage;
    auto options = small_options("/absent");
    options.create_paths = false;
    CHECK(error_of([&] {
              instance<memory_storage> engine{storage, options};
          }).value() == errc::invalid_system_path);
    storage.create_directories("/absent");
    CHECK(error_of([&] {
              instance<memory_storage> engine{storage, options};
          }).value() == errc::invalid_log_directory);
    options.create_paths = true;
    instance<memory_storage> engine{storage, options};
    CHECK(storage.exists("/absent/logs/edb.log"));
}

TEST_CASE("engine: a second instance on the same paths is refused", "[engine]") {
    memory_storage storage;
    instance<memory_storage> first{storage, small_options("/shared")};

    auto same_log = small_options("/other");
    same_log.log_path = "/shared/logs";
    const auto log_error = error_of([&] { instance<memory_storage> second{storage, same_log}; });
    CHECK(log_error.value() == errc::log_file_path_in_use);
    CHECK_THAT(log_error.what(), contains_text("/shared/logs"));

    auto same_system = small_options("/other");
    same_system.system_path = "/shared/";  // the same directory, spelled differently
    CHECK(error_of([&] {
              instance<memory_storage> second{storage, same_system};
          }).value() == errc::system_path_in_use);

    // Another storage is another namespace; after term() the paths are free again.
    memory_storage other_storage;
    instance<memory_storage> elsewhere{other_storage, small_options("/shared")};
    first.term();
    instance<memory_storage> again{storage, small_options("/shared")};
}

TEST_CASE("engine: transactions read their own writes, roll back and commit", "[engine]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");

    auto writer = engine.begin_transaction();
    writer.put(database, "apple", "red");
    writer.put(database, "banana", "yellow");
    CHECK(writer.get(database, "apple") == "red");
    // Not visible to another transaction before commit.
    auto reader = engine.begin_transaction();
    CHECK_FALSE(reader.get(database, "apple").has_value());
    writer.commit();
    CHECK_FALSE(writer.active());
    CHECK(error_of([&] { writer.commit(); }).value() == errc::invalid_operation);
    CHECK(reader.get(database, "apple") == "red");  // read-committed

    auto rolled_back = engine.begin_transaction();
    rolled_back.put(database, "cherry", "dark");
    rolled_back.erase(database, "apple");
    CHECK_FALSE(rolled_back.get(database, "apple").has_value());
    rolled_back.rollback();
    CHECK(committed_contents(engine, database) ==
          std::map<std::string, std::string>{{"apple", "red"}, {"banana", "yellow"}});

    // A destroyed active transaction is rolled back.
    {
        auto abandoned = engine.begin_transaction();
        abandoned.put(database, "durian", "smelly");
    }
    CHECK(committed_contents(engine, database).count("durian") == 0);
}

TEST_CASE("engine: scan merges a transaction's writes and honours the range", "[engine]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    {
        auto setup = engine.begin_transaction();
        for (int index = 0; index < 500; index += 2) {  // even keys, enough for splits
            setup.put(database, "k" + std::to_string(1000 + index), std::string(50, 'e'));
        }
        setup.commit();
    }
    auto transaction = engine.begin_transaction();
    transaction.put(database, "k1001", "odd");       // between committed keys
    transaction.erase(database, "k1002");            // hides a committed key
    transaction.put(database, "k1004", "replaced");  // overrides one
    transaction.put(database, "k2000", "after");     // past every committed key
    std::vector<std::string> keys;
    std::map<std::string, std::string> seen;
    for (auto&& entry : transaction.scan(database, "k1000", "k1010")) {
        keys.push_back(entry.key);
        seen[entry.key] = entry.value;
    }
    CHECK(keys == std::vector<std::string>{"k1000", "k1001", "k1004", "k1006", "k1008"});
    CHECK(seen["k1001"] == "odd");
    CHECK(seen["k1004"] == "replaced");

    std::size_t count = 0;
    std::string previous;
    for (auto&& entry : transaction.scan(database)) {
        CHECK(previous < entry.key);
        previous = entry.key;
        ++count;
    }
    CHECK(count == 250 - 1 + 2);
    CHECK(previous == "k2000");
}

TEST_CASE("engine: key and value limits are invalid_parameter naming the limit", "[engine]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    const auto database = engine.create_database("/inst/data.edb");
    auto transaction = engine.begin_transaction();
    transaction.put(database, std::string(255, 'k'), std::string(1024, 'v'));  // both at the limit
    const auto key_error = error_of([&] { transaction.put(database, std::string(256, 'k'), "v"); });
    CHECK(key_error.value() == errc::invalid_parameter);
    CHECK_THAT(key_error.what(), contains_text("255 bytes"));
    const auto value_error =
        error_of([&] { transaction.put(database, "k", std::string(1025, 'v')); });
    CHECK(value_error.value() == errc::invalid_parameter);
    CHECK_THAT(value_error.what(), contains_text("quarter page"));
    transaction.commit();
    CHECK(committed_contents(engine, database).at(std::string(255, 'k')).size() == 1024);
}

TEST_CASE("engine: databases attach, detach and are limited to six", "[engine]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    std::vector<database_id> databases;
    for (int index = 0; index < 6; ++index) {
        databases.push_back(engine.create_database("/inst/db" + std::to_string(index) + ".edb"));
    }
    CHECK(engine.attached_databases().size() == 6);
    const auto too_many = error_of([&] { (void)engine.create_database("/inst/db6.edb"); });
    CHECK(too_many.value() == errc::too_many_attached_databases);
    CHECK(error_of([&] { (void)engine.create_database("/inst/db0.edb"); }).value() ==
          errc::database_duplicate);
    CHECK(engine.attach_database("/inst/db3.edb") == databases[3]);  // attached already

    {
        auto transaction = engine.begin_transaction();
        transaction.put(databases[2], "key", "value");
        transaction.commit();
    }
    engine.detach_database(databases[2]);
    CHECK(engine.attached_databases().size() == 5);
    // The old id is stale, also after the slot is reused.
    auto transaction = engine.begin_transaction();
    CHECK(error_of([&] { transaction.put(databases[2], "k", "v"); }).value() ==
          errc::invalid_database_id);
    const auto reattached = engine.attach_database("/inst/db2.edb");
    CHECK(reattached != databases[2]);
    CHECK(error_of([&] { (void)transaction.get(databases[2], "key"); }).value() ==
          errc::invalid_database_id);
    CHECK(transaction.get(reattached, "key") == "value");
    CHECK(error_of([&] { (void)engine.attach_database("/inst/missing.edb"); }).value() ==
          errc::file_not_found);
}

TEST_CASE("engine: a database shut down dirty is refused by another log set", "[engine]") {
    memory_storage storage;
    {
        instance<memory_storage> engine{storage, small_options("/first")};
        const auto database = engine.create_database("/first/data.edb");
        auto transaction = engine.begin_transaction();
        transaction.put(database, "key", "value");
        transaction.commit();
        storage.crash();  // the database is left dirty, its log in /first
    }
    {
        instance<memory_storage> stranger{storage, small_options("/second")};
        const auto error = error_of([&] { (void)stranger.attach_database("/first/data.edb"); });
        CHECK(error.value() == errc::database_dirty_shutdown);
        CHECK_THAT(error.what(), contains_text("/first/data.edb"));
    }
    // Its own instance recovers it; then any instance may attach it.
    { instance<memory_storage> owner{storage, small_options("/first")}; }
    instance<memory_storage> stranger{storage, small_options("/second")};
    const auto database = stranger.attach_database("/first/data.edb");
    CHECK(committed_contents(stranger, database).at("key") == "value");
}

TEST_CASE("engine: lazy commits become durable at flush_log", "[engine]") {
    memory_storage storage;
    std::optional<database_id> database;
    {
        instance<memory_storage> engine{storage, small_options()};
        database = engine.create_database("/inst/data.edb");
        auto first = engine.begin_transaction();
        first.put(*database, "flushed", "yes");
        first.commit(commit_mode::lazy);
        engine.flush_log();
        auto second = engine.begin_transaction();
        second.put(*database, "lost", "maybe");
        second.commit(commit_mode::lazy);
        storage.crash();
    }
    instance<memory_storage> engine{storage, small_options()};
    const auto reopened = engine.attach_database("/inst/data.edb");
    const auto contents = committed_contents(engine, reopened);
    CHECK(contents.at("flushed") == "yes");
    CHECK(contents.count("lost") == 0);  // never made durable, lost in the crash
}

TEST_CASE("engine: a failed log write is log_write_fail, then instance_unavailable", "[engine]") {
    faulty_storage<memory_storage> storage;
    {
        instance<faulty_storage<memory_storage>> engine{storage, small_options()};
        const auto database = engine.create_database("/inst/data.edb");
        storage.fail_when([](const storage_operation& operation) {
            return operation.kind == operation_kind::sync && operation.path.filename() == "edb.log";
        });
        auto transaction = engine.begin_transaction();
        transaction.put(database, "key", "value");
        const auto error = error_of([&] { transaction.commit(); });
        CHECK(error.value() == errc::log_write_fail);
        CHECK_THAT(error.what(), contains_text("edb.log"));
        CHECK(error_of([&] { (void)engine.begin_transaction(); }).value() ==
              errc::instance_unavailable);
        CHECK(error_of([&] { (void)engine.attached_databases(); }).value() ==
              errc::instance_unavailable);
        CHECK(error_of([&] { engine.force_new_log(); }).value() == errc::instance_unavailable);
        storage.disarm();
        engine.term();  // closes files without writing; the database stays dirty
    }
    instance<faulty_storage<memory_storage>> engine{storage, small_options()};
    const auto database = engine.attach_database("/inst/data.edb");
    // The write reached the file before the sync failed, so recovery may find it.
    (void)committed_contents(engine, database);
}

TEST_CASE("engine: with recovery off there is no log, and pages reach the file at term",
          "[engine]") {
    memory_storage storage;
    auto options = small_options("/nolog");
    options.recovery = false;
    {
        instance<memory_storage> engine{storage, options};
        CHECK_FALSE(storage.exists("/nolog/logs/edb.log"));
        CHECK(error_of([&] { engine.force_new_log(); }).value() == errc::logging_disabled);
        const auto database = engine.create_database("/nolog/data.edb");
        auto transaction = engine.begin_transaction();
        transaction.put(database, "key", "value");
        transaction.commit();
    }
    instance<memory_storage> engine{storage, options};
    const auto database = engine.attach_database("/nolog/data.edb");
    CHECK(committed_contents(engine, database).at("key") == "value");
}

TEST_CASE("engine: works on posix_storage across a reopen", "[engine][posix]") {
    hotbackup::test::storage_fixture<hotbackup::posix_storage> fixture;
    const auto options = small_options(fixture.root / "instance");
    std::map<std::string, std::string> expected;
    {
        instance<hotbackup::posix_storage> engine{fixture.storage, options};
        const auto database = engine.create_database(fixture.root / "instance" / "data.edb");
        for (int round = 0; round < 40; ++round) {
            auto transaction = engine.begin_transaction();
            const auto key = "key" + std::to_string(round);
            transaction.put(database, key, std::string(300, 'p'));
            expected[key] = std::string(300, 'p');
            transaction.commit();
        }
    }
    instance<hotbackup::posix_storage> engine{fixture.storage, options};
    const auto database = engine.attach_database(fixture.root / "instance" / "data.edb");
    CHECK(committed_contents(engine, database) == expected);
}

}  // namespace hotbackup::test
