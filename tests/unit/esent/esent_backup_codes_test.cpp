// The ESE-compatible backup API (esent/backup.hpp), driven only through the Jet*
// calls: every code Microsoft documents for JetBeginExternalBackup(Instance) and
// JetEndExternalBackupInstance(2) (the seeds), some of them seen from inside JetTerm
// and from JetRestoreInstance's status callback. Each test asserts exact JET_ERR
// numbers.
//
// The Jet* registry is process-global: every test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <hotbackup/esent.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <new>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/catch.hpp"
#include "support/esent_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

using esent::engine_of;

namespace {

using namespace hotbackup::test::jet;  // the fixture
namespace fs = std::filesystem;
using posix_fixture = hotbackup::test::storage_fixture<hotbackup::posix_storage>;

/// A log-file predicate for faulty_storage: every write, open or sync of a log.
bool is_log_write(const storage_operation& op) {
    return op.path.string().find(".log") != std::string::npos &&
           (op.kind == operation_kind::write || op.kind == operation_kind::open ||
            op.kind == operation_kind::sync);
}

/// A started instance on `storage` (under /inst) with one database of `keys` keys;
/// returns the instance and the session that wrote them.
template <class Storage>
std::pair<JET_INSTANCE, JET_SESID> start_on(instance_guard& guard, Storage& storage,
                                            const char* name, int keys) {
    auto instance = create_instance_on_storage(guard, any_storage::refer(storage), "/inst", name);
    REQUIRE(JetInit(&instance) == JET_errSuccess);
    const auto sesid = begin_session(instance);
    fill(sesid, create_database(sesid, "/inst/one.edb"), keys);
    return {instance, sesid};
}

// ---- probes run from inside other calls ----

/// What Begin and End return while JetTerm runs, seen from inside the storage
/// operations JetTerm makes (a fail_when predicate that never fails). esent.hpp's
/// term first refuses new backups and flushes the pages (BackupNotAllowedYet),
/// then marks the instance terminating (TermInProgress).
struct term_probe {
    std::set<JET_ERR> begin;
    std::set<JET_ERR> end;
    JET_ERR term = 1;
};

term_probe probe_term() {
    faulty_storage<memory_storage> storage;
    instance_guard guard;  // after the storage: terminates first
    // Commits far below the checkpoint depth leave dirty pages for JetTerm to flush.
    const auto instance = start_on(guard, storage, "t", 30).first;
    term_probe probe;
    // Only JetTerm's own thread probes, and only from now on; the predicate runs
    // under faulty_storage's rule lock, so the nested calls must do no storage I/O
    // (they fail before any).
    const auto term_thread = std::this_thread::get_id();
    storage.fail_when([&](const storage_operation&) {
        if (std::this_thread::get_id() == term_thread) {
            probe.begin.insert(JetBeginExternalBackupInstance(instance, 0));
            probe.end.insert(JetEndExternalBackupInstance(instance));
        }
        return false;
    });
    probe.term = JetTerm(instance);
    storage.disarm();
    return probe;
}

/// The instance JetRestoreInstance restores into, and what Begin and End returned
/// from the restore's status callback.
JET_INSTANCE restore_target = 0;
std::vector<JET_ERR> restore_begin_codes;
std::vector<JET_ERR> restore_end_codes;

JET_ERR restore_status(JET_SESID /*sesid*/, JET_SNP /*snp*/, JET_SNT /*snt*/, void* /*pv*/) {
    restore_begin_codes.push_back(JetBeginExternalBackupInstance(restore_target, 0));
    restore_end_codes.push_back(JetEndExternalBackupInstance(restore_target));
    return JET_errSuccess;
}

/// Backs an instance up with JetBackupInstance, restores it with JetRestoreInstance
/// into a second, created instance whose status callback probes Begin and End,
/// then opens the restored database and checks a key.
void probe_restore(const fs::path& root) {
    instance_guard guard;
    const auto first = start_populated(guard, root / "first", "first");
    put(first.sesid, first.dbid, "restored-key", "restored-value");
    const auto backup = (root / "backup").string();
    REQUIRE(JetBackupInstance(first.instance, backup.c_str(), 0, nullptr) == JET_errSuccess);
    REQUIRE(JetTerm(first.instance) == JET_errSuccess);

    auto second = create_instance(guard, root / "second", "second");
    restore_target = second;
    restore_begin_codes.clear();
    restore_end_codes.clear();
    const auto destination = root / "restored";
    REQUIRE(JetRestoreInstance(second, backup.c_str(), destination.string().c_str(),
                               &restore_status) == JET_errSuccess);

    REQUIRE(JetInit(&second) == JET_errSuccess);
    const auto sesid = begin_session(second);
    const auto restored = (destination / "one.edb").string();
    REQUIRE(JetAttachDatabase(sesid, restored.c_str(), 0) == JET_errSuccess);
    auto& engine = engine_of(second);
    std::optional<hotbackup::database_id> id;
    for (const auto& info : engine.attached_databases()) {
        if (info.path == fs::path{restored}) {
            id = info.id;
        }
    }
    REQUIRE(id.has_value());
    CHECK(engine.begin_transaction().get(*id, "restored-key") == "restored-value");
}

/// memory_storage whose open() throws std::bad_alloc while `fail_open` is set: an
/// allocation failure inside the engine, which esent.hpp must turn into
/// JET_errOutOfMemory.
class out_of_memory_storage {
  public:
    using file = memory_storage::file;

    bool fail_open = false;

    [[nodiscard]] file open(const fs::path& path, hotbackup::open_mode mode) {
        if (fail_open) {
            throw std::bad_alloc{};
        }
        return inner_.open(path, mode);
    }
    [[nodiscard]] bool exists(const fs::path& path) { return inner_.exists(path); }
    [[nodiscard]] std::vector<hotbackup::directory_entry> list(const fs::path& directory) {
        return inner_.list(directory);
    }
    void create_directories(const fs::path& directory) { inner_.create_directories(directory); }
    void rename(const fs::path& from, const fs::path& to) { inner_.rename(from, to); }
    void remove(const fs::path& path) { inner_.remove(path); }
    void sync_directory(const fs::path& directory) { inner_.sync_directory(directory); }
    [[nodiscard]] const void* identity() const noexcept { return inner_.identity(); }

  private:
    memory_storage inner_;
};
static_assert(hotbackup::storage<out_of_memory_storage>);

}  // namespace

// ---- 1. JetBeginExternalBackupInstance: every documented code ----

TEST_CASE("esent: JetBeginExternalBackup returns every documented code", "[esent]") {
    posix_fixture fixture;

    SECTION("Success: full, and incremental after a truncated full backup") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errSuccess);
        full_backup(made.instance, true);
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errSuccess);
    }

    SECTION("BackupInProgress: a second Begin, of either kind") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        full_backup(made.instance, true);
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(made.instance, 0) == JET_errBackupInProgress);
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errBackupInProgress);
        // The failed Begin did not cancel the running session (docs/protocol.md §1.1).
        CHECK(attach_info(made.instance).size() == 1);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errSuccess);
    }

    SECTION("BackupNotAllowedYet and TermInProgress: while JetTerm runs") {
        const auto probe = probe_term();
        CHECK(probe.term == JET_errSuccess);
        CHECK(probe.begin.count(JET_errBackupNotAllowedYet) == 1);
        CHECK(probe.begin.count(JET_errTermInProgress) == 1);
        // No Begin succeeded while the instance went down.
        CHECK(probe.begin.count(JET_errSuccess) == 0);
    }

    SECTION("CheckpointCorrupt: a full Begin reads a garbled checkpoint file") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        const auto checkpoint = fixture.root / "a" / "sys" / "edb.chk";
        const auto size = fs::file_size(checkpoint);
        REQUIRE(size > 0);
        {
            std::ofstream out{checkpoint, std::ios::binary | std::ios::trunc};
            const std::string garbage(static_cast<std::size_t>(size), '\xA5');
            out.write(garbage.data(), static_cast<std::streamsize>(garbage.size()));
        }
        CHECK(JetBeginExternalBackupInstance(made.instance, 0) == JET_errCheckpointCorrupt);
        // No session was left behind.
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
    }

    SECTION("CheckpointFileNotFound: the checkpoint file is gone") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(fs::remove(fixture.root / "a" / "sys" / "edb.chk"));
        CHECK(JetBeginExternalBackupInstance(made.instance, 0) == JET_errCheckpointFileNotFound);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
    }

    SECTION("ClientRequestToStopJetService: after JetStopServiceInstance") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(JetStopServiceInstance(made.instance) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(made.instance, 0) ==
              JET_errClientRequestToStopJetService);
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errClientRequestToStopJetService);
    }

    SECTION("LogWriteFail, then InstanceUnavailable: an incremental Begin rolls the log") {
        faulty_storage<memory_storage> storage;
        instance_guard guard;
        const auto instance = start_on(guard, storage, "f", 10).first;
        full_backup(instance, true);
        storage.fail_when(is_log_write);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errLogWriteFail);
        storage.disarm();
        // The instance is unavailable for good; no session exists.
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errInstanceUnavailable);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errInstanceUnavailable);
    }

    SECTION("LogWriteFail from JET_bitForceNewLog, then InstanceUnavailable for Begin") {
        faulty_storage<memory_storage> storage;
        instance_guard guard;
        const auto started = start_on(guard, storage, "f", 10);
        const auto instance = started.first;
        const auto sesid = started.second;
        storage.fail_when(is_log_write);
        CHECK(JetCommitTransaction(sesid, JET_bitForceNewLog) == JET_errLogWriteFail);
        storage.disarm();
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errInstanceUnavailable);
    }

    SECTION("InvalidBackup: an incremental backup under circular logging") {
        instance_guard guard;
        auto instance = create_instance(guard, fixture.root / "a", "a");
        REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramCircularLog, 1, nullptr) ==
                JET_errSuccess);
        REQUIRE(JetInit(&instance) == JET_errSuccess);
        const auto sesid = begin_session(instance);
        fill(sesid, create_database(sesid, (fixture.root / "a" / "one.edb").string()), 5);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errInvalidBackup);
        // A full backup is allowed; docs/protocol.md §3.2 checks circular logging (step 6) before a
        // running session (step 9).
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errInvalidBackup);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("InvalidGrbit: JET_bitBackupAtomic, JET_bitBackupSnapshot, unknown bits") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupAtomic) ==
              JET_errInvalidGrbit);
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupSnapshot) ==
              JET_errInvalidGrbit);
        CHECK(JetBeginExternalBackupInstance(made.instance,
                                             JET_bitBackupIncremental | JET_bitBackupAtomic) ==
              JET_errInvalidGrbit);
        CHECK(JetBeginExternalBackupInstance(made.instance, 0x1000) == JET_errInvalidGrbit);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
    }

    SECTION("LoggingDisabled: JET_paramRecovery off") {
        instance_guard guard;
        auto instance = create_instance(guard, fixture.root / "a", "a");
        REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramRecovery, 0, "off") == JET_errSuccess);
        REQUIRE(JetInit(&instance) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errLoggingDisabled);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errLoggingDisabled);
    }

    SECTION("MissingFullBackup: no full backup, or only a copy (not truncated)") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errMissingFullBackup);
        // a copy backup does not count (docs/protocol.md §3.2 step 12)
        full_backup(made.instance, false);
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errMissingFullBackup);
        full_backup(made.instance, true);
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errSuccess);
    }

    SECTION("NotInitialized: created, not initialized") {
        instance_guard guard;
        const auto instance = create_instance(guard, fixture.root / "a", "a");
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errNotInitialized);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errNotInitialized);
    }

    SECTION("OutOfMemory: an allocation fails while Begin reads the checkpoint") {
        out_of_memory_storage storage;
        instance_guard guard;
        const auto instance = start_on(guard, storage, "m", 5).first;
        storage.fail_open = true;
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errOutOfMemory);
        storage.fail_open = false;
        // No session was left behind, and the next Begin works.
        CHECK(JetEndExternalBackupInstance(instance) == JET_errNoBackup);
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("RestoreInProgress: from JetRestoreInstance's status callback") {
        probe_restore(fixture.root);
        REQUIRE_FALSE(restore_begin_codes.empty());
        for (const auto code : restore_begin_codes) {
            CHECK(code == JET_errRestoreInProgress);
        }
    }

    SECTION("RunningInMultiInstanceMode: the legacy call after JetCreateInstance") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        CHECK(JetBeginExternalBackup(0) == JET_errRunningInMultiInstanceMode);
        CHECK(JetBeginExternalBackup(JET_bitBackupIncremental) ==
              JET_errRunningInMultiInstanceMode);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
    }
}

// ---- 2. JetEndExternalBackupInstance(2): every documented code ----

TEST_CASE("esent: JetEndExternalBackupInstance returns every documented code", "[esent]") {
    posix_fixture fixture;

    SECTION("Success: a complete backup, and an aborted one") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        full_backup(made.instance, true);  // ends with End == Success
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errSuccess);
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        (void)log_info(made.instance);
        CHECK(JetEndExternalBackupInstance2(made.instance,
                                            JET_bitBackupEndNormal | JET_bitBackupTruncateDone) ==
              JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
    }

    // The seeds document BackupAbortByServer (after JetStopBackup) and
    // BackupAbortByCaller (ended before the log phase) for End; esent.hpp returns
    // JET_errSuccess in both cases by design, as ESE's engine does (docs/protocol.md §8.2).
    SECTION("BackupAbortByServer case: End after JetStopBackupInstance is Success") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        REQUIRE(JetStopBackupInstance(made.instance) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
    }

    SECTION("BackupAbortByCaller case: End before JetGetLogInfo is Success") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        for (const auto& database : attach_info(made.instance)) {
            (void)copy_file(made.instance, database);
        }
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errSuccess);
        // Treated as an abort: nothing was recorded in the header.
        CHECK(JetBeginExternalBackupInstance(made.instance, JET_bitBackupIncremental) ==
              JET_errMissingFullBackup);
    }

    SECTION("ClientRequestToStopJetService: after JetStopServiceInstance") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        REQUIRE(JetStopServiceInstance(made.instance) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errClientRequestToStopJetService);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errClientRequestToStopJetService);
        // Only JetTerm can clean the session up now (docs/protocol.md §1.11).
        CHECK(JetTerm(made.instance) == JET_errSuccess);
    }

    SECTION("InstanceUnavailable: after a log write failed") {
        faulty_storage<memory_storage> storage;
        instance_guard guard;
        const auto started = start_on(guard, storage, "f", 10);
        const auto instance = started.first;
        const auto sesid = started.second;
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        storage.fail_when(is_log_write);
        CHECK(JetCommitTransaction(sesid, JET_bitForceNewLog) == JET_errLogWriteFail);
        storage.disarm();
        CHECK(JetEndExternalBackupInstance(instance) == JET_errInstanceUnavailable);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) ==
              JET_errInstanceUnavailable);
    }

    SECTION("NoBackup: no session") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        CHECK(JetEndExternalBackupInstance(made.instance) == JET_errNoBackup);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errNoBackup);
    }

    SECTION("NotInitialized: created, not initialized") {
        instance_guard guard;
        const auto instance = create_instance(guard, fixture.root / "a", "a");
        CHECK(JetEndExternalBackupInstance(instance) == JET_errNotInitialized);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) ==
              JET_errNotInitialized);
    }

    SECTION("RestoreInProgress: from JetRestoreInstance's status callback") {
        probe_restore(fixture.root);
        REQUIRE_FALSE(restore_end_codes.empty());
        for (const auto code : restore_end_codes) {
            CHECK(code == JET_errRestoreInProgress);
        }
    }

    SECTION("RunningInMultiInstanceMode: the legacy call after JetCreateInstance") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackup() == JET_errRunningInMultiInstanceMode);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errSuccess);
    }

    SECTION("TermInProgress: while JetTerm runs") {
        const auto probe = probe_term();
        CHECK(probe.term == JET_errSuccess);
        CHECK(probe.end.count(JET_errTermInProgress) == 1);
        // Before the instance is marked terminating there is simply no session.
        CHECK(probe.end.count(JET_errNoBackup) == 1);
        CHECK(probe.end.size() == 2);
    }

    SECTION("InvalidParameter: End2 with neither or both of Normal and Abort") {
        instance_guard guard;
        const auto made = start_populated(guard, fixture.root / "a", "a");
        CHECK(JetEndExternalBackupInstance2(made.instance, 0) == JET_errInvalidParameter);
        REQUIRE(JetBeginExternalBackupInstance(made.instance, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(made.instance, 0) == JET_errInvalidParameter);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupTruncateDone) ==
              JET_errInvalidParameter);
        CHECK(JetEndExternalBackupInstance2(made.instance,
                                            JET_bitBackupEndNormal | JET_bitBackupEndAbort) ==
              JET_errInvalidParameter);
        // The session survived the bad grbits.
        CHECK(attach_info(made.instance).size() == 1);
        CHECK(JetEndExternalBackupInstance2(made.instance, JET_bitBackupEndAbort) ==
              JET_errSuccess);
    }
}

}  // namespace hotbackup::test
