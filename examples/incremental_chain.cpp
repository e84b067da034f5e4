// An incremental chain, restored to each of its points: a full backup set, then three
// incremental sets, each taken after more work (new entries, changed ones, erased
// ones). The chain is then restored up to each set in turn, and every restored
// database must equal, key for key, what was committed when that set was taken.
// A chain with a gap in its generations is refused before anything is written.
//
// Everything runs on memory_storage, single-threaded, so the expected state at each
// set is known exactly (quickstart.cpp shows backups under concurrent writers).
#include <algorithm>
#include <cstdio>
#include <hotbackup/hotbackup.hpp>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace {

using engine_type = hotbackup::instance<hotbackup::memory_storage>;
using set_type = hotbackup::backup_set<hotbackup::memory_storage>;
using ledger = std::map<std::string, std::string>;

constexpr int incremental_sets = 3;
constexpr int accounts_per_round = 400;
constexpr std::size_t operations_per_transaction = 20;

std::string account_key(int account) {
    return "account/" + std::to_string(account);
}

/// One round of work, committed in transactions of 20 operations and mirrored in
/// `committed`: new accounts, a changed balance for every third older one, and ten
/// of the oldest closed (erased).
void work(engine_type& engine, hotbackup::database_id database, int round, ledger& committed) {
    const int first_new = round * accounts_per_round;
    std::vector<std::pair<std::string, std::optional<std::string>>> operations;
    for (int account = first_new; account < first_new + accounts_per_round; ++account) {
        operations.emplace_back(account_key(account), "balance=" + std::to_string(account * 10) +
                                                          ";opened=" + std::to_string(round));
    }
    for (int account = 0; account < first_new; account += 3) {
        operations.emplace_back(account_key(account), "balance=" + std::to_string(account + round) +
                                                          ";changed=" + std::to_string(round));
    }
    for (int account = round * 10; account < std::min(round * 10 + 10, first_new); ++account) {
        operations.emplace_back(account_key(account), std::nullopt);
    }
    for (std::size_t begin = 0; begin < operations.size(); begin += operations_per_transaction) {
        const auto end = std::min(begin + operations_per_transaction, operations.size());
        auto transaction = engine.begin_transaction();
        for (std::size_t index = begin; index < end; ++index) {
            const auto& [key, value] = operations[index];
            if (value) {
                transaction.put(database, key, *value);
            } else {
                transaction.erase(database, key);
            }
        }
        transaction.commit();
        for (std::size_t index = begin; index < end; ++index) {
            const auto& [key, value] = operations[index];
            if (value) {
                committed[key] = *value;
            } else {
                committed.erase(key);
            }
        }
    }
}

/// Every key and value of the first database of a restored instance.
ledger read_restored(hotbackup::memory_storage& disk, const hotbackup::restore_report& report) {
    engine_type restored{disk, report.options};
    const auto database = restored.attach_database(report.databases.front().path);
    ledger contents;
    {
        auto reader = restored.begin_transaction();
        for (auto&& entry : reader.scan(database)) {
            contents.emplace(entry.key, entry.value);
        }
    }
    restored.term();
    return contents;
}

int run() {
    hotbackup::memory_storage disk;
    hotbackup::instance_options options;
    options.system_path = "/live";
    options.log_path = "/live/logs";
    options.create_paths = true;
    options.log_file_size = 128 * 1024;  // small logs, so the rounds roll the log
    options.checkpoint_depth = 4 * options.log_file_size;
    engine_type engine{disk, options};
    const auto database = engine.create_database("/live/ledger.edb");

    // The chain: a full set, then incremental sets. Each set's expected contents is
    // what had been committed when it was taken (no writer runs meanwhile here).
    std::vector<set_type> chain;
    std::vector<ledger> expected;
    ledger committed;
    for (int round = 0; round <= incremental_sets; ++round) {
        work(engine, database, round, committed);
        const std::string directory = "/sets/" + std::to_string(round);
        hotbackup::directory_target<hotbackup::memory_storage> target{disk, directory};
        hotbackup::backup_options backup;
        backup.kind =
            round == 0 ? hotbackup::backup_kind::full : hotbackup::backup_kind::incremental;
        const auto report = hotbackup::run_backup(engine, target, backup);
        std::printf("set %d: %-11s generations %u..%u, %zu log(s), %zu keys committed\n", round,
                    std::string{hotbackup::set_kind_name(report.manifest.kind)}.c_str(),
                    report.manifest.generations.first, report.manifest.generations.last,
                    report.manifest.logs.size(), committed.size());
        chain.emplace_back(disk, directory);
        expected.push_back(committed);
    }
    engine.term();

    // Restore the chain up to each set: the full set, then full + 1, full + 1 + 2, ...
    for (std::size_t length = 1; length <= chain.size(); ++length) {
        const std::vector<set_type> prefix(chain.begin(),
                                           chain.begin() + static_cast<std::ptrdiff_t>(length));
        const auto report = hotbackup::restore(prefix, disk, "/restored/" + std::to_string(length));
        const auto contents = read_restored(disk, report);
        const bool same = contents == expected[length - 1];
        std::printf("restored sets 0..%zu: generations %u..%u, %zu keys, %s\n", length - 1,
                    report.generations.first, report.generations.last, contents.size(),
                    same ? "identical to the state at that set" : "DIFFERENT");
        if (!same) {
            return 1;
        }
    }

    // A chain with a gap (set 3 straight after the full set: the generations between
    // them are in neither) is refused before anything is written.
    try {
        const std::vector<set_type> gap{chain[0], chain[3]};
        static_cast<void>(hotbackup::restore(gap, disk, "/restored/gap"));
        std::puts("a chain with a gap was restored");
        return 1;
    } catch (const hotbackup::backup_error& error) {
        std::printf("a chain with a gap is refused: %s\n", error.what());
    }
    if (disk.exists("/restored/gap/ledger.edb")) {
        std::puts("the refused restore left a database behind");
        return 1;
    }
    return 0;
}

}  // namespace

int main() {
    int status = 1;
    try {
        status = run();
    } catch (const std::exception& error) {
        // backup_error::what() names the file and ends with the ESE error and number.
        std::fprintf(stderr, "incremental_chain failed: %s\n", error.what());
    }
    std::printf("incremental_chain: %s\n", status == 0 ? "OK" : "FAILED");
    return status;
}
