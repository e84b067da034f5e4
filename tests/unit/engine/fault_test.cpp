// The fault sweep of the engine: the workload of engine_workload.hpp runs once per
// storage operation with that operation failing (EIO or ENOSPC, alternately). Each
// run must end in an error with the documented errc: the storage's own disk_io or
// disk_full, or log_write_fail when the failure hit the log (naming its cause).
// Then the instance is opened again on healthy storage (after a power loss in every
// other run) and must hold every acknowledged commit and nothing that was not
// committed.
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <set>
#include <string>

#include "support/catch.hpp"
#include "support/engine_workload.hpp"

namespace hotbackup::test {

TEST_CASE(
    "engine faults: failing each storage operation gives a documented error and loses "
    "nothing acknowledged",
    "[engine][faults]") {
    memory_storage pristine;
    const auto baseline = write_baseline(pristine);

    std::uint64_t operations = 0;
    {
        faulty_storage<memory_storage> counting;
        (void)write_baseline(counting.inner());
        commit_journal journal;
        run_workload(counting, journal);
        operations = counting.operation_count();
    }
    REQUIRE(operations > 200);

    std::map<errc, std::size_t> errors_seen;
    for (std::uint64_t index = 0; index < operations; ++index) {
        INFO("failing operation " << index << " of " << operations);
        faulty_storage<memory_storage> storage;
        (void)write_baseline(storage.inner());
        const auto fault = index % 2 == 0 ? fault_kind::io_error : fault_kind::no_space;
        storage.fail_operation(index, fault);
        commit_journal journal;
        std::optional<backup_error> failure;
        try {
            run_workload(storage, journal);
        } catch (const backup_error& error) {
            failure = error;
        }
        REQUIRE(storage.faults_injected() == 1);
        REQUIRE(failure.has_value());
        const auto injected = fault == fault_kind::io_error ? errc::disk_io : errc::disk_full;
        INFO(failure->what());
        const auto code = failure->value();
        CHECK((code == injected || code == errc::log_write_fail));
        if (code == errc::log_write_fail) {
            CHECK_THAT(failure->what(), hotbackup::test::contains_text("injected fault"));
        }
        ++errors_seen[code];

        storage.disarm();
        if (index % 2 == 1) {
            storage.inner().crash();
        }
        const auto mismatch = check_recovered(storage.inner(), baseline, journal);
        REQUIRE(mismatch.empty());
    }
    // Both kinds of report occur: the storage's own error and the log's.
    CHECK(errors_seen.count(errc::log_write_fail) == 1);
    CHECK(errors_seen.size() >= 2);
}

}  // namespace hotbackup::test
