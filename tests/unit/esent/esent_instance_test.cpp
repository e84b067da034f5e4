// Instances through the ESE-compatible API (esent/instance.hpp): one- and
// multi-instance modes, handles, the system parameters and their table, JetTerm2
// with a backup running, and a failed JetInit. Each test asserts exact JET_ERR
// numbers.
//
// The Jet* registry is process-global: every test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#include <array>
#include <cstdint>
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
using hotbackup::esent::engine_of;
using posix_fixture = hotbackup::test::storage_fixture<hotbackup::posix_storage>;

}  // namespace

// ---- 6. Modes, handles and parameters (docs/protocol.md §1 items 1, 2, 6; §8.11) ----

TEST_CASE("esent: one- and multi-instance modes, handles and parameters", "[esent]") {
    posix_fixture fixture;
    page_buffer buffer{4};
    unsigned long size = 0;
    JET_HANDLE handle = 0;

    SECTION("legacy calls with no mode set: InvalidParameter") {
        CHECK(JetBeginExternalBackup(0) == JET_errInvalidParameter);
        CHECK(JetGetAttachInfo(nullptr, 0, &size) == JET_errInvalidParameter);
        CHECK(JetOpenFile("x.edb", &handle, nullptr, nullptr) == JET_errInvalidParameter);
        CHECK(JetReadFile(1, buffer.data(), buffer.size(), &size) == JET_errInvalidParameter);
        CHECK(JetCloseFile(1) == JET_errInvalidParameter);
        CHECK(JetGetLogInfo(nullptr, 0, &size) == JET_errInvalidParameter);
        CHECK(JetTruncateLog() == JET_errInvalidParameter);
        CHECK(JetEndExternalBackup() == JET_errInvalidParameter);
        CHECK(JetStopBackup() == JET_errInvalidParameter);
        CHECK(JetStopService() == JET_errInvalidParameter);
    }

    SECTION("one-instance mode: a legacy full backup, and JetCreateInstance refused") {
        instance_guard guard;
        set_parameters(nullptr, fixture.root / "legacy");
        // The legacy way: no handle at all; every handle-taking call then ignores
        // the one it is given (docs/protocol.md §1 item 2), so 0 serves.
        const JET_INSTANCE instance = 0;
        guard.add(instance);
        REQUIRE(JetInit(nullptr) == JET_errSuccess);
        JET_INSTANCE other = 0;
        CHECK(JetCreateInstance(&other, "other") == JET_errRunningInOneInstanceMode);
        CHECK(JetSetSystemParameter(nullptr, 0, JET_paramLogFileSize, 128, nullptr) ==
              JET_errAlreadyInitialized);
        const auto sesid = begin_session(instance);
        const auto database = (fixture.root / "legacy" / "one.edb").string();
        fill(sesid, create_database(sesid, database), 10);

        REQUIRE(JetBeginExternalBackup(0) == JET_errSuccess);
        CHECK(JetBeginExternalBackup(0) == JET_errBackupInProgress);
        REQUIRE(JetGetAttachInfo(nullptr, 0, &size) == JET_errSuccess);
        std::vector<char> names(size);
        REQUIRE(JetGetAttachInfo(names.data(), size, &size) == JET_errSuccess);
        REQUIRE(split(names) == std::vector<std::string>{database});
        const page_buffer chunk{16};
        const auto copy = [&](const std::string& name) {
            unsigned long low = 0;
            unsigned long high = 0;
            REQUIRE(JetOpenFile(name.c_str(), &handle, &low, &high) == JET_errSuccess);
            std::uint64_t total = 0;
            for (;;) {
                unsigned long count = 0;
                REQUIRE(JetReadFile(handle, chunk.data(), chunk.size(), &count) == JET_errSuccess);
                if (count == 0) {
                    break;
                }
                total += count;
            }
            CHECK(total == ((std::uint64_t{high} << 32U) | low));
            REQUIRE(JetCloseFile(handle) == JET_errSuccess);
        };
        copy(database);
        REQUIRE(JetGetLogInfo(nullptr, 0, &size) == JET_errSuccess);
        names.assign(size, '\0');
        REQUIRE(JetGetLogInfo(names.data(), size, &size) == JET_errSuccess);
        const auto logs = split(names);
        REQUIRE_FALSE(logs.empty());
        for (const auto& log : logs) {
            copy(log);
        }
        CHECK(JetTruncateLog() == JET_errSuccess);
        CHECK(JetEndExternalBackup() == JET_errSuccess);
        CHECK(JetEndExternalBackup() == JET_errNoBackup);
        // The truncated full backup was recorded: an incremental one may follow.
        CHECK(JetBeginExternalBackup(JET_bitBackupIncremental) == JET_errSuccess);
        CHECK(JetStopBackup() == JET_errSuccess);
        CHECK(JetGetLogInfo(nullptr, 0, &size) == JET_errBackupAbortByServer);
        CHECK(JetEndExternalBackup() == JET_errSuccess);
        CHECK(JetTerm(instance) == JET_errSuccess);
        // The last instance is gone: no mode any more.
        CHECK(JetBeginExternalBackup(0) == JET_errInvalidParameter);
    }

    SECTION("a dead handle: InvalidInstance; NULL or nil: InvalidParameter") {
        instance_guard guard;
        const auto alive = start_instance(guard, fixture.root / "a", "alive");
        const auto dead = start_instance(guard, fixture.root / "b", "dead");
        REQUIRE(JetTerm(dead) == JET_errSuccess);
        CHECK(JetBeginExternalBackupInstance(dead, 0) == JET_errInvalidInstance);
        CHECK(JetEndExternalBackupInstance(dead) == JET_errInvalidInstance);
        CHECK(JetBeginExternalBackupInstance(0, 0) == JET_errInvalidParameter);
        CHECK(JetBeginExternalBackupInstance(JET_instanceNil, 0) == JET_errInvalidParameter);
        CHECK(JetBeginExternalBackupInstance(alive, 0) == JET_errSuccess);
        CHECK(JetEndExternalBackupInstance2(alive, JET_bitBackupEndAbort) == JET_errSuccess);
    }

    SECTION("a duplicate instance name: InstanceNameInUse") {
        instance_guard guard;
        (void)create_instance(guard, fixture.root / "a", "same");
        JET_INSTANCE second = 0;
        CHECK(JetCreateInstance(&second, "same") == JET_errInstanceNameInUse);
        CHECK(JetCreateInstance(nullptr, "other") == JET_errInvalidParameter);
    }

    SECTION("parameters: AlreadyInitialized, unknown ids, a round trip") {
        instance_guard guard;
        auto instance = create_instance(guard, fixture.root / "a", "p");
        CHECK(JetSetSystemParameter(&instance, 0, 9999, 1, nullptr) == JET_errInvalidParameter);
        CHECK(JetSetSystemParameter(&instance, 0, JET_paramDatabasePageSize, 1000, nullptr) ==
              JET_errInvalidParameter);
        const auto system = (fixture.root / "a" / "sys").string();
        char text[512] = {};
        CHECK(JetGetSystemParameter(instance, 0, JET_paramSystemPath, nullptr, text,
                                    sizeof(text)) == JET_errSuccess);
        CHECK(std::string{text} == system);
        JET_API_PTR number = 0;
        CHECK(JetGetSystemParameter(instance, 0, JET_paramLogFileSize, &number, nullptr, 0) ==
              JET_errSuccess);
        CHECK(number == 64);
        CHECK(JetGetSystemParameter(instance, 0, JET_paramDatabasePageSize, &number, nullptr, 0) ==
              JET_errSuccess);
        CHECK(number == page_size);
        CHECK(JetGetSystemParameter(instance, 0, 9999, &number, nullptr, 0) ==
              JET_errInvalidParameter);
        REQUIRE(JetInit(&instance) == JET_errSuccess);
        CHECK(JetSetSystemParameter(&instance, 0, JET_paramLogFileSize, 128, nullptr) ==
              JET_errAlreadyInitialized);
        CHECK(JetSetSystemParameter(&instance, 0, JET_paramSystemPath, 0, "/elsewhere") ==
              JET_errAlreadyInitialized);
        CHECK(JetInit(&instance) == JET_errAlreadyInitialized);
    }
}

// ---- The parameter table (docs/protocol.md §8.11) ----

namespace {

namespace jet = hotbackup::detail::jet;

/// A parameter's value read back: the number, or the string for a text parameter.
struct read_back {
    JET_ERR code = JET_errSuccess;
    JET_API_PTR number = 0;
    std::string text;
};

read_back get_parameter(JET_INSTANCE instance, const jet::parameter_row& row) {
    read_back value;
    std::array<char, 512> text{};
    if (row.kind == jet::parameter_kind::text) {
        value.code = JetGetSystemParameter(instance, 0, row.id, nullptr, text.data(), text.size());
        value.text = text.data();
    } else {
        value.code = JetGetSystemParameter(instance, 0, row.id, &value.number, nullptr, 0);
    }
    return value;
}

}  // namespace

TEST_CASE("esent: each row of the parameter table gives the default and accepts what it says",
          "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    JET_INSTANCE instance = 0;
    REQUIRE(JetCreateInstance(&instance, "table") == JET_errSuccess);
    guard.add(instance);
    const auto set = [&](const jet::parameter_row& row, JET_API_PTR number, const char* text) {
        return JetSetSystemParameter(&instance, 0, row.id, number, text);
    };

    // The defaults, on the new instance and globally, before anything is set (setting
    // JET_paramLogFileSize also raises JET_paramCheckpointDepthMax).
    for (const auto& row : jet::parameter_table) {
        INFO(row.name);
        for (const auto handle : {instance, JET_instanceNil}) {
            const auto value = get_parameter(handle, row);
            REQUIRE(value.code == JET_errSuccess);
            if (row.kind == jet::parameter_kind::text) {
                CHECK(value.text == row.default_text);
            } else {
                CHECK(value.number == row.default_number);
            }
        }
    }

    for (const auto& row : jet::parameter_table) {
        INFO(row.name);
        // Asked for in the other kind's output only: InvalidParameter.
        std::array<char, 16> text{};
        JET_API_PTR number = 0;
        if (row.kind == jet::parameter_kind::text) {
            CHECK(JetGetSystemParameter(instance, 0, row.id, &number, nullptr, 0) ==
                  JET_errInvalidParameter);
            CHECK(JetGetSystemParameter(instance, 0, row.id, nullptr, text.data(), 0) ==
                  JET_errInvalidParameter);
            CHECK(set(row, 0, nullptr) == JET_errInvalidParameter);
        } else {
            CHECK(JetGetSystemParameter(instance, 0, row.id, nullptr, text.data(), text.size()) ==
                  JET_errInvalidParameter);
        }

        switch (row.rule) {
            case jet::parameter_rule::any:
                if (row.kind == jet::parameter_kind::text) {
                    CHECK(set(row, 0, "some/where") == JET_errSuccess);
                    CHECK(get_parameter(instance, row).text == "some/where");
                } else {
                    CHECK(set(row, 0, nullptr) == JET_errSuccess);
                    CHECK(set(row, 1, nullptr) == JET_errSuccess);
                    CHECK(get_parameter(instance, row).number == 1);
                }
                break;
            case jet::parameter_rule::step_range:
                CHECK(set(row, row.min - 1, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.min + 1, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.max + 1, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.max + row.step, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, 0, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.max, nullptr) == JET_errSuccess);
                CHECK(get_parameter(instance, row).number == row.max);
                CHECK(set(row, row.min + row.step, nullptr) == JET_errSuccess);
                CHECK(get_parameter(instance, row).number == row.min + row.step);
                CHECK(set(row, row.min, nullptr) == JET_errSuccess);
                CHECK(get_parameter(instance, row).number == row.min);
                break;
            case jet::parameter_rule::power_of_two:
                CHECK(set(row, row.min / 2, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.min + 1, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.min * 3, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, row.max * 2, nullptr) == JET_errInvalidParameter);
                CHECK(set(row, 0, nullptr) == JET_errInvalidParameter);
                for (auto value = row.min; value <= row.max; value *= 2) {
                    CHECK(set(row, value, nullptr) == JET_errSuccess);
                    CHECK(get_parameter(instance, row).number == value);
                }
                break;
            case jet::parameter_rule::base_name:
                CHECK(set(row, 0, "ab") == JET_errInvalidParameter);
                CHECK(set(row, 0, "abcd") == JET_errInvalidParameter);
                CHECK(set(row, 0, "a.c") == JET_errInvalidParameter);
                CHECK(set(row, 0, "") == JET_errInvalidParameter);
                CHECK(set(row, 0, "ab1") == JET_errSuccess);
                CHECK(get_parameter(instance, row).text == "ab1");
                break;
            case jet::parameter_rule::on_off:
                CHECK(set(row, 0, "maybe") == JET_errInvalidParameter);
                CHECK(set(row, 0, "") == JET_errInvalidParameter);
                CHECK(set(row, 1, "OFF") == JET_errSuccess);
                CHECK(get_parameter(instance, row).text == "off");
                CHECK(set(row, 0, "On") == JET_errSuccess);
                CHECK(get_parameter(instance, row).text == "on");
                break;
        }
    }

    // Setting the log file size raises the checkpoint depth to at least one log file.
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramCheckpointDepthMax, 1, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(&instance, 0, JET_paramLogFileSize, 128, nullptr) ==
            JET_errSuccess);
    JET_API_PTR depth = 0;
    REQUIRE(JetGetSystemParameter(instance, 0, JET_paramCheckpointDepthMax, &depth, nullptr, 0) ==
            JET_errSuccess);
    CHECK(depth == 128 * 1024);

    // Any number without a row is unknown to both calls.
    for (unsigned long id = 0; id <= 200; ++id) {
        if (jet::find_parameter(id) == nullptr) {
            INFO(id);
            JET_API_PTR number = 0;
            CHECK(JetSetSystemParameter(&instance, 0, id, 1, "x") == JET_errInvalidParameter);
            CHECK(JetGetSystemParameter(instance, 0, id, &number, nullptr, 0) ==
                  JET_errInvalidParameter);
        }
    }

    // Once initialized, a parameter changes only if its row says so (none does).
    auto started = start_instance(guard, fixture.root / "started", "started");
    for (const auto& row : jet::parameter_table) {
        INFO(row.name);
        const std::string text{row.default_text};
        CHECK(
            JetSetSystemParameter(&started, 0, row.id, row.default_number,
                                  row.kind == jet::parameter_kind::text ? text.c_str() : nullptr) ==
            (row.settable_after_init ? JET_errSuccess : JET_errAlreadyInitialized));
    }
}

// ---- 8. Termination with a backup ----

TEST_CASE("esent: JetTerm2 ends a backup with TermAbrupt or TermStopBackup, also a typed one",
          "[esent]") {
    posix_fixture fixture;
    instance_guard guard;

    SECTION("an esent session") {
        for (const auto grbit : {JET_bitTermAbrupt, JET_bitTermStopBackup}) {
            INFO(grbit);
            const auto live = start_populated(guard, fixture.root / std::to_string(grbit), "t");
            REQUIRE(JetBeginExternalBackupInstance(live.instance, 0) == JET_errSuccess);
            CHECK(JetTerm2(live.instance, JET_bitTermComplete) == JET_errBackupInProgress);
            CHECK(JetTerm2(live.instance, grbit) == JET_errSuccess);
            CHECK(JetEndExternalBackupInstance(live.instance) == JET_errInvalidInstance);
        }
    }
    SECTION("a session begun through the typed engine") {
        const auto live = start_populated(guard, fixture.root / "typed", "typed");
        auto session = hotbackup::begin_backup(engine_of(live.instance), hotbackup::full_backup);
        CHECK(JetBeginExternalBackupInstance(live.instance, 0) == JET_errBackupInProgress);
        CHECK(JetTerm2(live.instance, JET_bitTermComplete) == JET_errBackupInProgress);
        CHECK(JetTerm2(live.instance, JET_bitTermStopBackup) == JET_errSuccess);
        CHECK_THROWS_AS(session.databases(), hotbackup::backup_error);
    }
}

TEST_CASE("esent: a failed JetInit of an instance it made leaves no instance behind", "[esent]") {
    posix_fixture fixture;
    const auto missing = (fixture.root / "missing").string();
    // One-instance mode: the system path does not exist and may not be made.
    REQUIRE(JetSetSystemParameter(nullptr, 0, JET_paramSystemPath, 0, missing.c_str()) ==
            JET_errSuccess);
    CHECK(JetInit(nullptr) == JET_errInvalidSystemPath);
    // No instance is left, so no mode either: the legacy calls find no mode, and
    // JetCreateInstance may start multi-instance mode.
    CHECK(JetBeginExternalBackup(0) == JET_errInvalidParameter);
    instance_guard guard;
    JET_INSTANCE instance = 0;
    CHECK(JetCreateInstance(&instance, "after") == JET_errSuccess);
    guard.add(instance);
}
