// The randomized model test of the engine: threads run random transactions
// against two databases and check every read against std::map models; after a
// clean restart the databases must equal the models exactly. Each thread owns its
// keys (so its model is the truth for them) but the keys of all threads interleave,
// so they share B+tree pages, splits, the log and checkpoints.
//
// HOTBACKUP_MODEL_OPS sets the number of operations (default 200,000).
#include <array>
#include <cstdlib>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

using key_model = std::map<std::string, std::string>;

std::size_t operations_wanted() {
    if (const char* text = std::getenv("HOTBACKUP_MODEL_OPS")) {
        return static_cast<std::size_t>(std::strtoull(text, nullptr, 10));
    }
    return 200'000;
}

struct thread_outcome {
    std::array<key_model, 2> committed;  // per database
    std::size_t operations = 0;
    std::size_t commits = 0;
    std::size_t rollbacks = 0;
    std::size_t mismatches = 0;
    std::string first_mismatch;
};

class model_writer {
  public:
    model_writer(instance<memory_storage>& engine, std::array<database_id, 2> databases,
                 int thread_number, std::size_t operations)
        : engine_(&engine),
          databases_(databases),
          thread_number_(thread_number),
          operations_(operations),
          random_(static_cast<std::mt19937_64::result_type>(0x5EED + thread_number)) {}

    thread_outcome run() {
        while (outcome_.operations < operations_) {
            run_transaction();
        }
        return std::move(outcome_);
    }

  private:
    std::string random_key() {
        const auto number = pick(0, 2999);
        auto key = "k" + std::to_string(100000 + number) + "-t" + std::to_string(thread_number_);
        if (number % 97 == 0) {
            key.append(255 - key.size(), 'L');  // the longest key there is
        }
        return key;
    }

    std::string random_value() {
        const auto size = pick(0, 9) == 0 ? pick(500, 1024) : pick(0, 60);
        return std::string(static_cast<std::size_t>(size), static_cast<char>('a' + pick(0, 25)));
    }

    int pick(int low, int high) { return std::uniform_int_distribution{low, high}(random_); }

    void expect(const std::optional<std::string>& seen, const std::optional<std::string>& wanted,
                const std::string& what) {
        if (seen != wanted && outcome_.mismatches++ == 0) {
            outcome_.first_mismatch =
                what + ": saw " + seen.value_or("<none>") + ", wanted " + wanted.value_or("<none>");
        }
    }

    void run_transaction() {
        auto transaction = engine_->begin_transaction();
        std::array<std::map<std::string, std::optional<std::string>>, 2> pending;
        const auto lookup = [&](std::size_t database,
                                const std::string& key) -> std::optional<std::string> {
            if (const auto own = pending.at(database).find(key);
                own != pending.at(database).end()) {
                return own->second;
            }
            const auto& committed = outcome_.committed.at(database);
            const auto found = committed.find(key);
            return found == committed.end() ? std::nullopt : std::optional{found->second};
        };
        const auto steps = pick(1, 8);
        for (int step = 0; step < steps; ++step) {
            const auto database = static_cast<std::size_t>(pick(0, 1));
            const auto key = random_key();
            const auto action = pick(0, 99);
            if (action < 55) {
                const auto value = random_value();
                transaction.put(databases_.at(database), key, value);
                pending.at(database)[key] = value;
            } else if (action < 75) {
                transaction.erase(databases_.at(database), key);
                pending.at(database)[key] = std::nullopt;
            } else if (action < 98) {
                expect(transaction.get(databases_.at(database), key), lookup(database, key),
                       "get " + key);
            } else {
                // A short range scan: this thread's keys in it must match its view.
                const auto first = "k" + std::to_string(100000 + pick(0, 2900));
                const auto last = "k" + std::to_string(100000 + pick(2901, 3000));
                key_model seen;
                for (auto&& entry : transaction.scan(databases_.at(database), first, last)) {
                    if (entry.key.find("-t" + std::to_string(thread_number_)) !=
                        std::string::npos) {
                        seen.emplace(entry.key, entry.value);
                    }
                }
                key_model wanted;
                const auto mine = "-t" + std::to_string(thread_number_);
                auto view = outcome_.committed.at(database);
                for (const auto& [pending_key, value] : pending.at(database)) {
                    if (value) {
                        view[pending_key] = *value;
                    } else {
                        view.erase(pending_key);
                    }
                }
                for (const auto& [view_key, value] : view) {
                    if (view_key >= first && view_key < last &&
                        view_key.find(mine) != std::string::npos) {
                        wanted.emplace(view_key, value);
                    }
                }
                if (seen != wanted && outcome_.mismatches++ == 0) {
                    outcome_.first_mismatch = "scan [" + first + ", " + last + ") differs";
                }
            }
            ++outcome_.operations;
        }
        const auto ending = pick(0, 99);
        if (ending < 20) {
            transaction.rollback();
            ++outcome_.rollbacks;
            return;
        }
        transaction.commit(ending < 30 ? commit_mode::lazy : commit_mode::durable);
        ++outcome_.commits;
        for (std::size_t database = 0; database < 2; ++database) {
            for (auto& [key, value] : pending.at(database)) {
                if (value) {
                    outcome_.committed.at(database)[key] = std::move(*value);
                } else {
                    outcome_.committed.at(database).erase(key);
                }
            }
        }
        if (pick(0, 999) == 0) {
            engine_->force_new_log();
        }
    }

    instance<memory_storage>* engine_;
    std::array<database_id, 2> databases_;
    int thread_number_;
    std::size_t operations_;
    std::mt19937_64 random_;
    thread_outcome outcome_;
};

}  // namespace

TEST_CASE("engine model: random transactions from 4 threads match std::map models",
          "[engine][model][threads]") {
    constexpr int thread_count = 4;
    const auto operations = operations_wanted();
    memory_storage storage;
    // A shallow checkpoint so flushes and checkpoints run while the threads commit.
    const auto options = hotbackup::test::small_options("/model", 2);
    std::vector<thread_outcome> outcomes(thread_count);
    {
        instance<memory_storage> engine{storage, options};
        const std::array databases{engine.create_database("/model/first.edb"),
                                   engine.create_database("/model/second.edb")};
        std::vector<std::thread> threads;
        for (int number = 0; number < thread_count; ++number) {
            threads.emplace_back([&, number] {
                model_writer writer{engine, databases, number,
                                    operations / static_cast<std::size_t>(thread_count)};
                outcomes.at(static_cast<std::size_t>(number)) = writer.run();
            });
        }
        for (auto& thread : threads) {
            thread.join();
        }
        const auto statistics = engine.statistics();
        CHECK(statistics.checkpoints > 1);
        CHECK(statistics.pages_flushed > 0);
        engine.term();
    }

    std::size_t total_operations = 0;
    std::size_t total_rollbacks = 0;
    for (const auto& outcome : outcomes) {
        INFO(outcome.first_mismatch);
        CHECK(outcome.mismatches == 0);
        total_operations += outcome.operations;
        total_rollbacks += outcome.rollbacks;
    }
    CHECK(total_operations >= operations);
    CHECK(total_rollbacks > 0);

    // A clean restart: the databases hold exactly the committed keys of every thread.
    instance<memory_storage> engine{storage, options};
    const std::array databases{engine.attach_database("/model/first.edb"),
                               engine.attach_database("/model/second.edb")};
    for (std::size_t database = 0; database < 2; ++database) {
        key_model expected;
        for (const auto& outcome : outcomes) {
            expected.insert(outcome.committed.at(database).begin(),
                            outcome.committed.at(database).end());
        }
        const auto contents = hotbackup::test::committed_contents(engine, databases.at(database));
        CHECK(contents.size() == expected.size());
        CHECK(contents == expected);
    }
}

}  // namespace hotbackup::test
