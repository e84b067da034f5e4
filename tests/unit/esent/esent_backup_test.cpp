// The ESE-compatible backup API (esent/backup.hpp), driven only through the Jet*
// calls: the state machine of docs/protocol.md §3.7, the buffer and multi-string
// rules of §8.9–§8.10, file sections, what must not destroy data, and a backup while
// writers commit through their sessions. Each test asserts exact JET_ERR numbers.
//
// The Jet* registry is process-global: every test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <hotbackup/esent.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <iterator>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/esent_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

using esent::database_of;
using esent::engine_of;
using esent::transaction_of;

namespace {

using namespace hotbackup::test::jet;  // the fixture
namespace fs = std::filesystem;
using posix_fixture = hotbackup::test::storage_fixture<hotbackup::posix_storage>;

/// The file names in a directory, sorted.
std::set<std::string> listing(const fs::path& directory) {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator{directory}) {
        names.insert(entry.path().filename().string());
    }
    return names;
}

}  // namespace

// ---- 3. The state machine of docs/protocol.md §3.7 ----

TEST_CASE("esent: out-of-order backup calls follow docs/protocol.md §3.7", "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto made = start_populated(guard, fixture.root / "a", "a");
    const auto instance = made.instance;
    const auto log_name = (fixture.root / "a" / "log" / "edb00000001.log").string();
    const page_buffer buffer{16};
    unsigned long count = 0;
    unsigned long size = 0;
    JET_HANDLE handle = 0;

    SECTION("NoBackup: every call but Begin and StopBackup without a session") {
        std::vector<char> names(1024);
        JET_LOGINFO info{sizeof(JET_LOGINFO), 0, 0, {}};
        CHECK(JetGetAttachInfoInstance(instance, names.data(), 1024, &size) == JET_errNoBackup);
        CHECK(JetOpenFileInstance(instance, made.database.c_str(), &handle, nullptr, nullptr) ==
              JET_errNoBackup);
        CHECK(JetReadFileInstance(instance, 1, buffer.data(), buffer.size(), &count) ==
              JET_errNoBackup);
        CHECK(JetCloseFileInstance(instance, 1) == JET_errNoBackup);
        CHECK(JetGetLogInfoInstance(instance, names.data(), 1024, &size) == JET_errNoBackup);
        CHECK(JetGetLogInfoInstance2(instance, names.data(), 1024, &size, &info) ==
              JET_errNoBackup);
        CHECK(JetGetTruncateLogInfoInstance(instance, names.data(), 1024, &size) ==
              JET_errNoBackup);
        CHECK(JetTruncateLogInstance(instance) == JET_errNoBackup);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errNoBackup);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errNoBackup);
        CHECK(JetStopBackupInstance(instance) == JET_errSuccess);
    }

    SECTION("BackupInProgress: Begin twice") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(instance, 0) == JET_errBackupInProgress);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("GetAttachInfo during an incremental backup: InvalidBackupSequence, kept") {
        full_backup(instance, true);
        REQUIRE(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
                JET_errSuccess);
        CHECK(JetGetAttachInfoInstance(instance, nullptr, 0, &size) ==
              JET_errInvalidBackupSequence);
        const auto logs = log_info(instance);
        REQUIRE_FALSE(logs.empty());
        for (const auto& log : logs) {
            (void)copy_file(instance, log);
        }
        CHECK(JetTruncateLogInstance(instance) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errSuccess);
    }

    SECTION("OpenFile(database) during an incremental backup: cancelled") {
        full_backup(instance, true);
        REQUIRE(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
                JET_errSuccess);
        CHECK(JetOpenFileInstance(instance, made.database.c_str(), &handle, nullptr, nullptr) ==
              JET_errInvalidBackupSequence);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errNoBackup);
    }

    SECTION("OpenFile(database) after GetLogInfo: cancelled") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        (void)log_info(instance);
        CHECK(JetOpenFileInstance(instance, made.database.c_str(), &handle, nullptr, nullptr) ==
              JET_errInvalidBackupSequence);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errNoBackup);
    }

    SECTION("OpenFile(log) before the log phase: DatabaseNotFound, kept") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(JetOpenFileInstance(instance, log_name.c_str(), &handle, nullptr, nullptr) ==
              JET_errDatabaseNotFound);
        CHECK(attach_info(instance) == std::vector<std::string>{made.database});
        (void)copy_file(instance, made.database);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errSuccess);
    }

    SECTION("OpenFile while a handle is open: OutOfMemory") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        handle = open_file(instance, made.database);
        JET_HANDLE second = 0;
        CHECK(JetOpenFileInstance(instance, made.database.c_str(), &second, nullptr, nullptr) ==
              JET_errOutOfMemory);
        // The first handle still reads.
        CHECK_FALSE(read_to_end(instance, handle).empty());
        CHECK(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("GetLogInfo, GetTruncateLogInfo, TruncateLog with a handle open") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        handle = open_file(instance, made.database);
        CHECK(JetGetLogInfoInstance(instance, nullptr, 0, &size) == JET_errInvalidBackupSequence);
        CHECK(JetGetTruncateLogInfoInstance(instance, nullptr, 0, &size) ==
              JET_errInvalidBackupSequence);
        CHECK(JetTruncateLogInstance(instance) == JET_errInvalidBackupSequence);
        CHECK(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        // In the log phase, with a log open, likewise.
        const auto logs = log_info(instance);
        REQUIRE_FALSE(logs.empty());
        handle = open_file(instance, logs.front());
        CHECK(JetGetLogInfoInstance(instance, nullptr, 0, &size) == JET_errInvalidBackupSequence);
        CHECK(JetTruncateLogInstance(instance) == JET_errInvalidBackupSequence);
        CHECK(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errSuccess);
    }

    SECTION("TruncateLog before GetLogInfo: InvalidBackupSequence") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        (void)copy_file(instance, made.database);
        CHECK(JetTruncateLogInstance(instance) == JET_errInvalidBackupSequence);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("TruncateLog before every log was read: LogFileNotCopied, kept") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        (void)copy_file(instance, made.database);
        const auto logs = log_info(instance);
        REQUIRE_FALSE(logs.empty());
        CHECK(JetTruncateLogInstance(instance) == JET_errLogFileNotCopied);
        // A log read only in part does not count either.
        handle = open_file(instance, logs.front());
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), 2 * page_size, &count) ==
                JET_errSuccess);
        CHECK(count == 2 * page_size);
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        CHECK(JetTruncateLogInstance(instance) == JET_errLogFileNotCopied);
        for (const auto& log : logs) {
            (void)copy_file(instance, log);
        }
        CHECK(JetTruncateLogInstance(instance) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errSuccess);
        // Now a full backup is recorded: an incremental one may begin.
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("End(Normal) before GetLogInfo: Success, nothing recorded") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        (void)copy_file(instance, made.database);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
              JET_errMissingFullBackup);
    }

    SECTION("after JetStopBackupInstance: BackupAbortByServer, CloseFile and End allowed") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        handle = open_file(instance, made.database);
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(), &count) ==
                JET_errSuccess);
        REQUIRE(JetStopBackupInstance(instance) == JET_errSuccess);
        JET_HANDLE second = 0;
        CHECK(JetGetAttachInfoInstance(instance, nullptr, 0, &size) == JET_errBackupAbortByServer);
        CHECK(JetOpenFileInstance(instance, made.database.c_str(), &second, nullptr, nullptr) ==
              JET_errBackupAbortByServer);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(), &count) ==
              JET_errBackupAbortByServer);
        CHECK(JetGetLogInfoInstance(instance, nullptr, 0, &size) == JET_errBackupAbortByServer);
        CHECK(JetGetTruncateLogInfoInstance(instance, nullptr, 0, &size) ==
              JET_errBackupAbortByServer);
        CHECK(JetTruncateLogInstance(instance) == JET_errBackupAbortByServer);
        // Not cancelled: the session is still there for CloseFile and End.
        CHECK(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance(instance) == JET_errSuccess);
        // The stop flag is cleared by the next Begin.
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(attach_info(instance).size() == 1);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("after JetStopServiceInstance: ClientRequestToStopJetService for every call") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        handle = open_file(instance, made.database);
        REQUIRE(JetStopServiceInstance(instance) == JET_errSuccess);
        const auto stopped = JET_errClientRequestToStopJetService;
        JET_LOGINFO info{sizeof(JET_LOGINFO), 0, 0, {}};
        JET_HANDLE second = 0;
        CHECK(JetBeginExternalBackupInstance(instance, 0) == stopped);
        CHECK(JetGetAttachInfoInstance(instance, nullptr, 0, &size) == stopped);
        CHECK(JetOpenFileInstance(instance, made.database.c_str(), &second, nullptr, nullptr) ==
              stopped);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(), &count) ==
              stopped);
        CHECK(JetCloseFileInstance(instance, handle) == stopped);
        CHECK(JetGetLogInfoInstance(instance, nullptr, 0, &size) == stopped);
        CHECK(JetGetLogInfoInstance2(instance, nullptr, 0, &size, &info) == stopped);
        CHECK(JetGetTruncateLogInfoInstance(instance, nullptr, 0, &size) == stopped);
        CHECK(JetTruncateLogInstance(instance) == stopped);
        CHECK(JetEndExternalBackupInstance(instance) == stopped);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == stopped);
        // JetStopBackup does not enter the API (docs/protocol.md §1.10); JetTerm cleans up.
        CHECK(JetStopBackupInstance(instance) == JET_errSuccess);
        CHECK(JetTerm(instance) == JET_errSuccess);
    }

    SECTION("JetTerm (abrupt) with a session ends it") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        handle = open_file(instance, made.database);
        CHECK(JetTerm(instance) == JET_errSuccess);
        // The instance is gone; a new one on the same paths starts and backs up.
        auto again = start_instance(guard, fixture.root / "a", "again");
        REQUIRE(JetBeginExternalBackupInstance(again, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(again, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("JetTerm2(JET_bitTermComplete) with a session: BackupInProgress") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(JetTerm2(instance, JET_bitTermComplete) == JET_errBackupInProgress);
        CHECK(JetTerm2(instance, 0) == JET_errBackupInProgress);
        // Nothing changed: the backup goes on and ends, then the instance terminates.
        CHECK(attach_info(instance).size() == 1);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
        CHECK(JetTerm2(instance, JET_bitTermComplete) == JET_errSuccess);
    }

    SECTION("JetAttachDatabase / JetDetachDatabase during a session: BackupInProgress") {
        const auto two = (fixture.root / "a" / "two.edb").string();
        (void)create_database(made.sesid, two);
        REQUIRE(JetDetachDatabase(made.sesid, two.c_str()) == JET_errSuccess);
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        CHECK(JetAttachDatabase(made.sesid, two.c_str(), 0) == JET_errBackupInProgress);
        CHECK(JetDetachDatabase(made.sesid, made.database.c_str()) == JET_errBackupInProgress);
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
        CHECK(JetAttachDatabase(made.sesid, two.c_str(), 0) == JET_errSuccess);
    }

    SECTION("JetCreateDatabase during a session works") {
        REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
        const auto three = (fixture.root / "a" / "three.edb").string();
        JET_DBID dbid = JET_dbidNil;
        CHECK(JetCreateDatabase(made.sesid, three.c_str(), nullptr, &dbid, 0) == JET_errSuccess);
        put(made.sesid, dbid, "new", "value");
        // The backup lists the databases attached when it began.
        CHECK(attach_info(instance) == std::vector<std::string>{made.database});
        CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
    }
}

// ---- 4. JetReadFileInstance's buffer rules (docs/protocol.md §8.9), JetOpenFileSectionInstance

TEST_CASE("esent: JetReadFileInstance checks its buffer as docs/protocol.md §8.9 says", "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto made = start_populated(guard, fixture.root / "a", "a");
    const auto instance = made.instance;
    fill(made.sesid, made.dbid, 40, "more");  // a database of several pages
    REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
    const page_buffer buffer{16};
    unsigned long count = 12345;
    std::uint64_t size = 0;
    auto handle = open_file(instance, made.database, &size);
    REQUIRE(size % page_size == 0);
    REQUIRE(size >= 4 * page_size);

    SECTION("unaligned pv, cb not a page multiple, cb 0, wrong handle: InvalidParameter") {
        CHECK(JetReadFileInstance(instance, handle, buffer.data() + 512, 4 * page_size, &count) ==
              JET_errInvalidParameter);
        CHECK(JetReadFileInstance(instance, handle, nullptr, 4 * page_size, &count) ==
              JET_errInvalidParameter);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), 3 * page_size + 512, &count) ==
              JET_errInvalidParameter);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), 0, &count) ==
              JET_errInvalidParameter);
        CHECK(JetReadFileInstance(instance, handle + 1, buffer.data(), 4 * page_size, &count) ==
              JET_errInvalidParameter);
        // None of them moved the stream: the whole stream is still to come.
        CHECK(read_to_end(instance, handle).size() == size);
        // A closed handle is wrong too.
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), 4 * page_size, &count) ==
              JET_errInvalidParameter);
        CHECK(JetCloseFileInstance(instance, handle) == JET_errInvalidParameter);
    }

    SECTION("a database's first read needs 3 pages; end of file is Success with 0 bytes") {
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), 2 * page_size, &count) ==
              JET_errInvalidParameter);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), page_size, &count) ==
              JET_errInvalidParameter);
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), 3 * page_size, &count) ==
                JET_errSuccess);
        CHECK(count == 3 * page_size);
        // Later reads may be a single page.
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), page_size, &count) ==
                JET_errSuccess);
        CHECK(count == page_size);
        const auto rest = read_to_end(instance, handle);
        CHECK(rest.size() + 4 * page_size == size);
        count = 12345;
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(), &count) ==
              JET_errSuccess);
        CHECK(count == 0);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(), nullptr) ==
              JET_errSuccess);
    }

    SECTION("a log's first read needs 2 pages") {
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        const auto logs = log_info(instance);
        REQUIRE_FALSE(logs.empty());
        std::uint64_t log_size = 0;
        handle = open_file(instance, logs.front(), &log_size);
        CHECK(log_size == 64 * 1024);
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), page_size, &count) ==
              JET_errInvalidParameter);
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), 2 * page_size, &count) ==
                JET_errSuccess);
        CHECK(count == 2 * page_size);
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), page_size, &count) ==
                JET_errSuccess);
        CHECK(count == page_size);
        CHECK(read_to_end(instance, handle).size() + 3 * page_size == log_size);
        count = 12345;
        CHECK(JetReadFileInstance(instance, handle, buffer.data(), 2 * page_size, &count) ==
              JET_errSuccess);
        CHECK(count == 0);
    }

    SECTION("changing buffer sizes give the same stream as one size") {
        // Read once in 3, 8, 1, 5, 2, ... pages, then again (reopened in the same
        // database phase, with no write in between) in 16-page chunks.
        std::vector<std::byte> mixed;
        const std::size_t sizes[] = {3, 8, 1, 5, 2, 16, 1};
        for (std::size_t round = 0;; ++round) {
            const auto pages = sizes[std::min(round, std::size(sizes) - 1)];
            count = 0;
            REQUIRE(JetReadFileInstance(instance, handle, buffer.data(),
                                        static_cast<unsigned long>(pages * page_size),
                                        &count) == JET_errSuccess);
            if (count == 0) {
                break;
            }
            CHECK(count <= pages * page_size);
            mixed.insert(mixed.end(), buffer.data(), buffer.data() + count);
        }
        CHECK(mixed.size() == size);
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        std::uint64_t again_size = 0;
        handle = open_file(instance, made.database, &again_size);
        CHECK(again_size == size);
        const auto uniform = read_to_end(instance, handle, 16);
        REQUIRE(uniform.size() == mixed.size());
        CHECK(uniform == mixed);
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
    }

    CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
}

TEST_CASE("esent: JetOpenFileSectionInstance reads a file from ibRead on", "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto made = start_populated(guard, fixture.root / "a", "a");
    const auto instance = made.instance;
    fill(made.sesid, made.dbid, 60, "more");  // a database of several pages
    REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
    const auto whole = copy_file(instance, made.database);
    REQUIRE(whole.size() > 6 * page_size);

    const auto open_section = [&](const std::string& name, unsigned long long start,
                                  JET_HANDLE* handle, std::uint64_t* size = nullptr) {
        unsigned long low = 0;
        long high = 0;
        const auto error =
            JetOpenFileSectionInstance(instance, name.c_str(), handle, 7, 9, start, &low, &high);
        if (size != nullptr) {
            *size = (static_cast<std::uint64_t>(high) << 32U) | low;
        }
        return error;
    };
    JET_HANDLE handle = 0;

    SECTION("a bad ibRead takes no handle: InvalidParameter") {
        for (const unsigned long long start :
             {1ULL, page_size / 2ULL, 1ULL * page_size, 2ULL * page_size, 5ULL * page_size + 512}) {
            CAPTURE(start);
            CHECK(open_section(made.database, start, &handle) == JET_errInvalidParameter);
        }
        CHECK(copy_file(instance, made.database) == whole);  // no handle was left open
    }

    SECTION("a database from page 5 on: the rest of the stream, the whole stream's size") {
        std::uint64_t size = 0;
        REQUIRE(open_section(made.database, 5ULL * page_size, &handle, &size) == JET_errSuccess);
        CHECK(size == whole.size());
        const auto rest = read_to_end(instance, handle, 3);
        CHECK(std::equal(rest.begin(), rest.end(),
                         whole.begin() + static_cast<std::ptrdiff_t>(5 * page_size), whole.end()));
        CHECK(rest.size() == whole.size() - 5 * page_size);
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        // ibRead 0 is JetOpenFileInstance.
        REQUIRE(open_section(made.database, 0, &handle) == JET_errSuccess);
        CHECK(read_to_end(instance, handle) == whole);
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
        // Past the end: nothing to read.
        REQUIRE(open_section(made.database, whole.size() + page_size, &handle) == JET_errSuccess);
        CHECK(read_to_end(instance, handle).empty());
        REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
    }

    SECTION("a log copied in two sections counts as copied; its tail alone does not") {
        const auto logs = log_info(instance);
        REQUIRE(!logs.empty());
        SECTION("head, then tail") {
            for (const auto& log : logs) {
                REQUIRE(JetOpenFileSectionInstance(instance, log.c_str(), &handle, 0, 0, 0, nullptr,
                                                   nullptr) == JET_errSuccess);
                const page_buffer buffer{3};
                unsigned long count = 0;
                REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(),
                                            &count) == JET_errSuccess);
                REQUIRE(count == 3 * page_size);
                REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
                REQUIRE(open_section(log, 3ULL * page_size, &handle) == JET_errSuccess);
                static_cast<void>(read_to_end(instance, handle));
                REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
            }
            CHECK(JetTruncateLogInstance(instance) == JET_errSuccess);
        }
        SECTION("the tail only") {
            for (const auto& log : logs) {
                REQUIRE(open_section(log, 3ULL * page_size, &handle) == JET_errSuccess);
                static_cast<void>(read_to_end(instance, handle));
                REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
            }
            CHECK(JetTruncateLogInstance(instance) == JET_errLogFileNotCopied);
        }
    }
    CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
}

// ---- 5. Multi-strings (docs/protocol.md §8.10) ----

TEST_CASE("esent: attach and log lists are multi-strings as docs/protocol.md §8.10 says",
          "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto made = start_populated(guard, fixture.root / "a", "a");
    const auto instance = made.instance;
    const auto two = (fixture.root / "a" / "two.edb").string();
    fill(made.sesid, create_database(made.sesid, two), 3);
    // Two closed logs more, so the log list has several names.
    REQUIRE(JetCommitTransaction(made.sesid, JET_bitForceNewLog) == JET_errSuccess);
    REQUIRE(JetCommitTransaction(made.sesid, JET_bitForceNewLog) == JET_errSuccess);
    REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);

    // Checks one getter against the rules; `expected` is the joined list.
    const auto check_multi_string = [](const auto& get, const std::string& expected) {
        const auto required = static_cast<unsigned long>(expected.size());
        unsigned long actual = 0;
        CHECK(get(nullptr, 0, &actual) == JET_errSuccess);
        CHECK(actual == required);
        actual = 0;
        CHECK(get(nullptr, 100, &actual) == JET_errSuccess);  // NULL buffer: the size
        CHECK(actual == required);
        std::vector<char> bytes(required + 16, 'x');
        actual = 0;
        CHECK(get(bytes.data(), 0, &actual) == JET_errSuccess);  // cbMax 0: the size
        CHECK(actual == required);
        CHECK(bytes.front() == 'x');
        CHECK(get(bytes.data(), required - 1, &actual) == JET_errBufferTooSmall);
        CHECK(get(bytes.data(), 1, &actual) == JET_errBufferTooSmall);
        actual = 0;
        CHECK(get(bytes.data(), static_cast<unsigned long>(bytes.size()), &actual) ==
              JET_errSuccess);
        CHECK(actual == required);
        CHECK(std::string(bytes.data(), required) == expected);
        CHECK(bytes[required] == 'x');  // nothing written past it
        CHECK(get(bytes.data(), required, nullptr) == JET_errSuccess);
    };

    SECTION("JetGetAttachInfoInstance") {
        const std::string expected = made.database + '\0' + two + '\0' + '\0';
        check_multi_string(
            [&](char* data, unsigned long cb, unsigned long* actual) {
                return JetGetAttachInfoInstance(instance, data, cb, actual);
            },
            expected);
    }

    SECTION("JetGetLogInfoInstance and JetGetLogInfoInstance2") {
        JET_LOGINFO info{sizeof(JET_LOGINFO), 0, 0, {'?', '?', '?', '?'}};
        unsigned long size = 0;
        REQUIRE(JetGetLogInfoInstance2(instance, nullptr, 0, &size, &info) == JET_errSuccess);
        CHECK(std::string{info.szBaseName} == "edb");
        REQUIRE(info.ulGenLow >= 1);
        REQUIRE(info.ulGenHigh >= info.ulGenLow + 2);  // the two forced logs at least
        // The log being written after the listing is the one past the range.
        CHECK(engine_of(instance).current_log_generation() == info.ulGenHigh + 1);
        std::string expected;
        for (auto generation = info.ulGenLow; generation <= info.ulGenHigh; ++generation) {
            char name[32];
            std::snprintf(name, sizeof(name), "edb%08lX.log", generation);
            expected += (fixture.root / "a" / "log" / name).string() + '\0';
        }
        expected += '\0';
        check_multi_string(
            [&](char* data, unsigned long cb, unsigned long* actual) {
                return JetGetLogInfoInstance(instance, data, cb, actual);
            },
            expected);
        // A second listing is the same range: the log is rolled only once.
        JET_LOGINFO again{sizeof(JET_LOGINFO), 0, 0, {}};
        REQUIRE(JetGetLogInfoInstance2(instance, nullptr, 0, &size, &again) == JET_errSuccess);
        CHECK(again.ulGenLow == info.ulGenLow);
        CHECK(again.ulGenHigh == info.ulGenHigh);
        CHECK(size == expected.size());
        JET_LOGINFO wrong{sizeof(JET_LOGINFO) + 1, 0, 0, {}};
        CHECK(JetGetLogInfoInstance2(instance, nullptr, 0, &size, &wrong) ==
              JET_errInvalidParameter);
        wrong.cbSize = 0;
        CHECK(JetGetLogInfoInstance2(instance, nullptr, 0, &size, &wrong) ==
              JET_errInvalidParameter);
    }

    CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
}

// ---- 8. What must not destroy data, and backups while the instance works ----

TEST_CASE("esent: an incremental backup ended before JetGetLogInfo records nothing", "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto live = start_populated(guard, fixture.root, "inc");
    full_backup(live.instance, true);
    fill(live.sesid, live.dbid, 10, "more");
    REQUIRE(JetBeginExternalBackupInstance(live.instance, JET_bitBackupIncremental) ==
            JET_errSuccess);
    REQUIRE(JetEndExternalBackupInstance(live.instance) == JET_errSuccess);
    const auto header =
        engine_of(live.instance).database_header_of(database_of(live.sesid, live.dbid));
    CHECK(header.slot(hotbackup::backup_slot::incremental).generation_low == 0);
    CHECK(header.slot(hotbackup::backup_slot::differential).generation_low == 0);
}

TEST_CASE(
    "esent: JET_bitDbOverwriteExisting never deletes an attached database; a second "
    "JetTruncateLog deletes nothing",
    "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto live = start_populated(guard, fixture.root, "overwrite");
    JET_DBID dbid = 0;
    CHECK(JetCreateDatabase(live.sesid, live.database.c_str(), nullptr, &dbid,
                            JET_bitDbOverwriteExisting) == JET_errDatabaseDuplicate);
    CHECK(engine_of(live.instance)
              .begin_transaction()
              .get(database_of(live.sesid, live.dbid), "k3")
              .has_value());

    REQUIRE(JetBeginExternalBackupInstance(live.instance, 0) == JET_errSuccess);
    for (const auto& database : attach_info(live.instance)) {
        (void)copy_file(live.instance, database);
    }
    for (const auto& log : log_info(live.instance)) {
        (void)copy_file(live.instance, log);
    }
    CHECK(JetTruncateLogInstance(live.instance) == JET_errSuccess);
    const auto logs = fs::path{live.database}.parent_path() / "log";
    const auto before = listing(logs);
    CHECK(JetTruncateLogInstance(live.instance) == JET_errSuccess);
    CHECK(listing(logs) == before);
    CHECK(JetEndExternalBackupInstance(live.instance) == JET_errSuccess);
}

TEST_CASE("esent: log reads are a multiple of the database page size, not of 4 KiB", "[esent]") {
    // docs/protocol.md §7.9: with 8 KiB database pages, a 12 KiB read of a log (three whole log
    // segments) is refused.
    posix_fixture fixture;
    instance_guard guard;
    auto instance = create_instance(guard, fixture.root, "pages");
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramDatabasePageSize, 8192, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetInit(&instance) == JET_errSuccess);
    const auto sesid = begin_session(instance);
    fill(sesid, create_database(sesid, (fixture.root / "eight.edb").string()), 5);
    REQUIRE(JetBeginExternalBackupInstance(instance, JET_bitBackupIncremental) ==
            JET_errMissingFullBackup);
    REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
    const auto logs = log_info(instance);
    REQUIRE_FALSE(logs.empty());
    const auto handle = open_file(instance, logs.front());
    page_buffer buffer{4};
    unsigned long read = 0;
    CHECK(JetReadFileInstance(instance, handle, buffer.data(), 3 * 4096, &read) ==
          JET_errInvalidParameter);
    CHECK(JetReadFileInstance(instance, handle, buffer.data(), 2 * 4096, &read) ==
          JET_errInvalidParameter);  // one database page: below the 2-page minimum
    CHECK(JetReadFileInstance(instance, handle, buffer.data(), 4 * 4096, &read) == JET_errSuccess);
    CHECK(read == 4 * 4096);
    CHECK(JetCloseFileInstance(instance, handle) == JET_errSuccess);
    CHECK(JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort) == JET_errSuccess);
}

TEST_CASE("esent: JetGetTruncateLogInfoInstance lists what JetTruncateLogInstance deletes",
          "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto live = start_populated(guard, fixture.root, "truncate");
    // Enough log generations, and a checkpoint past some of them.
    for (int round = 0; round < 4; ++round) {
        fill(live.sesid, live.dbid, 30, "round" + std::to_string(round));
        REQUIRE(JetCommitTransaction(live.sesid, JET_bitForceNewLog) == JET_errSuccess);
    }
    engine_of(live.instance).checkpoint();
    full_backup(live.instance, true);  // a first full backup, so truncation may go far
    fill(live.sesid, live.dbid, 30, "after");
    engine_of(live.instance).checkpoint();

    REQUIRE(JetBeginExternalBackupInstance(live.instance, 0) == JET_errSuccess);
    for (const auto& database : attach_info(live.instance)) {
        (void)copy_file(live.instance, database);
    }
    const auto copied = log_info(live.instance);
    for (const auto& log : copied) {
        (void)copy_file(live.instance, log);
    }
    unsigned long size = 0;
    REQUIRE(JetGetTruncateLogInfoInstance(live.instance, nullptr, 0, &size) == JET_errSuccess);
    std::vector<char> bytes(size);
    REQUIRE(JetGetTruncateLogInfoInstance(live.instance, bytes.data(), size, &size) ==
            JET_errSuccess);
    const auto doomed = split(bytes);
    REQUIRE_FALSE(doomed.empty());
    const auto directory = fs::path{doomed.front()}.parent_path();
    auto expected = listing(directory);
    for (const auto& log : doomed) {
        CHECK(expected.erase(fs::path{log}.filename().string()) == 1);
    }
    REQUIRE(JetTruncateLogInstance(live.instance) == JET_errSuccess);
    // Exactly the listed logs are gone; the newest copied one (the checkpoint's side
    // of the range) is among those that stay.
    CHECK(listing(directory) == expected);
    CHECK(expected.contains(fs::path{copied.back()}.filename().string()));
    REQUIRE(JetEndExternalBackupInstance(live.instance) == JET_errSuccess);
}

TEST_CASE("esent: writers commit through their sessions while a backup runs", "[esent][threads]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto live = start_populated(guard, fixture.root, "busy");
    std::atomic<bool> stop{false};
    std::atomic<int> failures{0};
    std::array<std::atomic<int>, 2> commits{};
    std::vector<std::thread> writers;
    for (int writer = 0; writer < 2; ++writer) {
        writers.emplace_back([&, writer] {
            JET_SESID sesid = 0;
            if (JetBeginSession(live.instance, &sesid, nullptr, nullptr) != JET_errSuccess) {
                ++failures;
                return;
            }
            const auto database = database_of(sesid, live.dbid);
            for (int sequence = 0; !stop.load(); ++sequence) {
                if (JetBeginTransaction(sesid) != JET_errSuccess) {
                    ++failures;
                    break;
                }
                transaction_of(sesid).put(database,
                                          std::to_string(writer) + "/" + std::to_string(sequence),
                                          std::string(200, 'w'));
                if (JetCommitTransaction(sesid, JET_bitCommitLazyFlush) != JET_errSuccess) {
                    ++failures;
                    break;
                }
                ++commits.at(static_cast<std::size_t>(writer));
            }
            (void)JetEndSession(sesid, 0);
        });
    }
    const auto wait_for_commits = [&](int at_least) {
        while ((commits[0].load() < at_least || commits[1].load() < at_least) &&
               failures.load() == 0) {
            std::this_thread::yield();
        }
    };
    wait_for_commits(20);
    full_backup(live.instance, true);
    wait_for_commits(commits[0].load() + 20);  // they went on during and after it

    // A stop request from this thread while another one reads a database over and
    // over: its next call fails with BackupAbortByServer, Close and End still work.
    REQUIRE(JetBeginExternalBackupInstance(live.instance, 0) == JET_errSuccess);
    std::atomic<int> reads{0};
    std::atomic<JET_ERR> reader_result{JET_errSuccess};
    std::thread reader{[&] {
        const page_buffer buffer{4};
        while (reader_result.load() == JET_errSuccess) {
            JET_HANDLE handle = 0;
            auto code = JetOpenFileInstance(live.instance, live.database.c_str(), &handle, nullptr,
                                            nullptr);
            for (unsigned long count = 1; code == JET_errSuccess && count != 0; ++reads) {
                code = JetReadFileInstance(live.instance, handle, buffer.data(), buffer.size(),
                                           &count);
            }
            (void)JetCloseFileInstance(live.instance, handle);
            reader_result = code;
        }
    }};
    while (reads.load() < 5 && reader_result.load() == JET_errSuccess) {
        std::this_thread::yield();
    }
    CHECK(JetStopBackupInstance(live.instance) == JET_errSuccess);
    reader.join();
    CHECK(reader_result.load() == JET_errBackupAbortByServer);
    CHECK(JetEndExternalBackupInstance(live.instance) == JET_errSuccess);
    stop = true;
    for (auto& writer : writers) {
        writer.join();
    }
    CHECK(failures.load() == 0);
}

}  // namespace hotbackup::test
