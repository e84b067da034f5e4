// Restore through the ESE-compatible API (esent/restore.hpp): JetExternalRestore(2)
// over files an ESE client copied itself, its codes for bad input (docs/protocol.md §5),
// its status callback, and a restore onto a running instance's directories.
//
// The Jet* registry is process-global: every test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#include <algorithm>
#include <cstddef>
#include <filesystem>
#include <fstream>
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

void write_bytes(const fs::path& path, const std::vector<std::byte>& bytes) {
    std::ofstream out{path, std::ios::binary};
    out.write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT: a byte buffer
              static_cast<std::streamsize>(bytes.size()));
}

/// One external backup into `directory`, every file written under its own name;
/// returns the log range.
JET_LOGINFO back_up(JET_INSTANCE instance, JET_GRBIT grbit, const fs::path& directory) {
    fs::create_directories(directory);
    REQUIRE(JetBeginExternalBackupInstance(instance, grbit) == JET_errSuccess);
    if ((grbit & JET_bitBackupIncremental) == 0) {
        for (const auto& database : attach_info(instance)) {
            write_bytes(directory / fs::path{database}.filename(), copy_file(instance, database));
        }
    }
    JET_LOGINFO info{sizeof(JET_LOGINFO), 0, 0, {}};
    unsigned long size = 0;
    REQUIRE(JetGetLogInfoInstance2(instance, nullptr, 0, &size, &info) == JET_errSuccess);
    std::vector<char> bytes(size);
    REQUIRE(JetGetLogInfoInstance2(instance, bytes.data(), size, &size, &info) == JET_errSuccess);
    for (const auto& log : split(bytes)) {
        write_bytes(directory / fs::path{log}.filename(), copy_file(instance, log));
    }
    REQUIRE(JetTruncateLogInstance(instance) == JET_errSuccess);
    REQUIRE(JetEndExternalBackupInstance(instance) == JET_errSuccess);
    return info;
}

/// A full and an incremental backup of a populated instance, with keys written
/// before, between and after them; the instance is terminated.
struct backed_up {
    fs::path root;
    std::string database;  // the path the logs record
    JET_LOGINFO full{};
    JET_LOGINFO incremental{};
};

backed_up make_backups(const fs::path& root) {
    instance_guard guard;
    const auto live = start_populated(guard, root / "live", "live");
    backed_up made{root, live.database, {}, {}};
    made.full = back_up(live.instance, 0, root / "full");
    fill(live.sesid, live.dbid, 40, "between");
    made.incremental = back_up(live.instance, JET_bitBackupIncremental, root / "incremental");
    fill(live.sesid, live.dbid, 5, "after");
    REQUIRE(JetTerm(live.instance) == JET_errSuccess);
    return made;
}

/// The database stream in `restored`/one.edb and every backed-up log in
/// `root`/backup-logs, as a client lays them out for JetExternalRestore.
fs::path lay_out(const backed_up& backups, const fs::path& restored) {
    fs::create_directories(restored);
    fs::copy_file(backups.root / "full" / "one.edb", restored / "one.edb",
                  fs::copy_options::overwrite_existing);
    const auto logs = backups.root / "backup-logs";
    fs::create_directories(logs);
    for (const auto* set : {"full", "incremental"}) {
        for (const auto& entry : fs::directory_iterator{backups.root / set}) {
            if (entry.path().extension() == ".log") {
                fs::copy_file(entry.path(), logs / entry.path().filename(),
                              fs::copy_options::overwrite_existing);
            }
        }
    }
    return logs;
}

/// Opens the restored instance (system path `directory`, logs in directory/log),
/// attaches `database` and returns how many of `keys` it holds.
int count_keys(const fs::path& directory, const std::string& database,
               const std::vector<std::string>& keys) {
    instance_guard guard;
    JET_INSTANCE instance = 0;
    REQUIRE(JetCreateInstance(&instance, "reopened") == JET_errSuccess);
    guard.add(instance);
    const auto system = directory.string();
    const auto log = (directory / "log").string();
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramSystemPath, 0, system.c_str()) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramLogFilePath, 0, log.c_str()) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramDatabasePageSize, page_size, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramLogFileSize, 64, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetInit(&instance) == JET_errSuccess);
    const auto sesid = begin_session(instance);
    REQUIRE(JetAttachDatabase(sesid, database.c_str(), 0) == JET_errSuccess);
    auto& engine = engine_of(instance);
    const auto id = engine.attached_databases().front().id;
    const auto reader = engine.begin_transaction();
    int found = 0;
    for (const auto& key : keys) {
        found += reader.get(id, key).has_value() ? 1 : 0;
    }
    return found;
}

/// The status notifications of the last restore.
std::vector<JET_SNT> notifications;
unsigned long last_percent = 0;

JET_ERR record_status(JET_SESID /*sesid*/, JET_SNP snp, JET_SNT snt, void* pv) {
    if (snp == JET_snpRestore) {
        notifications.push_back(snt);
        if (snt == JET_sntProgress && pv != nullptr) {
            const auto* progress = static_cast<const JET_SNPROG*>(pv);
            CHECK(progress->cbStruct == sizeof(JET_SNPROG));
            CHECK(progress->cunitTotal == 100);
            last_percent = progress->cunitDone;
        }
    }
    return JET_errSuccess;
}

/// JetExternalRestore's arguments, kept alive for the non-const char* it takes.
struct restore_call {
    std::string checkpoint;
    std::string log;
    std::string original;
    std::string restored;
    std::string backup_logs;
    long low = 0;
    long high = 0;

    JET_ERR run(long map_count = 1) {
        JET_RSTMAP map{original.data(), restored.data()};
        return JetExternalRestore(checkpoint.data(), log.data(), map_count == 0 ? nullptr : &map,
                                  map_count, backup_logs.data(), low, high, &record_status);
    }
};

restore_call make_call(const backed_up& backups, const fs::path& restored) {
    const auto logs = lay_out(backups, restored);
    return {restored.string(),
            (restored / "log").string(),
            backups.database,
            (restored / "one.edb").string(),
            logs.string(),
            static_cast<long>(backups.full.ulGenLow),
            static_cast<long>(backups.incremental.ulGenHigh)};
}

void flip_byte(const fs::path& path, std::streamoff offset) {
    std::fstream file{path, std::ios::binary | std::ios::in | std::ios::out};
    file.seekg(offset);
    char byte = 0;
    file.get(byte);
    file.seekp(offset);
    file.put(static_cast<char>(byte ^ 0x41));
}

}  // namespace

TEST_CASE("esent: JetExternalRestore restores a full and an incremental backup",
          "[esent][restore]") {
    posix_fixture fixture;
    const auto backups = make_backups(fixture.root);
    REQUIRE(backups.incremental.ulGenHigh > backups.full.ulGenHigh);
    auto call = make_call(backups, fixture.root / "restored");
    notifications.clear();
    REQUIRE(call.run() == JET_errSuccess);
    REQUIRE(notifications.size() >= 3);
    CHECK(notifications.front() == JET_sntBegin);
    CHECK(notifications.back() == JET_sntComplete);
    CHECK(last_percent == 100);
    // Everything up to the incremental backup; nothing written after it.
    CHECK(count_keys(fixture.root / "restored", call.restored, keys("k", 20)) == 20);
    CHECK(count_keys(fixture.root / "restored", call.restored, keys("between", 40)) == 40);
    CHECK(count_keys(fixture.root / "restored", call.restored, keys("after", 5)) == 0);
}

TEST_CASE("esent: JetExternalRestore with genLow and genHigh 0 takes the folder's range",
          "[esent][restore]") {
    posix_fixture fixture;
    const auto backups = make_backups(fixture.root);
    auto call = make_call(backups, fixture.root / "restored");
    call.low = 0;
    call.high = 0;
    REQUIRE(call.run() == JET_errSuccess);
    CHECK(count_keys(fixture.root / "restored", call.restored, keys("between", 40)) == 40);
}

TEST_CASE("esent: JetExternalRestore takes the logs' base name from JET_paramBaseName",
          "[esent][restore]") {
    posix_fixture fixture;
    // Set with no instance: the default of instances made later, and of the legacy
    // restore. The global parameters reset when the last instance terminates, so it
    // is set again before each use.
    const auto set_base_name = [] {
        REQUIRE(JetSetSystemParameter(nullptr, 0, JET_paramBaseName, 0, "abc") == JET_errSuccess);
    };
    set_base_name();
    const auto backups = make_backups(fixture.root);
    REQUIRE(std::string{backups.full.szBaseName} == "abc");
    REQUIRE(
        fs::exists(fixture.root / "full" / hotbackup::log_file_name("abc", backups.full.ulGenLow)));
    auto call = make_call(backups, fixture.root / "restored");
    set_base_name();
    CHECK(call.run() == JET_errSuccess);
    set_base_name();  // the reopened instance names its logs abc too
    CHECK(count_keys(fixture.root / "restored", call.restored, keys("between", 40)) == 40);
}

TEST_CASE("esent: JetExternalRestore returns docs/protocol.md §5's codes for bad input",
          "[esent][restore]") {
    posix_fixture fixture;
    const auto backups = make_backups(fixture.root);
    const auto restored = fixture.root / "restored";
    auto call = make_call(backups, restored);
    notifications.clear();

    SECTION("InvalidParameter: map count out of range, map and count disagreeing, no paths") {
        CHECK(call.run(15) == JET_errInvalidParameter);
        CHECK(call.run(-1) == JET_errInvalidParameter);
        JET_RSTMAP map{call.original.data(), call.restored.data()};
        CHECK(JetExternalRestore(call.checkpoint.data(), call.log.data(), &map, 0,
                                 call.backup_logs.data(), call.low, call.high,
                                 nullptr) == JET_errInvalidParameter);
        CHECK(JetExternalRestore(nullptr, call.log.data(), &map, 1, call.backup_logs.data(),
                                 call.low, call.high, nullptr) == JET_errInvalidParameter);
    }
    SECTION("FileNotFound: a backed-up log is missing") {
        fs::remove(fs::path{call.backup_logs} /
                   hotbackup::log_file_name("edb", backups.incremental.ulGenHigh));
        CHECK(call.run() == JET_errFileNotFound);
        CHECK(notifications.back() == JET_sntFail);
    }
    SECTION("GivenLogFileIsNotContiguous: a log under another generation's name") {
        fs::copy_file(
            fs::path{call.backup_logs} / hotbackup::log_file_name("edb", backups.full.ulGenLow),
            fs::path{call.backup_logs} / hotbackup::log_file_name("edb", backups.full.ulGenLow + 1),
            fs::copy_options::overwrite_existing);
        CHECK(call.run() == JET_errGivenLogFileIsNotContiguous);
    }
    SECTION("GivenLogFileHasBadSignature: a log of another instance") {
        posix_fixture other_root;
        const auto other = make_backups(other_root.root);
        // A generation both instances backed up: the last of the shorter chain.
        const auto generation =
            std::min(backups.incremental.ulGenHigh, other.incremental.ulGenHigh);
        REQUIRE(generation >= std::max(backups.full.ulGenLow, other.full.ulGenLow));
        const auto name = hotbackup::log_file_name("edb", generation);
        fs::path foreign = other_root.root / "incremental" / name;
        if (!fs::exists(foreign)) {
            foreign = other_root.root / "full" / name;
        }
        REQUIRE(fs::exists(foreign));
        fs::copy_file(foreign, fs::path{call.backup_logs} / name,
                      fs::copy_options::overwrite_existing);
        CHECK(call.run() == JET_errGivenLogFileHasBadSignature);
    }
    SECTION("RestoreOfNonBackupDatabase: the live database file, not a backup stream") {
        fs::copy_file(call.original, call.restored, fs::copy_options::overwrite_existing);
        CHECK(call.run() == JET_errRestoreOfNonBackupDatabase);
    }
    SECTION("DatabaseCorrupted and FileNotFound: a damaged or missing database") {
        flip_byte(call.restored, 300);
        flip_byte(call.restored, static_cast<std::streamoff>(page_size) + 300);
        CHECK(call.run() == JET_errDatabaseCorrupted);
        fs::remove(call.restored);
        CHECK(call.run() == JET_errFileNotFound);
    }
    SECTION("BadPatchPage: a damaged trailer page") {
        const auto size = static_cast<std::streamoff>(fs::file_size(call.restored));
        flip_byte(call.restored, size - static_cast<std::streamoff>(page_size) + 40);
        CHECK(call.run() == JET_errBadPatchPage);
    }
    SECTION(
        "StartingRestoreLogTooHigh and EndingRestoreLogTooLow: a range the database "
        "does not fit") {
        call.low = static_cast<long>(backups.full.ulGenLow) + 1;
        CHECK(call.run() == JET_errStartingRestoreLogTooHigh);
        call.low = static_cast<long>(backups.full.ulGenLow);
        call.high = static_cast<long>(backups.full.ulGenLow);
        if (backups.full.ulGenHigh > backups.full.ulGenLow) {
            CHECK(call.run() == JET_errEndingRestoreLogTooLow);
        }
    }
    SECTION("RunningInOneInstanceMode") {
        instance_guard guard;
        set_parameters(nullptr, fixture.root / "legacy");
        JET_INSTANCE legacy = 0;
        REQUIRE(JetInit(&legacy) == JET_errSuccess);
        guard.add(legacy);
        CHECK(call.run() == JET_errRunningInOneInstanceMode);
    }
}

TEST_CASE("esent: JetExternalRestore2 takes a JET_LOGINFO and target directories",
          "[esent][restore]") {
    posix_fixture fixture;
    const auto backups = make_backups(fixture.root);
    auto call = make_call(backups, fixture.root / "restored");
    JET_RSTMAP map{call.original.data(), call.restored.data()};
    JET_LOGINFO info{sizeof(JET_LOGINFO),
                     backups.full.ulGenLow,
                     backups.incremental.ulGenHigh,
                     {'e', 'd', 'b', '\0'}};
    std::string name = "live";
    auto target = (fixture.root / "restored").string();
    auto target_log = (fixture.root / "restored" / "log").string();
    const auto restore2 = [&](JET_LOGINFO* log_info, char* target_name, char* log_path,
                              char* checkpoint_path) {
        return JetExternalRestore2(call.checkpoint.data(), call.log.data(), &map, 1,
                                   call.backup_logs.data(), log_info, target_name, log_path,
                                   checkpoint_path, nullptr);
    };

    SECTION("InvalidParameter: a wrong cbSize, a name with directories, one directory") {
        auto wrong = info;
        wrong.cbSize = sizeof(JET_LOGINFO) + 1;
        CHECK(restore2(&wrong, nullptr, nullptr, nullptr) == JET_errInvalidParameter);
        CHECK(restore2(nullptr, nullptr, nullptr, nullptr) == JET_errInvalidParameter);
        CHECK(restore2(&info, name.data(), target_log.data(), target.data()) ==
              JET_errInvalidParameter);
        CHECK(restore2(&info, nullptr, target_log.data(), nullptr) == JET_errInvalidParameter);
    }
    SECTION("BadRestoreTargetInstance: a named target instance") {
        CHECK(restore2(&info, name.data(), nullptr, nullptr) == JET_errBadRestoreTargetInstance);
    }
    SECTION("the target directories replace szLogPath and szCheckpointFilePath, unswapped") {
        auto unused = (fixture.root / "unused").string();
        call.checkpoint = unused;
        call.log = unused;
        REQUIRE(restore2(&info, nullptr, target_log.data(), target.data()) == JET_errSuccess);
        CHECK_FALSE(fs::exists(unused));
        CHECK(fs::exists(fs::path{target} / "edb.chk"));
        CHECK(count_keys(target, call.restored, keys("between", 40)) == 40);
    }
}

TEST_CASE("esent: a restore onto a running instance's directories is refused", "[esent][restore]") {
    posix_fixture fixture;
    const auto backups = make_backups(fixture.root);
    auto call = make_call(backups, fixture.root / "restored");
    instance_guard guard;
    // An instance running with the restore's checkpoint and log directories.
    JET_INSTANCE running = 0;
    REQUIRE(JetCreateInstance(&running, "running") == JET_errSuccess);
    guard.add(running);
    REQUIRE(JetSetSystemParameter(&running, 0, JET_paramSystemPath, 0, call.checkpoint.c_str()) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&running, 0, JET_paramLogFilePath, 0, call.log.c_str()) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&running, 0, JET_paramCreatePathIfNotExist, 1, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&running, 0, JET_paramDatabasePageSize, page_size, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetInit(&running) == JET_errSuccess);
    const auto before = fs::last_write_time(fs::path{call.checkpoint} / "edb.chk");
    CHECK(call.run() == JET_errBadRestoreTargetInstance);
    CHECK(fs::last_write_time(fs::path{call.checkpoint} / "edb.chk") == before);
}
