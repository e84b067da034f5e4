// <hotbackup/esent.hpp> with HOTBACKUP_ESENT_NO_GLOBAL_NAMES defined declares nothing
// at global scope: every name stays in hotbackup::esent. esent_global_names_test.cpp
// is the other half (without the macro, esent.h's names are global).
//
// This file has no using-directive and includes no test fixture (the fixture relies
// on the global names), so the global scope holds only what it declares itself.
#define HOTBACKUP_ESENT_NO_GLOBAL_NAMES
#include <hotbackup/esent.hpp>
#include <type_traits>

#include "support/catch.hpp"

// A program that keeps the names out may declare its own at global scope (as one
// that also includes the real esent.h does): each of these would clash with a
// global name the header declared, so this file compiles only if there is none.
[[maybe_unused]] constexpr int JetBeginExternalBackupInstance = 1;
[[maybe_unused]] constexpr int JetEndExternalBackupInstance2 = 2;
[[maybe_unused]] constexpr int JET_errSuccess = 3;
[[maybe_unused]] constexpr int JET_errBackupInProgress = 4;
[[maybe_unused]] constexpr int JET_bitBackupIncremental = 5;
[[maybe_unused]] constexpr int JET_paramLogFileSize = 6;
[[maybe_unused]] constexpr int JET_instanceNil = 7;
[[maybe_unused]] constexpr int engine_of = 8;
using JET_ERR = double;
using JET_INSTANCE = float;
struct JET_LOGINFO {
    int mine;
};

// Whether an unqualified call finds a function at global scope: the call is
// dependent, so a name that is not there makes the requirement false instead of the
// program ill-formed; the handles are integers, which argument-dependent lookup
// gives no namespace.
template <class Handle>
concept global_jet_init = requires(Handle* handle) {
    JetInit(handle);
};
template <class Handle>
concept global_jet_term = requires(Handle handle) {
    JetTerm(handle);
};
template <class Handle>
concept global_jet_backup = requires(Handle handle) {
    JetBackupInstance(handle, "", 0, nullptr);
};
template <class Handle>
concept global_jet_external_restore = requires(Handle handle) {
    JetExternalRestore(nullptr, nullptr, nullptr, handle, nullptr, handle, handle, nullptr);
};

TEST_CASE("esent: HOTBACKUP_ESENT_NO_GLOBAL_NAMES keeps every name out of the global scope",
          "[esent]") {
    // The global names are this file's own ...
    STATIC_REQUIRE(std::is_same_v<::JET_ERR, double>);
    STATIC_REQUIRE(std::is_same_v<::JET_INSTANCE, float>);
    STATIC_REQUIRE(sizeof(::JET_LOGINFO) == sizeof(int));
    CHECK(::JetBeginExternalBackupInstance == 1);
    CHECK(::JET_errSuccess == 3);
    CHECK(::JET_instanceNil == 7);
    CHECK(::engine_of == 8);
    // ... no call is found at global scope ...
    STATIC_REQUIRE_FALSE(global_jet_init<hotbackup::esent::JET_INSTANCE>);
    STATIC_REQUIRE_FALSE(global_jet_term<hotbackup::esent::JET_INSTANCE>);
    STATIC_REQUIRE_FALSE(global_jet_backup<hotbackup::esent::JET_INSTANCE>);
    STATIC_REQUIRE_FALSE(global_jet_external_restore<long>);
    // ... and the library's names are all there in hotbackup::esent.
    STATIC_REQUIRE(std::is_same_v<hotbackup::esent::JET_ERR, long>);
    STATIC_REQUIRE(hotbackup::esent::JET_errSuccess == 0);
    STATIC_REQUIRE(hotbackup::esent::JET_errBackupInProgress == -505);
    STATIC_REQUIRE(requires(hotbackup::esent::JET_INSTANCE * instance) {
        hotbackup::esent::JetInit(instance);
    });
    CHECK(hotbackup::esent::JetBeginExternalBackup(0) == hotbackup::esent::JET_errInvalidParameter);
}
