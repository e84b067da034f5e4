// Restore throughput beside a plain copy of the same bytes, in the same run, on
// posix_storage with the engine's defaults (8 KiB pages, 5 MiB logs). Two sets are
// made once before any timing: a full set of a database of
// HOTBACKUP_BENCH_DATABASE_MIB, then an incremental set after
// HOTBACKUP_BENCH_LOG_MIB of updates, so the restore replays that much log.
//
//   plain_copy   pread + write of every file of both sets into a fresh directory,
//                1 MiB buffer, each file made durable (fdatasync)
//   restore      restore(full, incremental) into a fresh directory: copy with
//                checks (sizes, XXH3, headers, every page, trailer), replay, the
//                new log and checkpoint, renames into place
//
// In turns, HOTBACKUP_BENCH_RUNS times (default 3). Counters: bytes_per_second of
// each (the set's database and log bytes) and, for restore, the log bytes replayed
// per second of replay and the bytes per second of the rest (copy with checks). The lines printed
// at the end are ratios of this run (the target is restore >= 0.8 × plain copy).
//
// HOTBACKUP_BENCH_DIR: where the files go (default: the temporary directory).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

#include "bench_support.hpp"

namespace {

using storage_type = hotbackup::posix_storage;
using engine_type = hotbackup::instance<storage_type>;
using set_type = hotbackup::backup_set<storage_type>;

constexpr std::size_t buffer_size = std::size_t{1} << 20;
constexpr std::size_t value_size = 2000;  // the limit is a quarter page

using hotbackup::bench::descriptor;
using hotbackup::bench::environment_number;

/// Puts (or overwrites) keys 0 .. keys - 1 with values of `letter`.
void put_values(engine_type& engine, hotbackup::database_id database, std::uint64_t keys,
                char letter) {
    const std::string value(value_size, letter);
    for (std::uint64_t key = 0; key < keys;) {
        auto transaction = engine.begin_transaction();
        for (int put = 0; put < 256 && key < keys; ++put, ++key) {
            char name[24];
            std::snprintf(name, sizeof name, "key%012llu", static_cast<unsigned long long>(key));
            transaction.put(database, name, value);
        }
        transaction.commit(hotbackup::commit_mode::lazy);
    }
}

/// The two sets, made once.
class bench_sets {
  public:
    bench_sets() {
        const auto database_bytes = environment_number("HOTBACKUP_BENCH_DATABASE_MIB", 256) << 20;
        const auto log_bytes = environment_number("HOTBACKUP_BENCH_LOG_MIB", 128) << 20;
        const auto started = std::chrono::steady_clock::now();
        hotbackup::instance_options options;
        options.system_path = directory_.path() / "live";
        options.log_path = directory_.path() / "live" / "logs";
        options.create_paths = true;
        engine_type engine{storage_, options};
        const auto database = engine.create_database(directory_.path() / "live" / "orders.edb");
        const auto keys = database_bytes / value_size;
        put_values(engine, database, keys, 'a');
        hotbackup::directory_target<storage_type> full{storage_, directory_.path() / "full"};
        (void)hotbackup::run_backup(engine, full);
        put_values(engine, database, log_bytes / value_size, 'b');
        hotbackup::directory_target<storage_type> incremental{storage_,
                                                              directory_.path() / "incremental"};
        hotbackup::backup_options logs_only;
        logs_only.kind = hotbackup::backup_kind::incremental;
        (void)hotbackup::run_backup(engine, incremental, logs_only);
        engine.term();
        chain_.emplace_back(storage_, directory_.path() / "full");
        chain_.emplace_back(storage_, directory_.path() / "incremental");
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        std::printf("sets: database stream %.0f MiB, %zu + %zu logs, made in %.1f s\n",
                    static_cast<double>(chain_.front().contents().databases.front().stream_size) /
                        (1 << 20),
                    chain_.front().contents().logs.size(), chain_.back().contents().logs.size(),
                    took.count());
    }

    [[nodiscard]] storage_type& storage() noexcept { return storage_; }
    [[nodiscard]] const std::vector<set_type>& chain() const noexcept { return chain_; }
    [[nodiscard]] std::filesystem::path scratch() const { return directory_.path() / "scratch"; }

    /// Every file of both sets.
    [[nodiscard]] std::vector<std::filesystem::path> files() const {
        std::vector<std::filesystem::path> paths;
        for (const auto& set : chain_) {
            for (const auto& database : set.contents().databases) {
                paths.push_back(set.path_of(database.file));
            }
            for (const auto& log : set.contents().logs) {
                paths.push_back(set.path_of(log.file));
            }
        }
        return paths;
    }

  private:
    hotbackup::bench::temporary_directory directory_{"hotbackup-restore-bench"};
    storage_type storage_;
    std::vector<set_type> chain_;
};

std::unique_ptr<bench_sets> sets;

/// pread + write of one file into `target`, made durable; returns the bytes.
std::uint64_t plain_copy_file(const std::filesystem::path& source,
                              const std::filesystem::path& target, std::vector<char>& buffer) {
    const descriptor in{source, O_RDONLY};
    const descriptor out{target, O_WRONLY | O_CREAT | O_TRUNC};
    std::uint64_t offset = 0;
    for (;;) {
        const auto read =
            ::pread(in.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (read < 0) {
            throw std::system_error(errno, std::generic_category(), "pread");
        }
        if (read == 0) {
            break;
        }
        if (::pwrite(out.get(), buffer.data(), static_cast<std::size_t>(read),
                     static_cast<off_t>(offset)) != read) {
            throw std::system_error(errno, std::generic_category(), "pwrite");
        }
        offset += static_cast<std::uint64_t>(read);
    }
    if (::fdatasync(out.get()) != 0) {
        throw std::system_error(errno, std::generic_category(), "fdatasync");
    }
    return offset;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

/// In turns: a plain copy of the sets' files and a restore of the chain, each into
/// a fresh directory. The iteration time is the restore's.
void plain_copy_and_restore(benchmark::State& state) {
    std::vector<char> buffer(buffer_size);
    double plain_seconds = 0;
    double restore_seconds = 0;
    double replay_seconds = 0;
    std::uint64_t plain_bytes = 0;
    std::uint64_t restore_bytes = 0;
    std::uint64_t log_bytes = 0;
    for (auto _ : state) {
        std::filesystem::remove_all(sets->scratch());
        std::filesystem::create_directories(sets->scratch() / "plain");
        auto started = std::chrono::steady_clock::now();
        int index = 0;
        for (const auto& path : sets->files()) {
            plain_bytes +=
                plain_copy_file(path, sets->scratch() / "plain" / std::to_string(index++), buffer);
        }
        plain_seconds += seconds_since(started);

        started = std::chrono::steady_clock::now();
        const auto report =
            hotbackup::restore(sets->chain(), sets->storage(), sets->scratch() / "restored");
        const auto took = seconds_since(started);
        restore_seconds += took;
        replay_seconds += report.replay_seconds;
        restore_bytes += report.database_bytes + report.log_bytes;
        log_bytes += report.log_bytes;
        state.SetIterationTime(took);
    }
    state.counters["plain_bytes_per_second"] = static_cast<double>(plain_bytes) / plain_seconds;
    state.counters["restore_bytes_per_second"] =
        static_cast<double>(restore_bytes) / restore_seconds;
    state.counters["replay_log_bytes_per_second"] = static_cast<double>(log_bytes) / replay_seconds;
    state.counters["copy_bytes_per_second"] =
        static_cast<double>(restore_bytes) / (restore_seconds - replay_seconds);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    sets = std::make_unique<bench_sets>();
    benchmark::RegisterBenchmark("plain_copy_and_restore", plain_copy_and_restore)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(
            static_cast<benchmark::IterationCount>(environment_number("HOTBACKUP_BENCH_RUNS", 3)));
    hotbackup::bench::counter_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);

    const auto ratio = [](double part, double whole) { return whole > 0 ? part / whole : 0.0; };
    const double mb = 1e6;
    const auto plain = reporter.value("plain_copy_and_restore", "plain_bytes_per_second");
    const auto restored = reporter.value("plain_copy_and_restore", "restore_bytes_per_second");
    const auto replay = reporter.value("plain_copy_and_restore", "replay_log_bytes_per_second");
    const auto copy_phase = reporter.value("plain_copy_and_restore", "copy_bytes_per_second");
    std::printf("MB/s: plain copy %.0f, restore (databases + logs) %.0f, log replay %.0f\n",
                plain / mb, restored / mb, replay / mb);
    std::printf("restore / plain copy: %.2fx (target >= 0.8)\n", ratio(restored, plain));
    std::printf("restore without replay (copy and checks) / plain copy: %.2fx\n",
                ratio(copy_phase, plain));
    std::printf("log replay / plain copy: %.2fx\n", ratio(replay, plain));
    sets.reset();
    benchmark::Shutdown();
    return 0;
}
