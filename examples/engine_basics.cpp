// The reference engine in a few lines: open an instance, create a database, write
// from several threads in transactions, lose power, and find every acknowledged
// commit again after recovery. memory_storage plays the disk so the power loss is
// real; put posix_storage in its place to use files.
#include <cstdio>
#include <hotbackup/hotbackup.hpp>
#include <string>
#include <thread>
#include <vector>

int main() {
    using hotbackup::instance;
    using hotbackup::memory_storage;

    memory_storage disk;
    hotbackup::instance_options options;
    options.system_path = "/example";
    options.log_path = "/example/logs";
    options.create_paths = true;
    options.log_file_size = 256 * 1024;  // small logs, so this short run rolls a few

    constexpr int writer_count = 4;
    constexpr int commits_per_writer = 250;
    {
        instance<memory_storage> engine{disk, options};
        const auto database = engine.create_database("/example/orders.edb");

        // Each writer commits its own keys; concurrent commits share one log sync.
        std::vector<std::thread> writers;
        for (int writer = 0; writer < writer_count; ++writer) {
            writers.emplace_back([&engine, database, writer] {
                for (int order = 0; order < commits_per_writer; ++order) {
                    auto transaction = engine.begin_transaction();
                    const auto key =
                        "order-" + std::to_string(writer) + "-" + std::to_string(order);
                    transaction.put(database, key, "quantity=" + std::to_string(order));
                    transaction.commit();  // durable when it returns
                }
            });
        }
        for (auto& thread : writers) {
            thread.join();
        }
        const auto statistics = engine.statistics();
        std::printf("committed %llu transactions, %llu log bytes, %llu checkpoints\n",
                    static_cast<unsigned long long>(statistics.commits),
                    static_cast<unsigned long long>(statistics.log_bytes_written),
                    static_cast<unsigned long long>(statistics.checkpoints));

        disk.crash();  // power loss: no term(), dirty pages never written
    }

    // Opening runs soft recovery from the checkpoint through the log.
    instance<memory_storage> engine{disk, options};
    std::printf("recovery replayed %llu log records\n",
                static_cast<unsigned long long>(engine.statistics().recovered_records));
    const auto database = engine.attach_database("/example/orders.edb");
    auto reader = engine.begin_transaction();
    int found = 0;
    for (auto&& entry : reader.scan(database, "order-", "order.")) {
        found += entry.value.starts_with("quantity=") ? 1 : 0;
    }
    std::printf("after the crash: %d of %d orders\n", found, writer_count * commits_per_writer);
    return found == writer_count * commits_per_writer ? 0 : 1;
}
