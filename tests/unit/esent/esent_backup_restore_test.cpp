// JetBackupInstance / JetRestoreInstance and their one-instance forms JetBackup /
// JetRestore (esent/backup_restore.hpp), built on the backup calls: full and
// incremental backups into a directory, restored into a created instance, and what
// the instance's calls return while it is being restored.
//
// The Jet* registry is process-global: every test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#include <array>
#include <filesystem>
#include <hotbackup/esent.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/esent_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace {

using namespace hotbackup::test::jet;  // the fixture
namespace fs = std::filesystem;
using hotbackup::esent::engine_of;
using posix_fixture = hotbackup::test::storage_fixture<hotbackup::posix_storage>;

}  // namespace

TEST_CASE("esent: JetBackupInstance and JetRestoreInstance, full and incremental",
          "[esent][restore]") {
    posix_fixture fixture;
    const auto backup = (fixture.root / "backup").string();
    std::string database;
    {
        instance_guard guard;
        const auto live = start_populated(guard, fixture.root / "live", "live");
        database = live.database;
        CHECK(JetBackupInstance(live.instance, nullptr, 0, nullptr) == JET_errInvalidParameter);
        CHECK(JetBackupInstance(live.instance, backup.c_str(), JET_bitBackupAtomic, nullptr) ==
              JET_errInvalidGrbit);
        CHECK(JetBackupInstance(live.instance, backup.c_str(), JET_bitBackupIncremental, nullptr) ==
              JET_errInvalidBackup);
        REQUIRE(JetBackupInstance(live.instance, backup.c_str(), 0, nullptr) == JET_errSuccess);
        CHECK(JetBackupInstance(live.instance, backup.c_str(), 0, nullptr) ==
              JET_errBackupDirectoryNotEmpty);
        fill(live.sesid, live.dbid, 30, "between");
        REQUIRE(JetBackupInstance(live.instance, backup.c_str(), JET_bitBackupIncremental,
                                  nullptr) == JET_errSuccess);
        fill(live.sesid, live.dbid, 5, "after");
    }
    instance_guard guard;
    auto target = create_instance(guard, fixture.root / "target", "target");
    const auto destination = fixture.root / "restored";
    const auto missing = (fixture.root / "nothing").string();
    CHECK(JetRestoreInstance(target, missing.c_str(), nullptr, nullptr) == JET_errPatchFileMissing);
    REQUIRE(JetRestoreInstance(target, backup.c_str(), destination.string().c_str(), nullptr) ==
            JET_errSuccess);
    REQUIRE(JetInit(&target) == JET_errSuccess);
    CHECK(JetRestoreInstance(target, backup.c_str(), destination.string().c_str(), nullptr) ==
          JET_errAlreadyInitialized);
    const auto sesid = begin_session(target);
    const auto restored = (destination / "one.edb").string();
    REQUIRE(JetAttachDatabase(sesid, restored.c_str(), 0) == JET_errSuccess);
    auto& engine = engine_of(target);
    const auto id = engine.attached_databases().front().id;
    const auto reader = engine.begin_transaction();
    for (const auto& key : keys("between", 30)) {
        CHECK(reader.get(id, key).has_value());
    }
    CHECK_FALSE(reader.get(id, "after0").has_value());
}

TEST_CASE("esent: JetBackup and JetRestore in one-instance mode", "[esent][restore]") {
    posix_fixture fixture;
    const auto backup = (fixture.root / "backup").string();
    std::string database;
    {
        instance_guard guard;
        set_parameters(nullptr, fixture.root / "live");
        JET_INSTANCE instance = 0;
        REQUIRE(JetInit(&instance) == JET_errSuccess);
        guard.add(instance);
        const auto sesid = begin_session(instance);
        database = (fixture.root / "live" / "one.edb").string();
        const auto dbid = create_database(sesid, database);
        fill(sesid, dbid, 25, "legacy");
        REQUIRE(JetBackup(backup.c_str(), 0, nullptr) == JET_errSuccess);
        CHECK(JetRestore(backup.c_str(), nullptr) == JET_errAlreadyInitialized);
    }
    // Back to where the database was: restored over the original path, into the
    // one instance's paths (set globally again: the mode reset with the last term).
    fs::remove_all(fixture.root / "live");
    instance_guard guard;
    set_parameters(nullptr, fixture.root / "live");
    REQUIRE(JetRestore(backup.c_str(), nullptr) == JET_errSuccess);
    JET_INSTANCE instance = 0;
    REQUIRE(JetInit(&instance) == JET_errSuccess);
    guard.add(instance);
    const auto sesid = begin_session(instance);
    REQUIRE(JetAttachDatabase(sesid, database.c_str(), 0) == JET_errSuccess);
    auto& engine = engine_of(instance);
    const auto reader = engine.begin_transaction();
    CHECK(reader.get(engine.attached_databases().front().id, "legacy24").has_value());
}

namespace {

/// What JetTerm and JetGetSystemParameter return from inside JetRestoreInstance's
/// status callback.
JET_INSTANCE restoring = 0;
std::vector<JET_ERR> term_codes;
std::vector<JET_ERR> parameter_codes;

JET_ERR call_during_restore(JET_SESID /*sesid*/, JET_SNP /*snp*/, JET_SNT /*snt*/, void* /*pv*/) {
    term_codes.push_back(JetTerm(restoring));
    std::array<char, 256> path{};
    parameter_codes.push_back(JetGetSystemParameter(restoring, 0, JET_paramSystemPath, nullptr,
                                                    path.data(), path.size()));
    return JET_errSuccess;
}

}  // namespace

TEST_CASE("esent: an instance being restored cannot be terminated, and its parameters read",
          "[esent][restore]") {
    posix_fixture fixture;
    const auto backup = (fixture.root / "backup").string();
    {
        instance_guard guard;
        const auto live = start_populated(guard, fixture.root / "live", "live");
        REQUIRE(JetBackupInstance(live.instance, backup.c_str(), 0, nullptr) == JET_errSuccess);
    }
    instance_guard guard;
    restoring = create_instance(guard, fixture.root / "target", "target");
    term_codes.clear();
    parameter_codes.clear();
    REQUIRE(JetRestoreInstance(restoring, backup.c_str(), (fixture.root / "out").string().c_str(),
                               &call_during_restore) == JET_errSuccess);
    REQUIRE_FALSE(term_codes.empty());
    for (const auto code : term_codes) {
        CHECK(code == JET_errRestoreInProgress);
    }
    for (const auto code : parameter_codes) {
        CHECK(code == JET_errSuccess);
    }
    CHECK(JetInit(&restoring) == JET_errSuccess);
}
