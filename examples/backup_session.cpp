// A hot backup through the typed session: writers keep committing while a full
// backup copies the database and the logs into a directory, truncates the logs it
// made unnecessary, and records itself in the database header; an incremental
// backup then copies only the logs written since. The order of the calls is in the
// types: `std::move(session).truncate()` before `logs()` does not compile.
//
// The files go into backup sets (directory_target) on memory_storage here, so the
// example needs no disk; with posix_storage the same code copies real files, and
// tar_target would stream the set as a tar archive instead.
#include <atomic>
#include <cstdio>
#include <hotbackup/hotbackup.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using engine_type = hotbackup::instance<hotbackup::memory_storage>;

/// Writes every chunk of one file of the backup into a file of `target`.
template <class Target>
void copy_into(Target& target, const std::string& name, std::uint64_t size,
               hotbackup::generator<std::span<const std::byte>> chunks) {
    auto file = target.create(name, size);
    for (const std::span<const std::byte> chunk : chunks) {
        file.write(chunk);
    }
    file.close();  // checks the size and syncs
}

const char* slot_name(std::optional<hotbackup::backup_slot> slot) {
    if (!slot) {
        return "none";
    }
    switch (*slot) {
        case hotbackup::backup_slot::full:
            return "full";
        case hotbackup::backup_slot::copy:
            return "copy";
        case hotbackup::backup_slot::incremental:
            return "incremental";
        case hotbackup::backup_slot::differential:
            return "differential";
    }
    return "unknown";
}

}  // namespace

int main() {
    hotbackup::memory_storage disk;
    hotbackup::instance_options options;
    options.system_path = "/live";
    options.log_path = "/live/logs";
    options.create_paths = true;
    options.log_file_size = 128 * 1024;  // small logs, so this short run rolls several
    options.checkpoint_depth = 4 * options.log_file_size;  // and the checkpoint follows
    engine_type engine{disk, options};
    const auto database = engine.create_database("/live/orders.edb");

    // Writers commit without pause for the whole example.
    std::atomic<bool> stopping{false};
    std::atomic<int> commits{0};
    std::vector<std::thread> writers;
    for (int writer = 0; writer < 2; ++writer) {
        writers.emplace_back([&, writer] {
            for (int order = 0; !stopping.load(); ++order) {
                auto transaction = engine.begin_transaction();
                transaction.put(database,
                                "order-" + std::to_string(writer) + "-" + std::to_string(order),
                                std::string(300, 'q'));
                transaction.commit(hotbackup::commit_mode::lazy);
                commits.fetch_add(1);
            }
        });
    }
    while (commits.load() < 2000) {
        std::this_thread::yield();
    }

    try {
        hotbackup::directory_target full_set{disk, "/backup/full"};
        // Truncation deletes only logs older than the checkpoint; an explicit one
        // now (optional) makes this short run show it.
        engine.checkpoint();
        // Full backup: the databases stage lists and reads the databases ...
        auto session = hotbackup::begin_backup(engine, hotbackup::full_backup);
        for (const auto& file : session.databases()) {
            copy_into(full_set, file.path.filename().string(), file.stream_size,
                      session.read(file));
        }
        // ... the logs stage lists the logs a restore needs (the log is rolled now) ...
        auto logs = std::move(session).logs();
        for (const auto& file : logs.log_files()) {
            copy_into(full_set, file.path.filename().string(), file.size, logs.read(file));
        }
        // ... then the logs older than the checkpoint are deleted and the backup ends.
        const auto full = std::move(logs).truncate().end();
        // The manifest comes last: a set without it is incomplete. (Issue 5 brings
        // the real manifest; this one only marks the set complete.)
        const std::string manifest = R"({"kind":"full"})";
        full_set.commit_manifest(std::as_bytes(std::span{manifest.data(), manifest.size()}));
        std::printf(
            "full backup: %zu database(s), %llu database bytes, logs %u..%u "
            "(%llu bytes), %zu logs deleted, header slot %s\n",
            full.databases.size(), static_cast<unsigned long long>(full.database_bytes),
            full.generations.first, full.generations.last,
            static_cast<unsigned long long>(full.log_bytes), full.logs_deleted,
            slot_name(full.slot_written));

        while (commits.load() < 6000) {
            std::this_thread::yield();
        }

        // Incremental backup: only the logs since the full one. It begins in the
        // logs stage; a databases() call would not compile.
        hotbackup::directory_target incremental_set{disk, "/backup/incremental"};
        engine.checkpoint();
        auto incremental = hotbackup::begin_backup(engine, hotbackup::incremental_backup);
        for (const auto& file : incremental.log_files()) {
            copy_into(incremental_set, file.path.filename().string(), file.size,
                      incremental.read(file));
        }
        const auto logs_only = std::move(incremental).truncate().end();
        const std::string logs_manifest = R"({"kind":"incremental"})";
        incremental_set.commit_manifest(
            std::as_bytes(std::span{logs_manifest.data(), logs_manifest.size()}));
        std::printf("incremental backup: logs %u..%u (%llu bytes), header slot %s\n",
                    logs_only.generations.first, logs_only.generations.last,
                    static_cast<unsigned long long>(logs_only.log_bytes),
                    slot_name(logs_only.slot_written));
        std::printf("no gap: %s\n",
                    logs_only.generations.first <= full.generations.last + 1 ? "yes" : "NO");
    } catch (const hotbackup::backup_error& error) {
        // Every failure names its cause, e.g. "JET_errBackupInProgress (-505)".
        std::fprintf(stderr, "backup failed: %s\n", error.what());
        stopping.store(true);
        for (auto& thread : writers) {
            thread.join();
        }
        return 1;
    }

    stopping.store(true);
    for (auto& thread : writers) {
        thread.join();
    }
    std::printf("writers committed %d transactions during the backups\n", commits.load());
    engine.term();
    return 0;
}
