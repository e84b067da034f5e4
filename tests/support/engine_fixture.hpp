// Shared helpers for engine tests: small instance options (so logs roll and
// checkpoints move within a short test) and reading a whole database back.
#pragma once

#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <map>
#include <string>

namespace hotbackup::test {

/// Options for an instance under `root`, with 4 KiB pages, 64 KiB logs and a
/// checkpoint depth of `depth_files` log files.
inline instance_options small_options(const std::filesystem::path& root = "/inst",
                                      std::uint64_t depth_files = 4) {
    instance_options options;
    options.system_path = root;
    options.log_path = root / "logs";
    options.create_paths = true;
    options.page_size = 4096;
    options.log_file_size = 64 * 1024;
    options.checkpoint_depth = depth_files * options.log_file_size;
    return options;
}

/// Every key and value of a database as committed (scanned in a fresh transaction).
template <class Instance>
std::map<std::string, std::string> committed_contents(Instance& engine, database_id database) {
    std::map<std::string, std::string> contents;
    auto transaction = engine.begin_transaction();
    for (auto&& entry : transaction.scan(database)) {
        contents.emplace(entry.key, entry.value);
    }
    transaction.rollback();
    return contents;
}

}  // namespace hotbackup::test
