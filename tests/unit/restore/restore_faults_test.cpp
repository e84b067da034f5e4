// Fault sweeps (docs/architecture.md §11 "Testing"): faulty_storage fails each operation index of
// a backup and of a restore, once.
//
// Backup: every operation of the target, and every read of the source (a failed
// write to the source's own log makes the engine unavailable by design, tested in
// tests/unit/engine/fault_test.cpp). The error is a storage errc; the set has no
// manifest (or, for a failure after the manifest, verifies whole); the source keeps
// running; a second attempt succeeds.
//
// Restore: every operation, the reads of the sets included; after the failure the
// power is cut (memory_storage::crash), so what was not synced is gone. The
// destination holds no database unless the staged renames had begun, and running
// the restore again completes it with every key.
#include <cstdint>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/restore_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = hotbackup::instance<faulty_memory_storage>;
using set_type = hotbackup::backup_set<faulty_memory_storage>;

constexpr int key_count = 300;

bool is_storage_error(errc code) {
    return code == errc::disk_io || code == errc::disk_full;
}

/// Whether the source instance itself would write (or change its namespace).
bool source_change(const storage_operation& operation) {
    const auto path = operation.path.string();
    return path.starts_with("/live") && operation.kind != operation_kind::read;
}

void check_keys(faulty_memory_storage& storage, const hotbackup::restore_report& report) {
    engine_type restored{storage, report.options};
    const auto database = restored.attach_database(report.databases.front().path);
    auto transaction = restored.begin_transaction();
    for (int index = 0; index < key_count; ++index) {
        REQUIRE(transaction.get(database, "key" + std::to_string(index)) == std::string(200, 'f'));
    }
    transaction.commit();
    restored.term();
}

}  // namespace

TEST_CASE("faults: a backup failing at any operation leaves no set and a working source",
          "[restore][faults]") {
    std::uint64_t operations = 0;
    int eligible = 0;  // operations the sweep fails: not the source's own changes
    {
        faulty_memory_storage storage;
        engine_type engine{storage, hotbackup::test::small_options("/live")};
        const auto database = engine.create_database("/live/orders.edb");
        hotbackup::test::fill(engine, database, key_count, 'f');
        const auto before = storage.operation_count();
        storage.fail_when([&eligible](const storage_operation& operation) {
            eligible += source_change(operation) ? 0 : 1;
            return false;
        });
        hotbackup::directory_target<faulty_memory_storage> target{storage, "/set"};
        (void)hotbackup::run_backup(engine, target);
        operations = storage.operation_count() - before;
        storage.disarm();
    }
    REQUIRE(operations > 20);
    std::set<errc> errors_seen;
    int failed_runs = 0;
    for (std::uint64_t index = 0; index < operations; ++index) {
        faulty_memory_storage storage;
        engine_type engine{storage, hotbackup::test::small_options("/live")};
        const auto database = engine.create_database("/live/orders.edb");
        hotbackup::test::fill(engine, database, key_count, 'f');
        const auto target_index = storage.operation_count() + index;
        const auto fault =
            index % 2 == 0 ? hotbackup::fault_kind::io_error : hotbackup::fault_kind::no_space;
        storage.fail_when(
            [target_index](const storage_operation& operation) {
                return operation.index == target_index && !source_change(operation);
            },
            fault);
        bool failed = false;
        try {
            hotbackup::directory_target<faulty_memory_storage> target{storage, "/set"};
            (void)hotbackup::run_backup(engine, target);
        } catch (const hotbackup::backup_error& error) {
            failed = true;
            INFO("operation " << index << ": " << error.what());
            CHECK(is_storage_error(error.value()));
            errors_seen.insert(error.value());
        }
        storage.disarm();
        if (failed) {
            ++failed_runs;
            if (storage.exists("/set/manifest.json")) {
                // Failed after the manifest (truncating): the set is whole.
                (void)hotbackup::verify(std::vector<set_type>{{storage, "/set"}});
            }
        }
        // The source keeps running and a second attempt succeeds.
        hotbackup::test::fill(engine, database, 10, 'g');
        hotbackup::directory_target<faulty_memory_storage> retry{storage, "/retry"};
        (void)hotbackup::run_backup(engine, retry);
        (void)hotbackup::verify(std::vector<set_type>{{storage, "/retry"}});
        engine.term();
    }
    CHECK(failed_runs == eligible);
    CHECK(errors_seen.count(errc::disk_io) == 1);
    CHECK(errors_seen.count(errc::disk_full) == 1);
}

TEST_CASE("faults: a restore failing at any operation, then a power cut, can be run again",
          "[restore][faults]") {
    faulty_memory_storage storage;
    {
        engine_type engine{storage, hotbackup::test::small_options("/live")};
        const auto database = engine.create_database("/live/orders.edb");
        hotbackup::test::fill(engine, database, key_count, 'f');
        hotbackup::directory_target<faulty_memory_storage> target{storage, "/set"};
        (void)hotbackup::run_backup(engine, target);
        engine.term();
    }
    const std::vector<set_type> chain{{storage, "/set"}};
    const auto before = storage.operation_count();
    const auto trial = hotbackup::restore(chain, storage, "/trial");
    const auto operations = storage.operation_count() - before;
    check_keys(storage, trial);
    REQUIRE(operations > 20);

    int resumed = 0;
    for (std::uint64_t index = 0; index < operations; ++index) {
        const auto destination = "/dest-" + std::to_string(index);
        storage.fail_operation(
            storage.operation_count() + index,
            index % 2 == 0 ? hotbackup::fault_kind::io_error : hotbackup::fault_kind::no_space);
        bool failed = false;
        try {
            (void)hotbackup::restore(chain, storage, destination);
        } catch (const hotbackup::backup_error& error) {
            failed = true;
            INFO("operation " << index << ": " << error.what());
            CHECK(is_storage_error(error.value()));
        }
        storage.disarm();
        storage.inner().crash();
        if (failed && !storage.exists(destination + "/.hotbackup-restore/restored.json")) {
            INFO("operation " << index);
            CHECK_FALSE(storage.exists(destination + "/orders.edb"));
        }
        if (failed || !storage.exists(destination + "/orders.edb")) {
            const auto report = hotbackup::restore(chain, storage, destination);
            resumed += report.resumed ? 1 : 0;
            check_keys(storage, report);
        }
    }
    CHECK(resumed > 0);
}

}  // namespace hotbackup::test
