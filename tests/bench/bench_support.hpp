// Shared pieces of the benchmarks: numbers from the environment, a file
// descriptor, a scratch directory and a reporter that keeps
// each run's counters, so main() can print ratios of runs made in this process.
#pragma once

#include <benchmark/benchmark.h>
#include <fcntl.h>
#include <stdlib.h>  // mkdtemp (POSIX)
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <span>
#include <string>
#include <system_error>
#include <utility>
#include <vector>

namespace hotbackup::bench {

/// A number from the environment, or `fallback` when the variable is not set.
inline std::uint64_t environment_number(const char* name, std::uint64_t fallback) {
    const char* text = std::getenv(name);
    return text != nullptr ? std::strtoull(text, nullptr, 10) : fallback;
}

/// A file descriptor closed on destruction.
class descriptor {
  public:
    descriptor(const std::filesystem::path& path, int flags)
        : fd_(::open(path.c_str(), flags, 0644)) {
        if (fd_ < 0) {
            throw std::system_error(errno, std::generic_category(), "open " + path.string());
        }
    }
    descriptor(const descriptor&) = delete;
    descriptor& operator=(const descriptor&) = delete;
    ~descriptor() { ::close(fd_); }
    [[nodiscard]] int get() const noexcept { return fd_; }

    void write_all(std::span<const std::byte> bytes) const {
        while (!bytes.empty()) {
            const auto written = ::write(fd_, bytes.data(), bytes.size());
            if (written < 0) {
                throw std::system_error(errno, std::generic_category(), "write");
            }
            bytes = bytes.subspan(static_cast<std::size_t>(written));
        }
    }

  private:
    int fd_;
};

/// A new empty directory under HOTBACKUP_BENCH_DIR (default: the system's
/// temporary directory), removed with everything in it on destruction.
class temporary_directory {
  public:
    explicit temporary_directory(const std::string& prefix) {
        const char* chosen = std::getenv("HOTBACKUP_BENCH_DIR");
        const std::filesystem::path parent = chosen != nullptr
                                                 ? std::filesystem::path{chosen}
                                                 : std::filesystem::temp_directory_path();
        std::string pattern = (parent / (prefix + "-XXXXXX")).string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp " + pattern);
        }
        path_ = pattern;
    }
    temporary_directory(const temporary_directory&) = delete;
    temporary_directory& operator=(const temporary_directory&) = delete;
    ~temporary_directory() {
        std::error_code ignored;
        std::filesystem::remove_all(path_, ignored);
    }
    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }

  private:
    std::filesystem::path path_;
};

/// Prints as the console reporter does and keeps every counter of each iteration
/// run (bytes_per_second, items_per_second, user counters) by the benchmark's
/// function name with its arguments ("session_to_null/2") and its thread count.
class counter_reporter : public benchmark::ConsoleReporter {
  public:
    void ReportRuns(const std::vector<Run>& runs) override {
        ConsoleReporter::ReportRuns(runs);
        for (const auto& run : runs) {
            if (run.run_type != Run::RT_Iteration) {
                continue;
            }
            auto name = run.run_name.function_name;
            if (!run.run_name.args.empty()) {
                name += "/" + run.run_name.args;
            }
            auto& kept = counters_[{name, run.threads}];
            for (const auto& [counter_name, counter] : run.counters) {
                kept[counter_name] = counter.value;
            }
        }
    }

    /// The counter `counter` of run `run` ("name" or "name/arguments") with
    /// `threads` threads, or 0 if there was none.
    [[nodiscard]] double value(const std::string& run, const std::string& counter,
                               int threads = 1) const {
        const auto found_run = counters_.find({run, threads});
        if (found_run == counters_.end()) {
            return 0;
        }
        const auto found = found_run->second.find(counter);
        return found == found_run->second.end() ? 0 : found->second;
    }

  private:
    std::map<std::pair<std::string, int>, std::map<std::string, double>> counters_;
};

}  // namespace hotbackup::bench
