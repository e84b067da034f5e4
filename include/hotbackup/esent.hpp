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
/// namespace: this header ends with a using-declaration of each esent.h name (each
/// Jet* call, JET_* type and constant, every JET_err number), and of nothing else of
/// the namespace (define HOTBACKUP_ESENT_NO_GLOBAL_NAMES before the include to keep
/// them all out of it).
///
/// It is the one include an ESE port writes. The calls are declared by topic in
/// esent/, each header usable on its own (without the global names):
/// - esent/types.hpp: the types, structures (JET_LOGINFO, JET_RSTMAP, JET_SNPROG),
///   grbits, JET_param numbers and JET_err numbers;
/// - esent/instance.hpp: instances, modes and system parameters;
/// - esent/session.hpp: sessions, databases and transactions;
/// - esent/backup.hpp: the external backup calls (Instance and legacy forms);
/// - esent/restore.hpp: JetExternalRestore and JetExternalRestore2;
/// - esent/backup_restore.hpp: JetBackup / JetRestore into and from a directory;
/// - esent/detail/: what several topics share (the registry of instances and
///   sessions, the boundary that turns failures into JET_ERR, the parameter table,
///   path keys and multi-strings).
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
/// (memory, fault injection). These are hotbackup's own names, so they stay in
/// namespace hotbackup::esent (as does engine_type).
///
/// Thread-safety: every function may be called from any thread; calls on one
/// instance's backup are serialized, as ESE's one backup context is.
#pragma once

#include "hotbackup/esent/backup.hpp"
#include "hotbackup/esent/backup_restore.hpp"
#include "hotbackup/esent/instance.hpp"
#include "hotbackup/esent/restore.hpp"
#include "hotbackup/esent/session.hpp"
#include "hotbackup/esent/types.hpp"

#ifndef HOTBACKUP_ESENT_NO_GLOBAL_NAMES
// As esent.h does, its names are global: one using-declaration each, so that the
// typed-access helpers and the internals of namespace hotbackup::esent stay out.
// NOLINTBEGIN(google-global-names-in-headers, readability-identifier-naming): esent.h's names.

// esent/types.hpp: types and structures
using hotbackup::esent::JET_API_PTR;
using hotbackup::esent::JET_DBID;
using hotbackup::esent::JET_ERR;
using hotbackup::esent::JET_GRBIT;
using hotbackup::esent::JET_HANDLE;
using hotbackup::esent::JET_INSTANCE;
using hotbackup::esent::JET_LOGINFO;
using hotbackup::esent::JET_LOGINFO_A;
using hotbackup::esent::JET_PCSTR;
using hotbackup::esent::JET_PFNSTATUS;
using hotbackup::esent::JET_PSTR;
using hotbackup::esent::JET_RSTMAP;
using hotbackup::esent::JET_RSTMAP_A;
using hotbackup::esent::JET_SESID;
using hotbackup::esent::JET_SNP;
using hotbackup::esent::JET_SNPROG;
using hotbackup::esent::JET_SNT;
using hotbackup::esent::JET_TABLEID;

// esent/types.hpp: constants (the JET_err numbers follow, from their list)
using hotbackup::esent::JET_BASE_NAME_LENGTH;
using hotbackup::esent::JET_bitBackupAtomic;
using hotbackup::esent::JET_bitBackupEndAbort;
using hotbackup::esent::JET_bitBackupEndNormal;
using hotbackup::esent::JET_bitBackupIncremental;
using hotbackup::esent::JET_bitBackupNoDbHeaderUpdate;
using hotbackup::esent::JET_bitBackupSnapshot;
using hotbackup::esent::JET_bitBackupTruncateDone;
using hotbackup::esent::JET_bitCommitLazyFlush;
using hotbackup::esent::JET_bitDbOverwriteExisting;
using hotbackup::esent::JET_bitForceNewLog;
using hotbackup::esent::JET_bitNil;
using hotbackup::esent::JET_bitRollbackAll;
using hotbackup::esent::JET_bitTermAbrupt;
using hotbackup::esent::JET_bitTermComplete;
using hotbackup::esent::JET_bitTermDirty;
using hotbackup::esent::JET_bitTermStopBackup;
using hotbackup::esent::JET_bitWaitAllLevel0Commit;
using hotbackup::esent::JET_bitWaitLastLevel0Commit;
using hotbackup::esent::JET_dbidNil;
using hotbackup::esent::JET_errSuccess;
using hotbackup::esent::JET_instanceNil;
using hotbackup::esent::JET_paramBaseName;
using hotbackup::esent::JET_paramCheckpointDepthMax;
using hotbackup::esent::JET_paramCircularLog;
using hotbackup::esent::JET_paramCreatePathIfNotExist;
using hotbackup::esent::JET_paramDatabasePageSize;
using hotbackup::esent::JET_paramLogFilePath;
using hotbackup::esent::JET_paramLogFileSize;
using hotbackup::esent::JET_paramRecovery;
using hotbackup::esent::JET_paramSystemPath;
using hotbackup::esent::JET_paramTempPath;
using hotbackup::esent::JET_sesidNil;
using hotbackup::esent::JET_snpBackup;
using hotbackup::esent::JET_snpRestore;
using hotbackup::esent::JET_sntBegin;
using hotbackup::esent::JET_sntComplete;
using hotbackup::esent::JET_sntFail;
using hotbackup::esent::JET_sntProgress;
using hotbackup::esent::JET_tableidNil;
using hotbackup::esent::JET_wrnBufferTruncated;
using hotbackup::esent::JET_wrnDatabaseAttached;
using hotbackup::esent::JET_wrnTargetInstanceRunning;

/// The global name of `JET_err##name`; undefined after the list.
#define HOTBACKUP_ESENT_GLOBAL_ERROR(name, code) using hotbackup::esent::JET_err##name;
HOTBACKUP_ESENT_ERRORS(HOTBACKUP_ESENT_GLOBAL_ERROR)
#undef HOTBACKUP_ESENT_GLOBAL_ERROR

// esent/instance.hpp: instances and parameters
using hotbackup::esent::JetCreateInstance;
using hotbackup::esent::JetCreateInstance2;
using hotbackup::esent::JetGetSystemParameter;
using hotbackup::esent::JetInit;
using hotbackup::esent::JetInit2;
using hotbackup::esent::JetSetSystemParameter;
using hotbackup::esent::JetStopService;
using hotbackup::esent::JetStopServiceInstance;
using hotbackup::esent::JetTerm;
using hotbackup::esent::JetTerm2;

// esent/session.hpp: sessions, databases, transactions
using hotbackup::esent::JetAttachDatabase;
using hotbackup::esent::JetBeginSession;
using hotbackup::esent::JetBeginTransaction;
using hotbackup::esent::JetCommitTransaction;
using hotbackup::esent::JetCreateDatabase;
using hotbackup::esent::JetDetachDatabase;
using hotbackup::esent::JetEndSession;
using hotbackup::esent::JetRollback;

// esent/backup.hpp: the external backup
using hotbackup::esent::JetBeginExternalBackup;
using hotbackup::esent::JetBeginExternalBackupInstance;
using hotbackup::esent::JetCloseFile;
using hotbackup::esent::JetCloseFileInstance;
using hotbackup::esent::JetEndExternalBackup;
using hotbackup::esent::JetEndExternalBackupInstance;
using hotbackup::esent::JetEndExternalBackupInstance2;
using hotbackup::esent::JetGetAttachInfo;
using hotbackup::esent::JetGetAttachInfoInstance;
using hotbackup::esent::JetGetLogInfo;
using hotbackup::esent::JetGetLogInfoInstance;
using hotbackup::esent::JetGetLogInfoInstance2;
using hotbackup::esent::JetGetTruncateLogInfoInstance;
using hotbackup::esent::JetOpenFile;
using hotbackup::esent::JetOpenFileInstance;
using hotbackup::esent::JetOpenFileSectionInstance;
using hotbackup::esent::JetReadFile;
using hotbackup::esent::JetReadFileInstance;
using hotbackup::esent::JetStopBackup;
using hotbackup::esent::JetStopBackupInstance;
using hotbackup::esent::JetTruncateLog;
using hotbackup::esent::JetTruncateLogInstance;

// esent/restore.hpp: restore
using hotbackup::esent::JetExternalRestore;
using hotbackup::esent::JetExternalRestore2;

// esent/backup_restore.hpp: JetBackup / JetRestore
using hotbackup::esent::JetBackup;
using hotbackup::esent::JetBackupInstance;
using hotbackup::esent::JetRestore;
using hotbackup::esent::JetRestoreInstance;
// NOLINTEND(google-global-names-in-headers, readability-identifier-naming)
#endif
