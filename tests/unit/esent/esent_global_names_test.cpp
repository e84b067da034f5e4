// The global names of <hotbackup/esent.hpp>. As esent.h declares them, each Jet*
// call, JET_* type and constant (every JET_err number included) is also a global
// name, a using-declaration of the hotbackup::esent one; nothing else of
// hotbackup::esent is: the typed-access helpers and engine_type stay in the
// namespace. esent_no_global_names_test.cpp is the other half: with
// HOTBACKUP_ESENT_NO_GLOBAL_NAMES defined, no name is global.
//
// This file has no using-directive and includes no test fixture, so a name that
// unqualified lookup finds at global scope can only come from the header.
#include <hotbackup/esent.hpp>
#include <hotbackup/storage/any_storage.hpp>
#include <type_traits>

#include "support/catch.hpp"

// Whether an unqualified call finds a function at global scope. Each call is
// dependent, so a name that is not there makes the requirement false instead of
// the program ill-formed; the handles are integers (and any_storage's namespace is
// hotbackup, not hotbackup::esent), so argument-dependent lookup adds nothing.
template <class Handle>
concept global_engine_of = requires(Handle handle) {
    engine_of(handle);
};
template <class Handle>
concept global_transaction_of = requires(Handle sesid) {
    transaction_of(sesid);
};
template <class Handle>
concept global_database_of = requires(Handle sesid) {
    database_of(sesid, 1UL);
};
template <class Storage>
concept global_create_instance_on = requires(Storage storage, hotbackup::esent::JET_INSTANCE* out) {
    create_instance_on(static_cast<Storage&&>(storage), out, nullptr);
};
template <class Handle>
concept global_jet_init = requires(Handle* handle) {
    JetInit(handle);
};

// Each esent.h name at global scope is the hotbackup::esent entity itself.
#define HOTBACKUP_TEST_GLOBAL_FUNCTION(name) STATIC_REQUIRE(&::name == &hotbackup::esent::name);
#define HOTBACKUP_TEST_GLOBAL_TYPE(name) \
    STATIC_REQUIRE(std::is_same_v<::name, hotbackup::esent::name>);
#define HOTBACKUP_TEST_GLOBAL_CONSTANT(name) STATIC_REQUIRE(&::name == &hotbackup::esent::name);
#define HOTBACKUP_TEST_GLOBAL_ERROR(name, code) \
    STATIC_REQUIRE(&::JET_err##name == &hotbackup::esent::JET_err##name);

TEST_CASE("esent: every Jet* call of esent.h is a global name", "[esent]") {
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetCreateInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetCreateInstance2)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetSetSystemParameter)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetSystemParameter)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetInit)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetInit2)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetTerm)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetTerm2)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetStopServiceInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetStopService)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetBeginSession)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetEndSession)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetCreateDatabase)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetAttachDatabase)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetDetachDatabase)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetBeginTransaction)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetCommitTransaction)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetRollback)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetBeginExternalBackupInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetAttachInfoInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetOpenFileInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetOpenFileSectionInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetReadFileInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetCloseFileInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetLogInfoInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetLogInfoInstance2)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetTruncateLogInfoInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetTruncateLogInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetEndExternalBackupInstance2)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetEndExternalBackupInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetStopBackupInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetBeginExternalBackup)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetAttachInfo)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetOpenFile)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetReadFile)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetCloseFile)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetGetLogInfo)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetTruncateLog)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetEndExternalBackup)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetStopBackup)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetExternalRestore)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetExternalRestore2)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetBackupInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetBackup)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetRestoreInstance)
    HOTBACKUP_TEST_GLOBAL_FUNCTION(JetRestore)
    // And a call through the global name reaches the library: no mode is set, so
    // the legacy call finds none.
    CHECK(::JetBeginExternalBackup(0) == ::JET_errInvalidParameter);
}

TEST_CASE("esent: every JET_* type and constant of esent.h is a global name", "[esent]") {
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_API_PTR)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_ERR)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_HANDLE)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_INSTANCE)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_SESID)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_TABLEID)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_DBID)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_GRBIT)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_SNP)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_SNT)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_PSTR)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_PCSTR)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_PFNSTATUS)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_SNPROG)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_LOGINFO_A)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_LOGINFO)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_RSTMAP_A)
    HOTBACKUP_TEST_GLOBAL_TYPE(JET_RSTMAP)

    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_BASE_NAME_LENGTH)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_instanceNil)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_sesidNil)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_tableidNil)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_dbidNil)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitNil)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupIncremental)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupAtomic)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupSnapshot)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupEndNormal)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupEndAbort)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupTruncateDone)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitBackupNoDbHeaderUpdate)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitTermComplete)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitTermAbrupt)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitTermStopBackup)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitTermDirty)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitCommitLazyFlush)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitWaitLastLevel0Commit)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitWaitAllLevel0Commit)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitForceNewLog)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitRollbackAll)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_bitDbOverwriteExisting)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_snpRestore)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_snpBackup)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_sntProgress)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_sntFail)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_sntBegin)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_sntComplete)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramSystemPath)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramTempPath)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramLogFilePath)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramBaseName)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramLogFileSize)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramCircularLog)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramCheckpointDepthMax)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramRecovery)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramDatabasePageSize)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_paramCreatePathIfNotExist)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_errSuccess)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_wrnBufferTruncated)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_wrnDatabaseAttached)
    HOTBACKUP_TEST_GLOBAL_CONSTANT(JET_wrnTargetInstanceRunning)
    HOTBACKUP_ESENT_ERRORS(HOTBACKUP_TEST_GLOBAL_ERROR)
    CHECK(::JET_errSuccess == 0);
    CHECK(::JET_errBackupInProgress == -505);
}

TEST_CASE("esent: hotbackup's own names of hotbackup::esent are not global", "[esent]") {
    // The helpers are there in the namespace ...
    STATIC_REQUIRE(requires(hotbackup::esent::JET_INSTANCE instance) {
        hotbackup::esent::engine_of(instance);
    });
    STATIC_REQUIRE(global_jet_init<hotbackup::esent::JET_INSTANCE>);  // the probe works
    // ... and not at global scope.
    STATIC_REQUIRE_FALSE(global_engine_of<hotbackup::esent::JET_INSTANCE>);
    STATIC_REQUIRE_FALSE(global_transaction_of<hotbackup::esent::JET_SESID>);
    STATIC_REQUIRE_FALSE(global_database_of<hotbackup::esent::JET_SESID>);
    STATIC_REQUIRE_FALSE(global_create_instance_on<hotbackup::any_storage>);
}

// A global declaration of a name the header made global would clash with it, so
// these compile only because engine_type and the helpers stayed in the namespace.
[[maybe_unused]] constexpr int engine_type = 1;
[[maybe_unused]] constexpr int create_instance_on = 2;

TEST_CASE("esent: the global scope may declare engine_type and create_instance_on itself",
          "[esent]") {
    CHECK(::engine_type == 1);
    CHECK(::create_instance_on == 2);
}
