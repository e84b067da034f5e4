/// \file
/// The external backup (docs/protocol.md §1.1–§1.10, §3): JetBeginExternalBackup,
/// JetGetAttachInfo, JetOpenFile, JetOpenFileSectionInstance, JetReadFile,
/// JetCloseFile, JetGetLogInfo (and JetGetLogInfoInstance2), JetGetTruncateLogInfo,
/// JetTruncateLog, JetEndExternalBackup(2) and JetStopBackup, each in its Instance
/// form and its legacy one-instance form, over one typestate backup session per
/// instance. The state machine of §3.7, ESE's one open file and the read-buffer rules
/// of docs/protocol.md §8.9 are kept here, in detail::jet, below the calls.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <filesystem>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hotbackup/error.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/detail/registry.hpp"
#include "hotbackup/esent/detail/strings.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/session/session.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

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
    } catch (const backup_error&) {  // see above
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

}  // namespace hotbackup::inline v1::detail::jet

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

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

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)
