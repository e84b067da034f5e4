// detail::helper_thread: one thread that runs its owner's tasks one after another,
// in the order given. The owner queues tasks with start() and collects each
// finished one (or its exception), oldest first, with wait(). A backup reader with
// read_options::reader_threads > 1 keeps one per helper for the life of the stream,
// so each chunk costs a handover, not a thread, and each helper can have its next
// chunk queued while it reads the current one.
//
// Destroying it drops the tasks not yet started and waits for the running one;
// helper_pool cancels all its helpers before waiting for any.
//
// Thread-safety: start() and wait() are called by the owner only.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <thread>
#include <utility>
#include <vector>

namespace hotbackup::inline v1::detail {

class helper_thread {
  public:
    helper_thread() : thread_([this] { run(); }) {}
    helper_thread(const helper_thread&) = delete;
    helper_thread& operator=(const helper_thread&) = delete;
    helper_thread(helper_thread&&) = delete;
    helper_thread& operator=(helper_thread&&) = delete;

    ~helper_thread() {
        cancel();
        thread_.join();
    }

    /// Drops the tasks not yet started and lets the thread end after the running
    /// one; no task may be started after it. Does not wait.
    void cancel() noexcept {
        {
            const std::scoped_lock lock{mutex_};
            stopping_ = true;
            queued_.clear();
        }
        changed_.notify_all();
    }

    /// Queues `task` to run on the helper thread after those queued before it.
    void start(std::function<void()> task) {
        {
            const std::scoped_lock lock{mutex_};
            queued_.push_back(std::move(task));
        }
        changed_.notify_all();
    }

    /// Waits for the oldest task not yet waited for, and rethrows what it threw.
    void wait() {
        std::unique_lock lock{mutex_};
        changed_.wait(lock, [this] { return !finished_.empty(); });
        auto error = std::move(finished_.front());
        finished_.pop_front();
        lock.unlock();
        if (error) {
            std::rethrow_exception(error);
        }
    }

  private:
    void run() {
        std::unique_lock lock{mutex_};
        for (;;) {
            changed_.wait(lock, [this] { return stopping_ || !queued_.empty(); });
            if (stopping_) {
                return;
            }
            auto task = std::move(queued_.front());
            queued_.pop_front();
            lock.unlock();
            std::exception_ptr error;
            try {
                task();
            } catch (...) {
                error = std::current_exception();
            }
            lock.lock();
            finished_.push_back(std::move(error));
            changed_.notify_all();
        }
    }

    std::mutex mutex_;
    std::condition_variable changed_;
    std::deque<std::function<void()>> queued_;  // guarded by mutex_
    std::deque<std::exception_ptr> finished_;   // guarded by mutex_; null: no error
    bool stopping_ = false;                     // guarded by mutex_
    std::thread thread_;                        // last: started once the members above exist
};

/// A fixed number of helper threads. Destroying it cancels every helper's queued
/// tasks first and then waits for each running one, so teardown costs at most one
/// task per helper.
class helper_pool {
  public:
    explicit helper_pool(std::size_t count) {
        helpers_.reserve(count);
        for (std::size_t index = 0; index < count; ++index) {
            helpers_.push_back(std::make_unique<helper_thread>());
        }
    }
    helper_pool(const helper_pool&) = delete;
    helper_pool& operator=(const helper_pool&) = delete;
    helper_pool(helper_pool&&) = delete;
    helper_pool& operator=(helper_pool&&) = delete;
    ~helper_pool() {
        for (auto& helper : helpers_) {
            helper->cancel();
        }
    }

    [[nodiscard]] std::size_t size() const noexcept { return helpers_.size(); }
    [[nodiscard]] helper_thread& operator[](std::size_t index) { return *helpers_[index]; }

  private:
    std::vector<std::unique_ptr<helper_thread>> helpers_;
};

}  // namespace hotbackup::inline v1::detail
