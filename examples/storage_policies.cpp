// Storage policies: write code once against the `storage` concept, then run it on
// real files, on memory that can lose power, and on a device that fails on cue.
#include <cstdio>
#include <filesystem>
#include <hotbackup/hotbackup.hpp>
#include <span>
#include <string>
#include <string_view>

namespace {

std::span<const std::byte> bytes_of(std::string_view text) {
    return std::as_bytes(std::span{text.data(), text.size()});
}

// Saves a value the crash-safe way: write a temporary file, sync it, rename it over
// the old one, sync the directory. Any storage model will do.
template <hotbackup::storage Storage>
void save(Storage& storage, const std::filesystem::path& directory, std::string_view value) {
    const auto temporary = directory / "value.tmp";
    auto file = storage.open(temporary, hotbackup::open_mode::create_or_open);
    file.resize(0);
    file.write_at(0, bytes_of(value));
    file.sync();
    file.close();
    storage.rename(temporary, directory / "value");
    storage.sync_directory(directory);
}

template <hotbackup::storage Storage>
std::string load(Storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, hotbackup::open_mode::read_only);
    std::string value(static_cast<std::size_t>(file.size()), '\0');
    value.resize(file.read_at(0, std::as_writable_bytes(std::span{value})));
    return value;
}

}  // namespace

int main() {
    // Real files.
    hotbackup::posix_storage disk;
    const auto directory = std::filesystem::temp_directory_path() / "hotbackup-example";
    disk.create_directories(directory);
    save(disk, directory, "on disk");
    std::printf("posix_storage: '%s'\n", load(disk, directory / "value").c_str());
    std::filesystem::remove_all(directory);

    // Memory with a simulated power loss: only what was synced survives.
    hotbackup::memory_storage memory;
    memory.create_directories("/data");
    save(memory, "/data", "durable");
    auto careless = memory.open("/data/value", hotbackup::open_mode::read_write);
    careless.write_at(0, bytes_of("VOLATILE"));  // never synced
    memory.crash();
    std::printf("memory_storage after crash: '%s'\n", load(memory, "/data/value").c_str());

    // A device that fills up on the first sync: the error says what and where.
    hotbackup::faulty_storage<hotbackup::memory_storage> faulty;
    faulty.create_directories("/data");
    faulty.fail_when(
        [](const hotbackup::storage_operation& operation) {
            return operation.kind == hotbackup::operation_kind::sync;
        },
        hotbackup::fault_kind::no_space);
    try {
        save(faulty, "/data", "never stored");
    } catch (const hotbackup::backup_error& error) {
        std::printf("faulty_storage: disk full reported as %s (%d)\n  %s\n",
                    std::string{hotbackup::errc_name(error.value())}.c_str(), error.code().value(),
                    error.what());
    }
    return 0;
}
