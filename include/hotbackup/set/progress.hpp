/// \file
/// Progress, rate limit and cancellation of long work (run_backup, verify, restore):
/// the callback type its users see, and the pacer that the threads copying files of
/// one job share.
///
/// Thread-safety: a copy_pacer is shared by the threads of one job; the callback is
/// called under its lock, one call at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "hotbackup/error.hpp"

namespace hotbackup::inline v1 {

/// Where a backup or a restore is, as its progress callback sees it.
struct progress_report {
    /// Bytes copied (or checked) so far.
    std::uint64_t bytes_done = 0;
    /// Bytes of the files known so far: a full backup learns the size of its logs
    /// only when the databases are done, so the total grows once.
    std::uint64_t bytes_total = 0;
    std::string current_file;  ///< the file a chunk was just copied from, as named in the set
};

/// Called after each chunk; an exception it throws stops the work (and is rethrown).
/// It may run on any thread of the job, but one call at a time.
using progress_callback = std::function<void(const progress_report&)>;

namespace detail {

/// Thrown by copy_pacer::check() in a thread whose sibling failed; run_tasks
/// swallows it, so the sibling's own error is the one rethrown.
struct sibling_failed {};

/// Progress, rate limit, cancellation and the first failure, shared by the
/// threads that copy files of one backup or restore.
class copy_pacer {
  public:
    copy_pacer(const progress_callback& progress, std::uint64_t rate_limit, std::stop_token stop,
               std::string_view what)
        : progress_(&progress), rate_limit_(rate_limit), stop_(std::move(stop)), what_(what) {}

    void add_total(std::uint64_t bytes) {
        const std::scoped_lock lock{mutex_};
        total_ += bytes;
    }

    /// Throws backup_abort_by_caller after a stop request, and stops a thread
    /// whose sibling failed.
    void check() const {
        if (stop_.stop_requested()) {
            throw backup_error(errc::backup_abort_by_caller,
                               what_ + " cancelled by a stop request");
        }
        if (failed_.load()) {
            throw sibling_failed{};
        }
    }

    /// Counts `bytes` of `file`, reports progress, then waits as long as the rate
    /// limit asks.
    void advance(const std::string& file, std::uint64_t bytes) {
        check();
        std::chrono::steady_clock::duration wait{};
        {
            const std::scoped_lock lock{mutex_};
            done_ += bytes;
            if (*progress_) {
                (*progress_)(progress_report{done_, std::max(done_, total_), file});
            }
            if (rate_limit_ != 0) {
                const auto due = std::chrono::duration<double>(static_cast<double>(done_) /
                                                               static_cast<double>(rate_limit_));
                const auto elapsed = std::chrono::steady_clock::now() - start_;
                if (due > elapsed) {
                    wait = std::chrono::duration_cast<std::chrono::steady_clock::duration>(due -
                                                                                           elapsed);
                }
            }
        }
        // Sleep in slices, so a stop request is seen while throttled.
        const auto until = std::chrono::steady_clock::now() + wait;
        while (std::chrono::steady_clock::now() < until) {
            check();
            std::this_thread::sleep_for(std::min<std::chrono::steady_clock::duration>(
                until - std::chrono::steady_clock::now(), std::chrono::milliseconds(50)));
        }
    }

    void fail() noexcept { failed_.store(true); }

    [[nodiscard]] std::uint64_t done() const {
        const std::scoped_lock lock{mutex_};
        return done_;
    }
    [[nodiscard]] double seconds() const {
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
    }

  private:
    const progress_callback* progress_;
    std::uint64_t rate_limit_;
    std::stop_token stop_;
    std::string what_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
    mutable std::mutex mutex_;
    std::uint64_t done_ = 0;   // under mutex_
    std::uint64_t total_ = 0;  // under mutex_
    std::atomic<bool> failed_{false};
};

/// Runs task(0) .. task(count - 1) on up to `threads` threads (the caller's
/// among them). The first exception stops the others at their next check and is
/// rethrown once every thread has returned.
template <class Task>
void run_tasks(std::size_t count, unsigned threads, copy_pacer& pacer, Task&& task) {
    std::atomic<std::size_t> next{0};
    std::mutex error_mutex;
    std::exception_ptr first_error;
    const auto keep_if_first = [&](std::exception_ptr error) {
        const std::scoped_lock lock{error_mutex};
        if (!first_error) {
            first_error = std::move(error);
        }
    };
    const auto work = [&] {
        for (auto index = next.fetch_add(1); index < count; index = next.fetch_add(1)) {
            try {
                pacer.check();
                task(index);
            } catch (const sibling_failed&) {
                return;
            } catch (...) {
                keep_if_first(std::current_exception());
                pacer.fail();  // after the error is kept: the siblings' stop is not it
                return;
            }
        }
    };
    const auto helpers = std::min<std::size_t>(threads, count) - (count > 0 ? 1 : 0);
    std::vector<std::jthread> pool;
    pool.reserve(helpers);
    for (std::size_t index = 0; index < helpers; ++index) {
        pool.emplace_back(work);
    }
    work();
    pool.clear();  // joins
    if (first_error) {
        std::rethrow_exception(first_error);
    }
}

}  // namespace detail
}  // namespace hotbackup::inline v1
