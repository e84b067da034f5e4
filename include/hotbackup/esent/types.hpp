/// \file
/// esent.h's vocabulary, as esent.h spells it: the handle and value types
/// (JET_INSTANCE, JET_ERR, JET_API_PTR, ...), the structures the backup and restore
/// calls take (JET_LOGINFO, JET_RSTMAP, JET_SNPROG), the nil handles, grbits,
/// status codes and JET_param numbers, and every JET_err number (docs/protocol.md
/// §2.1, §8.11). Declarations only, no calls and no state: every other esent/ header
/// needs these names, and a port that only names them needs nothing else.
#pragma once

#include <cstddef>
#include <cstdint>

#include "hotbackup/error.hpp"

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

/// Every errc under esent.h's name, X(name, code) for each (`JET_err` + name, its
/// number): the one list that declares the JET_err constants below and that
/// esent.hpp makes global names of.
#define HOTBACKUP_ESENT_ERRORS(X)                      \
    X(RfsFailure, -100)                                \
    X(RfsNotArmed, -101)                               \
    X(FileClose, -102)                                 \
    X(OutOfThreads, -103)                              \
    X(InternalError, -107)                             \
    X(DisabledFunctionality, -112)                     \
    X(InvalidLoggedOperation, -500)                    \
    X(LogFileCorrupt, -501)                            \
    X(NoBackupDirectory, -503)                         \
    X(BackupDirectoryNotEmpty, -504)                   \
    X(BackupInProgress, -505)                          \
    X(RestoreInProgress, -506)                         \
    X(MissingPreviousLogFile, -509)                    \
    X(LogWriteFail, -510)                              \
    X(LogDisabledDueToRecoveryFailure, -511)           \
    X(CannotLogDuringRecoveryRedo, -512)               \
    X(LogGenerationMismatch, -513)                     \
    X(BadLogVersion, -514)                             \
    X(InvalidLogSequence, -515)                        \
    X(LoggingDisabled, -516)                           \
    X(LogBufferTooSmall, -517)                         \
    X(LogSequenceEnd, -519)                            \
    X(NoBackup, -520)                                  \
    X(InvalidBackupSequence, -521)                     \
    X(BackupNotAllowedYet, -523)                       \
    X(DeleteBackupFileFail, -524)                      \
    X(MakeBackupDirectoryFail, -525)                   \
    X(InvalidBackup, -526)                             \
    X(RecoveredWithErrors, -527)                       \
    X(MissingLogFile, -528)                            \
    X(LogDiskFull, -529)                               \
    X(BadLogSignature, -530)                           \
    X(BadDbSignature, -531)                            \
    X(BadCheckpointSignature, -532)                    \
    X(CheckpointCorrupt, -533)                         \
    X(MissingPatchPage, -534)                          \
    X(BadPatchPage, -535)                              \
    X(RedoAbruptEnded, -536)                           \
    X(PatchFileMissing, -538)                          \
    X(DatabaseLogSetMismatch, -539)                    \
    X(DatabaseStreamingFileMismatch, -540)             \
    X(LogFileSizeMismatch, -541)                       \
    X(CheckpointFileNotFound, -542)                    \
    X(RequiredLogFilesMissing, -543)                   \
    X(SoftRecoveryOnBackupDatabase, -544)              \
    X(LogFileSizeMismatchDatabasesConsistent, -545)    \
    X(LogSectorSizeMismatch, -546)                     \
    X(LogSectorSizeMismatchDatabasesConsistent, -547)  \
    X(LogSequenceEndDatabasesConsistent, -548)         \
    X(StreamingDataNotLogged, -549)                    \
    X(DatabaseDirtyShutdown, -550)                     \
    X(ConsistentTimeMismatch, -551)                    \
    X(DatabasePatchFileMismatch, -552)                 \
    X(EndingRestoreLogTooLow, -553)                    \
    X(StartingRestoreLogTooHigh, -554)                 \
    X(GivenLogFileHasBadSignature, -555)               \
    X(GivenLogFileIsNotContiguous, -556)               \
    X(MissingRestoreLogFiles, -557)                    \
    X(MissingFullBackup, -560)                         \
    X(BadBackupDatabaseSize, -561)                     \
    X(DatabaseAlreadyUpgraded, -562)                   \
    X(DatabaseIncompleteUpgrade, -563)                 \
    X(MissingCurrentLogFiles, -565)                    \
    X(DbTimeTooOld, -566)                              \
    X(DbTimeTooNew, -567)                              \
    X(MissingFileToBackup, -569)                       \
    X(LogTornWriteDuringHardRestore, -570)             \
    X(LogTornWriteDuringHardRecovery, -571)            \
    X(LogCorruptDuringHardRestore, -573)               \
    X(LogCorruptDuringHardRecovery, -574)              \
    X(MustDisableLoggingForDbUpgrade, -575)            \
    X(BadRestoreTargetInstance, -577)                  \
    X(RecoveredWithoutUndo, -579)                      \
    X(DatabasesNotFromSameSnapshot, -580)              \
    X(SoftRecoveryOnSnapshot, -581)                    \
    X(CommittedLogFilesMissing, -582)                  \
    X(SectorSizeNotSupported, -583)                    \
    X(RecoveredWithoutUndoDatabasesConsistent, -584)   \
    X(CommittedLogFileCorrupt, -586)                   \
    X(LogSequenceChecksumMismatch, -590)               \
    X(PageInitializedMismatch, -596)                   \
    X(ExistingLogFileHasBadSignature, -610)            \
    X(ExistingLogFileIsNotContiguous, -611)            \
    X(LogReadVerifyFailure, -612)                      \
    X(CheckpointDepthTooDeep, -614)                    \
    X(RestoreOfNonBackupDatabase, -615)                \
    X(LogFileNotCopied, -616)                          \
    X(SurrogateBackupInProgress, -617)                 \
    X(TransactionTooLong, -618)                        \
    X(LogOperationInconsistentWithDatabase, -626)      \
    X(BackupAbortByCaller, -800)                       \
    X(BackupAbortByServer, -801)                       \
    X(InvalidGrbit, -900)                              \
    X(TermInProgress, -1000)                           \
    X(FeatureNotAvailable, -1001)                      \
    X(InvalidName, -1002)                              \
    X(InvalidParameter, -1003)                         \
    X(DatabaseFileReadOnly, -1008)                     \
    X(InvalidDatabaseId, -1010)                        \
    X(OutOfMemory, -1011)                              \
    X(ReadVerifyFailure, -1018)                        \
    X(PageNotInitialized, -1019)                       \
    X(OutOfFileHandles, -1020)                         \
    X(DiskReadVerificationFailure, -1021)              \
    X(DiskIO, -1022)                                   \
    X(InvalidPath, -1023)                              \
    X(InvalidSystemPath, -1024)                        \
    X(InvalidLogDirectory, -1025)                      \
    X(InvalidDatabase, -1028)                          \
    X(NotInitialized, -1029)                           \
    X(AlreadyInitialized, -1030)                       \
    X(InitInProgress, -1031)                           \
    X(FileAccessDenied, -1032)                         \
    X(BufferTooSmall, -1038)                           \
    X(InvalidFilename, -1044)                          \
    X(NotInTransaction, -1054)                         \
    X(RunningInOneInstanceMode, -1080)                 \
    X(RunningInMultiInstanceMode, -1081)               \
    X(SystemPathInUse, -1083)                          \
    X(LogFilePathInUse, -1084)                         \
    X(TempPathInUse, -1085)                            \
    X(InstanceNameInUse, -1086)                        \
    X(InstanceUnavailable, -1090)                      \
    X(DatabaseUnavailable, -1091)                      \
    X(InstanceUnavailableDueToFatalLogDiskFull, -1092) \
    X(TransTooDeep, -1103)                             \
    X(InvalidSesid, -1104)                             \
    X(InTransaction, -1108)                            \
    X(InvalidInstance, -1115)                          \
    X(ReadPgnoVerifyFailure, -1118)                    \
    X(ReadLostFlushVerifyFailure, -1119)               \
    X(FileSystemCorruption, -1121)                     \
    X(RecoveryVerifyFailure, -1123)                    \
    X(DatabaseDuplicate, -1201)                        \
    X(DatabaseInUse, -1202)                            \
    X(DatabaseNotFound, -1203)                         \
    X(DatabaseInvalidName, -1204)                      \
    X(DatabaseCorrupted, -1206)                        \
    X(DatabaseLocked, -1207)                           \
    X(InvalidDatabaseVersion, -1209)                   \
    X(PageSizeMismatch, -1213)                         \
    X(DatabaseSharingViolation, -1215)                 \
    X(AttachedDatabaseMismatch, -1216)                 \
    X(DatabaseInvalidPath, -1217)                      \
    X(DatabaseSignInUse, -1222)                        \
    X(DatabaseCorruptedNoRepair, -1224)                \
    X(DatabaseAttachedForRecovery, -1231)              \
    X(ClientRequestToStopJetService, -1329)            \
    X(TooManyAttachedDatabases, -1805)                 \
    X(DiskFull, -1808)                                 \
    X(FileNotFound, -1811)                             \
    X(FileInvalidType, -1812)                          \
    X(FileAlreadyExists, -1814)                        \
    X(AfterInitialization, -1850)                      \
    X(LogCorrupted, -1852)                             \
    X(InvalidOperation, -1906)                         \
    X(AccessDenied, -1907)                             \
    X(CallbackFailed, -2101)                           \
    X(OSSnapshotInvalidSequence, -2401)                \
    X(OSSnapshotTimeOut, -2402)                        \
    X(OSSnapshotNotAllowed, -2403)                     \
    X(OSSnapshotInvalidSnapId, -2404)                  \
    X(FileIOBeyondEOF, -4001)                          \
    X(FileCompressed, -4005)

/// Declares `JET_err##name` and checks it against errc_name(), so the two lists
/// cannot drift apart; undefined after the list.
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
HOTBACKUP_ESENT_ERRORS(HOTBACKUP_ESENT_ERROR)
/// @}
#undef HOTBACKUP_ESENT_ERROR

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)
