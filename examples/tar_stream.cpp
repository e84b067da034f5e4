// Streams a hot backup as a POSIX tar archive to standard output, as a pipe into
// another host or an object store would take it:
//
//   tar_stream > orders.tar           # or: tar_stream | ssh backup-host 'cat > orders.tar'
//   tar -tvf orders.tar               # the set: databases/, logs/, manifest.json last
//   mkdir set && tar -xf orders.tar -C set && hotbackup verify set
//
// An instance on memory_storage takes orders from a writer thread while run_backup()
// writes the set through tar_target; nothing is staged on disk. Progress and the
// summary go to standard error, so standard output carries the archive alone.
#include <unistd.h>  // isatty

#include <atomic>
#include <cstdint>
#include <cstdio>
#include <ctime>
#include <hotbackup/hotbackup.hpp>
#include <iostream>
#include <string>
#include <thread>

int main() {
    if (isatty(STDOUT_FILENO) != 0) {
        std::fputs("tar_stream: standard output is a terminal; redirect it to a file or a pipe\n",
                   stderr);
        return 2;
    }
    try {
        hotbackup::memory_storage disk;
        hotbackup::instance_options options;
        options.system_path = "/live";
        options.log_path = "/live/logs";
        options.create_paths = true;
        options.log_file_size = 256 * 1024;
        options.checkpoint_depth = 4 * options.log_file_size;
        hotbackup::instance<hotbackup::memory_storage> engine{disk, options};
        const auto database = engine.create_database("/live/orders.edb");

        // A jthread: however this block is left, the writer is stopped and joined
        // before the engine it writes to is destroyed.
        std::atomic<int> committed{0};
        std::jthread writer{[&](const std::stop_token& stop) {
            for (int order = 0; !stop.stop_requested(); ++order) {
                auto transaction = engine.begin_transaction();
                transaction.put(database, "order/" + std::to_string(order),
                                "quantity=" + std::to_string(order % 50) + std::string(200, 'x'));
                transaction.commit(hotbackup::commit_mode::lazy);
                committed.store(order + 1);
            }
        }};
        while (committed.load() < 5000) {
            std::this_thread::yield();
        }

        // The archive goes to std::cout; tar_target writes each file's header with its
        // size, the bytes, and the manifest last, so a cut-off archive has no manifest
        // and is never taken for a complete set.
        std::ios::sync_with_stdio(false);
        hotbackup::tar_target target{std::cout, static_cast<std::int64_t>(std::time(nullptr))};
        hotbackup::backup_options backup;
        std::uint64_t last_reported = 0;
        backup.progress = [&](const hotbackup::progress_report& progress) {
            if (progress.bytes_done - last_reported >= (std::uint64_t{1} << 20)) {
                last_reported = progress.bytes_done;
                std::fprintf(stderr, "  %llu of %llu bytes (%s)\n",
                             static_cast<unsigned long long>(progress.bytes_done),
                             static_cast<unsigned long long>(progress.bytes_total),
                             progress.current_file.c_str());
            }
        };
        const auto report = hotbackup::run_backup(engine, target, backup);
        std::cout.flush();
        writer.request_stop();
        writer.join();
        engine.term();
        if (!std::cout) {
            std::fputs("tar_stream: writing standard output failed\n", stderr);
            return 1;
        }
        std::fprintf(stderr,
                     "tar_stream: %s set, generations %u..%u, %zu database(s), %zu log(s), "
                     "%llu bytes, while %d orders were committed\n",
                     std::string{hotbackup::set_kind_name(report.manifest.kind)}.c_str(),
                     report.manifest.generations.first, report.manifest.generations.last,
                     report.manifest.databases.size(), report.manifest.logs.size(),
                     static_cast<unsigned long long>(report.bytes), committed.load());
    } catch (const std::exception& error) {
        std::fprintf(stderr, "tar_stream failed: %s\n", error.what());
        return 1;
    }
    return 0;
}
