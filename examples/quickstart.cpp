// Quickstart: a hot backup you can trust, end to end, on real files.
//
//   1. an instance in a temporary directory, four writer threads committing;
//   2. a full backup set while they write, then an incremental set;
//   3. both sets verified, then restored into a fresh directory;
//   4. the restored instance opened and every committed key checked: each writer's
//      keys form a gap-free prefix that holds everything it had committed before
//      the incremental backup began.
//
// It prints a short report and exits 0, or names what failed and exits 1. Pass
// --keep to leave the temporary directory for a look (`hotbackup info DIR/sets/full`).
#include <stdlib.h>  // mkdtemp

#include <atomic>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <hotbackup/hotbackup.hpp>
#include <string>
#include <thread>
#include <vector>

namespace {

using storage_type = hotbackup::posix_storage;
using engine_type = hotbackup::instance<storage_type>;

constexpr int writer_count = 4;

std::string key_of(int writer, int sequence) {
    return "writer" + std::to_string(writer) + "/order" + std::to_string(sequence);
}
std::string value_of(int writer, int sequence) {
    return "quantity=" + std::to_string((writer * 7919 + sequence) % 100) +
           std::string(120, static_cast<char>('a' + sequence % 26));
}

/// Writers that commit one order per transaction and count what was acknowledged.
class writers {
  public:
    writers(engine_type& engine, hotbackup::database_id database) : acknowledged_(writer_count) {
        for (int writer = 0; writer < writer_count; ++writer) {
            threads_.emplace_back([this, &engine, database, writer] {
                for (int sequence = 0; !stopping_.load(); ++sequence) {
                    auto transaction = engine.begin_transaction();
                    transaction.put(database, key_of(writer, sequence), value_of(writer, sequence));
                    transaction.commit(hotbackup::commit_mode::lazy);
                    acknowledged_[static_cast<std::size_t>(writer)].store(sequence + 1);
                }
            });
        }
    }
    writers(const writers&) = delete;
    writers& operator=(const writers&) = delete;
    ~writers() { stop(); }

    void stop() {
        stopping_.store(true);
        for (auto& thread : threads_) {
            if (thread.joinable()) {
                thread.join();
            }
        }
    }
    [[nodiscard]] std::vector<int> acknowledged() const {
        std::vector<int> counts;
        for (const auto& count : acknowledged_) {
            counts.push_back(count.load());
        }
        return counts;
    }
    void wait_for_total(int commits) const {
        for (;;) {
            int total = 0;
            for (const auto count : acknowledged()) {
                total += count;
            }
            if (total >= commits) {
                return;
            }
            std::this_thread::yield();
        }
    }

  private:
    std::vector<std::atomic<int>> acknowledged_;
    std::vector<std::thread> threads_;
    std::atomic<bool> stopping_{false};
};

std::filesystem::path make_temporary_directory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "hotbackup-quickstart-XXXXXX");
    if (mkdtemp(pattern.data()) == nullptr) {
        throw std::runtime_error("cannot create a temporary directory: " +
                                 std::string{std::strerror(errno)});
    }
    return pattern;
}

void print_set(const char* what, const hotbackup::backup_report& report) {
    std::printf(
        "%-12s %-12s generations %u..%u, %zu database(s), %zu log(s), %.1f MB at %.0f MB/s\n", what,
        std::string{hotbackup::set_kind_name(report.manifest.kind)}.c_str(),
        report.manifest.generations.first, report.manifest.generations.last,
        report.manifest.databases.size(), report.manifest.logs.size(),
        static_cast<double>(report.bytes) / 1e6, report.megabytes_per_second());
}

/// Checks the restored database; returns the keys checked, or -1 after printing why.
long check_restored(engine_type& restored, hotbackup::database_id database,
                    const std::vector<int>& at_least, const std::vector<int>& at_most) {
    long checked = 0;
    auto reader = restored.begin_transaction();
    for (int writer = 0; writer < writer_count; ++writer) {
        int present = 0;
        for (auto value = reader.get(database, key_of(writer, 0)); value;
             value = reader.get(database, key_of(writer, present))) {
            if (*value != value_of(writer, present)) {
                std::printf("FAILED: %s has the wrong value\n", key_of(writer, present).c_str());
                return -1;
            }
            ++present;
            ++checked;
        }
        const auto index = static_cast<std::size_t>(writer);
        // A writer's commit in flight when at_most was read may be in the set too.
        if (present < at_least[index] || present > at_most[index] + 1 ||
            reader.get(database, key_of(writer, present + 1))) {
            std::printf("FAILED: writer %d has %d orders restored, expected %d..%d without gaps\n",
                        writer, present, at_least[index], at_most[index] + 1);
            return -1;
        }
    }
    return checked;
}

int run(const std::filesystem::path& root) {
    storage_type disk;
    hotbackup::instance_options options;
    options.system_path = root / "live";
    options.log_path = root / "live" / "logs";
    options.create_paths = true;
    options.log_file_size = 1 << 20;                       // 1 MiB logs: several roll meanwhile
    options.checkpoint_depth = 8 * options.log_file_size;  // the checkpoint follows them

    engine_type engine{disk, options};
    const auto database = engine.create_database(root / "live" / "orders.edb");
    writers load{engine, database};
    load.wait_for_total(20'000);

    // A full backup while the writers write: databases and logs, then the logs it
    // made unnecessary are truncated.
    hotbackup::directory_target<storage_type> full_set{disk, root / "sets" / "full"};
    const auto full = hotbackup::run_backup(engine, full_set);
    load.wait_for_total(40'000);

    // An incremental backup: only the logs written since.
    const auto at_least = load.acknowledged();  // every one of these must come back
    hotbackup::directory_target<storage_type> incremental_set{disk, root / "sets" / "incremental"};
    hotbackup::backup_options logs_only;
    logs_only.kind = hotbackup::backup_kind::incremental;
    const auto incremental = hotbackup::run_backup(engine, incremental_set, logs_only);
    const auto at_most = load.acknowledged();  // none after these can
    load.stop();
    engine.term();
    print_set("backed up", full);
    print_set("backed up", incremental);

    // Verify the chain, then restore it into a fresh directory.
    const std::vector<hotbackup::backup_set<storage_type>> chain{
        {disk, root / "sets" / "full"}, {disk, root / "sets" / "incremental"}};
    const auto verified = hotbackup::verify(chain);
    std::printf(
        "verified     %zu database stream(s) and %zu log(s), %.1f MB at %.0f MB/s\n",
        verified.database_files, verified.log_files, static_cast<double>(verified.bytes) / 1e6,
        verified.seconds > 0 ? static_cast<double>(verified.bytes) / 1e6 / verified.seconds : 0.0);
    const auto restored_report = hotbackup::restore(chain, disk, root / "restored");
    std::printf(
        "restored     generations %u..%u, %llu log records replayed, %.1f MB at %.0f MB/s\n",
        restored_report.generations.first, restored_report.generations.last,
        static_cast<unsigned long long>(restored_report.replayed_records),
        static_cast<double>(restored_report.database_bytes + restored_report.log_bytes) / 1e6,
        restored_report.megabytes_per_second());

    // The restored directory is a normal instance with a clean database.
    engine_type restored{disk, restored_report.options};
    const auto restored_database = restored.attach_database(restored_report.databases.front().path);
    const auto checked = check_restored(restored, restored_database, at_least, at_most);
    restored.term();
    if (checked < 0) {
        return 1;
    }
    std::printf("checked      %ld keys: every commit of the backed-up range is back\n", checked);
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    const bool keep = argc > 1 && std::strcmp(argv[1], "--keep") == 0;
    std::filesystem::path root;
    int status = 1;
    try {
        root = make_temporary_directory();
        status = run(root);
    } catch (const std::exception& error) {
        // backup_error::what() names the file and ends with the ESE error and number.
        std::fprintf(stderr, "quickstart failed: %s\n", error.what());
    }
    if (!root.empty()) {
        if (keep) {
            std::printf("kept %s\n", root.c_str());
        } else {
            std::error_code ignored;
            std::filesystem::remove_all(root, ignored);
        }
    }
    std::printf("quickstart: %s\n", status == 0 ? "OK" : "FAILED");
    return status;
}
