/// \file
/// `errc`, every run-time failure of hotbackup, numbered as ESE numbers it (each
/// enumerator is the JET_err value of the same name), its hook into
/// `<system_error>`, and detail::describe(): ESE's name and a sentence for each
/// code. error.hpp builds the category, `errc_name()` and `backup_error` on them;
/// include that one.
///
/// Thread safety: constants and pure functions.
#pragma once

#include <array>
#include <string_view>
#include <system_error>
#include <type_traits>

namespace hotbackup::inline v1 {

/// A run-time failure, numbered as ESE numbers it: each enumerator is the JET_err
/// value of the same name (`backup_in_progress` is JET_errBackupInProgress, -505).
/// `errc_name()` gives the ESE spelling and `error_category().message()` a sentence.
/// There is no zero enumerator: a zero std::error_code already means "no error".
enum class errc : int {
    // Engine
    rfs_failure = -100,
    rfs_not_armed = -101,
    file_close = -102,
    out_of_threads = -103,
    internal_error = -107,
    disabled_functionality = -112,
    // Logging, backup and restore
    invalid_logged_operation = -500,
    log_file_corrupt = -501,
    no_backup_directory = -503,
    backup_directory_not_empty = -504,
    backup_in_progress = -505,
    restore_in_progress = -506,
    missing_previous_log_file = -509,
    log_write_fail = -510,
    log_disabled_due_to_recovery_failure = -511,
    cannot_log_during_recovery_redo = -512,
    log_generation_mismatch = -513,
    bad_log_version = -514,
    invalid_log_sequence = -515,
    logging_disabled = -516,
    log_buffer_too_small = -517,
    log_sequence_end = -519,
    no_backup = -520,
    invalid_backup_sequence = -521,
    backup_not_allowed_yet = -523,
    delete_backup_file_fail = -524,
    make_backup_directory_fail = -525,
    invalid_backup = -526,
    recovered_with_errors = -527,
    missing_log_file = -528,
    log_disk_full = -529,
    bad_log_signature = -530,
    bad_db_signature = -531,
    bad_checkpoint_signature = -532,
    checkpoint_corrupt = -533,
    missing_patch_page = -534,
    bad_patch_page = -535,
    redo_abrupt_ended = -536,
    patch_file_missing = -538,
    database_log_set_mismatch = -539,
    database_streaming_file_mismatch = -540,
    log_file_size_mismatch = -541,
    checkpoint_file_not_found = -542,
    required_log_files_missing = -543,
    soft_recovery_on_backup_database = -544,
    log_file_size_mismatch_databases_consistent = -545,
    log_sector_size_mismatch = -546,
    log_sector_size_mismatch_databases_consistent = -547,
    log_sequence_end_databases_consistent = -548,
    streaming_data_not_logged = -549,
    database_dirty_shutdown = -550,
    consistent_time_mismatch = -551,
    database_patch_file_mismatch = -552,
    ending_restore_log_too_low = -553,
    starting_restore_log_too_high = -554,
    given_log_file_has_bad_signature = -555,
    given_log_file_is_not_contiguous = -556,
    missing_restore_log_files = -557,
    missing_full_backup = -560,
    bad_backup_database_size = -561,
    database_already_upgraded = -562,
    database_incomplete_upgrade = -563,
    missing_current_log_files = -565,
    db_time_too_old = -566,
    db_time_too_new = -567,
    missing_file_to_backup = -569,
    log_torn_write_during_hard_restore = -570,
    log_torn_write_during_hard_recovery = -571,
    log_corrupt_during_hard_restore = -573,
    log_corrupt_during_hard_recovery = -574,
    must_disable_logging_for_db_upgrade = -575,
    bad_restore_target_instance = -577,
    recovered_without_undo = -579,
    databases_not_from_same_snapshot = -580,
    soft_recovery_on_snapshot = -581,
    committed_log_files_missing = -582,
    sector_size_not_supported = -583,
    recovered_without_undo_databases_consistent = -584,
    committed_log_file_corrupt = -586,
    log_sequence_checksum_mismatch = -590,
    page_initialized_mismatch = -596,
    existing_log_file_has_bad_signature = -610,
    existing_log_file_is_not_contiguous = -611,
    log_read_verify_failure = -612,
    checkpoint_depth_too_deep = -614,
    restore_of_non_backup_database = -615,
    log_file_not_copied = -616,
    surrogate_backup_in_progress = -617,
    transaction_too_long = -618,
    log_operation_inconsistent_with_database = -626,
    // Ending a backup session
    backup_abort_by_caller = -800,
    backup_abort_by_server = -801,
    // Calls, instances and page verification
    invalid_grbit = -900,
    term_in_progress = -1000,
    feature_not_available = -1001,
    invalid_name = -1002,
    invalid_parameter = -1003,
    database_file_read_only = -1008,
    invalid_database_id = -1010,
    out_of_memory = -1011,
    read_verify_failure = -1018,
    page_not_initialized = -1019,
    out_of_file_handles = -1020,
    disk_read_verification_failure = -1021,
    disk_io = -1022,
    invalid_path = -1023,
    invalid_system_path = -1024,
    invalid_log_directory = -1025,
    invalid_database = -1028,
    not_initialized = -1029,
    already_initialized = -1030,
    init_in_progress = -1031,
    file_access_denied = -1032,
    buffer_too_small = -1038,
    invalid_filename = -1044,
    not_in_transaction = -1054,
    running_in_one_instance_mode = -1080,
    running_in_multi_instance_mode = -1081,
    system_path_in_use = -1083,
    log_file_path_in_use = -1084,
    temp_path_in_use = -1085,
    instance_name_in_use = -1086,
    instance_unavailable = -1090,
    database_unavailable = -1091,
    instance_unavailable_due_to_fatal_log_disk_full = -1092,
    trans_too_deep = -1103,
    invalid_sesid = -1104,
    in_transaction = -1108,
    invalid_instance = -1115,
    read_pgno_verify_failure = -1118,
    read_lost_flush_verify_failure = -1119,
    file_system_corruption = -1121,
    recovery_verify_failure = -1123,
    // Databases and the service
    database_duplicate = -1201,
    database_in_use = -1202,
    database_not_found = -1203,
    database_invalid_name = -1204,
    database_corrupted = -1206,
    database_locked = -1207,
    invalid_database_version = -1209,
    page_size_mismatch = -1213,
    database_sharing_violation = -1215,
    attached_database_mismatch = -1216,
    database_invalid_path = -1217,
    database_sign_in_use = -1222,
    database_corrupted_no_repair = -1224,
    database_attached_for_recovery = -1231,
    client_request_to_stop_jet_service = -1329,
    too_many_attached_databases = -1805,
    // Files, I/O and OS snapshots
    disk_full = -1808,
    file_not_found = -1811,
    file_invalid_type = -1812,
    file_already_exists = -1814,
    after_initialization = -1850,
    log_corrupted = -1852,
    invalid_operation = -1906,
    access_denied = -1907,
    callback_failed = -2101,
    os_snapshot_invalid_sequence = -2401,
    os_snapshot_time_out = -2402,
    os_snapshot_not_allowed = -2403,
    os_snapshot_invalid_snap_id = -2404,
    file_io_beyond_eof = -4001,
    file_compressed = -4005,
};

}  // namespace hotbackup::inline v1

// Lets an `errc` convert implicitly to std::error_code (through `make_error_code`).
// Doxygen 1.9 cannot place a specialisation of a std template; it stays out of the
// reference.
/// \cond
template <>
struct std::is_error_code_enum<hotbackup::errc> : std::true_type {};
/// \endcond

namespace hotbackup::inline v1::detail {

/// ESE's name of an error and what it means, as `describe()` returns them.
struct errc_text {
    std::string_view name;
    std::string_view meaning;
};

// A switch rather than a table so that -Wswitch (part of -Wall) rejects an
// enumerator added without a name and a message.
// NOLINTNEXTLINE(readability-function-size): one case per errc, by design (see above)
constexpr errc_text describe(errc code) noexcept {
    switch (code) {
        case errc::rfs_failure:
            return {"JET_errRfsFailure",
                    "a failure was injected by resource failure simulation (test builds only)"};
        case errc::rfs_not_armed:
            return {"JET_errRfsNotArmed",
                    "resource failure simulation was used without being armed"};
        case errc::file_close:
            return {"JET_errFileClose", "a file could not be closed"};
        case errc::out_of_threads:
            return {"JET_errOutOfThreads", "a worker thread could not be started"};
        case errc::internal_error:
            return {"JET_errInternalError",
                    "an internal consistency check failed (a bug, not a problem with the data)"};
        case errc::disabled_functionality:
            return {"JET_errDisabledFunctionality",
                    "the function is disabled in this build of the engine"};
        case errc::invalid_logged_operation:
            return {"JET_errInvalidLoggedOperation",
                    "a log record holds an operation that cannot be replayed"};
        case errc::log_file_corrupt:
            return {"JET_errLogFileCorrupt",
                    "a log file is damaged (bad header checksum or segment size)"};
        case errc::no_backup_directory:
            return {"JET_errNoBackupDirectory", "no backup directory was given"};
        case errc::backup_directory_not_empty:
            return {"JET_errBackupDirectoryNotEmpty",
                    "a full backup needs an empty target directory"};
        case errc::backup_in_progress:
            return {"JET_errBackupInProgress", "a backup is already in progress on this instance"};
        case errc::restore_in_progress:
            return {"JET_errRestoreInProgress", "a restore is in progress on this instance"};
        case errc::missing_previous_log_file:
            return {"JET_errMissingPreviousLogFile",
                    "the log file that holds the checkpoint is missing"};
        case errc::log_write_fail:
            return {"JET_errLogWriteFail",
                    "writing to the log failed, so the instance accepts no more updates"};
        case errc::log_disabled_due_to_recovery_failure:
            return {"JET_errLogDisabledDueToRecoveryFailure",
                    "nothing can be logged because recovery failed"};
        case errc::cannot_log_during_recovery_redo:
            return {"JET_errCannotLogDuringRecoveryRedo",
                    "nothing can be logged while recovery replays the logs"};
        case errc::log_generation_mismatch:
            return {"JET_errLogGenerationMismatch",
                    "a log file's name does not match the generation in its header"};
        case errc::bad_log_version:
            return {"JET_errBadLogVersion", "a log file was written by an incompatible version"};
        case errc::invalid_log_sequence:
            return {"JET_errInvalidLogSequence",
                    "a log file's timestamp does not continue the previous log file"};
        case errc::logging_disabled:
            return {"JET_errLoggingDisabled",
                    "logging is turned off, so the instance cannot be backed up"};
        case errc::log_buffer_too_small:
            return {"JET_errLogBufferTooSmall",
                    "the log buffer is too small to replay a log record"};
        case errc::log_sequence_end:
            return {"JET_errLogSequenceEnd",
                    "every log generation number is used up; the log sequence must be restarted"};
        case errc::no_backup:
            return {"JET_errNoBackup", "no backup is in progress"};
        case errc::invalid_backup_sequence:
            return {"JET_errInvalidBackupSequence",
                    "the backup call is out of order for this session"};
        case errc::backup_not_allowed_yet:
            return {"JET_errBackupNotAllowedYet",
                    "a backup cannot start until the instance has finished initializing"};
        case errc::delete_backup_file_fail:
            return {"JET_errDeleteBackupFileFail",
                    "a file in the backup directory could not be deleted"};
        case errc::make_backup_directory_fail:
            return {"JET_errMakeBackupDirectoryFail", "the backup directory could not be created"};
        case errc::invalid_backup:
            return {"JET_errInvalidBackup",
                    "the backup is not valid (an incomplete or damaged backup set, or an "
                    "incremental backup while circular logging is on)"};
        case errc::recovered_with_errors:
            return {"JET_errRecoveredWithErrors", "recovery finished, but with errors"};
        case errc::missing_log_file:
            return {"JET_errMissingLogFile", "the current log file is missing"};
        case errc::log_disk_full:
            return {"JET_errLogDiskFull", "the disk that holds the logs is full"};
        case errc::bad_log_signature:
            return {"JET_errBadLogSignature", "a log file belongs to a different log set"};
        case errc::bad_db_signature:
            return {"JET_errBadDbSignature",
                    "a database does not match the signature recorded in the logs"};
        case errc::bad_checkpoint_signature:
            return {"JET_errBadCheckpointSignature",
                    "the checkpoint file belongs to a different log set"};
        case errc::checkpoint_corrupt:
            return {"JET_errCheckpointCorrupt", "the checkpoint file is damaged"};
        case errc::missing_patch_page:
            return {"JET_errMissingPatchPage", "a page needed from the patch file is missing"};
        case errc::bad_patch_page:
            return {"JET_errBadPatchPage", "the trailer page of a restored database is damaged"};
        case errc::redo_abrupt_ended:
            return {"JET_errRedoAbruptEnded",
                    "the backup's logs ended before the last generation of the backup"};
        case errc::patch_file_missing:
            return {"JET_errPatchFileMissing",
                    "the backup directory has no patch files, so its databases cannot be found"};
        case errc::database_log_set_mismatch:
            return {"JET_errDatabaseLogSetMismatch",
                    "a database does not belong to this set of log files"};
        case errc::database_streaming_file_mismatch:
            return {"JET_errDatabaseStreamingFileMismatch",
                    "a database and its streaming file do not match"};
        case errc::log_file_size_mismatch:
            return {"JET_errLogFileSizeMismatch",
                    "a log file's size differs from the configured log file size"};
        case errc::checkpoint_file_not_found:
            return {"JET_errCheckpointFileNotFound", "the checkpoint file was not found"};
        case errc::required_log_files_missing:
            return {"JET_errRequiredLogFilesMissing",
                    "log files a database needs to become consistent are missing"};
        case errc::soft_recovery_on_backup_database:
            return {"JET_errSoftRecoveryOnBackupDatabase",
                    "a restored database must be recovered by restore, not by a normal start"};
        case errc::log_file_size_mismatch_databases_consistent:
            return {"JET_errLogFileSizeMismatchDatabasesConsistent",
                    "the databases are consistent, but the log files' size differs from the "
                    "configured size"};
        case errc::log_sector_size_mismatch:
            return {"JET_errLogSectorSizeMismatch",
                    "the log files were written with a different disk sector size"};
        case errc::log_sector_size_mismatch_databases_consistent:
            return {"JET_errLogSectorSizeMismatchDatabasesConsistent",
                    "the databases are consistent, but the log files were written with a different "
                    "disk sector size"};
        case errc::log_sequence_end_databases_consistent:
            return {"JET_errLogSequenceEndDatabasesConsistent",
                    "the databases are consistent, but every log generation number is used up"};
        case errc::streaming_data_not_logged:
            return {"JET_errStreamingDataNotLogged",
                    "data to replay was never logged (was circular logging on?)"};
        case errc::database_dirty_shutdown:
            return {"JET_errDatabaseDirtyShutdown",
                    "a database was not shut down cleanly and needs recovery first"};
        case errc::consistent_time_mismatch:
            return {"JET_errConsistentTimeMismatch",
                    "a database's last consistent time does not match the logs"};
        case errc::database_patch_file_mismatch:
            return {"JET_errDatabasePatchFileMismatch",
                    "a restored database's trailer does not match its header or the backup's logs"};
        case errc::ending_restore_log_too_low:
            return {
                "JET_errEndingRestoreLogTooLow",
                "the restore ends before the last log generation a database of the backup needs"};
        case errc::starting_restore_log_too_high:
            return {
                "JET_errStartingRestoreLogTooHigh",
                "the restore starts after the first log generation a database of the backup needs"};
        case errc::given_log_file_has_bad_signature:
            return {"JET_errGivenLogFileHasBadSignature",
                    "a log file of the backup belongs to a different log set"};
        case errc::given_log_file_is_not_contiguous:
            return {"JET_errGivenLogFileIsNotContiguous",
                    "the log files of the backup do not follow each other without gaps"};
        case errc::missing_restore_log_files:
            return {"JET_errMissingRestoreLogFiles", "log files of the backup's range are missing"};
        case errc::missing_full_backup:
            return {"JET_errMissingFullBackup",
                    "an incremental backup needs a previous full backup whose logs were truncated"};
        case errc::bad_backup_database_size:
            return {"JET_errBadBackupDatabaseSize",
                    "a backed-up database's size is not a whole number of pages"};
        case errc::database_already_upgraded:
            return {"JET_errDatabaseAlreadyUpgraded",
                    "the database is already in the current format"};
        case errc::database_incomplete_upgrade:
            return {"JET_errDatabaseIncompleteUpgrade",
                    "the database was only partly upgraded and must be restored from a backup"};
        case errc::missing_current_log_files:
            return {"JET_errMissingCurrentLogFiles",
                    "log files after the backup, needed to continue the restore, are missing"};
        case errc::db_time_too_old:
            return {"JET_errDbTimeTooOld", "a database page is older than a log record expects"};
        case errc::db_time_too_new:
            return {"JET_errDbTimeTooNew", "a database page is newer than a log record expects"};
        case errc::missing_file_to_backup:
            return {"JET_errMissingFileToBackup",
                    "a log file the backup must contain is missing (a gap since the last backup)"};
        case errc::log_torn_write_during_hard_restore:
            return {"JET_errLogTornWriteDuringHardRestore",
                    "a log file of the backup holds a torn write"};
        case errc::log_torn_write_during_hard_recovery:
            return {"JET_errLogTornWriteDuringHardRecovery",
                    "a log file after the backup holds a torn write"};
        case errc::log_corrupt_during_hard_restore:
            return {"JET_errLogCorruptDuringHardRestore", "a log file of the backup is corrupt"};
        case errc::log_corrupt_during_hard_recovery:
            return {"JET_errLogCorruptDuringHardRecovery",
                    "a log file after the backup is corrupt"};
        case errc::must_disable_logging_for_db_upgrade:
            return {"JET_errMustDisableLoggingForDbUpgrade",
                    "logging must be turned off to upgrade a database"};
        case errc::bad_restore_target_instance:
            return {"JET_errBadRestoreTargetInstance",
                    "the restore's target instance was not found or uses another log set"};
        case errc::recovered_without_undo:
            return {"JET_errRecoveredWithoutUndo",
                    "recovery replayed every log but skipped undoing unfinished transactions"};
        case errc::databases_not_from_same_snapshot:
            return {"JET_errDatabasesNotFromSameSnapshot",
                    "the databases to restore come from different snapshots"};
        case errc::soft_recovery_on_snapshot:
            return {
                "JET_errSoftRecoveryOnSnapshot",
                "a database from a snapshot must be recovered by restore, not by a normal start"};
        case errc::committed_log_files_missing:
            return {"JET_errCommittedLogFilesMissing",
                    "log files with transactions committed to a database are missing"};
        case errc::sector_size_not_supported:
            return {"JET_errSectorSizeNotSupported", "the disk's sector size is not supported"};
        case errc::recovered_without_undo_databases_consistent:
            return {"JET_errRecoveredWithoutUndoDatabasesConsistent",
                    "recovery was asked to skip undo, but the databases needed none"};
        case errc::committed_log_file_corrupt:
            return {"JET_errCommittedLogFileCorrupt",
                    "a log file with transactions committed to a database is corrupt"};
        case errc::log_sequence_checksum_mismatch:
            return {"JET_errLogSequenceChecksumMismatch",
                    "a log file's running checksum does not continue the previous log file's"};
        case errc::page_initialized_mismatch:
            return {"JET_errPageInitializedMismatch",
                    "a page's initialized state differs from what the logs expect"};
        case errc::existing_log_file_has_bad_signature:
            return {"JET_errExistingLogFileHasBadSignature",
                    "a log file in the log directory belongs to a different log set"};
        case errc::existing_log_file_is_not_contiguous:
            return {"JET_errExistingLogFileIsNotContiguous",
                    "the log files in the log directory do not continue the backup's logs"};
        case errc::log_read_verify_failure:
            return {"JET_errLogReadVerifyFailure",
                    "a log file failed checksum verification while it was read"};
        case errc::checkpoint_depth_too_deep:
            return {"JET_errCheckpointDepthTooDeep",
                    "too many log generations lie between the checkpoint and the current log"};
        case errc::restore_of_non_backup_database:
            return {"JET_errRestoreOfNonBackupDatabase",
                    "the database to restore was not made by a streaming backup"};
        case errc::log_file_not_copied:
            return {
                "JET_errLogFileNotCopied",
                "logs cannot be truncated before every log file of the backup was read to the end"};
        case errc::surrogate_backup_in_progress:
            return {"JET_errSurrogateBackupInProgress",
                    "a surrogate backup is already in progress on this instance"};
        case errc::transaction_too_long:
            return {"JET_errTransactionTooLong",
                    "a transaction stayed open across too many log generations"};
        case errc::log_operation_inconsistent_with_database:
            return {"JET_errLogOperationInconsistentWithDatabase",
                    "a logged operation does not fit the database it is replayed on"};
        case errc::backup_abort_by_caller:
            return {"JET_errBackupAbortByCaller",
                    "the backup was ended by its caller before it was complete"};
        case errc::backup_abort_by_server:
            return {"JET_errBackupAbortByServer",
                    "the backup was stopped by the server (stop request or shutdown); it can only "
                    "be ended"};
        case errc::invalid_grbit:
            return {"JET_errInvalidGrbit",
                    "the flags (grbit) hold an undefined flag or a forbidden combination"};
        case errc::term_in_progress:
            return {"JET_errTermInProgress", "the instance is shutting down"};
        case errc::feature_not_available:
            return {"JET_errFeatureNotAvailable", "the feature is not available"};
        case errc::invalid_name:
            return {"JET_errInvalidName", "a name is invalid"};
        case errc::invalid_parameter:
            return {"JET_errInvalidParameter", "a parameter is invalid"};
        case errc::database_file_read_only:
            return {"JET_errDatabaseFileReadOnly", "the database file is read-only"};
        case errc::invalid_database_id:
            return {"JET_errInvalidDatabaseId", "the database id is invalid"};
        case errc::out_of_memory:
            return {"JET_errOutOfMemory",
                    "out of memory, or a second backup file was opened while one is open"};
        case errc::read_verify_failure:
            return {"JET_errReadVerifyFailure", "a database page failed checksum verification"};
        case errc::page_not_initialized:
            return {"JET_errPageNotInitialized", "the database page is blank"};
        case errc::out_of_file_handles:
            return {"JET_errOutOfFileHandles", "no file handles are left"};
        case errc::disk_read_verification_failure:
            return {"JET_errDiskReadVerificationFailure",
                    "the disk reported a checksum (CRC) error while reading"};
        case errc::disk_io:
            return {"JET_errDiskIO", "a disk read or write failed"};
        case errc::invalid_path:
            return {"JET_errInvalidPath", "the path is invalid"};
        case errc::invalid_system_path:
            return {"JET_errInvalidSystemPath",
                    "the system path (where the checkpoint lives) is invalid"};
        case errc::invalid_log_directory:
            return {"JET_errInvalidLogDirectory", "the log directory is invalid"};
        case errc::invalid_database:
            return {"JET_errInvalidDatabase", "the file is not a database"};
        case errc::not_initialized:
            return {"JET_errNotInitialized", "the instance is not initialized"};
        case errc::already_initialized:
            return {"JET_errAlreadyInitialized", "the instance is already initialized"};
        case errc::init_in_progress:
            return {"JET_errInitInProgress", "the instance is still initializing"};
        case errc::file_access_denied:
            return {"JET_errFileAccessDenied",
                    "a file cannot be accessed (it is locked, in use or protected)"};
        case errc::buffer_too_small:
            return {"JET_errBufferTooSmall", "the buffer is too small for the result"};
        case errc::invalid_filename:
            return {"JET_errInvalidFilename", "the file name is invalid"};
        case errc::running_in_one_instance_mode:
            return {"JET_errRunningInOneInstanceMode",
                    "the engine runs in one-instance mode, where this call is not allowed"};
        case errc::running_in_multi_instance_mode:
            return {"JET_errRunningInMultiInstanceMode",
                    "the engine runs in multi-instance mode, so the call must name an instance"};
        case errc::system_path_in_use:
            return {"JET_errSystemPathInUse",
                    "the system path is already used by another instance"};
        case errc::log_file_path_in_use:
            return {"JET_errLogFilePathInUse",
                    "the log file path is already used by another instance"};
        case errc::temp_path_in_use:
            return {"JET_errTempPathInUse",
                    "the temporary database path is already used by another instance"};
        case errc::instance_name_in_use:
            return {"JET_errInstanceNameInUse", "the instance name is already in use"};
        case errc::instance_unavailable:
            return {"JET_errInstanceUnavailable",
                    "the instance hit a fatal error and cannot be used until it is restarted"};
        case errc::database_unavailable:
            return {"JET_errDatabaseUnavailable",
                    "the database hit a fatal error and cannot be used"};
        case errc::instance_unavailable_due_to_fatal_log_disk_full:
            return {"JET_errInstanceUnavailableDueToFatalLogDiskFull",
                    "the instance cannot be used because its log disk filled up during an "
                    "operation that could not fail"};
        case errc::trans_too_deep:
            return {"JET_errTransTooDeep", "transactions are nested too deeply"};
        case errc::invalid_sesid:
            return {"JET_errInvalidSesid", "the session handle is invalid"};
        case errc::in_transaction:
            return {"JET_errInTransaction", "the operation is not allowed inside a transaction"};
        case errc::not_in_transaction:
            return {"JET_errNotInTransaction", "the session has no transaction to end"};
        case errc::invalid_instance:
            return {"JET_errInvalidInstance", "the instance handle is invalid"};
        case errc::read_pgno_verify_failure:
            return {"JET_errReadPgnoVerifyFailure",
                    "a database page read from disk carries the wrong page number"};
        case errc::read_lost_flush_verify_failure:
            return {
                "JET_errReadLostFlushVerifyFailure",
                "a database page read from disk lacks a write that was made to it (a lost flush)"};
        case errc::file_system_corruption:
            return {"JET_errFileSystemCorruption", "the file system reports that it is corrupt"};
        case errc::recovery_verify_failure:
            return {"JET_errRecoveryVerifyFailure",
                    "database pages read during recovery do not match the expected state"};
        case errc::database_duplicate:
            return {"JET_errDatabaseDuplicate", "the database already exists"};
        case errc::database_in_use:
            return {"JET_errDatabaseInUse", "the database is in use"};
        case errc::database_not_found:
            return {"JET_errDatabaseNotFound", "no such database is attached"};
        case errc::database_invalid_name:
            return {"JET_errDatabaseInvalidName", "the database name is invalid"};
        case errc::database_corrupted:
            return {"JET_errDatabaseCorrupted", "the database is corrupt or not a database"};
        case errc::database_locked:
            return {"JET_errDatabaseLocked", "the database is locked for exclusive use"};
        case errc::invalid_database_version:
            return {"JET_errInvalidDatabaseVersion",
                    "the database format is incompatible with this engine"};
        case errc::page_size_mismatch:
            return {"JET_errPageSizeMismatch",
                    "the page size differs from the instance's page size"};
        case errc::database_sharing_violation:
            return {"JET_errDatabaseSharingViolation", "another instance is using this database"};
        case errc::attached_database_mismatch:
            return {"JET_errAttachedDatabaseMismatch",
                    "a database recorded as attached in the logs is missing or does not match"};
        case errc::database_invalid_path:
            return {"JET_errDatabaseInvalidPath", "the database path is invalid"};
        case errc::database_sign_in_use:
            return {"JET_errDatabaseSignInUse",
                    "a database with the same signature is already attached"};
        case errc::database_corrupted_no_repair:
            return {"JET_errDatabaseCorruptedNoRepair",
                    "the database is corrupt and may not be repaired"};
        case errc::database_attached_for_recovery:
            return {"JET_errDatabaseAttachedForRecovery",
                    "the database is attached only for recovery and cannot be backed up"};
        case errc::client_request_to_stop_jet_service:
            return {"JET_errClientRequestToStopJetService",
                    "the service was asked to stop and accepts no more calls"};
        case errc::too_many_attached_databases:
            return {"JET_errTooManyAttachedDatabases",
                    "the instance already has the most databases it can attach"};
        case errc::disk_full:
            return {"JET_errDiskFull", "the disk is full"};
        case errc::file_not_found:
            return {"JET_errFileNotFound", "the file was not found"};
        case errc::file_invalid_type:
            return {"JET_errFileInvalidType",
                    "the file is of the wrong type (for example a directory)"};
        case errc::file_already_exists:
            return {"JET_errFileAlreadyExists", "the file already exists"};
        case errc::after_initialization:
            return {"JET_errAfterInitialization",
                    "this can only be done before the instance is initialized"};
        case errc::log_corrupted:
            return {"JET_errLogCorrupted", "the logs cannot be interpreted"};
        case errc::invalid_operation:
            return {"JET_errInvalidOperation", "the operation is not valid here"};
        case errc::access_denied:
            return {"JET_errAccessDenied", "access was denied"};
        case errc::callback_failed:
            return {"JET_errCallbackFailed", "a callback failed"};
        case errc::os_snapshot_invalid_sequence:
            return {"JET_errOSSnapshotInvalidSequence",
                    "the OS snapshot calls came in the wrong order"};
        case errc::os_snapshot_time_out:
            return {"JET_errOSSnapshotTimeOut", "the OS snapshot timed out"};
        case errc::os_snapshot_not_allowed:
            return {"JET_errOSSnapshotNotAllowed",
                    "an OS snapshot cannot start while a backup or recovery is in progress"};
        case errc::os_snapshot_invalid_snap_id:
            return {"JET_errOSSnapshotInvalidSnapId", "the OS snapshot id is invalid"};
        case errc::file_io_beyond_eof:
            return {"JET_errFileIOBeyondEOF", "a read went past the end of the file"};
        case errc::file_compressed:
            return {"JET_errFileCompressed", "compressed files cannot be read or written"};
    }
    return {};
}

/// Every enumerator of `errc` once, in order of their ESE numbers (for tests and
/// for tools that list the errors).
inline constexpr std::array all_error_codes = {
    errc::rfs_failure,
    errc::rfs_not_armed,
    errc::file_close,
    errc::out_of_threads,
    errc::internal_error,
    errc::disabled_functionality,
    errc::invalid_logged_operation,
    errc::log_file_corrupt,
    errc::no_backup_directory,
    errc::backup_directory_not_empty,
    errc::backup_in_progress,
    errc::restore_in_progress,
    errc::missing_previous_log_file,
    errc::log_write_fail,
    errc::log_disabled_due_to_recovery_failure,
    errc::cannot_log_during_recovery_redo,
    errc::log_generation_mismatch,
    errc::bad_log_version,
    errc::invalid_log_sequence,
    errc::logging_disabled,
    errc::log_buffer_too_small,
    errc::log_sequence_end,
    errc::no_backup,
    errc::invalid_backup_sequence,
    errc::backup_not_allowed_yet,
    errc::delete_backup_file_fail,
    errc::make_backup_directory_fail,
    errc::invalid_backup,
    errc::recovered_with_errors,
    errc::missing_log_file,
    errc::log_disk_full,
    errc::bad_log_signature,
    errc::bad_db_signature,
    errc::bad_checkpoint_signature,
    errc::checkpoint_corrupt,
    errc::missing_patch_page,
    errc::bad_patch_page,
    errc::redo_abrupt_ended,
    errc::patch_file_missing,
    errc::database_log_set_mismatch,
    errc::database_streaming_file_mismatch,
    errc::log_file_size_mismatch,
    errc::checkpoint_file_not_found,
    errc::required_log_files_missing,
    errc::soft_recovery_on_backup_database,
    errc::log_file_size_mismatch_databases_consistent,
    errc::log_sector_size_mismatch,
    errc::log_sector_size_mismatch_databases_consistent,
    errc::log_sequence_end_databases_consistent,
    errc::streaming_data_not_logged,
    errc::database_dirty_shutdown,
    errc::consistent_time_mismatch,
    errc::database_patch_file_mismatch,
    errc::ending_restore_log_too_low,
    errc::starting_restore_log_too_high,
    errc::given_log_file_has_bad_signature,
    errc::given_log_file_is_not_contiguous,
    errc::missing_restore_log_files,
    errc::missing_full_backup,
    errc::bad_backup_database_size,
    errc::database_already_upgraded,
    errc::database_incomplete_upgrade,
    errc::missing_current_log_files,
    errc::db_time_too_old,
    errc::db_time_too_new,
    errc::missing_file_to_backup,
    errc::log_torn_write_during_hard_restore,
    errc::log_torn_write_during_hard_recovery,
    errc::log_corrupt_during_hard_restore,
    errc::log_corrupt_during_hard_recovery,
    errc::must_disable_logging_for_db_upgrade,
    errc::bad_restore_target_instance,
    errc::recovered_without_undo,
    errc::databases_not_from_same_snapshot,
    errc::soft_recovery_on_snapshot,
    errc::committed_log_files_missing,
    errc::sector_size_not_supported,
    errc::recovered_without_undo_databases_consistent,
    errc::committed_log_file_corrupt,
    errc::log_sequence_checksum_mismatch,
    errc::page_initialized_mismatch,
    errc::existing_log_file_has_bad_signature,
    errc::existing_log_file_is_not_contiguous,
    errc::log_read_verify_failure,
    errc::checkpoint_depth_too_deep,
    errc::restore_of_non_backup_database,
    errc::log_file_not_copied,
    errc::surrogate_backup_in_progress,
    errc::transaction_too_long,
    errc::log_operation_inconsistent_with_database,
    errc::backup_abort_by_caller,
    errc::backup_abort_by_server,
    errc::invalid_grbit,
    errc::term_in_progress,
    errc::feature_not_available,
    errc::invalid_name,
    errc::invalid_parameter,
    errc::database_file_read_only,
    errc::invalid_database_id,
    errc::out_of_memory,
    errc::read_verify_failure,
    errc::page_not_initialized,
    errc::out_of_file_handles,
    errc::disk_read_verification_failure,
    errc::disk_io,
    errc::invalid_path,
    errc::invalid_system_path,
    errc::invalid_log_directory,
    errc::invalid_database,
    errc::not_initialized,
    errc::already_initialized,
    errc::init_in_progress,
    errc::file_access_denied,
    errc::buffer_too_small,
    errc::invalid_filename,
    errc::not_in_transaction,
    errc::running_in_one_instance_mode,
    errc::running_in_multi_instance_mode,
    errc::system_path_in_use,
    errc::log_file_path_in_use,
    errc::temp_path_in_use,
    errc::instance_name_in_use,
    errc::instance_unavailable,
    errc::database_unavailable,
    errc::instance_unavailable_due_to_fatal_log_disk_full,
    errc::trans_too_deep,
    errc::invalid_sesid,
    errc::in_transaction,
    errc::invalid_instance,
    errc::read_pgno_verify_failure,
    errc::read_lost_flush_verify_failure,
    errc::file_system_corruption,
    errc::recovery_verify_failure,
    errc::database_duplicate,
    errc::database_in_use,
    errc::database_not_found,
    errc::database_invalid_name,
    errc::database_corrupted,
    errc::database_locked,
    errc::invalid_database_version,
    errc::page_size_mismatch,
    errc::database_sharing_violation,
    errc::attached_database_mismatch,
    errc::database_invalid_path,
    errc::database_sign_in_use,
    errc::database_corrupted_no_repair,
    errc::database_attached_for_recovery,
    errc::client_request_to_stop_jet_service,
    errc::too_many_attached_databases,
    errc::disk_full,
    errc::file_not_found,
    errc::file_invalid_type,
    errc::file_already_exists,
    errc::after_initialization,
    errc::log_corrupted,
    errc::invalid_operation,
    errc::access_denied,
    errc::callback_failed,
    errc::os_snapshot_invalid_sequence,
    errc::os_snapshot_time_out,
    errc::os_snapshot_not_allowed,
    errc::os_snapshot_invalid_snap_id,
    errc::file_io_beyond_eof,
    errc::file_compressed};

}  // namespace hotbackup::inline v1::detail
