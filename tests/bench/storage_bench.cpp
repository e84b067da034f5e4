// Storage read throughput: posix_storage::file::read_at against plain pread of the
// same file with the same 1 MiB buffer, and memory_storage for scale. The ratio
// printed at the end (posix_storage over pread, same run) is the storage layer's
// overhead; the design's target (docs/architecture.md §12) for a verified backup is >= 0.95x of a
// plain copy, so the storage layer must leave almost all of that budget to verification.
//
// HOTBACKUP_BENCH_FILE_MIB sets the file size (default 256).
#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <hotbackup/storage/memory_storage.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <map>
#include <string>
#include <vector>

#include "bench_support.hpp"

namespace {

constexpr std::size_t buffer_size = std::size_t{1} << 20;

std::size_t file_size() {
    const char* mib = std::getenv("HOTBACKUP_BENCH_FILE_MIB");
    return (mib != nullptr ? std::strtoull(mib, nullptr, 10) : 256) * buffer_size;
}

const std::filesystem::path& bench_file() {
    static const std::filesystem::path path = [] {
        auto file_path = std::filesystem::temp_directory_path() / "hotbackup-bench.bin";
        hotbackup::posix_storage storage;
        auto file = storage.open(file_path, hotbackup::open_mode::create_or_open);
        const std::vector<std::byte> chunk(buffer_size, std::byte{0x5a});
        for (std::size_t offset = 0; offset < file_size(); offset += buffer_size) {
            file.write_at(offset, chunk);
        }
        file.sync();
        return file_path;
    }();
    return path;
}

void plain_pread(benchmark::State& state) {
    const int fd = ::open(bench_file().c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<std::byte> buffer(buffer_size);
    for (auto _ : state) {
        for (std::size_t offset = 0;; offset += buffer_size) {
            const auto count =
                ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
            if (count <= 0) {
                break;
            }
        }
        benchmark::DoNotOptimize(buffer.data());
    }
    ::close(fd);
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_size()));
}

template <class Storage>
void storage_read(benchmark::State& state, Storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, hotbackup::open_mode::read_only);
    std::vector<std::byte> buffer(buffer_size);
    for (auto _ : state) {
        for (std::uint64_t offset = 0; file.read_at(offset, buffer) != 0; offset += buffer_size) {
        }
        benchmark::DoNotOptimize(buffer.data());
    }
    state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations() * file_size()));
}

void posix_storage_read(benchmark::State& state) {
    hotbackup::posix_storage storage;
    storage_read(state, storage, bench_file());
}

void memory_storage_read(benchmark::State& state) {
    hotbackup::memory_storage storage;
    {
        auto file = storage.open("/bench.bin", hotbackup::open_mode::create);
        file.resize(file_size());
    }
    storage_read(state, storage, "/bench.bin");
}

}  // namespace

BENCHMARK(plain_pread)->Unit(benchmark::kMillisecond);
BENCHMARK(posix_storage_read)->Unit(benchmark::kMillisecond);
BENCHMARK(memory_storage_read)->Unit(benchmark::kMillisecond);

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    hotbackup::bench::counter_reporter reporter;
    benchmark::RunSpecifiedBenchmarks(&reporter);
    const auto plain = reporter.value("plain_pread", "bytes_per_second");
    const auto posix = reporter.value("posix_storage_read", "bytes_per_second");
    if (plain > 0) {
        std::printf("posix_storage read / plain pread: %.3fx\n", posix / plain);
    }
    std::filesystem::remove(bench_file());
    benchmark::Shutdown();
    return 0;
}
