// An ESE-style backup client, written as one is written against Windows' esent.h:
// only Jet* calls, page-aligned read buffers, multi-strings sized with a first call
// and parsed by hand, a database read to the end with JetReadFileInstance. Porting
// such a client means including <hotbackup/esent.hpp> instead of <esent.h>.
//
//   1. an instance in a temporary directory, with a writer thread committing;
//   2. a full backup into DIR/full while it writes (databases, then logs,
//      truncation), then an incremental one into DIR/incremental;
//   3. JetExternalRestore of both into a fresh directory: the database stream
//      where the database is to live, every backed-up log in one folder;
//   4. the restored instance opened and every key checked that was committed
//      before the incremental backup listed its logs.
//
// The only non-Jet call is writing data: esent.hpp has no tables, so the writer
// puts its keys through the typed transaction behind its session (transaction_of).
//
// It prints a short report and exits 0, or names the failing call and exits 1.
#include <stdlib.h>  // mkdtemp

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <hotbackup/esent.hpp>
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

/// A failed Jet call: the name of the call and its JET_ERR.
struct jet_failure {
    const char* call;
    JET_ERR code;
};

/// Stops at the first failing call, as a client's error macro would.
void call(const char* name, JET_ERR code) {
    if (code < JET_errSuccess) {
        throw jet_failure{name, code};
    }
}

std::string key_of(int sequence) {
    return "order" + std::to_string(sequence);
}
std::string value_of(int sequence) {
    return "quantity=" + std::to_string(sequence % 100) + std::string(100, 'x');
}

/// A read buffer as ESE wants it: aligned to a memory page, a multiple of the
/// database page size.
struct aligned_buffer {
    static constexpr unsigned long size = 64 * 4096;
    std::unique_ptr<char, decltype(&std::free)> bytes{
        static_cast<char*>(std::aligned_alloc(4096, size)), &std::free};
};

/// Calls a multi-string getter twice, as ESE clients do: once for the size, once
/// for the strings, which come back NUL-separated with an extra NUL at the end.
template <class Getter>
std::vector<std::string> multi_string(const char* name, Getter getter) {
    unsigned long size = 0;
    call(name, getter(nullptr, 0, &size));
    std::vector<char> bytes(size);
    call(name, getter(bytes.data(), size, &size));
    std::vector<std::string> strings;
    for (const char* at = bytes.data(); *at != '\0'; at += std::strlen(at) + 1) {
        strings.emplace_back(at);
    }
    return strings;
}

/// Streams one file of the backup into `target` with JetOpenFile / JetReadFile /
/// JetCloseFile; returns the bytes copied, which must be the size JetOpenFile gave.
unsigned long long copy_file(JET_INSTANCE instance, const std::string& name,
                             const std::filesystem::path& target, aligned_buffer& buffer) {
    JET_HANDLE handle = 0;
    unsigned long size_low = 0;
    unsigned long size_high = 0;
    call("JetOpenFileInstance",
         JetOpenFileInstance(instance, name.c_str(), &handle, &size_low, &size_high));
    const auto expected = (static_cast<unsigned long long>(size_high) << 32U) | size_low;
    std::ofstream out{target, std::ios::binary};
    unsigned long long copied = 0;
    for (;;) {
        unsigned long read = 0;
        call("JetReadFileInstance",
             JetReadFileInstance(instance, handle, buffer.bytes.get(), buffer.size, &read));
        if (read == 0) {
            break;
        }
        out.write(buffer.bytes.get(), static_cast<std::streamsize>(read));
        copied += read;
    }
    call("JetCloseFileInstance", JetCloseFileInstance(instance, handle));
    out.close();
    if (!out || copied != expected) {
        throw jet_failure{"copying a backup file", JET_errDiskIO};
    }
    return copied;
}

/// One external backup of `instance` into `directory`: the databases (full only),
/// the logs, truncation, end. Returns the generations copied.
JET_LOGINFO back_up(JET_INSTANCE instance, JET_GRBIT grbit, const std::filesystem::path& directory,
                    aligned_buffer& buffer) {
    std::filesystem::create_directories(directory);
    call("JetBeginExternalBackupInstance", JetBeginExternalBackupInstance(instance, grbit));
    try {
        unsigned long long bytes = 0;
        if ((grbit & JET_bitBackupIncremental) == 0) {
            const auto databases =
                multi_string("JetGetAttachInfoInstance",
                             [&](char* data, unsigned long size, unsigned long* actual) {
                                 return JetGetAttachInfoInstance(instance, data, size, actual);
                             });
            for (const auto& database : databases) {
                bytes += copy_file(instance, database,
                                   directory / std::filesystem::path{database}.filename(), buffer);
            }
        }
        JET_LOGINFO info{sizeof(JET_LOGINFO), 0, 0, {}};
        const auto logs = multi_string(
            "JetGetLogInfoInstance2", [&](char* data, unsigned long size, unsigned long* actual) {
                return JetGetLogInfoInstance2(instance, data, size, actual, &info);
            });
        for (const auto& log : logs) {
            bytes +=
                copy_file(instance, log, directory / std::filesystem::path{log}.filename(), buffer);
        }
        call("JetTruncateLogInstance", JetTruncateLogInstance(instance));
        call("JetEndExternalBackupInstance", JetEndExternalBackupInstance(instance));
        std::printf("%s backup: logs %lu..%lu (base name %s), %llu bytes\n",
                    (grbit & JET_bitBackupIncremental) != 0 ? "incremental" : "full", info.ulGenLow,
                    info.ulGenHigh, info.szBaseName, bytes);
        return info;
    } catch (...) {
        (void)JetEndExternalBackupInstance2(instance, JET_bitBackupEndAbort);
        throw;
    }
}

/// Sets the parameters of a small instance whose files live under `root`.
void set_parameters(JET_INSTANCE& instance, const std::filesystem::path& root) {
    const auto system = root.string();
    const auto logs = (root / "logs").string();
    call("JetSetSystemParameter",
         JetSetSystemParameter(&instance, 0, JET_paramSystemPath, 0, system.c_str()));
    call("JetSetSystemParameter",
         JetSetSystemParameter(&instance, 0, JET_paramLogFilePath, 0, logs.c_str()));
    call("JetSetSystemParameter",
         JetSetSystemParameter(&instance, 0, JET_paramCreatePathIfNotExist, 1, nullptr));
    call("JetSetSystemParameter",
         JetSetSystemParameter(&instance, 0, JET_paramDatabasePageSize, 4096, nullptr));
    call("JetSetSystemParameter",
         JetSetSystemParameter(&instance, 0, JET_paramLogFileSize, 256, nullptr));
    // A shallow checkpoint, so the full backup's truncation deletes logs and the
    // incremental one holds only what came after.
    call("JetSetSystemParameter",
         JetSetSystemParameter(&instance, 0, JET_paramCheckpointDepthMax, 1024 * 1024, nullptr));
}

/// The restore's status callback: JET_sntBegin, JET_sntProgress with a JET_SNPROG
/// in percent, then JET_sntComplete (or JET_sntFail).
JET_ERR restore_status(JET_SESID /*session*/, JET_SNP snp, JET_SNT snt, void* data) {
    static unsigned long last_percent = 0;
    if (snp != JET_snpRestore) {
        return JET_errSuccess;
    }
    if (snt == JET_sntProgress && data != nullptr) {
        last_percent = static_cast<const JET_SNPROG*>(data)->cunitDone;
    } else if (snt == JET_sntComplete) {
        std::printf("restore: complete, progress reached %lu%%\n", last_percent);
    }
    return JET_errSuccess;
}

int run(const std::filesystem::path& root) {
    aligned_buffer buffer;
    JET_INSTANCE instance = 0;
    call("JetCreateInstance", JetCreateInstance(&instance, "esent_client"));
    set_parameters(instance, root / "live");
    call("JetInit", JetInit(&instance));
    const auto database = (root / "live" / "orders.edb").string();
    JET_SESID session = 0;
    JET_DBID dbid = 0;
    call("JetBeginSession", JetBeginSession(instance, &session, nullptr, nullptr));
    call("JetCreateDatabase",
         JetCreateDatabase(session, database.c_str(), nullptr, &dbid, JET_bitNil));

    // The writer commits one order per transaction while the backups run.
    std::atomic<int> committed{0};
    std::atomic<bool> stop{false};
    std::atomic<JET_ERR> writer_error{JET_errSuccess};
    std::thread writer{[&] {
        JET_SESID writer_session = 0;
        if (const auto code = JetBeginSession(instance, &writer_session, nullptr, nullptr);
            code < 0) {
            writer_error = code;
            return;
        }
        const auto orders = hotbackup::esent::database_of(writer_session, dbid);
        for (int sequence = 0; !stop.load(); ++sequence) {
            if (const auto code = JetBeginTransaction(writer_session); code < 0) {
                writer_error = code;
                break;
            }
            hotbackup::esent::transaction_of(writer_session)
                .put(orders, key_of(sequence), value_of(sequence));
            if (const auto code = JetCommitTransaction(writer_session, JET_bitNil); code < 0) {
                writer_error = code;
                break;
            }
            committed.store(sequence + 1);
        }
        (void)JetEndSession(writer_session, JET_bitNil);
    }};
    // Stops and joins the writer however run() leaves, also by an exception.
    struct stop_writer {
        std::atomic<bool>& stop;
        std::thread& thread;
        stop_writer(std::atomic<bool>& flag, std::thread& writer_thread)
            : stop(flag), thread(writer_thread) {}
        stop_writer(const stop_writer&) = delete;
        stop_writer& operator=(const stop_writer&) = delete;
        stop_writer(stop_writer&&) = delete;
        stop_writer& operator=(stop_writer&&) = delete;
        ~stop_writer() {
            stop = true;
            if (thread.joinable()) {
                thread.join();
            }
        }
    } const writer_guard{stop, writer};
    while (committed.load() < 2000 && writer_error.load() == JET_errSuccess) {
        std::this_thread::yield();
    }
    const auto full = back_up(instance, JET_bitNil, root / "full", buffer);
    while (committed.load() < 4000 && writer_error.load() == JET_errSuccess) {
        std::this_thread::yield();
    }
    // Everything acknowledged before the incremental backup lists its logs is in it.
    const int acknowledged = committed.load();
    const auto incremental =
        back_up(instance, JET_bitBackupIncremental, root / "incremental", buffer);
    stop = true;
    writer.join();
    call("the writer's commits", writer_error.load());
    call("JetEndSession", JetEndSession(session, JET_bitNil));
    call("JetTerm", JetTerm(instance));

    // Restore: the database stream where the database is to live, all backed-up
    // logs in one folder, and a map from the path the logs record to the new file.
    const auto target = root / "restored";
    const auto backup_logs = root / "restore-logs";
    std::filesystem::create_directories(target);
    std::filesystem::create_directories(backup_logs);
    std::filesystem::copy_file(root / "full" / "orders.edb", target / "orders.edb");
    for (const auto* set : {"full", "incremental"}) {
        for (const auto& entry : std::filesystem::directory_iterator{root / set}) {
            if (entry.path().extension() == ".log") {
                std::filesystem::copy_file(entry.path(), backup_logs / entry.path().filename(),
                                           std::filesystem::copy_options::overwrite_existing);
            }
        }
    }
    auto original = database;
    auto restored = (target / "orders.edb").string();
    JET_RSTMAP map{original.data(), restored.data()};
    auto checkpoint_path = target.string();
    auto log_path = (target / "logs").string();
    auto backup_log_path = backup_logs.string();
    call("JetExternalRestore",
         JetExternalRestore(checkpoint_path.data(), log_path.data(), &map, 1,
                            backup_log_path.data(), static_cast<long>(full.ulGenLow),
                            static_cast<long>(incremental.ulGenHigh), restore_status));
    std::printf("restored generations %lu..%lu into %s\n", full.ulGenLow, incremental.ulGenHigh,
                target.filename().c_str());

    // Open the restored instance and check every acknowledged key.
    JET_INSTANCE reopened = 0;
    call("JetCreateInstance", JetCreateInstance(&reopened, "restored"));
    set_parameters(reopened, target);
    call("JetInit", JetInit(&reopened));
    JET_SESID check_session = 0;
    call("JetBeginSession", JetBeginSession(reopened, &check_session, nullptr, nullptr));
    call("JetAttachDatabase", JetAttachDatabase(check_session, restored.c_str(), JET_bitNil));
    auto& engine = hotbackup::esent::engine_of(reopened);
    const auto orders = engine.attached_databases().front().id;
    const auto reader = engine.begin_transaction();
    int missing = 0;
    for (int sequence = 0; sequence < acknowledged; ++sequence) {
        if (reader.get(orders, key_of(sequence)) != value_of(sequence)) {
            ++missing;
        }
    }
    call("JetEndSession", JetEndSession(check_session, JET_bitNil));
    call("JetTerm", JetTerm(reopened));
    if (missing != 0) {
        std::printf("%d of %d acknowledged orders are missing after the restore\n", missing,
                    acknowledged);
        return 1;
    }
    std::printf(
        "checked %d orders: every commit acknowledged before the incremental backup is "
        "back\nesent_client: OK\n",
        acknowledged);
    return 0;
}

}  // namespace

int main() {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "hotbackup-esent-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) {
        std::perror("mkdtemp");
        return 1;
    }
    const std::filesystem::path root{pattern};
    int result = 1;
    try {
        result = run(root);
    } catch (const jet_failure& failure) {
        std::printf("%s failed: %ld\n", failure.call, failure.code);
    } catch (const std::exception& error) {
        std::printf("failed: %s\n", error.what());
    }
    std::error_code ignored;
    std::filesystem::remove_all(root, ignored);
    return result;
}
