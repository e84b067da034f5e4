// detail::helper_thread: one thread that runs its owner's tasks one after another,
// in the order given. The owner queues tasks with start() and collects each
// finished one (or its exception), oldest first, with wait(). A backup reader with
// read_options::reader_threads > 1 keeps one per helper for the life of the stream,
// so each chunk costs a handover, not a thread, and each helper can have its next
// chunk queued while it reads the current one.
//
// Destroying it drops the tasks not yet started and waits for the running one.
//
// Thread-safety: start() and wait() are called by the owner only.
#pragma once

#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <mutex>
#include <thread>
#include <utility>

namespace hotbackup::inline v1::detail {

class helper_thread {
  public:
    helper_thread() : thread_([this] { run(); }) {}
    helper_thread(const helper_thread&) = delete;
    helper_thread& operator=(const helper_thread&) = delete;
    helper_thread(helper_thread&&) = delete;
    helper_thread& operator=(helper_thread&&) = delete;

    ~helper_thread() {
        {
            const std::scoped_lock lock{mutex_};
            stopping_ = true;
            queued_.clear();
        }
        changed_.notify_all();
        thread_.join();
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

}  // namespace hotbackup::inline v1::detail
