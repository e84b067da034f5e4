// Full backup throughput through the typed session, beside plain loops over the
// same files in the same run, on posix_storage with the engine's defaults (8 KiB
// pages, 5 MiB logs). The database is built once, before any timing, and is small
// enough to stay in the page cache, so the figures compare CPU and copying costs:
// what the session adds (page verification, page-range locks, header snapshot,
// trailer, log segment checks) over a bare pread loop.
//
//   plain_read_to_null      pread of the database file and the logs, 1 MiB buffer
//   session_to_null/T       begin_backup(full) -> read every file -> logs -> end,
//                           with read_options::reader_threads = T (2: two helper
//                           threads read and verify ahead of the consumer)
//   copy_to_files/T         in turns: pread + write into files of a second
//                           directory, and the session's chunks written there;
//                           every file made durable (fdatasync)
//   writers_during_backup/A 4 threads of durable one-put commits, counted during
//                           one full backup (A = 0; A = 1: a plain read of the
//                           database file, for reference) and during as long a
//                           window without, in turns
//
// The lines printed at the end are ratios of runs of this process (the targets are
// >= 0.90 for both copies, and >= 0.90 for commits/s during a backup).
//
// HOTBACKUP_BENCH_DATABASE_MIB: database size (default 1024).
// HOTBACKUP_BENCH_COPY_RUNS: plain and session copies of copy_to_files (default 3).
// HOTBACKUP_BENCH_WRITER_RUNS: backups (and windows) of the writer run (default 8).
// HOTBACKUP_BENCH_DIR: where the files go (default: the temporary directory).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

#include "bench_support.hpp"

namespace {

using engine_type = hotbackup::instance<hotbackup::posix_storage>;
using hotbackup::bench::temporary_directory;

constexpr std::size_t buffer_size = std::size_t{1} << 20;
constexpr std::size_t value_size = 2000;  // the limit is a quarter page
constexpr int writer_count = 4;

using hotbackup::bench::descriptor;
using hotbackup::bench::environment_number;

/// The instance under test: one database of HOTBACKUP_BENCH_DATABASE_MIB, built
/// before the benchmarks run, and a target directory for the copies.
class bench_engine {
  public:
    bench_engine() {
        hotbackup::instance_options options;  // ESE's defaults: 8 KiB pages, 5 MiB logs
        options.system_path = directory_.path();
        options.log_path = directory_.path() / "logs";
        options.create_paths = true;
        // Logs behind the checkpoint go at once: building the database writes as
        // much log as data, and a full backup needs only those from the checkpoint.
        options.circular_logging = true;
        engine_ = std::make_unique<engine_type>(storage_, options);
        database_ = engine_->create_database(directory_.path() / "bench.edb");
        build(environment_number("HOTBACKUP_BENCH_DATABASE_MIB", 1024) << 20U);
        std::filesystem::create_directories(target_.path());
    }
    bench_engine(const bench_engine&) = delete;
    bench_engine& operator=(const bench_engine&) = delete;
    ~bench_engine() { engine_->term(); }

    [[nodiscard]] engine_type& engine() { return *engine_; }
    [[nodiscard]] hotbackup::database_id database() const noexcept { return database_; }
    [[nodiscard]] const std::filesystem::path& target() const { return target_.path(); }

    /// The files a full backup reads now: the database and the logs from the
    /// checkpoint to the current one (the session rolls it and copies it closed).
    [[nodiscard]] std::vector<std::filesystem::path> backup_files() {
        std::vector<std::filesystem::path> files{directory_.path() / "bench.edb"};
        const auto current = engine_->current_log_generation();
        for (auto generation = engine_->checkpoint_generation(); generation < current;
             ++generation) {
            files.push_back(engine_->log_file_path(generation));
        }
        files.push_back(directory_.path() / "logs" / "edb.log");
        return files;
    }

  private:
    void build(std::uint64_t database_bytes) {
        const auto started = std::chrono::steady_clock::now();
        const std::string value(value_size, 'v');
        std::uint64_t key = 0;
        while (database_size() < database_bytes) {
            auto transaction = engine_->begin_transaction();
            for (int put = 0; put < 512; ++put, ++key) {
                char name[24];
                std::snprintf(name, sizeof name, "key%012llu",
                              static_cast<unsigned long long>(key));
                transaction.put(database_, name, value);
            }
            transaction.commit(hotbackup::commit_mode::lazy);
        }
        engine_->checkpoint();
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        std::printf("database: %.0f MiB, %llu keys, built in %.1f s\n",
                    static_cast<double>(database_size()) / (1 << 20),
                    static_cast<unsigned long long>(key), took.count());
    }

    [[nodiscard]] std::uint64_t database_size() const {
        const auto databases = engine_->attached_databases();
        return std::uint64_t{databases.front().page_count} * databases.front().page_size;
    }

    temporary_directory directory_{"hotbackup-backup-bench"};
    temporary_directory target_{"hotbackup-backup-bench-target"};
    hotbackup::posix_storage storage_;
    std::unique_ptr<engine_type> engine_;
    hotbackup::database_id database_{};
};

std::unique_ptr<bench_engine> bench;

/// A page-aligned buffer of buffer_size bytes, as the session's own: the plain
/// loops get the same alignment, so the comparison is of the work, not of how the
/// kernel copies into unaligned memory.
class plain_buffer {
  public:
    plain_buffer()
        : bytes_(static_cast<std::byte*>(std::aligned_alloc(4096, buffer_size)), &std::free) {
        if (!bytes_) {
            throw std::bad_alloc{};
        }
    }
    [[nodiscard]] std::byte* data() const noexcept { return bytes_.get(); }
    [[nodiscard]] static constexpr std::size_t size() noexcept { return buffer_size; }

  private:
    std::unique_ptr<std::byte, decltype(&std::free)> bytes_;
};

/// Reads `path` with pread into one buffer, handing each chunk to `sink`.
template <class Sink>
std::uint64_t plain_read(const std::filesystem::path& path, plain_buffer& buffer, Sink&& sink) {
    const descriptor source{path, O_RDONLY | O_CLOEXEC};
    std::uint64_t offset = 0;
    for (;;) {
        const auto count =
            ::pread(source.get(), buffer.data(), buffer.size(), static_cast<off_t>(offset));
        if (count < 0) {
            throw std::system_error(errno, std::generic_category(), "pread " + path.string());
        }
        if (count == 0) {
            return offset;
        }
        sink(std::span<const std::byte>{buffer.data(), static_cast<std::size_t>(count)});
        offset += static_cast<std::uint64_t>(count);
    }
}

/// A sink factory whose sinks only touch each chunk.
auto null_sink(const std::filesystem::path& /*name*/) {
    return [](std::span<const std::byte> chunk) { benchmark::DoNotOptimize(chunk.data()); };
}

/// One full backup through the session; `open_sink(name)` returns the sink for
/// one file. Returns the stream and log bytes handed out.
template <class OpenSink>
std::uint64_t session_backup(OpenSink&& open_sink, unsigned reader_threads) {
    auto session = hotbackup::begin_backup(bench->engine(), hotbackup::full_backup);
    for (const auto& file : session.databases()) {
        auto sink = open_sink(file.path.filename());
        for (const std::span<const std::byte> chunk :
             session.read(file, {.reader_threads = reader_threads})) {
            sink(chunk);
        }
    }
    auto logs = std::move(session).logs();
    for (const auto& file : logs.log_files()) {
        auto sink = open_sink(file.path.filename());
        for (const std::span<const std::byte> chunk : logs.read(file)) {
            sink(chunk);
        }
    }
    const auto result = std::move(logs).end();
    return result.database_bytes + result.log_bytes;
}

void plain_read_to_null(benchmark::State& state) {
    plain_buffer buffer;
    std::uint64_t bytes = 0;
    for (auto _ : state) {
        for (const auto& path : bench->backup_files()) {
            bytes += plain_read(path, buffer, [](std::span<const std::byte> chunk) {
                benchmark::DoNotOptimize(chunk.data());
            });
        }
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

void session_to_null(benchmark::State& state) {
    std::uint64_t bytes = 0;
    for (auto _ : state) {
        bytes += session_backup(null_sink, static_cast<unsigned>(state.range(0)));
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
}

/// A file of the target directory that is made durable (fdatasync) when the last
/// copy of its sink goes: a backup is done when its files are on disk, so both the
/// plain copy and the session pay for that.
class durable_target {
  public:
    explicit durable_target(const std::filesystem::path& name)
        : file_(bench->target() / name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC) {}
    durable_target(const durable_target&) = delete;
    durable_target& operator=(const durable_target&) = delete;
    ~durable_target() { static_cast<void>(::fdatasync(file_.get())); }
    void write(std::span<const std::byte> chunk) const { file_.write_all(chunk); }

  private:
    descriptor file_;
};

/// A sink that writes into a file of the target directory.
auto file_sink(const std::filesystem::path& name) {
    auto target = std::make_shared<durable_target>(name);
    return [target](std::span<const std::byte> chunk) { target->write(chunk); };
}

/// Copies into files of the target directory, each made durable: a plain copy and
/// a backup through the session (argument: reader_threads) in turns, so that drift
/// in the device's write speed hits both alike. The iteration time is the
/// session's; counters: plain_bytes_per_second, session_bytes_per_second.
void copy_to_files(benchmark::State& state) {
    plain_buffer buffer;
    double plain_seconds = 0;
    double session_seconds = 0;
    std::uint64_t plain_bytes = 0;
    std::uint64_t session_bytes = 0;
    for (auto _ : state) {
        auto started = std::chrono::steady_clock::now();
        for (const auto& path : bench->backup_files()) {
            plain_bytes += plain_read(path, buffer, file_sink(path.filename()));
        }
        plain_seconds +=
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

        started = std::chrono::steady_clock::now();
        session_bytes += session_backup(file_sink, static_cast<unsigned>(state.range(0)));
        const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
        session_seconds += took.count();
        state.SetIterationTime(took.count());
    }
    state.counters["plain_bytes_per_second"] = static_cast<double>(plain_bytes) / plain_seconds;
    state.counters["session_bytes_per_second"] =
        static_cast<double>(session_bytes) / session_seconds;
}

/// Four threads of durable one-put commits, from construction to stop().
class writers {
  public:
    writers() {
        for (int writer = 0; writer < writer_count; ++writer) {
            threads_.emplace_back([this, writer] { write(writer); });
        }
    }
    writers(const writers&) = delete;
    writers& operator=(const writers&) = delete;
    ~writers() { stop(); }

    [[nodiscard]] std::uint64_t commits() const { return commits_.load(); }

    void stop() {
        stopping_.store(true);
        for (auto& thread : threads_) {
            if (thread.joinable()) {
                thread.join();
            }
        }
    }

  private:
    void write(int writer) {
        const std::string value(100, 'w');
        for (std::uint64_t round = 0; !stopping_.load(); ++round) {
            auto transaction = bench->engine().begin_transaction();
            transaction.put(bench->database(),
                            "writer" + std::to_string(writer) + "-" + std::to_string(round), value);
            transaction.commit(hotbackup::commit_mode::durable);
            commits_.fetch_add(1);
        }
    }

    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> commits_{0};
    std::vector<std::thread> threads_;
};

/// Commits/s of four durable writers during one full backup to a null sink
/// (argument 0) or, for reference, during a plain read of the database file
/// (argument 1), and during a window of the same length right after it without
/// either; the pairs alternate so that drift in the device's sync latency hits both
/// alike. Counters: commits_per_second_alone, commits_per_second_during_backup.
void writers_during_backup(benchmark::State& state) {
    writers running;
    std::this_thread::sleep_for(std::chrono::milliseconds{100});  // all writers going
    double seconds_during = 0;
    double seconds_alone = 0;
    std::uint64_t commits_during = 0;
    std::uint64_t commits_alone = 0;
    for (auto _ : state) {
        auto before = running.commits();
        auto started = std::chrono::steady_clock::now();
        if (state.range(0) == 0) {
            session_backup(null_sink, 1);
        } else {
            // The reference: a plain read of the database file, the bulk of a backup
            // (the logs may go under circular logging while a plain loop lists them).
            plain_buffer buffer;
            plain_read(bench->backup_files().front(), buffer, [](std::span<const std::byte> chunk) {
                benchmark::DoNotOptimize(chunk.data());
            });
        }
        const std::chrono::duration<double> backup_took =
            std::chrono::steady_clock::now() - started;
        commits_during += running.commits() - before;
        seconds_during += backup_took.count();
        state.SetIterationTime(backup_took.count());

        before = running.commits();
        started = std::chrono::steady_clock::now();
        std::this_thread::sleep_for(backup_took);
        const std::chrono::duration<double> window = std::chrono::steady_clock::now() - started;
        commits_alone += running.commits() - before;
        seconds_alone += window.count();
    }
    running.stop();
    state.counters["commits_per_second_during_backup"] =
        static_cast<double>(commits_during) / seconds_during;
    state.counters["commits_per_second_alone"] = static_cast<double>(commits_alone) / seconds_alone;
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    bench = std::make_unique<bench_engine>();
    for (auto* registration :
         {benchmark::RegisterBenchmark("plain_read_to_null", plain_read_to_null),
          benchmark::RegisterBenchmark("session_to_null", session_to_null)->Arg(1)->Arg(2)}) {
        registration->UseRealTime()->Unit(benchmark::kMillisecond);
    }
    benchmark::RegisterBenchmark("copy_to_files", copy_to_files)
        ->Arg(1)
        ->Arg(2)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(static_cast<benchmark::IterationCount>(
            environment_number("HOTBACKUP_BENCH_COPY_RUNS", 3)));
    const auto writer_runs = static_cast<benchmark::IterationCount>(
        environment_number("HOTBACKUP_BENCH_WRITER_RUNS", 8));
    benchmark::RegisterBenchmark("writers_during_backup", writers_during_backup)
        ->Arg(0)
        ->Arg(1)
        ->UseManualTime()
        ->Unit(benchmark::kMillisecond)
        ->Iterations(writer_runs);
    hotbackup::bench::counter_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);

    const auto ratio = [](double part, double whole) { return whole > 0 ? part / whole : 0.0; };
    const double mib = 1 << 20;
    const auto plain_null = reporter.value("plain_read_to_null", "bytes_per_second");
    const auto session_null = reporter.value("session_to_null/1", "bytes_per_second");
    const auto session_null_2 = reporter.value("session_to_null/2", "bytes_per_second");
    const auto copy_rate = [&](int threads, const char* counter) {
        return reporter.value("copy_to_files/" + std::to_string(threads), counter);
    };
    const auto plain_files = copy_rate(1, "plain_bytes_per_second");
    const auto session_files = copy_rate(1, "session_bytes_per_second");
    const auto plain_files_2 = copy_rate(2, "plain_bytes_per_second");
    const auto session_files_2 = copy_rate(2, "session_bytes_per_second");
    const auto alone = reporter.value("writers_during_backup/0", "commits_per_second_alone");
    const auto during =
        reporter.value("writers_during_backup/0", "commits_per_second_during_backup");
    const auto alone_plain = reporter.value("writers_during_backup/1", "commits_per_second_alone");
    const auto during_plain =
        reporter.value("writers_during_backup/1", "commits_per_second_during_backup");
    std::printf("MB/s: plain read %.0f, session to null %.0f (2 reader threads: %.0f)\n",
                plain_null / mib, session_null / mib, session_null_2 / mib);
    std::printf(
        "MB/s: plain copy %.0f, session to files %.0f; plain copy %.0f, session to "
        "files with 2 reader threads %.0f\n",
        plain_files / mib, session_files / mib, plain_files_2 / mib, session_files_2 / mib);
    std::printf(
        "commits/s (4 writers): alone %.0f, during backups %.0f; alone %.0f, during "
        "plain reads %.0f\n",
        alone, during, alone_plain, during_plain);
    std::printf("session to null, 2 reader threads / plain read: %.3fx\n",
                ratio(session_null_2, plain_null));
    std::printf("session to files, 2 reader threads / plain copy: %.3fx\n",
                ratio(session_files_2, plain_files_2));
    std::printf("session to null / plain read: %.3fx\n", ratio(session_null, plain_null));
    std::printf("session to files / plain copy: %.3fx\n", ratio(session_files, plain_files));
    std::printf("commits/s during plain read / without (reference): %.3fx\n",
                ratio(during_plain, alone_plain));
    std::printf("commits/s during backup / without: %.3fx\n", ratio(during, alone));
    bench.reset();
    benchmark::Shutdown();
    return 0;
}
