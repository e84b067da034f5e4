/// \file
/// Hard recovery from files an ESE client copied itself (docs/protocol.md §5):
/// JetExternalRestore and JetExternalRestore2, over restore/external_restore.hpp, with
/// their JET_PFNSTATUS progress. detail::jet::external_restore is also what
/// JetRestoreInstance (esent/backup_restore.hpp) ends with.
#pragma once

#include <cstddef>
#include <cstring>
#include <mutex>
#include <string>

#include "hotbackup/error.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/detail/registry.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/restore/external_restore.hpp"
#include "hotbackup/storage/any_storage.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

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
        const auto& entry = map[index];  // a C array from the caller
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
    options.generations = {low, high};
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

}  // namespace hotbackup::inline v1::detail::jet

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

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

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)
