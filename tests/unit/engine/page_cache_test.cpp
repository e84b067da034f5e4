// The engine's page cache: pages are read from the database file when the tree or
// redo first needs them, not at attach; and the database time of a database that
// was not closed cleanly is taken from its pages, so changes after a crash still
// order after the ones already in the file.
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <optional>
#include <string>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

using counted_storage = faulty_storage<memory_storage>;
const std::filesystem::path database_path = "/inst/data.edb";

/// Reads of the database file while `action` runs.
template <class Action>
std::size_t database_reads(counted_storage& storage, Action&& action) {
    std::size_t reads = 0;
    storage.fail_when([&reads](const storage_operation& operation) {
        if (operation.kind == operation_kind::read && operation.path == database_path) {
            ++reads;
        }
        return false;
    });
    action();
    storage.disarm();
    return reads;
}

/// Cuts the power under a running instance: nothing it does while it is destroyed
/// reaches the device, and the device keeps only what was synced.
void lose_power(std::optional<instance<counted_storage>>& engine, counted_storage& storage) {
    storage.fail_when([](const storage_operation&) { return true; });
    engine.reset();
    storage.disarm();
    storage.inner().crash();
}

}  // namespace

TEST_CASE("page cache: attaching a cleanly closed database reads its header, not its pages",
          "[engine][cache]") {
    counted_storage storage;
    std::map<std::string, std::string> written;
    {
        instance<counted_storage> engine{storage, small_options()};
        const auto database = engine.create_database(database_path);
        auto transaction = engine.begin_transaction();
        for (int index = 0; index < 3000; ++index) {
            const auto key = "key-" + std::to_string(10000 + index);
            transaction.put(database, key, std::string(100, 'v'));
            written.emplace(key, std::string(100, 'v'));
        }
        transaction.commit();
        engine.checkpoint();
        engine.term();
    }
    std::optional<instance<counted_storage>> engine;
    database_id database{};
    const auto attach_reads = database_reads(storage, [&] {
        engine.emplace(storage, small_options());
        database = engine->attach_database(database_path);
    });
    const auto page_count = engine->database_header_of(database).page_count;
    CAPTURE(attach_reads, page_count);
    REQUIRE(page_count > 100);
    // The header's two copies, for recovery and for the attach: a handful of reads.
    CHECK(attach_reads <= 8);

    const auto lookup_reads = database_reads(storage, [&] {
        auto transaction = engine->begin_transaction();
        CHECK(transaction.get(database, "key-11500") == std::string(100, 'v'));
    });
    CHECK(lookup_reads >= 2);  // the root and a leaf at least
    CHECK(lookup_reads <= 4);  // one per level of a shallow tree

    CHECK(committed_contents(*engine, database) == written);
}

TEST_CASE("page cache: after a crash, new changes order after the pages already in the file",
          "[engine][cache][crash]") {
    // A page flushed before the checkpoint holds a database time the header never
    // saw (the header's time is brought up to date at a clean close only), and no log
    // record after the checkpoint names it. If reopening took the header's time, the
    // next change would reuse a time the page already has, and its redo would be
    // skipped after a second crash.
    counted_storage storage;
    std::optional<instance<counted_storage>> engine;
    engine.emplace(storage, small_options());
    {
        const auto database = engine->create_database(database_path);
        auto transaction = engine->begin_transaction();
        transaction.put(database, "first", "1");
        transaction.commit();
        engine->checkpoint();  // the leaf goes to the file; the log after it is empty
    }
    lose_power(engine, storage);

    engine.emplace(storage, small_options());
    {
        const auto database = engine->attach_database(database_path);
        auto transaction = engine->begin_transaction();
        transaction.put(database, "second", "2");
        transaction.commit();  // durable in the log, the page not flushed
    }
    lose_power(engine, storage);

    engine.emplace(storage, small_options());
    const auto database = engine->attach_database(database_path);
    CHECK(committed_contents(*engine, database) ==
          std::map<std::string, std::string>{{"first", "1"}, {"second", "2"}});
}

}  // namespace hotbackup::test
