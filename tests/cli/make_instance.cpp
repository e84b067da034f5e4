// make_instance: builds and checks instance directories for the test of the
// hotbackup command-line tool (cli_test.cmake), in the layout the tool expects:
// system path DIR, logs in DIR/logs, the database DIR/orders.edb.
//
//   make_instance DIR KEYS             creates the instance and the database, and
//                                      commits keys 0..KEYS-1
//   make_instance DIR KEYS --more M    reopens it and commits keys KEYS..KEYS+M-1
//   make_instance --check DIR KEYS     opens DIR (a restored instance) and checks
//                                      that orders.edb holds exactly keys 0..KEYS-1,
//                                      each with its value
//
// Key n is "key-<n>" and its value value_of(n). Small log files (64 KiB) make even
// a few hundred keys fill several log generations, so backups and restores have
// more than one log to copy and replay.
//
// Exit codes: 0 done (for --check: every key present with its value and no other
// key); 1 a check failed or the engine reported an error; 2 usage error.
#include <cstdint>
#include <filesystem>
#include <hotbackup/hotbackup.hpp>
#include <iostream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

using storage_type = hotbackup::posix_storage;
using engine_type = hotbackup::instance<storage_type>;

constexpr std::uint64_t log_file_size = std::uint64_t{64} * 1024;

hotbackup::instance_options options_for(const std::filesystem::path& directory, bool create) {
    hotbackup::instance_options options;
    options.system_path = directory;
    options.log_path = directory / "logs";
    options.create_paths = create;
    options.page_size = 4096;
    options.log_file_size = log_file_size;
    options.checkpoint_depth = 4 * log_file_size;
    return options;
}

std::string key_of(std::uint64_t number) {
    return "key-" + std::to_string(number);
}

/// A value of 100 to 199 bytes that names its key, so a value moved to another
/// key is caught too.
std::string value_of(std::uint64_t number) {
    auto value = "value of key " + std::to_string(number) + " ";
    value.resize(100 + number % 100, static_cast<char>('a' + number % 26));
    return value;
}

/// Commits keys [first, first + count), one lazy transaction each; term() makes
/// them durable.
void commit_keys(engine_type& engine, hotbackup::database_id database, std::uint64_t first,
                 std::uint64_t count) {
    for (auto number = first; number < first + count; ++number) {
        auto transaction = engine.begin_transaction();
        transaction.put(database, key_of(number), value_of(number));
        transaction.commit(hotbackup::commit_mode::lazy);
    }
}

std::filesystem::path database_path(const std::filesystem::path& directory) {
    return directory / "orders.edb";
}

int create_instance(const std::filesystem::path& directory, std::uint64_t keys) {
    storage_type storage;
    engine_type engine{storage, options_for(directory, true)};
    const auto database = engine.create_database(database_path(directory));
    commit_keys(engine, database, 0, keys);
    engine.term();
    std::cout << "created " << directory.string() << " with keys 0.." << keys << " (exclusive)\n";
    return 0;
}

int add_keys(const std::filesystem::path& directory, std::uint64_t keys, std::uint64_t more) {
    storage_type storage;
    engine_type engine{storage, options_for(directory, false)};
    const auto database = engine.attach_database(database_path(directory));
    commit_keys(engine, database, keys, more);
    engine.term();
    std::cout << "added keys " << keys << ".." << keys + more << " (exclusive) to "
              << directory.string() << "\n";
    return 0;
}

int check_instance(const std::filesystem::path& directory, std::uint64_t keys) {
    storage_type storage;
    engine_type engine{storage, options_for(directory, false)};
    const auto database = engine.attach_database(database_path(directory));
    std::uint64_t present = 0;
    std::uint64_t missing = 0;
    std::uint64_t wrong = 0;
    std::uint64_t total = 0;
    {
        auto reader = engine.begin_transaction();
        for (std::uint64_t number = 0; number < keys; ++number) {
            const auto value = reader.get(database, key_of(number));
            if (!value) {
                ++missing;
            } else if (*value != value_of(number)) {
                ++wrong;
            } else {
                ++present;
            }
        }
        auto entries = reader.scan(database);
        for (const auto& entry : entries) {
            (void)entry;
            ++total;
        }
        reader.rollback();
    }
    engine.term();
    const auto unexpected = total - present - wrong;
    std::cout << directory.string() << ": " << present << " of " << keys
              << " keys present with their values, " << missing << " missing, " << wrong
              << " with a wrong value, " << unexpected << " unexpected\n";
    return missing == 0 && wrong == 0 && unexpected == 0 ? 0 : 1;
}

std::optional<std::uint64_t> parse_count(std::string_view text) {
    if (text.empty() || text.find_first_not_of("0123456789") != std::string_view::npos) {
        return std::nullopt;
    }
    return std::stoull(std::string{text});
}

int usage() {
    std::cerr << "usage: make_instance DIR KEYS [--more M]\n"
                 "       make_instance --check DIR KEYS\n";
    return 2;
}

}  // namespace

int main(int argc, char** argv) {
    const std::vector<std::string_view> arguments(argv + 1, argv + argc);
    try {
        if (arguments.size() == 3 && arguments[0] == "--check") {
            const auto keys = parse_count(arguments[2]);
            return keys ? check_instance(std::filesystem::absolute(arguments[1]), *keys) : usage();
        }
        if (arguments.size() == 2) {
            const auto keys = parse_count(arguments[1]);
            return keys ? create_instance(std::filesystem::absolute(arguments[0]), *keys) : usage();
        }
        if (arguments.size() == 4 && arguments[2] == "--more") {
            const auto keys = parse_count(arguments[1]);
            const auto more = parse_count(arguments[3]);
            return keys && more ? add_keys(std::filesystem::absolute(arguments[0]), *keys, *more)
                                : usage();
        }
        return usage();
    } catch (const hotbackup::backup_error& error) {
        std::cerr << "make_instance: " << hotbackup::errc_name(error.value()) << " ("
                  << static_cast<int>(error.value()) << "): " << error.what() << "\n";
        return 1;
    }
}
