/// \file
/// JetBackupInstance / JetBackup and JetRestoreInstance / JetRestore
/// (docs/protocol.md §1.13): a whole backup into a directory, made through the
/// external backup calls as an ESE client makes it, with an index file
/// (hotbackup-jetbackup.txt) that the restore reads to copy the databases back and
/// run JetExternalRestore's recovery. Its own header because it is built on both
/// esent/backup.hpp and esent/restore.hpp.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <span>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/detail/aligned_buffer.hpp"
#include "hotbackup/esent/backup.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/detail/registry.hpp"
#include "hotbackup/esent/detail/strings.hpp"
#include "hotbackup/esent/restore.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/storage/any_storage.hpp"
#include "hotbackup/storage/durable.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

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

/// What JetBackupInstance leaves in backup_index_name: the databases (logged path,
/// file name) and the log range, one tab-separated record per line, so that names
/// may hold spaces (a tab or a newline in a name is refused).
struct backup_index {
    std::vector<std::pair<std::string, std::string>> databases;
    generation_range generations;
    std::string base_name;

    [[nodiscard]] std::string text() const {
        std::ostringstream out;
        out << "hotbackup-jetbackup 1\nlogs " << generations.first << ' ' << generations.last << ' '
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
                fields >> index.generations.first >> index.generations.last >> index.base_name;
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
        if (index.generations.empty() || index.base_name.size() != JET_BASE_NAME_LENGTH) {
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

/// The file name database `database` gets in a JetBackup directory: its own,
/// prefixed with "1-" until no database of `index` has it. Fails with
/// JET_errInvalidPath for a path the index cannot hold (a tab or a newline).
inline std::string backup_file_name_for(const backup_index& index, const std::string& database) {
    if (database.find_first_of("\t\n") != std::string::npos) {
        fail(JET_errInvalidPath);
    }
    auto name = std::filesystem::path{database}.filename().string();
    while (std::ranges::any_of(index.databases,
                               [&](const auto& entry) { return entry.second == name; })) {
        name.insert(0, "1-");
    }
    return name;
}

/// Fails with the code JetRestoreInstance gives an instance in `state`, which is
/// not api_state::created.
[[noreturn]] inline void fail_not_restorable(api_state state) {
    switch (state) {
        case api_state::running:
            fail(JET_errAlreadyInitialized);
        case api_state::terminating:
            fail(JET_errTermInProgress);
        case api_state::initializing:
            fail(JET_errNotInitialized);
        default:
            fail(JET_errRestoreInProgress);
    }
}

}  // namespace hotbackup::inline v1::detail::jet

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

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
                const auto name = jet::backup_file_name_for(index, database);
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
        if (incremental && info.ulGenLow > index.generations.last + 1) {
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
            index.generations.first = info.ulGenLow;
        }
        index.generations.last = info.ulGenHigh;
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
                jet::fail_not_restorable(expected);
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
            static_cast<long>(index.generations.first), static_cast<long>(index.generations.last),
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

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)
