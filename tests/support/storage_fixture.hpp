// A storage model and an empty scratch directory on it, for tests written once and
// run against every model.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "hotbackup/storage/any_storage.hpp"
#include "hotbackup/storage/faulty_storage.hpp"
#include "hotbackup/storage/memory_storage.hpp"
#include "hotbackup/storage/posix_storage.hpp"

namespace hotbackup::test {

using faulty_memory_storage = faulty_storage<memory_storage>;

/// any_storage owning a memory_storage: the type-erased wrapper must behave
/// exactly like what it wraps.
struct any_memory_storage : any_storage {
    any_memory_storage() : any_storage(any_storage::make<memory_storage>()) {}
};

/// Owns a storage of type Storage and a fresh, empty directory `root` on it.
template <class Storage>
struct storage_fixture {
    storage_fixture() { storage.create_directories(root); }
    Storage storage;
    std::filesystem::path root{"/scratch"};
};

template <>
struct storage_fixture<posix_storage> {
    storage_fixture() {
        std::string pattern =
            (std::filesystem::temp_directory_path() / "hotbackup-test-XXXXXX").string();
        if (::mkdtemp(pattern.data()) == nullptr) {
            throw std::system_error(errno, std::generic_category(), "mkdtemp");
        }
        root = pattern;
    }
    storage_fixture(const storage_fixture&) = delete;
    storage_fixture& operator=(const storage_fixture&) = delete;
    storage_fixture(storage_fixture&&) = delete;
    storage_fixture& operator=(storage_fixture&&) = delete;
    ~storage_fixture() {
        std::error_code ignored;
        std::filesystem::remove_all(root, ignored);
    }
    posix_storage storage;
    std::filesystem::path root;
};

/// The bytes of a string, for writing.
inline std::span<const std::byte> as_bytes(std::string_view text) {
    return std::as_bytes(std::span{text.data(), text.size()});
}

/// Reads a whole file through its storage_file interface.
template <class File>
std::string read_all(File& file) {
    std::string text(static_cast<std::size_t>(file.size()), '\0');
    const auto count = file.read_at(0, std::as_writable_bytes(std::span{text}));
    text.resize(count);
    return text;
}

/// Opens a file read-only and returns its contents.
template <class Storage>
std::string contents_of(Storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, open_mode::read_only);
    return read_all(file);
}

/// Creates (or replaces the contents of) a file and syncs it.
template <class Storage>
void write_file(Storage& storage, const std::filesystem::path& path, std::string_view text) {
    auto file = storage.open(path, open_mode::create_or_open);
    file.resize(0);
    file.write_at(0, as_bytes(text));
    file.sync();
    file.close();
}

}  // namespace hotbackup::test
