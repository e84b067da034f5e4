// Engine commit throughput on real files: durable commits per second with 1 and 4
// writer threads, and lazy commits with 1, each commit one put of a 16-byte key and
// a 100-byte value, on posix_storage with the default options (8 KiB pages, 5 MiB
// logs). Group commit lets the commits that arrive while one fdatasync runs share
// the next, so 4 writers should beat 1 by far more than the 2 cores alone explain;
// the log bytes per commit show what a lone durable commit costs (a whole 4 KiB
// segment, since no write shares a segment with an earlier one). The lines printed
// at the end compare runs of this process, never figures from another machine.
//
// Every run gets a fresh instance in a fresh directory, made before the timed loop.
// A lazy run's last records are made durable after the loop, outside the timing,
// so that its log bytes count them.
//
// HOTBACKUP_BENCH_COMMITS fixes the commits per thread of every run (default: the
// library picks, by --benchmark_min_time). HOTBACKUP_BENCH_DIR chooses where the
// files go (default: the system's temporary directory); fdatasync on tmpfs costs
// nothing, so durable figures mean something only on a real device.
#include <benchmark/benchmark.h>

#include <array>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <tuple>
#include <utility>
#include <vector>

#include "bench_support.hpp"

namespace {

using hotbackup::commit_mode;
using hotbackup::bench::temporary_directory;
using engine_type = hotbackup::instance<hotbackup::posix_storage>;

constexpr std::size_t key_size = 16;
constexpr std::size_t value_size = 100;

hotbackup::instance_options options_in(const std::filesystem::path& directory) {
    hotbackup::instance_options options;  // ESE's defaults: 8 KiB pages, 5 MiB logs
    options.system_path = directory;
    options.log_path = directory / "logs";
    options.create_paths = true;
    return options;
}

/// One instance with one database, for one benchmark run. The directory is declared
/// first so that it outlives the instance.
class engine_run {
  public:
    engine_run()
        : engine_(storage_, options_in(directory_.path())),
          database_(engine_.create_database(directory_.path() / "bench.edb")),
          start_(engine_.statistics()) {}

    [[nodiscard]] engine_type& engine() noexcept { return engine_; }
    [[nodiscard]] hotbackup::database_id database() const noexcept { return database_; }

    /// Log bytes per commit since the run started, after making every commit durable.
    [[nodiscard]] double log_bytes_per_commit() {
        engine_.flush_log();
        const auto now = engine_.statistics();
        const auto commits = now.commits - start_.commits;
        const auto bytes = now.log_bytes_written - start_.log_bytes_written;
        return commits == 0 ? 0.0 : static_cast<double>(bytes) / static_cast<double>(commits);
    }

  private:
    hotbackup::posix_storage storage_;
    temporary_directory directory_{"hotbackup-engine-bench"};
    engine_type engine_;
    hotbackup::database_id database_;
    hotbackup::instance_statistics start_;
};

/// The run the threads of the current benchmark share: thread 0 makes it before the
/// timed loop and destroys it after; the library's barriers at the start and the
/// end of the loop keep the other threads' use of it in between.
std::unique_ptr<engine_run> shared_run;

/// "w<thread, 2 digits>-<sequence, 12 digits>": 16 bytes, unique across threads, and
/// ascending within one, as an append-mostly workload writes them.
void write_key(std::array<char, key_size>& key, int thread, std::uint64_t sequence) {
    key[0] = 'w';
    key[1] = static_cast<char>('0' + thread / 10 % 10);
    key[2] = static_cast<char>('0' + thread % 10);
    key[3] = '-';
    for (std::size_t index = key.size(); index-- > 4;) {
        key[index] = static_cast<char>('0' + sequence % 10);
        sequence /= 10;
    }
}

void commits(benchmark::State& state, commit_mode mode) {
    if (state.thread_index() == 0) {
        shared_run = std::make_unique<engine_run>();
    }
    const std::string value(value_size, 'v');
    std::array<char, key_size> key{};
    std::uint64_t sequence = 0;
    for (auto _ : state) {
        auto& run = *shared_run;
        write_key(key, state.thread_index(), sequence++);
        auto transaction = run.engine().begin_transaction();
        transaction.put(run.database(), std::string_view{key.data(), key.size()}, value);
        transaction.commit(mode);
    }
    state.SetItemsProcessed(state.iterations());
    if (state.thread_index() == 0) {
        state.counters["log_bytes_per_commit"] = shared_run->log_bytes_per_commit();
        shared_run.reset();
    }
}

void durable_commits(benchmark::State& state) {
    commits(state, commit_mode::durable);
}
void lazy_commits(benchmark::State& state) {
    commits(state, commit_mode::lazy);
}

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    const char* fixed = std::getenv("HOTBACKUP_BENCH_COMMITS");
    const auto fixed_commits = fixed != nullptr ? std::strtoll(fixed, nullptr, 10) : 0;
    std::vector<benchmark::internal::Benchmark*> registered{
        benchmark::RegisterBenchmark("durable_commits", durable_commits)->Threads(1)->Threads(4),
        benchmark::RegisterBenchmark("lazy_commits", lazy_commits)->Threads(1)};
    for (auto* registration : registered) {
        // Commits wait for the disk, not the CPU: only wall-clock time means anything.
        registration->UseRealTime()->Unit(benchmark::kMicrosecond);
        if (fixed_commits > 0) {
            registration->Iterations(fixed_commits);
        }
    }

    hotbackup::bench::counter_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);

    const auto one = reporter.value("durable_commits", "items_per_second", 1);
    const auto four = reporter.value("durable_commits", "items_per_second", 4);
    const auto lazy = reporter.value("lazy_commits", "items_per_second", 1);
    if (one > 0) {
        std::printf("commits/s 4 threads / 1 thread: %.2fx\n", four / one);
        std::printf("lazy / durable commits/s (1 thread): %.2fx\n", lazy / one);
        for (const auto& [label, run, threads] :
             {std::tuple{"1 thread", "durable_commits", 1},
              std::tuple{"4 threads", "durable_commits", 4},
              std::tuple{"lazy, 1 thread", "lazy_commits", 1}}) {
            std::printf("log bytes per commit (%s): %.0f\n", label,
                        reporter.value(run, "log_bytes_per_commit", threads));
        }
    }
    benchmark::Shutdown();
    return 0;
}
