// detail::helper_thread and helper_pool: tasks run on the helper, one after another
// in the order queued; wait() hands each one's exception back, oldest first;
// destruction drops what has not started and waits for what has.
#include <atomic>
#include <future>
#include <hotbackup/detail/helper_thread.hpp>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"

namespace {

using hotbackup::detail::helper_pool;
using hotbackup::detail::helper_thread;

/// A token to capture in tasks, and a future that is ready once every copy of the
/// token is destroyed: when the tasks holding it have been dropped (or have run).
struct dropped_tokens {
    std::shared_ptr<void> token;
    std::future<void> future;
};

dropped_tokens dropped_signal() {
    auto promise = std::make_shared<std::promise<void>>();
    auto future = promise->get_future();
    return {std::shared_ptr<void>{nullptr, [promise](void*) { promise->set_value(); }},
            std::move(future)};
}

}  // namespace

TEST_CASE("helper_thread runs its tasks on one other thread, in the order queued",
          "[detail][threads]") {
    helper_thread helper;
    std::vector<int> order;  // written by the helper only, read after the waits
    std::vector<std::thread::id> ran_on;
    constexpr int task_count = 50;
    for (int task = 0; task < task_count; ++task) {
        helper.start([&, task] {
            order.push_back(task);
            ran_on.push_back(std::this_thread::get_id());
        });
    }
    for (int task = 0; task < task_count; ++task) {
        helper.wait();
    }
    REQUIRE(order.size() == static_cast<std::size_t>(task_count));
    for (int task = 0; task < task_count; ++task) {
        CHECK(order[static_cast<std::size_t>(task)] == task);
    }
    for (const auto id : ran_on) {
        CHECK(id == ran_on.front());
    }
    CHECK(ran_on.front() != std::this_thread::get_id());
}

TEST_CASE("helper_thread::wait rethrows each task's exception, oldest first", "[detail][threads]") {
    helper_thread helper;
    helper.start([] { throw std::runtime_error("first"); });
    helper.start([] {});
    helper.start([] { throw std::logic_error("third"); });
    CHECK_THROWS_WITH(helper.wait(), "first");
    CHECK_NOTHROW(helper.wait());
    CHECK_THROWS_AS(helper.wait(), std::logic_error);
    // The helper goes on after a task threw.
    std::atomic<bool> ran{false};
    helper.start([&] { ran = true; });
    helper.wait();
    CHECK(ran);
}

TEST_CASE("destroying a helper_thread waits for the running task and drops the queued ones",
          "[detail][threads]") {
    std::promise<void> started;
    std::promise<void> release;
    auto released = release.get_future().share();
    std::atomic<bool> running_finished{false};
    std::atomic<int> queued_ran{0};
    auto helper = std::make_unique<helper_thread>();
    helper->start([&] {
        started.set_value();
        released.wait();
        running_finished = true;
    });
    auto dropped = dropped_signal();
    for (int task = 0; task < 10; ++task) {
        helper->start([&, token = dropped.token] { ++queued_ran; });
    }
    dropped.token.reset();
    started.get_future().wait();
    // The destructor blocks until the running task ends, so it runs on its own
    // thread; the queued tasks are gone before the running one is released.
    std::thread destroyer{[&helper] { helper.reset(); }};
    dropped.future.wait();
    CHECK_FALSE(running_finished);
    release.set_value();
    destroyer.join();
    CHECK(running_finished);
    CHECK(queued_ran == 0);
}

TEST_CASE("helper_pool gives each helper its own thread and cancels all before waiting",
          "[detail][threads]") {
    std::mutex ids_mutex;
    std::vector<std::thread::id> ids;
    std::atomic<int> queued_ran{0};
    std::promise<void> release;
    auto released = release.get_future().share();
    std::vector<std::promise<void>> started(3);
    auto pool = std::make_unique<helper_pool>(3);
    REQUIRE(pool->size() == 3);
    auto dropped = dropped_signal();
    for (std::size_t index = 0; index < pool->size(); ++index) {
        (*pool)[index].start([&, index] {
            {
                const std::scoped_lock lock{ids_mutex};
                ids.push_back(std::this_thread::get_id());
            }
            started[index].set_value();
            released.wait();
        });
        (*pool)[index].start([&, token = dropped.token] { ++queued_ran; });
    }
    dropped.token.reset();
    for (auto& promise : started) {
        promise.get_future().wait();
    }
    std::thread destroyer{[&pool] { pool.reset(); }};
    // Every helper's queued task is dropped while all three are still running
    // theirs: the pool cancels them all before it waits for the first.
    dropped.future.wait();
    release.set_value();
    destroyer.join();
    CHECK(queued_ran == 0);
    REQUIRE(ids.size() == 3);
    CHECK(ids[0] != ids[1]);
    CHECK(ids[1] != ids[2]);
    CHECK(ids[0] != ids[2]);
}
