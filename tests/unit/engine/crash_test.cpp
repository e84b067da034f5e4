// Crash tests of the engine on memory_storage: a workload (open with recovery,
// attach, transactions with durable and lazy commits and rollbacks, log rolls,
// checkpoints, detach and attach, term) runs once to count its sync points, then
// once per sync point with a power loss just before that sync, in several crash
// modes (unsynced writes dropped, kept whole, or torn at random prefixes). After
// each crash the instance is opened again and the database must hold exactly the
// acknowledged commits plus, possibly, some prefix of those in flight (lazy
// commits not yet flushed and the commit the crash interrupted).
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"
#include "support/engine_workload.hpp"

namespace hotbackup::test {

namespace {

/// How a crash treats the writes made since their file's last sync.
enum class crash_mode { drop_unsynced, keep_unsynced, tear_randomly };

std::function<std::size_t(const memory_storage::unsynced_write&)> crash_policy(crash_mode mode,
                                                                               unsigned seed) {
    switch (mode) {
        case crash_mode::drop_unsynced:
            return [](const auto&) { return std::size_t{0}; };
        case crash_mode::keep_unsynced:
            return [](const auto& write) { return write.length; };
        case crash_mode::tear_randomly:
            break;
    }
    auto random = std::make_shared<std::mt19937>(seed);
    return [random](const auto& write) {
        switch (std::uniform_int_distribution{0, 2}(*random)) {
            case 0:
                return std::size_t{0};
            case 1:
                return write.length;
            default:
                // Torn at a 512-byte sector boundary, as a disk tears.
                return std::uniform_int_distribution<std::size_t>{0, write.length / 512}(*random) *
                       512;
        }
    };
}

bool is_sync(const storage_operation& operation) {
    return operation.kind == operation_kind::sync ||
           operation.kind == operation_kind::sync_directory;
}

}  // namespace

TEST_CASE("engine crash: a power loss at every sync point loses no acknowledged commit",
          "[engine][crash]") {
    memory_storage pristine;
    const auto baseline = write_baseline(pristine);  // what every run starts from

    // Count the sync points of the workload.
    std::size_t sync_points = 0;
    {
        faulty_storage<memory_storage> counting;
        (void)write_baseline(counting.inner());
        counting.fail_when([&](const storage_operation& operation) {
            sync_points += is_sync(operation) ? 1 : 0;
            return false;
        });
        commit_journal journal;
        run_workload(counting, journal);
        REQUIRE(journal.acknowledged == journal.commits.size());
        REQUIRE(check_recovered(counting.inner(), baseline, journal).empty());
    }
    REQUIRE(sync_points > 100);

    std::size_t crashes = 0;
    for (const auto mode :
         {crash_mode::drop_unsynced, crash_mode::keep_unsynced, crash_mode::tear_randomly}) {
        for (std::size_t point = 0; point < sync_points; ++point) {
            INFO("crash mode " << static_cast<int>(mode) << ", sync point " << point << " of "
                               << sync_points);
            faulty_storage<memory_storage> storage;
            (void)write_baseline(storage.inner());  // every run starts from the baseline
            std::size_t syncs_seen = 0;
            bool crashed = false;
            storage.fail_when([&](const storage_operation& operation) {
                if (!crashed && is_sync(operation) && syncs_seen++ == point) {
                    storage.inner().crash(crash_policy(mode, static_cast<unsigned>(point)));
                    crashed = true;
                }
                return crashed;  // after the power loss nothing reaches the device
            });
            commit_journal journal;
            try {
                run_workload(storage, journal);
            } catch (const backup_error&) {
                // The crash surfaced as an I/O error; what matters is what survived.
            }
            REQUIRE(crashed);
            storage.disarm();
            const auto mismatch = check_recovered(storage.inner(), baseline, journal);
            REQUIRE(mismatch.empty());
            ++crashes;
        }
    }
    CHECK(crashes == 3 * sync_points);
}

}  // namespace hotbackup::test
