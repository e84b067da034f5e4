// Shared helpers for backup-set and restore tests (small instances come from
// engine_fixture.hpp): writer threads whose commits are journaled per writer, and
// the check that a restored database holds exactly a prefix of each writer's
// commits.
#pragma once

#include <atomic>
#include <cstddef>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/external_restore.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

/// The key and value of a writer's n-th commit.
/// The options of an in-place external restore into `destination` (checkpoint
/// there, logs in destination/logs) from the full set `set` in `set_directory`,
/// whose stream of database `live` the caller copied to `restored`.
inline external_restore_options in_place_options(const manifest& set,
                                                 const std::filesystem::path& set_directory,
                                                 const std::string& live,
                                                 const std::filesystem::path& restored,
                                                 const std::filesystem::path& destination) {
    external_restore_options options;
    options.checkpoint_path = destination;
    options.log_path = destination / "logs";
    options.backup_log_path = set_directory / "logs";
    options.databases = {{live, restored.string()}};
    options.generations.first = set.generations.first;
    options.generations.last = set.generations.last;
    return options;
}

inline std::string writer_key(int writer, int sequence) {
    return "w" + std::to_string(writer) + "-" + std::to_string(sequence);
}
inline std::string writer_value(int writer, int sequence) {
    return std::string(150 + (sequence % 50), static_cast<char>('a' + (writer + sequence) % 26));
}

/// Writer threads committing one key per transaction, each counting what it got
/// acknowledged; they stop when destroyed.
template <class Instance>
class journaled_writers {
  public:
    journaled_writers(Instance& engine, database_id database, int writers)
        : acknowledged_(static_cast<std::size_t>(writers)) {
        for (int writer = 0; writer < writers; ++writer) {
            threads_.emplace_back([this, &engine, database, writer] {
                auto& count = acknowledged_[static_cast<std::size_t>(writer)];
                for (int sequence = 0; !stopping_.load(); ++sequence) {
                    auto transaction = engine.begin_transaction();
                    transaction.put(database, writer_key(writer, sequence),
                                    writer_value(writer, sequence));
                    transaction.commit(sequence % 3 == 0 ? commit_mode::durable
                                                         : commit_mode::lazy);
                    count.store(sequence + 1);
                }
            });
        }
    }
    journaled_writers(const journaled_writers&) = delete;
    journaled_writers& operator=(const journaled_writers&) = delete;
    ~journaled_writers() { stop(); }

    void stop() {
        stopping_.store(true);
        for (auto& thread : threads_) {
            if (thread.joinable()) {
                thread.join();
            }
        }
    }

    /// How many commits each writer had acknowledged when called.
    [[nodiscard]] std::vector<int> snapshot() const {
        std::vector<int> counts;
        for (const auto& count : acknowledged_) {
            counts.push_back(count.load());
        }
        return counts;
    }

    /// Waits until every writer has at least `commits` more acknowledged.
    void wait_for(int commits) const {
        const auto start = snapshot();
        for (std::size_t writer = 0; writer < start.size(); ++writer) {
            while (acknowledged_[writer].load() < start[writer] + commits) {
                std::this_thread::yield();
            }
        }
    }

  private:
    std::vector<std::atomic<int>> acknowledged_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stopping_{false};
};

/// Checks a restored database: each writer's keys are exactly 0..k-1 with the
/// values written, where at_least[w] <= k <= at_most[w] + 1 (the commit a writer
/// had in flight may be in the set before its acknowledgement was counted).
/// Returns the keys checked.
template <class Instance>
std::size_t check_writer_prefixes(Instance& restored, database_id database,
                                  const std::vector<int>& at_least,
                                  const std::vector<int>& at_most) {
    std::size_t checked = 0;
    auto transaction = restored.begin_transaction();
    for (std::size_t writer = 0; writer < at_least.size(); ++writer) {
        const auto id = static_cast<int>(writer);
        int present = 0;
        while (true) {
            const auto value = transaction.get(database, writer_key(id, present));
            if (!value) {
                break;
            }
            REQUIRE(*value == writer_value(id, present));
            ++present;
            ++checked;
        }
        INFO("writer " << writer << ": " << present << " keys restored, acknowledged "
                       << at_least[writer] << " before the set's range ended, " << at_most[writer]
                       << " when the backup returned");
        CHECK(present >= at_least[writer]);
        // One more: a writer's last commit may be in the log before its count moved.
        CHECK(present <= at_most[writer] + 1);
        // Nothing after the prefix: a gap would mean a lost commit.
        CHECK_FALSE(transaction.get(database, writer_key(id, present + 1)));
    }
    return checked;
}

}  // namespace hotbackup::test
