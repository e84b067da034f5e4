// A user's program built against hotbackup as a package (Conan's test_package, and
// CI's consumer of an installed, relocated tree). It takes one hot backup end to end
// on memory_storage: an instance with one committed order, a full backup set, the set
// verified and restored, and the order read back from the restored instance. It
// exits non-zero if anything is off.
#include <cstdio>
#include <hotbackup/detail/xxhash.hpp>  // proves the package finds xxHash's header
#include <hotbackup/hotbackup.hpp>
#include <span>
#include <string_view>
#include <vector>

int main() {
    using engine_type = hotbackup::instance<hotbackup::memory_storage>;
    try {
        hotbackup::memory_storage disk;
        hotbackup::instance_options options;
        options.system_path = "/live";
        options.log_path = "/live/logs";
        options.create_paths = true;
        engine_type engine{disk, options};
        const auto database = engine.create_database("/live/orders.edb");
        auto transaction = engine.begin_transaction();
        transaction.put(database, "order-1", "quantity=3");
        transaction.commit();

        hotbackup::directory_target<hotbackup::memory_storage> target{disk, "/sets/full"};
        const auto report = hotbackup::run_backup(engine, target);
        engine.term();

        const std::vector<hotbackup::backup_set<hotbackup::memory_storage>> chain{
            {disk, "/sets/full"}};
        static_cast<void>(hotbackup::verify(chain));
        const auto restored_report = hotbackup::restore(chain, disk, "/restored");
        engine_type restored{disk, restored_report.options};
        const auto restored_database =
            restored.attach_database(restored_report.databases.front().path);
        const auto value = restored.begin_transaction().get(restored_database, "order-1");

        constexpr std::string_view text = "consumer";
        const auto text_bytes = std::as_bytes(std::span{text.data(), text.size()});
        const std::error_code missing = hotbackup::errc::file_not_found;
        if (!value || *value != "quantity=3" || report.manifest.databases.size() != 1 ||
            missing.value() != -1811 ||
            hotbackup::detail::xxh3_64(text_bytes, 1) ==
                hotbackup::detail::xxh3_64(text_bytes, 2)) {
            std::puts("hotbackup package consumer: FAILED");
            return 1;
        }
    } catch (const std::exception& error) {
        std::printf("hotbackup package consumer: FAILED: %s\n", error.what());
        return 1;
    }
    std::printf("hotbackup %s package consumer: backed up, verified and restored: ok\n",
                hotbackup::version_string);
    return 0;
}
