// A deterministic engine workload for the reliability tests (crash points, fault
// sweeps): it opens an instance over a prepared baseline, runs transactions with
// durable and lazy commits and rollbacks, rolls the log, detaches and re-attaches
// the database, and terminates; a journal records every commit in order and how
// many were acknowledged as durable, so a test can check what survived.
#pragma once

#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "support/engine_fixture.hpp"

namespace hotbackup::test {

using key_model = std::map<std::string, std::string>;
using change_set = std::map<std::string, std::optional<std::string>>;

inline const std::filesystem::path database_path = "/crash/data.edb";

inline instance_options workload_options() {
    return small_options("/crash", 2);
}

inline void apply(key_model& model, const change_set& changes) {
    for (const auto& [key, value] : changes) {
        if (value) {
            model[key] = *value;
        } else {
            model.erase(key);
        }
    }
}

/// What the workload committed, in commit order, and how much of it was
/// acknowledged as durable.
struct commit_journal {
    std::vector<change_set> commits;
    std::size_t acknowledged = 0;
};

/// Writes the state every run starts from: a database with some keys, shut down
/// cleanly.
inline key_model write_baseline(memory_storage& storage) {
    key_model baseline;
    instance<memory_storage> engine{storage, workload_options()};
    const auto database = engine.create_database(database_path);
    auto transaction = engine.begin_transaction();
    for (int index = 0; index < 40; ++index) {
        const auto key = "key" + std::to_string(index * 5);
        transaction.put(database, key, "baseline" + std::to_string(index));
        baseline[key] = "baseline" + std::to_string(index);
    }
    transaction.commit();
    engine.term();
    return baseline;
}

/// The workload; the same operations every run. Throws what the engine throws when
/// the storage fails under it.
template <class Storage>
void run_workload(Storage& storage, commit_journal& journal) {
    std::mt19937 random{20261122};
    const auto pick = [&](int low, int high) {
        return std::uniform_int_distribution{low, high}(random);
    };
    instance<Storage> engine{storage, workload_options()};
    auto database = engine.attach_database(database_path);
    for (int round = 0; round < 200; ++round) {
        auto transaction = engine.begin_transaction();
        change_set changes;
        const auto steps = pick(1, 4);
        for (int step = 0; step < steps; ++step) {
            const auto key = "key" + std::to_string(pick(0, 199));
            if (pick(0, 4) == 0) {
                transaction.erase(database, key);
                changes[key] = std::nullopt;
            } else {
                auto value = std::string(static_cast<std::size_t>(pick(0, 9) == 0 ? 900 : 30),
                                         static_cast<char>('a' + round % 26)) +
                             std::to_string(round);
                transaction.put(database, key, value);
                changes[key] = std::move(value);
            }
        }
        const auto ending = pick(0, 9);
        if (ending == 0) {
            transaction.rollback();
            continue;
        }
        journal.commits.push_back(changes);
        const auto mode = ending == 1 ? commit_mode::lazy : commit_mode::durable;
        transaction.commit(mode);
        if (mode == commit_mode::durable) {
            journal.acknowledged = journal.commits.size();
        }
        if (round == 30 || round == 70 || round == 150) {
            engine.force_new_log();
        }
        if (round == 50 || round == 120) {
            engine.detach_database(database);
            journal.acknowledged = journal.commits.size();  // detach flushes everything
            database = engine.attach_database(database_path);
        }
    }
    engine.term();
    journal.acknowledged = journal.commits.size();
}

/// Checks that a reopened instance holds the baseline plus the acknowledged commits
/// plus some prefix of the rest. Returns a description of the mismatch, or "".
inline std::string check_recovered(memory_storage& storage, const key_model& baseline,
                                   const commit_journal& journal) {
    instance<memory_storage> engine{storage, workload_options()};
    const auto database = engine.attach_database(database_path);
    const auto contents = committed_contents(engine, database);
    auto candidate = baseline;
    for (std::size_t index = 0; index < journal.acknowledged; ++index) {
        apply(candidate, journal.commits[index]);
    }
    for (auto index = journal.acknowledged;; ++index) {
        if (contents == candidate) {
            return {};
        }
        if (index == journal.commits.size()) {
            break;
        }
        apply(candidate, journal.commits[index]);
    }
    return "the database matches no prefix from " + std::to_string(journal.acknowledged) + " to " +
           std::to_string(journal.commits.size()) + " commits (" + std::to_string(contents.size()) +
           " keys)";
}

}  // namespace hotbackup::test
