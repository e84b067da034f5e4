// Shared helpers for backup session tests: catching the backup_error of a call,
// draining a read generator, filling a database, and whole backups in one call.
#pragma once

#include <cstddef>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/session/session.hpp>
#include <span>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "support/catch.hpp"

namespace hotbackup::test {

/// Runs `action` and returns the backup_error it throws (fails the test if none).
template <class Action>
backup_error error_of(Action&& action) {
    try {
        std::forward<Action>(action)();
    } catch (const backup_error& error) {
        return error;
    }
    FAIL("no backup_error was thrown");
    throw std::logic_error{"unreachable"};
}

/// Every byte a read generator yields, in order.
template <class Chunks>
std::vector<std::byte> drain(Chunks&& chunks) {
    std::vector<std::byte> bytes;
    for (const std::span<const std::byte> chunk : chunks) {
        bytes.insert(bytes.end(), chunk.begin(), chunk.end());
    }
    return bytes;
}

/// Commits `keys` keys "key<i>" with 200-byte values of `letter` in one transaction.
template <class Instance>
void fill(Instance& engine, database_id database, int keys, char letter) {
    auto transaction = engine.begin_transaction();
    for (int index = 0; index < keys; ++index) {
        transaction.put(database, "key" + std::to_string(index), std::string(200, letter));
    }
    transaction.commit();
}

/// Reads every listed database of a session in the databases stage to the end.
template <class Session>
void read_all_databases(const Session& session) {
    for (const auto& file : session.databases()) {
        static_cast<void>(drain(session.read(file)));
    }
}

/// Reads every listed log of a session in the logs stage to the end.
template <class Session>
std::uint64_t read_all_logs(const Session& session) {
    std::uint64_t bytes = 0;
    for (const auto& file : session.log_files()) {
        bytes += drain(session.read(file)).size();
    }
    return bytes;
}

/// A whole full backup: every database and log read, then truncate (or not) and end.
template <class Instance>
backup_result run_full_backup(Instance& engine, bool truncate, end_options options = {}) {
    auto session = begin_backup(engine, full_backup);
    read_all_databases(session);
    auto logs = std::move(session).logs();
    read_all_logs(logs);
    if (truncate) {
        return std::move(logs).truncate().end(options);
    }
    return std::move(logs).end(options);
}

/// A whole incremental backup: every listed log read, then truncate (or not) and end.
template <class Instance>
backup_result run_incremental_backup(Instance& engine, bool truncate, end_options options = {}) {
    auto logs = begin_backup(engine, incremental_backup);
    read_all_logs(logs);
    if (truncate) {
        return std::move(logs).truncate().end(options);
    }
    return std::move(logs).end(options);
}

}  // namespace hotbackup::test
