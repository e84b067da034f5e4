/// \file
/// The ESE-compatible API (docs/protocol.md §8.1–§8.3, §8.9–§8.11; §1–§3, §5).
/// The Jet* backup and restore calls of Microsoft's esent.h, spelled as there
/// (`unsigned long`, `long`, `JET_API_PTR`, `char*` paths: the A forms and the
/// unsuffixed names), returning ESE's JET_err numbers, so that an ESE backup client
/// compiles and behaves as it did on Windows. It is a layer over the typed API:
/// each instance is an `instance<any_storage>`, each backup a typestate session.
/// No exception crosses it: every call returns a JET_ERR (an allocation failure is
/// JET_errOutOfMemory).
///
/// The names live in namespace hotbackup::esent and, as in esent.h, in the global
/// namespace (a using-directive; define HOTBACKUP_ESENT_NO_GLOBAL_NAMES to keep them
/// out of it).
///
/// Modes (docs/protocol.md §1 item 6): JetCreateInstance puts the process in multi-instance mode;
/// JetInit (or JetRestore) with no instance created, in one-instance (legacy) mode,
/// where the handle-less calls (JetBeginExternalBackup, ...) work and the handle is
/// ignored. Parameters set on no instance are the defaults of the instances made
/// later. The mode resets when the last instance terminates.
///
/// Where this differs from ESE, by decision (docs/protocol.md §8.2–§8.3, §8.9–§8.10):
/// - `JetEndExternalBackup*` returns JET_errSuccess once a session existed, also
///   after JetStopBackup or before the log phase (the backup is then aborted).
/// - JetReadFile checks its handle (JET_errInvalidParameter).
/// - Restore returns StartingRestoreLogTooHigh / EndingRestoreLogTooLow, and does
///   not swap JetExternalRestore2's target paths.
/// - Only listed logs can be opened (JET_errInvalidParameter for another existing
///   log), and only until JetTruncateLog (then JET_errInvalidBackupSequence); an
///   incremental backup lists its logs when it begins (the log is rolled then, not
///   at JetGetLogInfo).
/// - There is no OS snapshot (`JetOSSnapshot*`) API, so docs/protocol.md §3.7's snapshot row does
///   not arise; a log failure is JET_errLogWriteFail / JET_errInstanceUnavailable
///   whatever its cause (no JET_errLogDiskFull, no ...DueToFatalLogDiskFull).
/// - Transactions do not nest (JET_errTransTooDeep for a second level); there are
///   no tables: write data through the typed transaction (transaction_of()).
/// - JetExternalRestore2's running target instance (JET_wrnTargetInstanceRunning)
///   is not supported: a named target gives JET_errBadRestoreTargetInstance.
///   Restore leaves logs outside [genLow, genHigh] in the backup folder alone, and
///   records the restored backup as the databases' last full one (ESE: only if it
///   had truncated its logs; a stream does not say). It does not change the mode.
/// - JetBackupInstance supports full and incremental backups into a directory
///   (no JET_bitBackupAtomic, no NULL path); JetRestoreInstance restores what it
///   wrote, found through the file hotbackup-jetbackup.txt it leaves there.
///
/// Typed access: engine_of(instance) is the typed engine behind an initialized
/// JET_INSTANCE; transaction_of(sesid) the typed transaction of a session between
/// JetBeginTransaction and JetCommitTransaction; database_of(sesid, dbid) the typed
/// id of a JET_DBID; create_instance_on() is JetCreateInstance on a chosen storage
/// (memory, fault injection).
///
/// Thread-safety: every function may be called from any thread; calls on one
/// instance's backup are serialized, as ESE's one backup context is.
#pragma once

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <mutex>
#include <new>
#include <optional>
#include <ranges>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "hotbackup/engine/instance.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/restore/external_restore.hpp"
#include "hotbackup/session/session.hpp"
#include "hotbackup/storage/any_storage.hpp"
#include "hotbackup/storage/durable.hpp"

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

// ---- types (esent.h) ----

/// esent.h's JET_API_PTR (ULONG_PTR): an unsigned integer as wide as a pointer, the
/// type of the handles and of numeric parameter values.
using JET_API_PTR = std::uintptr_t;
/// esent.h's JET_ERR: a long holding a JET_err* number, returned by every Jet* call.
/// 0 (JET_errSuccess) is success, a negative number an error, a positive one a
/// warning (JET_wrn*: the call succeeded).
using JET_ERR = long;
/// esent.h's JET_HANDLE (a JET_API_PTR): the open backup file of JetOpenFileInstance,
/// valid until JetCloseFileInstance, the end of the backup, or a failed read (but
/// not one failed by JetStopBackup).
using JET_HANDLE = JET_API_PTR;
/// esent.h's JET_INSTANCE (a JET_API_PTR): an instance handle from JetCreateInstance
/// or JetInit, valid until JetTerm; 0 and JET_instanceNil name none.
using JET_INSTANCE = JET_API_PTR;
/// esent.h's JET_SESID (a JET_API_PTR): a session handle from JetBeginSession, valid
/// until JetEndSession or the termination of its instance.
using JET_SESID = JET_API_PTR;
/// esent.h's JET_TABLEID (a JET_API_PTR): a table cursor. There are no tables here;
/// no call takes one.
using JET_TABLEID = JET_API_PTR;
/// esent.h's JET_DBID (an unsigned long): a database attached to an instance, its
/// engine slot + 1, as JetCreateDatabase returns it; database_of() gives its typed id.
using JET_DBID = unsigned long;
/// esent.h's JET_GRBIT (an unsigned long): a set of JET_bit* option bits.
using JET_GRBIT = unsigned long;
/// esent.h's JET_SNP (an unsigned long): the operation a JET_PFNSTATUS call reports
/// on (JET_snpRestore, JET_snpBackup).
using JET_SNP = unsigned long;
/// esent.h's JET_SNT (an unsigned long): what a JET_PFNSTATUS call reports
/// (JET_sntBegin, JET_sntProgress, JET_sntComplete, JET_sntFail).
using JET_SNT = unsigned long;
/// esent.h's JET_PSTR (char*, the A form): a NUL-terminated string or an output
/// buffer.
using JET_PSTR = char*;
/// esent.h's JET_PCSTR (const char*, the A form): a NUL-terminated input string.
using JET_PCSTR = const char*;
/// A status callback: restore and backup progress (JET_snpRestore / JET_snpBackup).
/// It is called with sesid 0 and, for JET_sntProgress, pv pointing to a JET_SNPROG
/// valid during the call (otherwise NULL); what it returns is ignored.
using JET_PFNSTATUS = JET_ERR (*)(JET_SESID sesid, JET_SNP snp, JET_SNT snt, void* pv);

/// Progress handed to a JET_PFNSTATUS with JET_sntProgress.
struct JET_SNPROG {
    /// sizeof(JET_SNPROG).
    unsigned long cbStruct;
    /// The percentage done so far (0 to 100).
    unsigned long cunitDone;
    /// The units of the whole operation: always 100 (cunitDone is a percentage).
    unsigned long cunitTotal;
};

/// The length of a log base name (JET_paramBaseName, e.g. "edb"), without its NUL.
inline constexpr std::size_t JET_BASE_NAME_LENGTH = 3;

/// The log range of a backup (JetGetLogInfoInstance2, JetExternalRestore2).
struct JET_LOGINFO_A {
    /// sizeof(JET_LOGINFO_A), set by the caller; any other value gives
    /// JET_errInvalidParameter.
    unsigned long cbSize;
    /// The first log generation of the backup (0: none listed; for
    /// JetExternalRestore2, 0 means the lowest found in the backup folder).
    unsigned long ulGenLow;
    /// The last log generation of the backup (0 as for ulGenLow: the highest).
    unsigned long ulGenHigh;
    /// The logs' base name, NUL-terminated (JetGetLogInfoInstance2 zero-fills it).
    char szBaseName[JET_BASE_NAME_LENGTH + 1];
};
/// esent.h's unsuffixed name of JET_LOGINFO_A (this header has only the A forms).
using JET_LOGINFO = JET_LOGINFO_A;

/// Where a database recorded in the logs was restored (JetExternalRestore).
struct JET_RSTMAP_A {
    /// The database's path as the logs recorded it (its path when it was backed up).
    char* szDatabaseName;
    /// The path of the restored copy that recovery replays into.
    char* szNewDatabaseName;
};
/// esent.h's unsuffixed name of JET_RSTMAP_A (this header has only the A forms).
using JET_RSTMAP = JET_RSTMAP_A;

// ---- handles and flags ----

/// No instance (all bits set, as in esent.h). JetSetSystemParameter and
/// JetGetSystemParameter take it (as 0) for the global parameters, JetInit for a new
/// instance; other calls give JET_errInvalidParameter (ignored in one-instance mode).
inline constexpr JET_INSTANCE JET_instanceNil = ~JET_INSTANCE{0};
/// No session (all bits set, as in esent.h); a call that needs a session gives
/// JET_errInvalidSesid.
inline constexpr JET_SESID JET_sesidNil = ~JET_SESID{0};
/// No table cursor (all bits set, as in esent.h); for esent.h compatibility only.
inline constexpr JET_TABLEID JET_tableidNil = ~JET_TABLEID{0};
/// No database (0xFFFFFFFF, as in esent.h); no database has this JET_DBID.
inline constexpr JET_DBID JET_dbidNil = 0xFFFFFFFFUL;
/// No option bits (0).
inline constexpr JET_GRBIT JET_bitNil = 0;

/// JetBeginExternalBackupInstance, JetBackupInstance: an incremental backup (logs
/// only) instead of a full one; JET_errInvalidBackup under circular logging.
inline constexpr JET_GRBIT JET_bitBackupIncremental = 0x00000001;
/// esent.h's atomic JetBackup; not supported: JetBackupInstance and
/// JetBeginExternalBackupInstance return JET_errInvalidGrbit.
inline constexpr JET_GRBIT JET_bitBackupAtomic = 0x00000004;
/// Reserved in ESE: JetBeginExternalBackupInstance and JetBackupInstance return
/// JET_errInvalidGrbit.
inline constexpr JET_GRBIT JET_bitBackupSnapshot = 0x00000010;
/// JetEndExternalBackupInstance2: end the backup as complete, recorded in the
/// database headers; aborted instead if its logs were never listed or after
/// JetStopBackup.
inline constexpr JET_GRBIT JET_bitBackupEndNormal = 0x0001;
/// JetEndExternalBackupInstance2: end the backup as aborted; nothing is recorded.
inline constexpr JET_GRBIT JET_bitBackupEndAbort = 0x0002;
/// JetEndExternalBackupInstance2, with EndNormal: the client truncated the logs
/// itself; the backup is recorded as truncated though JetTruncateLog was not called.
inline constexpr JET_GRBIT JET_bitBackupTruncateDone = 0x0100;
/// JetEndExternalBackupInstance2 (non-public in ESE): leave the database headers
/// alone (the backup is not recorded in them).
inline constexpr JET_GRBIT JET_bitBackupNoDbHeaderUpdate = 0x0200;
/// JetTerm2: terminate cleanly; JET_errBackupInProgress while a backup (also a typed
/// one) runs.
inline constexpr JET_GRBIT JET_bitTermComplete = 0x00000001;
/// JetTerm2 (and JetTerm): end a running backup as aborted (also a typed session),
/// then terminate; pages are still flushed.
inline constexpr JET_GRBIT JET_bitTermAbrupt = 0x00000002;
/// JetTerm2: as JET_bitTermAbrupt, end a running backup as aborted, then terminate.
inline constexpr JET_GRBIT JET_bitTermStopBackup = 0x00000004;
/// JetTerm2: accepted and handled as JET_bitTermAbrupt (pages are still flushed).
inline constexpr JET_GRBIT JET_bitTermDirty = 0x00000008;
/// JetCommitTransaction: commit without waiting for the log to reach the disk (not
/// durable until a later flush).
inline constexpr JET_GRBIT JET_bitCommitLazyFlush = 0x00000001;
/// JetCommitTransaction outside a transaction: flush the log, making earlier lazy
/// commits durable; inside one it changes nothing.
inline constexpr JET_GRBIT JET_bitWaitLastLevel0Commit = 0x00000002;
/// JetCommitTransaction: the same as JET_bitWaitLastLevel0Commit.
inline constexpr JET_GRBIT JET_bitWaitAllLevel0Commit = 0x00000008;
/// JetCommitTransaction, alone: start a new log generation; commits nothing.
inline constexpr JET_GRBIT JET_bitForceNewLog = 0x00000010;
/// JetRollback: roll back every level. Accepted; as transactions do not nest here,
/// it does what a grbit of 0 does.
inline constexpr JET_GRBIT JET_bitRollbackAll = 0x00000001;
/// JetCreateDatabase: remove an existing file of that name first (never an attached
/// database: JET_errDatabaseDuplicate).
inline constexpr JET_GRBIT JET_bitDbOverwriteExisting = 0x00000200;

/// JET_PFNSTATUS: the call reports on a restore (JetExternalRestore,
/// JetExternalRestore2, JetRestoreInstance, JetRestore).
inline constexpr JET_SNP JET_snpRestore = 8;
/// JET_PFNSTATUS: the call reports on a JetBackupInstance / JetBackup backup.
inline constexpr JET_SNP JET_snpBackup = 9;
/// JET_PFNSTATUS: progress; pv points to a JET_SNPROG.
inline constexpr JET_SNT JET_sntProgress = 0;
/// JET_PFNSTATUS: the operation failed (pv NULL); the call returns the error.
inline constexpr JET_SNT JET_sntFail = 3;
/// JET_PFNSTATUS: the operation begins (pv NULL).
inline constexpr JET_SNT JET_sntBegin = 5;
/// JET_PFNSTATUS: the operation succeeded (pv NULL).
inline constexpr JET_SNT JET_sntComplete = 6;

// ---- system parameters (docs/protocol.md §8.11) ----

/// Parameter (string): the directory of the checkpoint file, "." by default.
inline constexpr unsigned long JET_paramSystemPath = 0;
/// Parameter (string): the temporary path; kept for JetGetSystemParameter, unused.
inline constexpr unsigned long JET_paramTempPath = 1;
/// Parameter (string): the directory of the log files, "." by default.
inline constexpr unsigned long JET_paramLogFilePath = 2;
/// Parameter (string): the base name of the logs and the checkpoint, exactly 3
/// letters or digits; "edb" by default.
inline constexpr unsigned long JET_paramBaseName = 3;
/// Parameter (number): the log file size in KiB, a multiple of 4 from 64 to 32768
/// (5120 by default); raises JET_paramCheckpointDepthMax to at least that size.
inline constexpr unsigned long JET_paramLogFileSize = 11;
/// Parameter (number): non-zero for circular logging (logs behind the checkpoint
/// are deleted; no incremental backup); 0 by default.
inline constexpr unsigned long JET_paramCircularLog = 17;
/// Parameter (number): the bytes of log allowed between the checkpoint and the tip
/// (20 MiB by default); less than one log file fails at JetInit.
inline constexpr unsigned long JET_paramCheckpointDepthMax = 24;
/// Parameter (string): "on" or "off" (any case), whether a log is written at all;
/// "on" by default.
inline constexpr unsigned long JET_paramRecovery = 34;
/// Parameter (number): the database page size in bytes: 4096, 8192 (the default),
/// 16384 or 32768.
inline constexpr unsigned long JET_paramDatabasePageSize = 64;
/// Parameter (number): non-zero to create missing system and log directories at
/// JetInit; 0 by default.
inline constexpr unsigned long JET_paramCreatePathIfNotExist = 100;

// ---- errors and warnings (docs/protocol.md §2.1) ----

/// The call succeeded.
inline constexpr JET_ERR JET_errSuccess = 0;
/// esent.h's warning for a value cut to its buffer; no call here returns it
/// (JetGetSystemParameter cuts strings silently, as ESE does).
inline constexpr JET_ERR JET_wrnBufferTruncated = 1006;
/// JetAttachDatabase: the database was attached already (a warning: success).
inline constexpr JET_ERR JET_wrnDatabaseAttached = 1007;
/// ESE's JetExternalRestore2 warning for a running target instance; not returned
/// here (a named target gives JET_errBadRestoreTargetInstance).
inline constexpr JET_ERR JET_wrnTargetInstanceRunning = 578;

/// Every errc, under esent.h's name; each is checked against errc_name(), so the two
/// lists cannot drift apart. Declares `JET_err##name`; undefined after the list.
#define HOTBACKUP_ESENT_ERROR(name, code)            \
    inline constexpr JET_ERR JET_err##name = (code); \
    static_assert(errc_name(static_cast<errc>(code)) == "JET_err" #name);
/// \name ESE error codes
/// Every errc of error.hpp under esent.h's name and with its number (docs/protocol.md §2.1): what
/// a Jet* call returns on failure. backup_error::value() of the typed API is the
/// same number, and each constant is checked against errc_name() when compiled.
/// @{

/// An ESE error: the JET_ERR a failed Jet* call returns; equal to the errc of the
/// same name.
HOTBACKUP_ESENT_ERROR(RfsFailure, -100)
HOTBACKUP_ESENT_ERROR(RfsNotArmed, -101)
HOTBACKUP_ESENT_ERROR(FileClose, -102)
HOTBACKUP_ESENT_ERROR(OutOfThreads, -103)
HOTBACKUP_ESENT_ERROR(InternalError, -107)
HOTBACKUP_ESENT_ERROR(DisabledFunctionality, -112)
HOTBACKUP_ESENT_ERROR(InvalidLoggedOperation, -500)
HOTBACKUP_ESENT_ERROR(LogFileCorrupt, -501)
HOTBACKUP_ESENT_ERROR(NoBackupDirectory, -503)
HOTBACKUP_ESENT_ERROR(BackupDirectoryNotEmpty, -504)
HOTBACKUP_ESENT_ERROR(BackupInProgress, -505)
HOTBACKUP_ESENT_ERROR(RestoreInProgress, -506)
HOTBACKUP_ESENT_ERROR(MissingPreviousLogFile, -509)
HOTBACKUP_ESENT_ERROR(LogWriteFail, -510)
HOTBACKUP_ESENT_ERROR(LogDisabledDueToRecoveryFailure, -511)
HOTBACKUP_ESENT_ERROR(CannotLogDuringRecoveryRedo, -512)
HOTBACKUP_ESENT_ERROR(LogGenerationMismatch, -513)
HOTBACKUP_ESENT_ERROR(BadLogVersion, -514)
HOTBACKUP_ESENT_ERROR(InvalidLogSequence, -515)
HOTBACKUP_ESENT_ERROR(LoggingDisabled, -516)
HOTBACKUP_ESENT_ERROR(LogBufferTooSmall, -517)
HOTBACKUP_ESENT_ERROR(LogSequenceEnd, -519)
HOTBACKUP_ESENT_ERROR(NoBackup, -520)
HOTBACKUP_ESENT_ERROR(InvalidBackupSequence, -521)
HOTBACKUP_ESENT_ERROR(BackupNotAllowedYet, -523)
HOTBACKUP_ESENT_ERROR(DeleteBackupFileFail, -524)
HOTBACKUP_ESENT_ERROR(MakeBackupDirectoryFail, -525)
HOTBACKUP_ESENT_ERROR(InvalidBackup, -526)
HOTBACKUP_ESENT_ERROR(RecoveredWithErrors, -527)
HOTBACKUP_ESENT_ERROR(MissingLogFile, -528)
HOTBACKUP_ESENT_ERROR(LogDiskFull, -529)
HOTBACKUP_ESENT_ERROR(BadLogSignature, -530)
HOTBACKUP_ESENT_ERROR(BadDbSignature, -531)
HOTBACKUP_ESENT_ERROR(BadCheckpointSignature, -532)
HOTBACKUP_ESENT_ERROR(CheckpointCorrupt, -533)
HOTBACKUP_ESENT_ERROR(MissingPatchPage, -534)
HOTBACKUP_ESENT_ERROR(BadPatchPage, -535)
HOTBACKUP_ESENT_ERROR(RedoAbruptEnded, -536)
HOTBACKUP_ESENT_ERROR(PatchFileMissing, -538)
HOTBACKUP_ESENT_ERROR(DatabaseLogSetMismatch, -539)
HOTBACKUP_ESENT_ERROR(DatabaseStreamingFileMismatch, -540)
HOTBACKUP_ESENT_ERROR(LogFileSizeMismatch, -541)
HOTBACKUP_ESENT_ERROR(CheckpointFileNotFound, -542)
HOTBACKUP_ESENT_ERROR(RequiredLogFilesMissing, -543)
HOTBACKUP_ESENT_ERROR(SoftRecoveryOnBackupDatabase, -544)
HOTBACKUP_ESENT_ERROR(LogFileSizeMismatchDatabasesConsistent, -545)
HOTBACKUP_ESENT_ERROR(LogSectorSizeMismatch, -546)
HOTBACKUP_ESENT_ERROR(LogSectorSizeMismatchDatabasesConsistent, -547)
HOTBACKUP_ESENT_ERROR(LogSequenceEndDatabasesConsistent, -548)
HOTBACKUP_ESENT_ERROR(StreamingDataNotLogged, -549)
HOTBACKUP_ESENT_ERROR(DatabaseDirtyShutdown, -550)
HOTBACKUP_ESENT_ERROR(ConsistentTimeMismatch, -551)
HOTBACKUP_ESENT_ERROR(DatabasePatchFileMismatch, -552)
HOTBACKUP_ESENT_ERROR(EndingRestoreLogTooLow, -553)
HOTBACKUP_ESENT_ERROR(StartingRestoreLogTooHigh, -554)
HOTBACKUP_ESENT_ERROR(GivenLogFileHasBadSignature, -555)
HOTBACKUP_ESENT_ERROR(GivenLogFileIsNotContiguous, -556)
HOTBACKUP_ESENT_ERROR(MissingRestoreLogFiles, -557)
HOTBACKUP_ESENT_ERROR(MissingFullBackup, -560)
HOTBACKUP_ESENT_ERROR(BadBackupDatabaseSize, -561)
HOTBACKUP_ESENT_ERROR(DatabaseAlreadyUpgraded, -562)
HOTBACKUP_ESENT_ERROR(DatabaseIncompleteUpgrade, -563)
HOTBACKUP_ESENT_ERROR(MissingCurrentLogFiles, -565)
HOTBACKUP_ESENT_ERROR(DbTimeTooOld, -566)
HOTBACKUP_ESENT_ERROR(DbTimeTooNew, -567)
HOTBACKUP_ESENT_ERROR(MissingFileToBackup, -569)
HOTBACKUP_ESENT_ERROR(LogTornWriteDuringHardRestore, -570)
HOTBACKUP_ESENT_ERROR(LogTornWriteDuringHardRecovery, -571)
HOTBACKUP_ESENT_ERROR(LogCorruptDuringHardRestore, -573)
HOTBACKUP_ESENT_ERROR(LogCorruptDuringHardRecovery, -574)
HOTBACKUP_ESENT_ERROR(MustDisableLoggingForDbUpgrade, -575)
HOTBACKUP_ESENT_ERROR(BadRestoreTargetInstance, -577)
HOTBACKUP_ESENT_ERROR(RecoveredWithoutUndo, -579)
HOTBACKUP_ESENT_ERROR(DatabasesNotFromSameSnapshot, -580)
HOTBACKUP_ESENT_ERROR(SoftRecoveryOnSnapshot, -581)
HOTBACKUP_ESENT_ERROR(CommittedLogFilesMissing, -582)
HOTBACKUP_ESENT_ERROR(SectorSizeNotSupported, -583)
HOTBACKUP_ESENT_ERROR(RecoveredWithoutUndoDatabasesConsistent, -584)
HOTBACKUP_ESENT_ERROR(CommittedLogFileCorrupt, -586)
HOTBACKUP_ESENT_ERROR(LogSequenceChecksumMismatch, -590)
HOTBACKUP_ESENT_ERROR(PageInitializedMismatch, -596)
HOTBACKUP_ESENT_ERROR(ExistingLogFileHasBadSignature, -610)
HOTBACKUP_ESENT_ERROR(ExistingLogFileIsNotContiguous, -611)
HOTBACKUP_ESENT_ERROR(LogReadVerifyFailure, -612)
HOTBACKUP_ESENT_ERROR(CheckpointDepthTooDeep, -614)
HOTBACKUP_ESENT_ERROR(RestoreOfNonBackupDatabase, -615)
HOTBACKUP_ESENT_ERROR(LogFileNotCopied, -616)
HOTBACKUP_ESENT_ERROR(SurrogateBackupInProgress, -617)
HOTBACKUP_ESENT_ERROR(TransactionTooLong, -618)
HOTBACKUP_ESENT_ERROR(LogOperationInconsistentWithDatabase, -626)
HOTBACKUP_ESENT_ERROR(BackupAbortByCaller, -800)
HOTBACKUP_ESENT_ERROR(BackupAbortByServer, -801)
HOTBACKUP_ESENT_ERROR(InvalidGrbit, -900)
HOTBACKUP_ESENT_ERROR(TermInProgress, -1000)
HOTBACKUP_ESENT_ERROR(FeatureNotAvailable, -1001)
HOTBACKUP_ESENT_ERROR(InvalidName, -1002)
HOTBACKUP_ESENT_ERROR(InvalidParameter, -1003)
HOTBACKUP_ESENT_ERROR(DatabaseFileReadOnly, -1008)
HOTBACKUP_ESENT_ERROR(InvalidDatabaseId, -1010)
HOTBACKUP_ESENT_ERROR(OutOfMemory, -1011)
HOTBACKUP_ESENT_ERROR(ReadVerifyFailure, -1018)
HOTBACKUP_ESENT_ERROR(PageNotInitialized, -1019)
HOTBACKUP_ESENT_ERROR(OutOfFileHandles, -1020)
HOTBACKUP_ESENT_ERROR(DiskReadVerificationFailure, -1021)
HOTBACKUP_ESENT_ERROR(DiskIO, -1022)
HOTBACKUP_ESENT_ERROR(InvalidPath, -1023)
HOTBACKUP_ESENT_ERROR(InvalidSystemPath, -1024)
HOTBACKUP_ESENT_ERROR(InvalidLogDirectory, -1025)
HOTBACKUP_ESENT_ERROR(InvalidDatabase, -1028)
HOTBACKUP_ESENT_ERROR(NotInitialized, -1029)
HOTBACKUP_ESENT_ERROR(AlreadyInitialized, -1030)
HOTBACKUP_ESENT_ERROR(InitInProgress, -1031)
HOTBACKUP_ESENT_ERROR(FileAccessDenied, -1032)
HOTBACKUP_ESENT_ERROR(BufferTooSmall, -1038)
HOTBACKUP_ESENT_ERROR(InvalidFilename, -1044)
HOTBACKUP_ESENT_ERROR(NotInTransaction, -1054)
HOTBACKUP_ESENT_ERROR(RunningInOneInstanceMode, -1080)
HOTBACKUP_ESENT_ERROR(RunningInMultiInstanceMode, -1081)
HOTBACKUP_ESENT_ERROR(SystemPathInUse, -1083)
HOTBACKUP_ESENT_ERROR(LogFilePathInUse, -1084)
HOTBACKUP_ESENT_ERROR(TempPathInUse, -1085)
HOTBACKUP_ESENT_ERROR(InstanceNameInUse, -1086)
HOTBACKUP_ESENT_ERROR(InstanceUnavailable, -1090)
HOTBACKUP_ESENT_ERROR(DatabaseUnavailable, -1091)
HOTBACKUP_ESENT_ERROR(InstanceUnavailableDueToFatalLogDiskFull, -1092)
HOTBACKUP_ESENT_ERROR(TransTooDeep, -1103)
HOTBACKUP_ESENT_ERROR(InvalidSesid, -1104)
HOTBACKUP_ESENT_ERROR(InTransaction, -1108)
HOTBACKUP_ESENT_ERROR(InvalidInstance, -1115)
HOTBACKUP_ESENT_ERROR(ReadPgnoVerifyFailure, -1118)
HOTBACKUP_ESENT_ERROR(ReadLostFlushVerifyFailure, -1119)
HOTBACKUP_ESENT_ERROR(FileSystemCorruption, -1121)
HOTBACKUP_ESENT_ERROR(RecoveryVerifyFailure, -1123)
HOTBACKUP_ESENT_ERROR(DatabaseDuplicate, -1201)
HOTBACKUP_ESENT_ERROR(DatabaseInUse, -1202)
HOTBACKUP_ESENT_ERROR(DatabaseNotFound, -1203)
HOTBACKUP_ESENT_ERROR(DatabaseInvalidName, -1204)
HOTBACKUP_ESENT_ERROR(DatabaseCorrupted, -1206)
HOTBACKUP_ESENT_ERROR(DatabaseLocked, -1207)
HOTBACKUP_ESENT_ERROR(InvalidDatabaseVersion, -1209)
HOTBACKUP_ESENT_ERROR(PageSizeMismatch, -1213)
HOTBACKUP_ESENT_ERROR(DatabaseSharingViolation, -1215)
HOTBACKUP_ESENT_ERROR(AttachedDatabaseMismatch, -1216)
HOTBACKUP_ESENT_ERROR(DatabaseInvalidPath, -1217)
HOTBACKUP_ESENT_ERROR(DatabaseSignInUse, -1222)
HOTBACKUP_ESENT_ERROR(DatabaseCorruptedNoRepair, -1224)
HOTBACKUP_ESENT_ERROR(DatabaseAttachedForRecovery, -1231)
HOTBACKUP_ESENT_ERROR(ClientRequestToStopJetService, -1329)
HOTBACKUP_ESENT_ERROR(TooManyAttachedDatabases, -1805)
HOTBACKUP_ESENT_ERROR(DiskFull, -1808)
HOTBACKUP_ESENT_ERROR(FileNotFound, -1811)
HOTBACKUP_ESENT_ERROR(FileInvalidType, -1812)
HOTBACKUP_ESENT_ERROR(FileAlreadyExists, -1814)
HOTBACKUP_ESENT_ERROR(AfterInitialization, -1850)
HOTBACKUP_ESENT_ERROR(LogCorrupted, -1852)
HOTBACKUP_ESENT_ERROR(InvalidOperation, -1906)
HOTBACKUP_ESENT_ERROR(AccessDenied, -1907)
HOTBACKUP_ESENT_ERROR(CallbackFailed, -2101)
HOTBACKUP_ESENT_ERROR(OSSnapshotInvalidSequence, -2401)
HOTBACKUP_ESENT_ERROR(OSSnapshotTimeOut, -2402)
HOTBACKUP_ESENT_ERROR(OSSnapshotNotAllowed, -2403)
HOTBACKUP_ESENT_ERROR(OSSnapshotInvalidSnapId, -2404)
HOTBACKUP_ESENT_ERROR(FileIOBeyondEOF, -4001)
HOTBACKUP_ESENT_ERROR(FileCompressed, -4005)
/// @}
#undef HOTBACKUP_ESENT_ERROR

/// The typed engine behind every JET_INSTANCE.
using engine_type = instance<any_storage>;

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // NOLINT(google-build-using-namespace)

/// A failed call: the JET_ERR it returns.
struct jet_failure {
    JET_ERR code;
};

[[noreturn]] inline void fail(JET_ERR code) {
    throw jet_failure{code};
}

/// Runs a call body and turns what it throws into its JET_ERR.
template <class Body>
JET_ERR guarded(Body&& body) noexcept {
    try {
        return body();
    } catch (const jet_failure& failure) {
        return failure.code;
    } catch (const backup_error& error) {
        return static_cast<JET_ERR>(error.value());
    } catch (const std::bad_alloc&) {
        return JET_errOutOfMemory;
    } catch (...) {
        return static_cast<JET_ERR>(errc::internal_error);
    }
}

enum class api_state { created, initializing, running, restoring, terminating };
enum class instance_mode { none, one_instance, multi_instance };

using database_session = backup_session<engine_type, stage::databases>;
using log_session = backup_session<engine_type, stage::logs>;
using truncated_session = backup_session<engine_type, stage::truncated>;

/// The one open backup file (ESE's crhfMax = 1).
struct open_file {
    JET_HANDLE handle = 0;
    std::variant<database_file, log_file> file;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
    std::size_t chunk_size = 0;
    std::optional<generator<std::span<const std::byte>>> reader;
    std::optional<std::ranges::iterator_t<generator<std::span<const std::byte>>>> position;
};

/// One JET_INSTANCE.
struct jet_instance {
    JET_INSTANCE id = 0;
    std::string name;
    any_storage storage;
    instance_options options;
    std::string temp_path;
    // Init, term, restore and parameter changes of this instance, one at a time;
    // `options`, `temp_path` and `engine` change only under it. `engine` is set
    // before `state` becomes running, so a reader that saw running (or
    // terminating) may use it without the lock.
    std::mutex lifecycle_mutex;
    std::atomic<api_state> state{api_state::created};
    std::atomic<bool> stop_service{false};
    std::unique_ptr<engine_type> engine;

    std::mutex backup_mutex;  // the backup calls of this instance, one at a time
    std::variant<std::monostate, database_session, log_session, truncated_session> session;
    bool logs_listed = false;
    bool full = false;                     // the session is a full backup
    std::vector<std::string> attach_list;  // the databases of a full backup, from begin
    std::optional<open_file> file;
    JET_HANDLE next_handle = 1;

    std::mutex databases_mutex;
    std::map<JET_DBID, database_id> databases;  // JET_DBID = slot + 1
};

struct jet_session {
    JET_SESID id = 0;
    std::shared_ptr<jet_instance> owner;
    std::mutex mutex;
    std::optional<engine_type::transaction> transaction;
};

/// The process's instances and sessions.
class registry {
  public:
    static registry& get() {
        static registry instance;
        return instance;
    }

    std::mutex mutex;
    instance_mode mode = instance_mode::none;
    std::map<JET_INSTANCE, std::shared_ptr<jet_instance>> instances;
    std::map<JET_SESID, std::shared_ptr<jet_session>> sessions;
    JET_INSTANCE legacy = 0;  // the one instance of one-instance mode, once made
    instance_options global_options;
    std::string global_temp_path;
    std::uint64_t next_id = 1;

    /// A new instance with the global parameters, registered. Under `mutex`.
    std::shared_ptr<jet_instance> make_instance(std::string name, any_storage storage) {
        auto made = std::make_shared<jet_instance>();
        made->id = static_cast<JET_INSTANCE>(next_id++) << 4U;
        made->name = std::move(name);
        made->storage = std::move(storage);
        made->options = global_options;
        made->temp_path = global_temp_path;
        instances.emplace(made->id, made);
        return made;
    }

    /// Forgets an instance and its sessions; resets the mode after the last one.
    /// Under `mutex`.
    void forget(JET_INSTANCE id) {
        instances.erase(id);
        std::erase_if(sessions, [id](const auto& entry) { return entry.second->owner->id == id; });
        if (legacy == id) {
            legacy = 0;
        }
        if (instances.empty()) {
            mode = instance_mode::none;
            global_options = {};
            global_temp_path.clear();
        }
    }

  private:
    registry() = default;
};

/// docs/protocol.md §1 item 6: the legacy calls need one-instance mode.
inline void require_one_instance_mode() {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    if (all.mode == instance_mode::multi_instance) {
        fail(JET_errRunningInMultiInstanceMode);
    }
    if (all.mode == instance_mode::none) {
        fail(JET_errInvalidParameter);
    }
}

/// The instance a handle names (docs/protocol.md §1 items 1, 2), or a failure.
inline std::shared_ptr<jet_instance> find_instance(JET_INSTANCE handle) {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    if (all.mode == instance_mode::one_instance) {
        const auto found = all.instances.find(all.legacy);
        if (found == all.instances.end()) {
            fail(JET_errNotInitialized);
        }
        return found->second;
    }
    if (handle == 0 || handle == JET_instanceNil) {
        fail(JET_errInvalidParameter);
    }
    const auto found = all.instances.find(handle);
    if (found == all.instances.end()) {
        fail(JET_errInvalidInstance);
    }
    return found->second;
}

/// docs/protocol.md §1 items 3–5: stop-service, unavailable, and the API lock, in ESE's order.
inline void check_entry(const jet_instance& target, bool check_stop_service = true) {
    if (check_stop_service && target.stop_service.load()) {
        fail(JET_errClientRequestToStopJetService);
    }
    const auto state = target.state.load();
    if (state == api_state::running && target.engine->log_state() == log_state::failed) {
        fail(JET_errInstanceUnavailable);
    }
    switch (state) {
        case api_state::running:
            return;
        case api_state::terminating:
            fail(JET_errTermInProgress);
        case api_state::restoring:
            fail(JET_errRestoreInProgress);
        case api_state::created:
        case api_state::initializing:
            fail(JET_errNotInitialized);
    }
}

/// The instance of a handle, through every API-entry check.
inline std::shared_ptr<jet_instance> enter(JET_INSTANCE handle, bool check_stop_service = true) {
    auto target = find_instance(handle);
    check_entry(*target, check_stop_service);
    return target;
}

inline std::shared_ptr<jet_session> find_session(JET_SESID sesid) {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    const auto found = all.sessions.find(sesid);
    if (found == all.sessions.end()) {
        fail(JET_errInvalidSesid);
    }
    return found->second;
}

/// A session whose instance passes the API-entry checks.
inline std::shared_ptr<jet_session> enter_session(JET_SESID sesid, bool check_stop_service = true) {
    auto session = find_session(sesid);
    check_entry(*session->owner, check_stop_service);
    return session;
}

inline std::string path_key(const std::string& path) {
    return std::filesystem::absolute(std::filesystem::path{path}).lexically_normal().string();
}

/// Writes a multi-string (docs/protocol.md §8.10): BufferTooSmall when a non-zero cbMax is too
/// small, the required size when it is 0.
inline void write_multi_string(const std::vector<std::string>& strings, char* buffer,
                               unsigned long size, unsigned long* actual) {
    std::string joined;
    for (const auto& text : strings) {
        joined += text;
        joined.push_back('\0');
    }
    joined.push_back('\0');
    const auto required = static_cast<unsigned long>(joined.size());
    if (buffer != nullptr && size != 0) {
        if (size < required) {
            fail(JET_errBufferTooSmall);
        }
        std::ranges::copy(joined, buffer);
    }
    if (actual != nullptr) {
        *actual = required;
    }
}

/// Whether a backup session exists (docs/protocol.md §3.7's first row: NoBackup).
inline bool has_session(const jet_instance& target) {
    return !std::holds_alternative<std::monostate>(target.session);
}

inline void require_session(const jet_instance& target) {
    if (!has_session(target)) {
        fail(JET_errNoBackup);
    }
}

/// JetStopBackup's effect on the progress calls (docs/protocol.md §3.7).
inline void require_not_stopped(const jet_instance& target) {
    if (target.engine->shared_backup_control()->stop_requested()) {
        fail(JET_errBackupAbortByServer);
    }
}

/// Ends the session as aborted and forgets it (ESE's cancellation).
inline void cancel_session(jet_instance& target) {
    target.file.reset();
    target.session = std::monostate{};  // a session destroyed unfinished is aborted
    target.logs_listed = false;
    target.attach_list.clear();
}

inline bool is_full(const jet_instance& target) {
    return has_session(target) && target.full;
}

/// The logs of the session, or nothing before the log phase.
inline std::vector<log_file> listed_logs(jet_instance& target) {
    if (auto* logs = std::get_if<log_session>(&target.session)) {
        return logs->log_files();
    }
    if (auto* truncated = std::get_if<truncated_session>(&target.session)) {
        return truncated->log_files();
    }
    return {};
}

/// Moves a full backup into the log phase (docs/protocol.md §3.4): on failure the session stays.
inline void prepare_logs(jet_instance& target) {
    if (auto* databases = std::get_if<database_session>(&target.session)) {
        auto logs = std::move(*databases).logs();
        target.session = std::move(logs);
    }
    target.logs_listed = true;
}

inline JET_ERR begin_backup(JET_INSTANCE handle, JET_GRBIT grbit) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    auto& engine = *target->engine;
    // docs/protocol.md §3.2 in order: allowed, logging, log writes, grbit, then the session's own.
    if (!engine.shared_backup_control()->backups_allowed()) {
        fail(JET_errBackupNotAllowedYet);
    }
    if (engine.log_state() == log_state::disabled) {
        fail(JET_errLoggingDisabled);
    }
    if (engine.log_state() == log_state::failed) {
        fail(JET_errLogWriteFail);
    }
    if ((grbit & ~JET_bitBackupIncremental) != 0) {
        fail(JET_errInvalidGrbit);
    }
    // Step 6 (circular logging) before step 9 (a running session).
    if ((grbit & JET_bitBackupIncremental) != 0 && engine.circular_logging()) {
        fail(JET_errInvalidBackup);
    }
    if (has_session(*target)) {
        fail(JET_errBackupInProgress);
    }
    if ((grbit & JET_bitBackupIncremental) != 0) {
        target->session = begin_backup(engine, incremental_backup);
        target->attach_list.clear();
        target->full = false;
    } else {
        auto session = begin_backup(engine, full_backup);
        const auto files = session.databases();
        std::vector<std::string> names;
        names.reserve(files.size());
        for (const auto& file : files) {
            names.push_back(file.path.string());
        }
        target->session = std::move(session);
        target->attach_list = std::move(names);
        target->full = true;
    }
    target->logs_listed = false;
    target->file.reset();
    return JET_errSuccess;
}

inline JET_ERR get_attach_info(JET_INSTANCE handle, char* buffer, unsigned long size,
                               unsigned long* actual) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    require_session(*target);
    require_not_stopped(*target);
    if (!is_full(*target)) {
        fail(JET_errInvalidBackupSequence);
    }
    write_multi_string(target->attach_list, buffer, size, actual);
    return JET_errSuccess;
}

inline JET_ERR open_backup_file(JET_INSTANCE handle, const char* name, JET_HANDLE* file_handle,
                                unsigned long* size_low, unsigned long* size_high,
                                std::uint64_t start = 0) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    require_session(*target);
    require_not_stopped(*target);
    if (name == nullptr || *name == '\0' || file_handle == nullptr) {
        fail(JET_errInvalidParameter);
    }
    // docs/protocol.md §1.3: a section starts at a page, and not inside the first three (the two
    // header pages and the first database page come only with a read from 0).
    const std::uint64_t page_size = target->options.page_size;
    if (start % page_size != 0 || (start > 0 && start < 3 * page_size)) {
        fail(JET_errInvalidParameter);
    }
    if (target->file) {
        fail(JET_errOutOfMemory);  // ESE's one handle (docs/protocol.md §1.3)
    }
    const auto key = path_key(name);
    open_file opened;
    const auto database = std::ranges::find_if(
        target->attach_list, [&](const std::string& path) { return path_key(path) == key; });
    if (database != target->attach_list.end()) {
        auto* databases = std::get_if<database_session>(&target->session);
        if (databases == nullptr) {
            cancel_session(*target);
            fail(JET_errInvalidBackupSequence);
        }
        for (const auto& file : databases->databases()) {
            if (file.path.string() == *database) {
                opened.file = file;
                opened.size = file.stream_size;
            }
        }
    } else {
        if (std::holds_alternative<database_session>(target->session)) {
            fail(JET_errDatabaseNotFound);
        }
        // docs/protocol.md §3.7: a database opened in an incremental backup (which lists none) or
        // after the log phase began cancels the backup.
        for (const auto& info : target->engine->attached_databases()) {
            if (path_key(info.path.string()) == key) {
                cancel_session(*target);
                fail(JET_errInvalidBackupSequence);
            }
        }
        const std::filesystem::path path{name};
        if (!parse_log_file_name(path.filename().string(), target->options.base_name)) {
            fail(JET_errInvalidParameter);
        }
        if (!std::holds_alternative<log_session>(target->session)) {
            fail(JET_errInvalidBackupSequence);
        }
        bool listed = false;
        for (const auto& log : listed_logs(*target)) {
            if (path_key(log.path.string()) == key) {
                opened.file = log;
                opened.size = log.size;
                listed = true;
            }
        }
        if (!listed || !target->storage.exists(path)) {
            if (!target->storage.exists(path)) {
                cancel_session(*target);
                fail(JET_errMissingFileToBackup);
            }
            fail(JET_errInvalidParameter);
        }
    }
    opened.handle = target->next_handle++;
    opened.offset = start;
    if (size_low != nullptr) {
        *size_low = static_cast<unsigned long>(opened.size & 0xFFFFFFFFU);
    }
    if (size_high != nullptr) {
        *size_high = static_cast<unsigned long>(opened.size >> 32U);
    }
    *file_handle = opened.handle;
    target->file = std::move(opened);
    return JET_errSuccess;
}

/// Whether `error` is the stop JetStopBackup asked for.
inline bool is_server_stop(const std::exception_ptr& error) {
    try {
        std::rethrow_exception(error);
    } catch (const backup_error& thrown) {
        return thrown.value() == errc::backup_abort_by_server;
    } catch (...) {
        return false;
    }
}

/// The OS page size that ReadFile buffers must be aligned to (docs/protocol.md §8.9).
inline constexpr std::uintptr_t read_buffer_alignment = 4096;

inline JET_ERR read_backup_file(JET_INSTANCE handle, JET_HANDLE file_handle, void* buffer,
                                unsigned long size, unsigned long* actual) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    require_session(*target);
    require_not_stopped(*target);
    if (!target->file || target->file->handle != file_handle || buffer == nullptr ||
        reinterpret_cast<std::uintptr_t>(buffer) % read_buffer_alignment != 0) {
        fail(JET_errInvalidParameter);
    }
    auto& file = *target->file;
    const auto page_size = target->options.page_size;
    const bool is_database = std::holds_alternative<database_file>(file.file);
    if (size == 0 || size % page_size != 0 ||
        (file.offset == 0 && size < std::uint64_t{is_database ? 3U : 2U} * page_size)) {
        fail(JET_errInvalidParameter);
    }
    if (actual != nullptr) {
        *actual = 0;
    }
    if (file.offset >= file.size) {
        return JET_errSuccess;
    }
    const auto chunk_size = std::min<std::size_t>(size, max_buffer_size);
    try {
        if (!file.reader || file.chunk_size != chunk_size) {
            // A new buffer size: read on from here in chunks of it, so every chunk
            // the session hands out reaches the client whole.
            file.position.reset();
            file.reader.reset();
            const read_options options{.buffer_size = chunk_size, .offset = file.offset};
            if (const auto* database = std::get_if<database_file>(&file.file)) {
                file.reader = std::get<database_session>(target->session).read(*database, options);
            } else {
                file.reader = std::get<log_session>(target->session)
                                  .read(std::get<log_file>(file.file), options);
            }
            file.chunk_size = chunk_size;
            file.position = file.reader->begin();
        } else {
            ++*file.position;
        }
        if (*file.position == file.reader->end()) {
            return JET_errSuccess;
        }
        const auto chunk = **file.position;
        std::memcpy(buffer, chunk.data(), chunk.size());
        file.offset += chunk.size();
        if (actual != nullptr) {
            *actual = static_cast<unsigned long>(chunk.size());
        }
    } catch (...) {
        // A generator that threw is finished: the next read starts a new one.
        file.position.reset();
        file.reader.reset();
        if (is_server_stop(std::current_exception())) {
            throw;  // the session stays; Close and End still work (docs/protocol.md §3.7)
        }
        if (is_database) {
            target->file.reset();  // the database is dropped; the backup goes on
        } else {
            cancel_session(*target);  // a log error cancels the backup (docs/protocol.md §1.4)
        }
        throw;
    }
    return JET_errSuccess;
}

inline JET_ERR close_backup_file(JET_INSTANCE handle, JET_HANDLE file_handle) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    require_session(*target);
    if (!target->file || target->file->handle != file_handle) {
        fail(JET_errInvalidParameter);
    }
    target->file.reset();
    return JET_errSuccess;
}

/// JetGetLogInfo / JetGetTruncateLogInfo: prepares the log phase once, then lists.
inline JET_ERR get_log_info(JET_INSTANCE handle, char* buffer, unsigned long size,
                            unsigned long* actual, JET_LOGINFO_A* info, bool truncation) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    require_session(*target);
    require_not_stopped(*target);
    if (target->file) {
        fail(JET_errInvalidBackupSequence);
    }
    if (info != nullptr && info->cbSize != sizeof(JET_LOGINFO_A)) {
        fail(JET_errInvalidParameter);
    }
    prepare_logs(*target);
    std::vector<std::string> names;
    std::vector<log_file> logs;
    if (truncation) {
        if (auto* session = std::get_if<log_session>(&target->session)) {
            logs = session->logs_to_truncate();
        }
    } else {
        logs = listed_logs(*target);
    }
    names.reserve(logs.size());
    for (const auto& log : logs) {
        names.push_back(log.path.string());
    }
    write_multi_string(names, buffer, size, actual);
    if (info != nullptr) {
        const auto all = listed_logs(*target);
        info->ulGenLow = all.empty() ? 0 : static_cast<unsigned long>(all.front().generation);
        info->ulGenHigh = all.empty() ? 0 : static_cast<unsigned long>(all.back().generation);
        std::memset(info->szBaseName, 0, sizeof(info->szBaseName));
        std::memcpy(info->szBaseName, target->options.base_name.data(),
                    std::min(target->options.base_name.size(), JET_BASE_NAME_LENGTH));
    }
    return JET_errSuccess;
}

inline JET_ERR truncate_log(JET_INSTANCE handle) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    require_session(*target);
    require_not_stopped(*target);
    if (!target->file && std::holds_alternative<truncated_session>(target->session)) {
        return JET_errSuccess;  // truncated already: ESE deletes nothing more
    }
    auto* logs = std::get_if<log_session>(&target->session);
    if (target->file || !target->logs_listed || logs == nullptr) {
        fail(JET_errInvalidBackupSequence);
    }
    auto truncated = std::move(*logs).truncate();
    target->session = std::move(truncated);
    return JET_errSuccess;
}

inline JET_ERR end_backup(JET_INSTANCE handle, JET_GRBIT grbit) {
    auto target = enter(handle);
    const std::scoped_lock lock{target->backup_mutex};
    const bool normal = (grbit & JET_bitBackupEndNormal) != 0;
    const bool abort = (grbit & JET_bitBackupEndAbort) != 0;
    if (normal == abort) {
        fail(JET_errInvalidParameter);
    }
    require_session(*target);
    target->file.reset();
    const end_options options{.truncate_done = (grbit & JET_bitBackupTruncateDone) != 0,
                              .no_header_update = (grbit & JET_bitBackupNoDbHeaderUpdate) != 0};
    auto session = std::exchange(target->session, std::monostate{});
    const bool logs_listed = std::exchange(target->logs_listed, false);
    target->attach_list.clear();
    // docs/protocol.md §8.2: Success once a session existed; a stopped backup, one ended before
    // its logs, or a failed header update end as ESE ends them, without a record.
    try {
        // An incremental session is in the logs stage from Begin on, but ended
        // before JetGetLogInfo it is aborted, as a full one is (docs/protocol.md §3.6).
        if (auto* logs = std::get_if<log_session>(&session);
            logs != nullptr && normal && logs_listed) {
            (void)std::move(*logs).end(options);
        } else if (auto* truncated = std::get_if<truncated_session>(&session);
                   truncated != nullptr && normal) {
            (void)std::move(*truncated).end(options);
        }
    } catch (const backup_error&) {  // NOLINT(bugprone-empty-catch): see above
    }
    session = std::monostate{};  // aborts whatever was not ended
    return JET_errSuccess;
}

inline JET_ERR stop_backup(JET_INSTANCE handle) {
    auto target = find_instance(handle);
    const auto state = target->state.load();
    if (state == api_state::running || state == api_state::terminating) {
        target->engine->stop_backup();
    }
    return JET_errSuccess;
}

/// The instance a JetInit names, made if it names none (unnamed in multi-instance
/// mode, the one instance of one-instance mode); whether it was made now.
inline std::pair<std::shared_ptr<jet_instance>, bool> instance_to_init(JET_INSTANCE* handle) {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    const bool unnamed = handle == nullptr || *handle == 0 || *handle == JET_instanceNil;
    if (all.mode == instance_mode::multi_instance) {
        if (handle == nullptr) {
            fail(JET_errRunningInMultiInstanceMode);
        }
        if (unnamed) {
            return {all.make_instance({}, any_storage{}), true};
        }
        const auto found = all.instances.find(*handle);
        if (found == all.instances.end()) {
            fail(JET_errInvalidParameter);
        }
        return {found->second, false};
    }
    all.mode = instance_mode::one_instance;
    if (all.legacy != 0) {
        return {all.instances.at(all.legacy), false};
    }
    auto made = all.make_instance({}, any_storage{});
    all.legacy = made->id;
    return {made, true};
}

inline JET_ERR init(JET_INSTANCE* handle) {
    const auto [target, made_now] = instance_to_init(handle);
    const std::scoped_lock lifecycle{target->lifecycle_mutex};
    auto expected = api_state::created;
    if (!target->state.compare_exchange_strong(expected, api_state::initializing)) {
        fail(expected == api_state::restoring ? JET_errRestoreInProgress
                                              : JET_errAlreadyInitialized);
    }
    try {
        target->engine = std::make_unique<engine_type>(target->storage, target->options);
    } catch (...) {
        target->engine.reset();
        target->state.store(api_state::created);
        if (made_now) {
            // Nobody holds its handle: it goes, and the mode with it if it was the last.
            auto& all = registry::get();
            const std::scoped_lock lock{all.mutex};
            all.forget(target->id);
        }
        throw;
    }
    target->state.store(api_state::running);
    if (handle != nullptr) {
        *handle = target->id;
    }
    return JET_errSuccess;
}

inline JET_ERR term(JET_INSTANCE handle, JET_GRBIT grbit) {
    auto target = find_instance(handle);
    if ((grbit & ~(JET_bitTermComplete | JET_bitTermAbrupt | JET_bitTermStopBackup |
                   JET_bitTermDirty)) != 0) {
        fail(JET_errInvalidGrbit);
    }
    const bool stop = (grbit & (JET_bitTermAbrupt | JET_bitTermStopBackup | JET_bitTermDirty)) != 0;
    if (target->state.load() == api_state::terminating) {
        fail(JET_errTermInProgress);  // without waiting for the one that runs
    }
    const std::scoped_lock lifecycle{target->lifecycle_mutex};
    switch (target->state.load()) {
        case api_state::terminating:
            fail(JET_errTermInProgress);
        case api_state::restoring:
            fail(JET_errRestoreInProgress);
        case api_state::initializing:
            fail(JET_errNotInitialized);
        case api_state::created:
        case api_state::running:
            break;
    }
    std::exception_ptr error;
    if (target->state.load() == api_state::running) {
        auto& engine = *target->engine;
        {
            // docs/protocol.md §3.1: backups stop being allowed as JetTerm starts, before the API
            // is locked for termination; the pages are flushed in between. Under
            // backup_mutex, so no Begin slips in.
            const std::scoped_lock lock{target->backup_mutex};
            if (!stop &&
                (has_session(*target) || !engine.shared_backup_control()->refuse_backups())) {
                fail(JET_errBackupInProgress);
            }
            cancel_session(*target);
            if (stop) {
                // Also a session begun through the typed engine (engine_of) ends.
                engine.shared_backup_control()->release_source();
            }
        }
        try {
            if (engine.log_state() == log_state::healthy) {
                engine.checkpoint();
            }
        } catch (...) {
            error = std::current_exception();
        }
        target->state.store(api_state::terminating);
        try {
            engine.term(term_option::stop_backup);
        } catch (...) {
            if (!error) {
                error = std::current_exception();
            }
        }
    } else {
        // Created only; a restore that began meanwhile keeps it (and its paths).
        auto expected = api_state::created;
        if (!target->state.compare_exchange_strong(expected, api_state::terminating)) {
            fail(JET_errRestoreInProgress);
        }
    }
    {
        auto& all = registry::get();
        const std::scoped_lock lock{all.mutex};
        all.forget(target->id);
    }
    if (error) {
        std::rethrow_exception(error);
    }
    return JET_errSuccess;
}

/// One parameter's value, to set or to get.
struct parameter_value {
    JET_API_PTR number = 0;
    std::string text;
};

inline bool is_text_parameter(unsigned long id) {
    return id == JET_paramSystemPath || id == JET_paramTempPath || id == JET_paramLogFilePath ||
           id == JET_paramBaseName || id == JET_paramRecovery;
}

inline void set_parameter(instance_options& options, std::string& temp_path, unsigned long id,
                          JET_API_PTR number, const char* text) {
    if (is_text_parameter(id) && text == nullptr) {
        fail(JET_errInvalidParameter);
    }
    switch (id) {
        case JET_paramSystemPath:
            options.system_path = text;
            return;
        case JET_paramTempPath:
            temp_path = text;
            return;
        case JET_paramLogFilePath:
            options.log_path = text;
            return;
        case JET_paramBaseName:
            try {
                validate_base_name(text);
            } catch (const backup_error&) {
                fail(JET_errInvalidParameter);
            }
            options.base_name = text;
            return;
        case JET_paramLogFileSize:
            if (number < 64 || number > 32768 || number % 4 != 0) {
                fail(JET_errInvalidParameter);
            }
            options.log_file_size = std::uint64_t{number} * 1024;
            options.checkpoint_depth = std::max(options.checkpoint_depth, options.log_file_size);
            return;
        case JET_paramCircularLog:
            options.circular_logging = number != 0;
            return;
        case JET_paramCheckpointDepthMax:
            options.checkpoint_depth = number;
            return;
        case JET_paramRecovery: {
            std::string value{text};
            std::ranges::transform(value, value.begin(), [](unsigned char letter) {
                return static_cast<char>(std::tolower(letter));
            });
            if (value != "on" && value != "off") {
                fail(JET_errInvalidParameter);
            }
            options.recovery = value == "on";
            return;
        }
        case JET_paramDatabasePageSize:
            if (number != 4096 && number != 8192 && number != 16384 && number != 32768) {
                fail(JET_errInvalidParameter);
            }
            options.page_size = static_cast<std::uint32_t>(number);
            return;
        case JET_paramCreatePathIfNotExist:
            options.create_paths = number != 0;
            return;
        default:
            fail(JET_errInvalidParameter);
    }
}

inline parameter_value get_parameter(const instance_options& options, const std::string& temp_path,
                                     unsigned long id) {
    switch (id) {
        case JET_paramSystemPath:
            return {0, options.system_path.string()};
        case JET_paramTempPath:
            return {0, temp_path};
        case JET_paramLogFilePath:
            return {0, options.log_path.string()};
        case JET_paramBaseName:
            return {0, options.base_name};
        case JET_paramLogFileSize:
            return {static_cast<JET_API_PTR>(options.log_file_size / 1024), {}};
        case JET_paramCircularLog:
            return {options.circular_logging ? 1U : 0U, {}};
        case JET_paramCheckpointDepthMax:
            return {static_cast<JET_API_PTR>(options.checkpoint_depth), {}};
        case JET_paramRecovery:
            return {0, options.recovery ? "on" : "off"};
        case JET_paramDatabasePageSize:
            return {options.page_size, {}};
        case JET_paramCreatePathIfNotExist:
            return {options.create_paths ? 1U : 0U, {}};
        default:
            fail(JET_errInvalidParameter);
    }
}

/// Calls a restore status callback; what it returns is ignored, as ESE does.
inline void report_status(JET_PFNSTATUS callback, JET_SNP snp, JET_SNT snt,
                          unsigned long done = 0) {
    if (callback == nullptr) {
        return;
    }
    JET_SNPROG progress{sizeof(JET_SNPROG), done, 100};
    (void)callback(0, snp, snt, snt == JET_sntProgress ? &progress : nullptr);
}

inline JET_ERR external_restore(const char* checkpoint_path, const char* log_path,
                                const JET_RSTMAP_A* map, long map_count,
                                const char* backup_log_path, long generation_low,
                                long generation_high, const std::string& base_name,
                                JET_PFNSTATUS callback, any_storage storage = any_storage{},
                                bool check_mode = true) {
    if (check_mode) {
        auto& all = registry::get();
        const std::scoped_lock lock{all.mutex};
        if (all.mode == instance_mode::one_instance) {
            fail(JET_errRunningInOneInstanceMode);
        }
    }
    if (map_count < 0 || map_count > 14 || (map == nullptr) != (map_count == 0) ||
        checkpoint_path == nullptr || log_path == nullptr || generation_low < 0 ||
        generation_high < 0) {
        fail(JET_errInvalidParameter);
    }
    external_restore_options options;
    options.checkpoint_path = checkpoint_path;
    options.log_path = log_path;
    options.backup_log_path = backup_log_path != nullptr ? backup_log_path : ".";
    options.base_name = base_name;
    for (long index = 0; index < map_count; ++index) {
        const auto& entry = map[index];  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        if (entry.szDatabaseName == nullptr || entry.szNewDatabaseName == nullptr) {
            fail(JET_errInvalidParameter);
        }
        options.databases.push_back({entry.szDatabaseName, entry.szNewDatabaseName});
    }
    // genLow/genHigh of 0: the range found in the backup folder (docs/protocol.md §5.2 step 8).
    auto low = static_cast<log_generation>(generation_low);
    auto high = static_cast<log_generation>(generation_high);
    if (low == 0 || high == 0) {
        const log_settings settings{options.backup_log_path, base_name, 0, 0};
        const auto found = numbered_log_generations(storage, settings);
        if (found.empty()) {
            fail(JET_errFileNotFound);
        }
        low = low == 0 ? found.front() : low;
        high = high == 0 ? found.back() : high;
    }
    options.generation_low = low;
    options.generation_high = high;
    options.progress = [callback](const progress_report& report) {
        const auto percent =
            report.bytes_total == 0 ? 0 : report.bytes_done * 100 / report.bytes_total;
        report_status(callback, JET_snpRestore, JET_sntProgress,
                      static_cast<unsigned long>(percent));
    };
    report_status(callback, JET_snpRestore, JET_sntBegin);
    try {
        (void)hotbackup::external_restore(storage, options);
    } catch (const backup_error& error) {
        report_status(callback, JET_snpRestore, JET_sntFail);
        if (error.value() == errc::system_path_in_use ||
            error.value() == errc::log_file_path_in_use) {
            // An instance runs on these directories: a running target instance,
            // which this restore does not support.
            fail(JET_errBadRestoreTargetInstance);
        }
        throw;
    } catch (...) {
        report_status(callback, JET_snpRestore, JET_sntFail);
        throw;
    }
    report_status(callback, JET_snpRestore, JET_sntComplete);
    return JET_errSuccess;
}

/// JetCreateInstance on `storage`, set before any other call can see the instance.
inline JET_ERR create_instance(JET_INSTANCE* handle, const char* name, any_storage storage) {
    if (handle == nullptr) {
        fail(JET_errInvalidParameter);
    }
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    if (all.mode == instance_mode::one_instance) {
        fail(JET_errRunningInOneInstanceMode);
    }
    const std::string instance_name = name != nullptr ? name : "";
    for (const auto& [id, existing] : all.instances) {
        if (existing->name == instance_name) {
            fail(JET_errInstanceNameInUse);
        }
    }
    all.mode = instance_mode::multi_instance;
    *handle = all.make_instance(instance_name, std::move(storage))->id;
    return JET_errSuccess;
}

/// The index JetBackupInstance leaves in its directory for JetRestoreInstance.
inline constexpr std::string_view backup_index_name = "hotbackup-jetbackup.txt";

/// Reads the open backup file `handle` to its end into `path` of `storage`, through
/// the Jet calls, as an ESE client does.
template <class Read>
void copy_backup_file(any_storage& storage, const std::filesystem::path& path, JET_HANDLE handle,
                      std::span<std::byte> buffer, Read&& read) {
    // Written whole under a temporary name and renamed into place, so `path` never
    // holds a half-read file.
    write_file_atomically_with(storage, path, [&](auto& out) {
        std::uint64_t offset = 0;
        for (;;) {
            unsigned long count = 0;
            const auto code =
                read(handle, buffer.data(), static_cast<unsigned long>(buffer.size()), &count);
            if (code < 0) {
                fail(code);
            }
            if (count == 0) {
                break;
            }
            out.write_at(offset, buffer.first(count));
            offset += count;
        }
    });
}

/// Splits a multi-string.
inline std::vector<std::string> split_multi_string(const std::vector<char>& bytes) {
    std::vector<std::string> strings;
    for (std::size_t at = 0; at < bytes.size() && bytes[at] != '\0';) {
        std::string text{&bytes[at]};
        at += text.size() + 1;
        strings.push_back(std::move(text));
    }
    return strings;
}

/// What JetBackupInstance leaves in backup_index_name: the databases (logged path,
/// file name) and the log range, one tab-separated record per line, so that names
/// may hold spaces (a tab or a newline in a name is refused).
struct backup_index {
    std::vector<std::pair<std::string, std::string>> databases;
    log_generation generation_low = 0;
    log_generation generation_high = 0;
    std::string base_name;

    [[nodiscard]] std::string text() const {
        std::ostringstream out;
        out << "hotbackup-jetbackup 1\nlogs " << generation_low << ' ' << generation_high << ' '
            << base_name << '\n';
        for (const auto& [logged, file] : databases) {
            out << "database\t" << file << '\t' << logged << '\n';
        }
        return out.str();
    }

    static backup_index parse(const std::string& text) {
        backup_index index;
        std::istringstream in{text};
        std::string line;
        if (!std::getline(in, line) || line != "hotbackup-jetbackup 1") {
            fail(JET_errInvalidBackup);
        }
        while (std::getline(in, line)) {
            std::istringstream fields{line};
            std::string kind;
            fields >> kind;
            if (kind == "logs") {
                fields >> index.generation_low >> index.generation_high >> index.base_name;
            } else if (line.starts_with("database\t")) {
                const auto tab = line.find('\t', 9);
                if (tab == std::string::npos) {
                    fail(JET_errInvalidBackup);
                }
                auto file = line.substr(9, tab - 9);
                auto logged = line.substr(tab + 1);
                if (file.empty() || logged.empty() || file.find('/') != std::string::npos ||
                    file == "." || file == "..") {
                    fail(JET_errInvalidBackup);
                }
                index.databases.emplace_back(std::move(logged), std::move(file));
            }
        }
        if (index.generation_low == 0 || index.generation_high < index.generation_low ||
            index.base_name.size() != JET_BASE_NAME_LENGTH) {
            fail(JET_errInvalidBackup);
        }
        return index;
    }
};

inline std::string read_text(any_storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, open_mode::read_only);
    std::string text(static_cast<std::size_t>(file.size()), '\0');
    (void)file.read_at(0, std::as_writable_bytes(std::span{text}));
    return text;
}

inline void write_text(any_storage& storage, const std::filesystem::path& path,
                       const std::string& text) {
    write_file_atomically(storage, path, std::as_bytes(std::span{text}));
}

}  // namespace hotbackup::inline v1::detail::jet

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

// ---- instances and parameters ----

/// Creates an instance (multi-instance mode). JET_errRunningInOneInstanceMode,
/// JET_errInstanceNameInUse, JET_errInvalidParameter (no pinstance).
inline JET_ERR JetCreateInstance(JET_INSTANCE* pinstance, JET_PCSTR szInstanceName) {
    return detail::jet::guarded(
        [&] { return detail::jet::create_instance(pinstance, szInstanceName, any_storage{}); });
}

/// JetCreateInstance with a display name (kept for nothing) and no grbit.
inline JET_ERR JetCreateInstance2(JET_INSTANCE* pinstance, JET_PCSTR szInstanceName,
                                  JET_PCSTR /*szDisplayName*/, JET_GRBIT grbit) {
    if (grbit != 0) {
        return JET_errInvalidGrbit;
    }
    return JetCreateInstance(pinstance, szInstanceName);
}

/// Sets a parameter of docs/protocol.md §8.11 on an instance not yet initialized, or globally
/// (pinstance NULL, or naming 0 / JET_instanceNil). JET_errInvalidParameter (unknown
/// id, bad value), JET_errAlreadyInitialized, JET_errInvalidInstance.
inline JET_ERR JetSetSystemParameter(JET_INSTANCE* pinstance, JET_SESID /*sesid*/,
                                     unsigned long paramid, JET_API_PTR lParam, JET_PCSTR szParam) {
    return detail::jet::guarded([&] {
        auto& all = detail::jet::registry::get();
        if (pinstance == nullptr || *pinstance == 0 || *pinstance == JET_instanceNil) {
            const std::scoped_lock lock{all.mutex};
            if (all.mode == detail::jet::instance_mode::one_instance && all.legacy != 0) {
                detail::jet::fail(JET_errAlreadyInitialized);
            }
            detail::jet::set_parameter(all.global_options, all.global_temp_path, paramid, lParam,
                                       szParam);
            return JET_errSuccess;
        }
        auto target = detail::jet::find_instance(*pinstance);
        const std::scoped_lock lifecycle{target->lifecycle_mutex};
        if (target->state.load() != detail::jet::api_state::created) {
            detail::jet::fail(JET_errAlreadyInitialized);
        }
        detail::jet::set_parameter(target->options, target->temp_path, paramid, lParam, szParam);
        return JET_errSuccess;
    });
}

/// Reads a parameter: numbers into *plParam, strings into szParam (cut to cbMax
/// bytes, NUL included, as ESE does). JET_errInvalidParameter.
inline JET_ERR JetGetSystemParameter(JET_INSTANCE instance, JET_SESID /*sesid*/,
                                     unsigned long paramid, JET_API_PTR* plParam, JET_PSTR szParam,
                                     unsigned long cbMax) {
    return detail::jet::guarded([&] {
        detail::jet::parameter_value value;
        if (instance == 0 || instance == JET_instanceNil) {
            auto& all = detail::jet::registry::get();
            const std::scoped_lock lock{all.mutex};
            value = detail::jet::get_parameter(all.global_options, all.global_temp_path, paramid);
        } else {
            const auto target = detail::jet::find_instance(instance);
            const std::scoped_lock lifecycle{target->lifecycle_mutex};
            value = detail::jet::get_parameter(target->options, target->temp_path, paramid);
        }
        if (detail::jet::is_text_parameter(paramid)) {
            if (szParam == nullptr || cbMax == 0) {
                detail::jet::fail(JET_errInvalidParameter);
            }
            const auto count = std::min<std::size_t>(value.text.size(), cbMax - 1);
            std::memcpy(szParam, value.text.data(), count);
            szParam[count] = '\0';  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
        } else {
            if (plParam == nullptr) {
                detail::jet::fail(JET_errInvalidParameter);
            }
            *plParam = value.number;
        }
        return JET_errSuccess;
    });
}

/// Initializes an instance (recovering it from its logs). With no created instance
/// this enters one-instance mode. JET_errAlreadyInitialized, the engine's errors
/// (invalid paths, recovery).
inline JET_ERR JetInit(JET_INSTANCE* pinstance) {
    return detail::jet::guarded([&] { return detail::jet::init(pinstance); });
}

/// JetInit; no grbit is supported.
inline JET_ERR JetInit2(JET_INSTANCE* pinstance, JET_GRBIT grbit) {
    if (grbit != 0) {
        return JET_errInvalidGrbit;
    }
    return JetInit(pinstance);
}

inline JET_ERR JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit);
/// Terminates an instance: JetTerm2 with JET_bitTermAbrupt, as ESE's JetTerm is.
inline JET_ERR JetTerm(JET_INSTANCE instance) {
    return JetTerm2(instance, JET_bitTermAbrupt);
}

/// Terminates an instance and frees its handle. TermComplete (or 0) with a
/// backup running: JET_errBackupInProgress; TermAbrupt, TermStopBackup and
/// TermDirty end the backup as aborted first. Other codes: JET_errInvalidGrbit,
/// JET_errInvalidParameter / JET_errInvalidInstance (no such instance),
/// JET_errTermInProgress, JET_errRestoreInProgress, JET_errNotInitialized. A flush
/// error is returned, the instance is gone all the same.
inline JET_ERR JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit) {
    return detail::jet::guarded([&] { return detail::jet::term(instance, grbit); });
}

/// After it every call of the instance but JetTerm, JetEndSession, JetRollback,
/// JetDetachDatabase and JetStopBackup returns JET_errClientRequestToStopJetService.
inline JET_ERR JetStopServiceInstance(JET_INSTANCE instance) {
    return detail::jet::guarded([&] {
        detail::jet::find_instance(instance)->stop_service.store(true);
        return JET_errSuccess;
    });
}

/// JetStopServiceInstance of the one instance (one-instance mode).
inline JET_ERR JetStopService() {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return JetStopServiceInstance(0);
    });
}

// ---- sessions, databases, transactions ----

/// Opens a session. JET_errInvalidParameter (no psesid), the API-entry errors.
inline JET_ERR JetBeginSession(JET_INSTANCE instance, JET_SESID* psesid, JET_PCSTR /*user*/,
                               JET_PCSTR /*password*/) {
    return detail::jet::guarded([&] {
        auto target = detail::jet::enter(instance);
        if (psesid == nullptr) {
            detail::jet::fail(JET_errInvalidParameter);
        }
        auto& all = detail::jet::registry::get();
        const std::scoped_lock lock{all.mutex};
        auto session = std::make_shared<detail::jet::jet_session>();
        session->id = static_cast<JET_SESID>(all.next_id++) << 4U;
        session->owner = std::move(target);
        all.sessions.emplace(session->id, session);
        *psesid = session->id;
        return JET_errSuccess;
    });
}

/// Ends a session, rolling back its open transaction. JET_errInvalidSesid.
inline JET_ERR JetEndSession(JET_SESID sesid, JET_GRBIT /*grbit*/) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::find_session(sesid);
        {
            const std::scoped_lock lock{session->mutex};
            session->transaction.reset();
        }
        auto& all = detail::jet::registry::get();
        const std::scoped_lock lock{all.mutex};
        all.sessions.erase(sesid);
        return JET_errSuccess;
    });
}

/// Creates and attaches a database; *pdbid gets its JET_DBID.
/// JET_errDatabaseDuplicate, JET_errTooManyAttachedDatabases, JET_errInvalidPath.
inline JET_ERR JetCreateDatabase(JET_SESID sesid, JET_PCSTR szFilename, JET_PCSTR /*connect*/,
                                 JET_DBID* pdbid, JET_GRBIT grbit) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        if (szFilename == nullptr || *szFilename == '\0') {
            detail::jet::fail(JET_errInvalidParameter);
        }
        if ((grbit & ~JET_bitDbOverwriteExisting) != 0) {
            detail::jet::fail(JET_errInvalidGrbit);
        }
        auto& target = *session->owner;
        if ((grbit & JET_bitDbOverwriteExisting) != 0 && target.storage.exists(szFilename)) {
            // Never an attached database: that one stays, and is a duplicate.
            const auto key = detail::jet::path_key(szFilename);
            for (const auto& info : target.engine->attached_databases()) {
                if (detail::jet::path_key(info.path.string()) == key) {
                    detail::jet::fail(JET_errDatabaseDuplicate);
                }
            }
            target.storage.remove(szFilename);
        }
        const auto id = target.engine->create_database(szFilename);
        const JET_DBID dbid = id.slot + 1U;
        {
            const std::scoped_lock lock{target.databases_mutex};
            target.databases[dbid] = id;
        }
        if (pdbid != nullptr) {
            *pdbid = dbid;
        }
        return JET_errSuccess;
    });
}

/// Attaches a database; JET_wrnDatabaseAttached if it was. JET_errFileNotFound,
/// JET_errBackupInProgress, JET_errDatabaseDirtyShutdown.
inline JET_ERR JetAttachDatabase(JET_SESID sesid, JET_PCSTR szFilename, JET_GRBIT /*grbit*/) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        if (szFilename == nullptr || *szFilename == '\0') {
            detail::jet::fail(JET_errInvalidParameter);
        }
        auto& target = *session->owner;
        const auto key = detail::jet::path_key(szFilename);
        for (const auto& info : target.engine->attached_databases()) {
            if (detail::jet::path_key(info.path.string()) == key) {
                return JET_wrnDatabaseAttached;
            }
        }
        const auto id = target.engine->attach_database(szFilename);
        const std::scoped_lock lock{target.databases_mutex};
        target.databases[id.slot + 1U] = id;
        return JET_errSuccess;
    });
}

/// Detaches one database, or all with NULL. JET_errDatabaseNotFound,
/// JET_errBackupInProgress.
inline JET_ERR JetDetachDatabase(JET_SESID sesid, JET_PCSTR szFilename) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid, false);
        auto& target = *session->owner;
        bool found = false;
        for (const auto& info : target.engine->attached_databases()) {
            if (szFilename == nullptr ||
                detail::jet::path_key(info.path.string()) == detail::jet::path_key(szFilename)) {
                target.engine->detach_database(info.id);
                const std::scoped_lock lock{target.databases_mutex};
                target.databases.erase(info.id.slot + 1U);
                found = true;
            }
        }
        if (!found && szFilename != nullptr) {
            detail::jet::fail(JET_errDatabaseNotFound);
        }
        return JET_errSuccess;
    });
}

/// Begins a transaction (one level). JET_errTransTooDeep for a second.
inline JET_ERR JetBeginTransaction(JET_SESID sesid) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        const std::scoped_lock lock{session->mutex};
        if (session->transaction) {
            detail::jet::fail(JET_errTransTooDeep);
        }
        session->transaction.emplace(session->owner->engine->begin_transaction());
        return JET_errSuccess;
    });
}

/// Commits the session's transaction: durable, or lazy with JET_bitCommitLazyFlush.
/// JET_bitWaitLastLevel0Commit / WaitAllLevel0Commit outside a transaction make
/// lazy commits durable. JET_bitForceNewLog, which must be alone, starts a new log
/// generation and commits nothing. JET_errNotInTransaction, JET_errInvalidGrbit,
/// JET_errLogWriteFail.
inline JET_ERR JetCommitTransaction(JET_SESID sesid, JET_GRBIT grbit) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        auto& engine = *session->owner->engine;
        if ((grbit & JET_bitForceNewLog) != 0) {
            if (grbit != JET_bitForceNewLog) {
                detail::jet::fail(JET_errInvalidGrbit);
            }
            (void)engine.force_new_log();
            return JET_errSuccess;
        }
        if ((grbit & ~(JET_bitCommitLazyFlush | JET_bitWaitLastLevel0Commit |
                       JET_bitWaitAllLevel0Commit)) != 0) {
            detail::jet::fail(JET_errInvalidGrbit);
        }
        const std::scoped_lock lock{session->mutex};
        if (!session->transaction) {
            if ((grbit & (JET_bitWaitLastLevel0Commit | JET_bitWaitAllLevel0Commit)) != 0) {
                engine.flush_log();
                return JET_errSuccess;
            }
            detail::jet::fail(JET_errNotInTransaction);
        }
        auto transaction = std::move(*session->transaction);
        session->transaction.reset();
        transaction.commit((grbit & JET_bitCommitLazyFlush) != 0 ? commit_mode::lazy
                                                                 : commit_mode::durable);
        return JET_errSuccess;
    });
}

/// Forgets the session's transaction. JET_errNotInTransaction.
inline JET_ERR JetRollback(JET_SESID sesid, JET_GRBIT /*grbit*/) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid, false);
        const std::scoped_lock lock{session->mutex};
        if (!session->transaction) {
            detail::jet::fail(JET_errNotInTransaction);
        }
        session->transaction->rollback();
        session->transaction.reset();
        return JET_errSuccess;
    });
}

// ---- the external backup (docs/protocol.md §1.1–§1.10, §3) ----

/// Begins a full backup (grbit 0) or an incremental one (JET_bitBackupIncremental).
/// Codes in ESE's order (docs/protocol.md §3.2): the API-entry codes, JET_errBackupNotAllowedYet,
/// JET_errLoggingDisabled, JET_errLogWriteFail, JET_errInvalidGrbit (Atomic,
/// Snapshot, unknown bits), JET_errInvalidBackup (incremental under circular
/// logging), JET_errBackupInProgress, JET_errMissingFullBackup,
/// JET_errCheckpointFileNotFound, JET_errCheckpointCorrupt,
/// JET_errBadCheckpointSignature, JET_errOutOfMemory.
inline JET_ERR JetBeginExternalBackupInstance(JET_INSTANCE instance, JET_GRBIT grbit) {
    return detail::jet::guarded([&] { return detail::jet::begin_backup(instance, grbit); });
}

/// The databases of a full backup as a multi-string. JET_errNoBackup,
/// JET_errBackupAbortByServer, JET_errInvalidBackupSequence (incremental),
/// JET_errBufferTooSmall (a non-zero cbMax too small).
inline JET_ERR JetGetAttachInfoInstance(JET_INSTANCE instance, JET_PSTR szzDatabases,
                                        unsigned long cbMax, unsigned long* pcbActual) {
    return detail::jet::guarded(
        [&] { return detail::jet::get_attach_info(instance, szzDatabases, cbMax, pcbActual); });
}

/// Opens a database of a full backup (before the logs) or a listed log (after).
/// The stream size comes back in two 32-bit halves. JET_errNoBackup,
/// JET_errBackupAbortByServer, JET_errInvalidParameter, JET_errOutOfMemory (a file
/// is open), JET_errInvalidBackupSequence (a database after the logs were listed
/// or in an incremental backup: the backup is cancelled), JET_errDatabaseNotFound,
/// JET_errMissingFileToBackup (the backup is cancelled).
inline JET_ERR JetOpenFileInstance(JET_INSTANCE instance, JET_PCSTR szFileName, JET_HANDLE* phfFile,
                                   unsigned long* pulFileSizeLow, unsigned long* pulFileSizeHigh) {
    return detail::jet::guarded([&] {
        return detail::jet::open_backup_file(instance, szFileName, phfFile, pulFileSizeLow,
                                             pulFileSizeHigh);
    });
}

/// JetOpenFileInstance that starts reading at byte `ibRead` of the stream (a call
/// ESE does not publish; iSection and cSections are ignored, as ESE ignores them).
/// The size is that of the whole stream. Codes as JetOpenFileInstance, and
/// JET_errInvalidParameter for an `ibRead` that is not a multiple of the page size
/// or lies inside the first three pages. A file counts as copied (a log for
/// JetTruncateLogInstance, a database for the header record at the end) only if
/// its bytes before `ibRead` were read in this backup before.
inline JET_ERR JetOpenFileSectionInstance(JET_INSTANCE instance, JET_PCSTR szFile,
                                          JET_HANDLE* phFile, long iSection, long cSections,
                                          unsigned long long ibRead,
                                          unsigned long* pulSectionSizeLow,
                                          long* plSectionSizeHigh) {
    static_cast<void>(iSection);
    static_cast<void>(cSections);
    return detail::jet::guarded([&] {
        unsigned long size_high = 0;
        const auto error = detail::jet::open_backup_file(instance, szFile, phFile,
                                                         pulSectionSizeLow, &size_high, ibRead);
        if (plSectionSizeHigh != nullptr) {
            *plSectionSizeHigh = static_cast<long>(size_high);
        }
        return error;
    });
}

/// Reads the next chunk of the open file into pv (docs/protocol.md §8.9: page-aligned, a
/// multiple of the page size, at least 3 pages for a database's first read and 2
/// for a log's); 0 bytes at the end. JET_errNoBackup, JET_errBackupAbortByServer,
/// JET_errInvalidParameter, JET_errReadVerifyFailure /
/// JET_errReadPgnoVerifyFailure (the database is dropped, the backup goes on),
/// JET_errLogReadVerifyFailure (the backup is cancelled).
inline JET_ERR JetReadFileInstance(JET_INSTANCE instance, JET_HANDLE hfFile, void* pv,
                                   unsigned long cb, unsigned long* pcbActual) {
    return detail::jet::guarded(
        [&] { return detail::jet::read_backup_file(instance, hfFile, pv, cb, pcbActual); });
}

/// Closes the open file (also after JetStopBackup). JET_errNoBackup,
/// JET_errInvalidParameter.
inline JET_ERR JetCloseFileInstance(JET_INSTANCE instance, JET_HANDLE hfFile) {
    return detail::jet::guarded([&] { return detail::jet::close_backup_file(instance, hfFile); });
}

/// Lists the logs to copy (rolling the log on the first call of a full backup).
/// JET_errNoBackup, JET_errBackupAbortByServer, JET_errInvalidBackupSequence (a file
/// is open), JET_errBufferTooSmall, the log-preparation errors.
inline JET_ERR JetGetLogInfoInstance(JET_INSTANCE instance, JET_PSTR szzLogs, unsigned long cbMax,
                                     unsigned long* pcbActual) {
    return detail::jet::guarded([&] {
        return detail::jet::get_log_info(instance, szzLogs, cbMax, pcbActual, nullptr, false);
    });
}

/// JetGetLogInfoInstance that also fills *pLogInfo (cbSize must be its size).
inline JET_ERR JetGetLogInfoInstance2(JET_INSTANCE instance, JET_PSTR szzLogs, unsigned long cbMax,
                                      unsigned long* pcbActual, JET_LOGINFO_A* pLogInfo) {
    return detail::jet::guarded([&] {
        return detail::jet::get_log_info(instance, szzLogs, cbMax, pcbActual, pLogInfo, false);
    });
}

/// Lists the logs JetTruncateLogInstance would delete; codes as JetGetLogInfoInstance.
inline JET_ERR JetGetTruncateLogInfoInstance(JET_INSTANCE instance, JET_PSTR szzLogs,
                                             unsigned long cbMax, unsigned long* pcbActual) {
    return detail::jet::guarded([&] {
        return detail::jet::get_log_info(instance, szzLogs, cbMax, pcbActual, nullptr, true);
    });
}

/// Deletes the logs the backup made unnecessary. JET_errNoBackup,
/// JET_errBackupAbortByServer, JET_errInvalidBackupSequence (a file open, or the
/// logs never listed), JET_errLogFileNotCopied.
inline JET_ERR JetTruncateLogInstance(JET_INSTANCE instance) {
    return detail::jet::guarded([&] { return detail::jet::truncate_log(instance); });
}

/// Ends the backup: exactly one of JET_bitBackupEndNormal / JET_bitBackupEndAbort,
/// optionally JET_bitBackupTruncateDone. JET_errInvalidParameter (grbit),
/// JET_errNoBackup, the API-entry codes; otherwise JET_errSuccess (docs/protocol.md §8.2).
inline JET_ERR JetEndExternalBackupInstance2(JET_INSTANCE instance, JET_GRBIT grbit) {
    return detail::jet::guarded([&] { return detail::jet::end_backup(instance, grbit); });
}

/// JetEndExternalBackupInstance2 with JET_bitBackupEndNormal.
inline JET_ERR JetEndExternalBackupInstance(JET_INSTANCE instance) {
    return JetEndExternalBackupInstance2(instance, JET_bitBackupEndNormal);
}

/// Makes the running backup's next calls return JET_errBackupAbortByServer; works
/// without a backup and during termination. JET_errInvalidParameter /
/// JET_errInvalidInstance (no such instance).
inline JET_ERR JetStopBackupInstance(JET_INSTANCE instance) {
    return detail::jet::guarded([&] { return detail::jet::stop_backup(instance); });
}

// The legacy forms: one-instance mode only (JET_errRunningInMultiInstanceMode).

/// JetBeginExternalBackupInstance of the one instance.
inline JET_ERR JetBeginExternalBackup(JET_GRBIT grbit) {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::begin_backup(0, grbit);
    });
}
/// JetGetAttachInfoInstance of the one instance.
inline JET_ERR JetGetAttachInfo(JET_PSTR szzDatabases, unsigned long cbMax,
                                unsigned long* pcbActual) {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::get_attach_info(0, szzDatabases, cbMax, pcbActual);
    });
}
/// JetOpenFileInstance of the one instance.
inline JET_ERR JetOpenFile(JET_PCSTR szFileName, JET_HANDLE* phfFile, unsigned long* pulFileSizeLow,
                           unsigned long* pulFileSizeHigh) {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::open_backup_file(0, szFileName, phfFile, pulFileSizeLow,
                                             pulFileSizeHigh);
    });
}
/// JetReadFileInstance of the one instance.
inline JET_ERR JetReadFile(JET_HANDLE hfFile, void* pv, unsigned long cb,
                           unsigned long* pcbActual) {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::read_backup_file(0, hfFile, pv, cb, pcbActual);
    });
}
/// JetCloseFileInstance of the one instance.
inline JET_ERR JetCloseFile(JET_HANDLE hfFile) {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::close_backup_file(0, hfFile);
    });
}
/// JetGetLogInfoInstance of the one instance.
inline JET_ERR JetGetLogInfo(JET_PSTR szzLogs, unsigned long cbMax, unsigned long* pcbActual) {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::get_log_info(0, szzLogs, cbMax, pcbActual, nullptr, false);
    });
}
/// JetTruncateLogInstance of the one instance.
inline JET_ERR JetTruncateLog() {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::truncate_log(0);
    });
}
/// JetEndExternalBackupInstance of the one instance.
inline JET_ERR JetEndExternalBackup() {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::end_backup(0, JET_bitBackupEndNormal);
    });
}
/// JetStopBackupInstance of the one instance.
inline JET_ERR JetStopBackup() {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return detail::jet::stop_backup(0);
    });
}

// ---- restore (docs/protocol.md §5) ----

/// Hard recovery in place (restore/external_restore.hpp): checks the backup logs
/// [genLow, genHigh] in szBackupLogPath (0 for either: the range found there) and
/// the restored databases of rgrstmap, then replays into them, continuing with the
/// logs of szLogPath. Codes: JET_errRunningInOneInstanceMode,
/// JET_errInvalidParameter, JET_errFileNotFound, JET_errGivenLogFileHasBadSignature,
/// JET_errGivenLogFileIsNotContiguous, JET_errExistingLogFile*,
/// JET_errMissingRestoreLogFiles, JET_errDatabaseCorrupted,
/// JET_errRestoreOfNonBackupDatabase, JET_errBadPatchPage,
/// JET_errDatabasePatchFileMismatch, JET_errStartingRestoreLogTooHigh,
/// JET_errEndingRestoreLogTooLow, JET_errLogCorruptDuringHardRestore / Recovery.
inline JET_ERR JetExternalRestore(JET_PSTR szCheckpointFilePath, JET_PSTR szLogPath,
                                  JET_RSTMAP_A* rgrstmap, long crstfilemap,
                                  JET_PSTR szBackupLogPath, long genLow, long genHigh,
                                  JET_PFNSTATUS pfn) {
    return detail::jet::guarded([&] {
        // As in ESE, the logs' base name is the global JET_paramBaseName ("edb"
        // unless JetSetSystemParameter changed it with no instance).
        std::string base_name;
        {
            auto& all = detail::jet::registry::get();
            const std::scoped_lock lock{all.mutex};
            base_name = all.global_options.base_name;
        }
        return detail::jet::external_restore(szCheckpointFilePath, szLogPath, rgrstmap, crstfilemap,
                                             szBackupLogPath, genLow, genHigh, base_name, pfn);
    });
}

/// JetExternalRestore with the range and base name of *pLogInfo, and optional target
/// directories (both or neither) that replace szLogPath and szCheckpointFilePath.
/// A target instance name gives JET_errBadRestoreTargetInstance (not supported).
inline JET_ERR JetExternalRestore2(JET_PSTR szCheckpointFilePath, JET_PSTR szLogPath,
                                   JET_RSTMAP_A* rgrstmap, long crstfilemap,
                                   JET_PSTR szBackupLogPath, JET_LOGINFO_A* pLogInfo,
                                   JET_PSTR szTargetInstanceName, JET_PSTR szTargetInstanceLogPath,
                                   JET_PSTR szTargetInstanceCheckpointPath, JET_PFNSTATUS pfn) {
    return detail::jet::guarded([&] {
        if (pLogInfo == nullptr || pLogInfo->cbSize != sizeof(JET_LOGINFO_A)) {
            detail::jet::fail(JET_errInvalidParameter);
        }
        const bool has_name = szTargetInstanceName != nullptr && *szTargetInstanceName != '\0';
        const bool has_log = szTargetInstanceLogPath != nullptr;
        const bool has_checkpoint = szTargetInstanceCheckpointPath != nullptr;
        if ((has_name && (has_log || has_checkpoint)) || has_log != has_checkpoint) {
            detail::jet::fail(JET_errInvalidParameter);
        }
        if (has_name) {
            detail::jet::fail(JET_errBadRestoreTargetInstance);
        }
        const auto* name_end =
            static_cast<const char*>(std::memchr(pLogInfo->szBaseName, '\0', JET_BASE_NAME_LENGTH));
        const std::string base_name(pLogInfo->szBaseName,
                                    name_end != nullptr
                                        ? static_cast<std::size_t>(name_end - pLogInfo->szBaseName)
                                        : JET_BASE_NAME_LENGTH);
        return detail::jet::external_restore(
            has_checkpoint ? szTargetInstanceCheckpointPath : szCheckpointFilePath,
            has_log ? szTargetInstanceLogPath : szLogPath, rgrstmap, crstfilemap, szBackupLogPath,
            static_cast<long>(pLogInfo->ulGenLow), static_cast<long>(pLogInfo->ulGenHigh),
            base_name, pfn);
    });
}

// ---- JetBackup / JetRestore (docs/protocol.md §1.13), built on the calls above ----

/// Backs the instance up into directory szBackupPath through the external backup
/// calls: full (the directory must be empty or missing) or incremental
/// (JET_bitBackupIncremental: the logs are added to the full backup's directory),
/// then truncates the logs. pfnStatus gets JET_snpBackup progress. Codes: those of
/// the calls it makes, JET_errInvalidParameter (no path), JET_errInvalidGrbit
/// (JET_bitBackupAtomic is not supported), JET_errBackupDirectoryNotEmpty,
/// JET_errInvalidBackup (an incremental backup into a directory without a full
/// one). On failure the backup is ended as aborted.
inline JET_ERR JetBackupInstance(JET_INSTANCE instance, JET_PCSTR szBackupPath, JET_GRBIT grbit,
                                 JET_PFNSTATUS pfnStatus) {
    namespace jet = detail::jet;
    bool begun = false;
    const auto code = jet::guarded([&] {
        if (szBackupPath == nullptr || *szBackupPath == '\0') {
            jet::fail(JET_errInvalidParameter);
        }
        if ((grbit & ~JET_bitBackupIncremental) != 0) {
            jet::fail(JET_errInvalidGrbit);
        }
        const bool incremental = (grbit & JET_bitBackupIncremental) != 0;
        auto target = jet::enter(instance);
        auto& storage = target->storage;
        const std::filesystem::path directory{szBackupPath};
        const auto index_path = directory / std::string{jet::backup_index_name};
        jet::backup_index index;
        if (incremental) {
            if (!storage.exists(index_path)) {
                jet::fail(JET_errInvalidBackup);
            }
            index = jet::backup_index::parse(jet::read_text(storage, index_path));
        } else {
            storage.create_directories(directory);
            if (!storage.list(directory).empty()) {
                jet::fail(JET_errBackupDirectoryNotEmpty);
            }
        }
        const auto check = [](JET_ERR result) {
            if (result < 0) {
                jet::fail(result);
            }
        };
        check(JetBeginExternalBackupInstance(instance, grbit));
        begun = true;
        jet::report_status(pfnStatus, JET_snpBackup, JET_sntBegin);
        detail::aligned_buffer buffer{std::size_t{64} * target->options.page_size};
        const auto read = [instance](JET_HANDLE handle, void* data, unsigned long size,
                                     unsigned long* actual) {
            return JetReadFileInstance(instance, handle, data, size, actual);
        };
        const auto list = [&](auto&& get) {
            unsigned long size = 0;
            check(get(nullptr, 0, &size));
            std::vector<char> bytes(size + 1, '\0');
            check(get(bytes.data(), size, &size));
            return jet::split_multi_string(bytes);
        };
        if (!incremental) {
            const auto databases = list([&](char* data, unsigned long size, unsigned long* actual) {
                return JetGetAttachInfoInstance(instance, data, size, actual);
            });
            for (const auto& database : databases) {
                if (database.find_first_of("\t\n") != std::string::npos) {
                    jet::fail(JET_errInvalidPath);  // the index could not name it
                }
                auto name = std::filesystem::path{database}.filename().string();
                while (std::ranges::any_of(
                    index.databases, [&](const auto& entry) { return entry.second == name; })) {
                    name.insert(0, "1-");
                }
                JET_HANDLE handle = 0;
                check(JetOpenFileInstance(instance, database.c_str(), &handle, nullptr, nullptr));
                jet::copy_backup_file(storage, directory / name, handle, buffer.bytes(), read);
                check(JetCloseFileInstance(instance, handle));
                index.databases.emplace_back(database, name);
            }
        }
        JET_LOGINFO_A info{sizeof(JET_LOGINFO_A), 0, 0, {}};
        const auto logs = list([&](char* data, unsigned long size, unsigned long* actual) {
            return JetGetLogInfoInstance2(instance, data, size, actual, &info);
        });
        if (incremental && info.ulGenLow > index.generation_high + 1) {
            jet::fail(JET_errInvalidLogSequence);  // a gap after the directory's logs
        }
        std::size_t copied = 0;
        for (const auto& log : logs) {
            JET_HANDLE handle = 0;
            check(JetOpenFileInstance(instance, log.c_str(), &handle, nullptr, nullptr));
            jet::copy_backup_file(storage, directory / std::filesystem::path{log}.filename(),
                                  handle, buffer.bytes(), read);
            check(JetCloseFileInstance(instance, handle));
            ++copied;
            jet::report_status(pfnStatus, JET_snpBackup, JET_sntProgress,
                               static_cast<unsigned long>(copied * 100 / logs.size()));
        }
        storage.sync_directory(directory);
        if (!incremental) {
            index.generation_low = info.ulGenLow;
        }
        index.generation_high = info.ulGenHigh;
        index.base_name = info.szBaseName;
        jet::write_text(storage, index_path, index.text());
        check(JetTruncateLogInstance(instance));
        // A failed End still leaves the session: the abort below ends it and reports
        // the failure to the callback.
        check(JetEndExternalBackupInstance2(instance, JET_bitBackupEndNormal));
        begun = false;
        jet::report_status(pfnStatus, JET_snpBackup, JET_sntComplete);
        return JET_errSuccess;
    });
    if (code < 0 && begun) {
        (void)JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort);
        detail::jet::report_status(pfnStatus, JET_snpBackup, JET_sntFail);
    }
    return code;
}

/// JetBackupInstance of the one instance.
inline JET_ERR JetBackup(JET_PCSTR szBackupPath, JET_GRBIT grbit, JET_PFNSTATUS pfnStatus) {
    const auto code = detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return JET_errSuccess;
    });
    return code < 0 ? code : JetBackupInstance(0, szBackupPath, grbit, pfnStatus);
}

/// Restores what JetBackupInstance wrote in directory sz into an instance that was
/// created but not initialized: the databases go into szDest (or back to their
/// original paths with NULL), the checkpoint and logs into the instance's system
/// and log paths; then JetInit opens it and JetAttachDatabase attaches them. While
/// it runs the instance's calls return JET_errRestoreInProgress. Codes:
/// JET_errPatchFileMissing (sz holds no JetBackup backup), JET_errInvalidBackup,
/// JET_errAlreadyInitialized, those of JetExternalRestore.
inline JET_ERR JetRestoreInstance(JET_INSTANCE instance, JET_PCSTR sz, JET_PCSTR szDest,
                                  JET_PFNSTATUS pfn) {
    namespace jet = detail::jet;
    return jet::guarded([&] {
        if (sz == nullptr || *sz == '\0') {
            jet::fail(JET_errInvalidParameter);
        }
        auto target = jet::find_instance(instance);
        std::string checkpoint_path;
        std::string log_path;
        {
            // Only the change of state and a copy of the paths under the lock: the
            // status callback may call JetGetSystemParameter, JetTerm or JetInit.
            const std::scoped_lock lifecycle{target->lifecycle_mutex};
            auto expected = jet::api_state::created;
            if (!target->state.compare_exchange_strong(expected, jet::api_state::restoring)) {
                switch (expected) {
                    case jet::api_state::running:
                        jet::fail(JET_errAlreadyInitialized);
                    case jet::api_state::terminating:
                        jet::fail(JET_errTermInProgress);
                    case jet::api_state::initializing:
                        jet::fail(JET_errNotInitialized);
                    default:
                        jet::fail(JET_errRestoreInProgress);
                }
            }
            checkpoint_path = target->options.system_path.string();
            log_path = target->options.log_path.string();
        }
        struct back_to_created {
            jet::jet_instance* target;
            explicit back_to_created(jet::jet_instance* restored) : target(restored) {}
            back_to_created(const back_to_created&) = delete;
            back_to_created& operator=(const back_to_created&) = delete;
            back_to_created(back_to_created&&) = delete;
            back_to_created& operator=(back_to_created&&) = delete;
            ~back_to_created() { target->state.store(jet::api_state::created); }
        } const restore_state{target.get()};
        auto& storage = target->storage;
        const std::filesystem::path directory{sz};
        const auto index_path = directory / std::string{jet::backup_index_name};
        if (!storage.exists(index_path)) {
            jet::fail(JET_errPatchFileMissing);
        }
        const auto index = jet::backup_index::parse(jet::read_text(storage, index_path));
        std::vector<std::string> logged;
        std::vector<std::string> restored;
        std::vector<char> copy_buffer(std::size_t{1} << 20);
        for (const auto& [original, file] : index.databases) {
            const std::filesystem::path destination = szDest != nullptr
                                                          ? std::filesystem::path{szDest} / file
                                                          : std::filesystem::path{original};
            if (destination.has_parent_path()) {
                storage.create_directories(destination.parent_path());
            }
            // Copied under a temporary name and renamed over the destination once whole,
            // so the destination is never a half-copied stream.
            (void)hotbackup::detail::copy_file_durably(
                storage, directory / file, storage, destination,
                std::as_writable_bytes(std::span{copy_buffer}));
            logged.push_back(original);
            restored.push_back(destination.string());
        }
        std::vector<JET_RSTMAP_A> map;
        map.reserve(logged.size());
        for (std::size_t at = 0; at < logged.size(); ++at) {
            map.push_back({logged[at].data(), restored[at].data()});
        }
        return jet::external_restore(
            checkpoint_path.c_str(), log_path.c_str(), map.empty() ? nullptr : map.data(),
            static_cast<long>(map.size()), directory.string().c_str(),
            static_cast<long>(index.generation_low), static_cast<long>(index.generation_high),
            index.base_name, pfn, storage, /*check_mode=*/false);
    });
}

/// JetRestoreInstance for one-instance mode, into the one instance (made now with
/// the global parameters if JetInit has not run; it must not have run).
/// JET_errRunningInMultiInstanceMode, JetRestoreInstance's codes.
inline JET_ERR JetRestore(JET_PCSTR sz, JET_PFNSTATUS pfn) {
    const auto code = detail::jet::guarded([&] {
        auto& all = detail::jet::registry::get();
        const std::scoped_lock lock{all.mutex};
        if (all.mode == detail::jet::instance_mode::multi_instance) {
            detail::jet::fail(JET_errRunningInMultiInstanceMode);
        }
        // The one instance, made now if JetInit has not made it: restore fills its
        // paths, and JetInit opens it afterwards.
        all.mode = detail::jet::instance_mode::one_instance;
        if (all.legacy == 0) {
            all.legacy = all.make_instance({}, any_storage{})->id;
        }
        return JET_errSuccess;
    });
    return code < 0 ? code : JetRestoreInstance(0, sz, nullptr, pfn);
}

// ---- typed access ----

/// The typed engine behind an initialized JET_INSTANCE, to write data with the
/// typed API (or back it up with it: JetBeginExternalBackupInstance then returns
/// JET_errBackupInProgress). Valid until JetTerm, which also stops a typed backup
/// session with TermAbrupt or TermStopBackup. Thread-safe as the engine is.
/// Throws backup_error: invalid_instance / invalid_parameter (no such instance),
/// not_initialized, instance_unavailable, term_in_progress, restore_in_progress.
inline engine_type& engine_of(JET_INSTANCE instance) {
    std::shared_ptr<detail::jet::jet_instance> target;
    const auto code = detail::jet::guarded([&] {
        target = detail::jet::enter(instance, false);
        return JET_errSuccess;
    });
    if (code != JET_errSuccess) {
        throw backup_error(static_cast<errc>(code), "no initialized instance of that handle");
    }
    return *target->engine;
}

/// The typed transaction of a session inside JetBeginTransaction /
/// JetCommitTransaction. Throws backup_error: invalid_sesid, not_in_transaction.
/// Valid until the session's JetCommitTransaction, JetRollback or JetEndSession, or
/// JetTerm; do not use it concurrently with those calls.
inline engine_type::transaction& transaction_of(JET_SESID sesid) {
    std::shared_ptr<detail::jet::jet_session> session;
    const auto code = detail::jet::guarded([&] {
        session = detail::jet::find_session(sesid);
        return session->transaction ? JET_errSuccess : JET_errNotInTransaction;
    });
    if (code != JET_errSuccess) {
        throw backup_error(static_cast<errc>(code), "the session has no open transaction");
    }
    return *session->transaction;
}

/// The typed id of a database a session's instance attached. Throws backup_error:
/// invalid_sesid, invalid_database_id.
inline database_id database_of(JET_SESID sesid, JET_DBID dbid) {
    std::shared_ptr<detail::jet::jet_session> session;
    const auto code = detail::jet::guarded([&] {
        session = detail::jet::find_session(sesid);
        return JET_errSuccess;
    });
    if (code != JET_errSuccess) {
        throw backup_error(static_cast<errc>(code), "no such session");
    }
    auto& target = *session->owner;
    const std::scoped_lock lock{target.databases_mutex};
    const auto found = target.databases.find(dbid);
    if (found == target.databases.end()) {
        throw backup_error(errc::invalid_database_id,
                           "no database of that JET_DBID: " + std::to_string(dbid));
    }
    return found->second;
}

/// JetCreateInstance on a chosen storage: memory_storage for tests, faulty_storage
/// to inject faults, a user's own model (any_storage::refer keeps it the caller's;
/// it must outlive the instance). Codes as JetCreateInstance.
inline JET_ERR create_instance_on(any_storage storage, JET_INSTANCE* pinstance,
                                  JET_PCSTR szInstanceName) {
    return detail::jet::guarded([&] {
        return detail::jet::create_instance(pinstance, szInstanceName, std::move(storage));
    });
}

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)

#ifndef HOTBACKUP_ESENT_NO_GLOBAL_NAMES
// As esent.h does, the Jet* names are global.
using namespace hotbackup::esent;  // NOLINT(google-global-names-in-headers)
#endif
