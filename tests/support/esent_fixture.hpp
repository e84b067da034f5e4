// Helpers for tests of the ESE-compatible API (esent.hpp), written with Jet* calls
// only, as an ESE client would: instances with small parameters that terminate at
// the end of a test, sessions and data, page-aligned read buffers, multi-strings,
// and whole backups.
//
// The Jet* registry is process-global: a test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <hotbackup/esent.hpp>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace hotbackup::test::jet {

namespace fs = std::filesystem;
using hotbackup::esent::create_instance_on;
using hotbackup::esent::database_of;
using hotbackup::esent::transaction_of;

inline constexpr unsigned long page_size = 4096;

// ---- instances ----

/// Terminates every instance a test made (JetTerm2 with JET_bitTermAbrupt), newest
/// first, also when a REQUIRE fails: the registry is process-global, and its mode
/// resets only once the last instance is gone. Declare it after any storage the
/// instances run on, so it runs first.
class instance_guard {
  public:
    instance_guard() = default;
    instance_guard(const instance_guard&) = delete;
    instance_guard& operator=(const instance_guard&) = delete;
    instance_guard(instance_guard&&) = delete;
    instance_guard& operator=(instance_guard&&) = delete;
    ~instance_guard() {
        for (auto it = instances_.rbegin(); it != instances_.rend(); ++it) {
            (void)JetTerm2(*it, JET_bitTermAbrupt);
        }
    }
    void add(JET_INSTANCE instance) { instances_.push_back(instance); }

  private:
    std::vector<JET_INSTANCE> instances_;
};

/// Small-instance parameters (4 KiB pages, 64 KiB logs) with the system and log
/// paths under `directory`; on an instance, or globally with nullptr.
inline void set_parameters(JET_INSTANCE* instance, const fs::path& directory) {
    const auto system = (directory / "sys").string();
    const auto log = (directory / "log").string();
    REQUIRE(JetSetSystemParameter(instance, 0, JET_paramSystemPath, 0, system.c_str()) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(instance, 0, JET_paramLogFilePath, 0, log.c_str()) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(instance, 0, JET_paramCreatePathIfNotExist, 1, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(instance, 0, JET_paramDatabasePageSize, page_size, nullptr) ==
            JET_errSuccess);
    REQUIRE(JetSetSystemParameter(instance, 0, JET_paramLogFileSize, 64, nullptr) ==
            JET_errSuccess);
    // After the log size: setting that raises the depth to one log file.
    REQUIRE(JetSetSystemParameter(instance, 0, JET_paramCheckpointDepthMax, 4 * 65536, nullptr) ==
            JET_errSuccess);
}

/// A created (not initialized) instance with small parameters, guarded.
inline JET_INSTANCE create_instance(instance_guard& guard, const fs::path& directory,
                                    const char* name) {
    JET_INSTANCE instance = 0;
    REQUIRE(JetCreateInstance(&instance, name) == JET_errSuccess);
    guard.add(instance);
    set_parameters(&instance, directory);
    return instance;
}

/// The same on a chosen storage model (memory, fault injection).
inline JET_INSTANCE create_instance_on_storage(instance_guard& guard, any_storage storage,
                                               const fs::path& directory, const char* name) {
    JET_INSTANCE instance = 0;
    REQUIRE(create_instance_on(std::move(storage), &instance, name) == JET_errSuccess);
    guard.add(instance);
    set_parameters(&instance, directory);
    return instance;
}

inline JET_INSTANCE start_instance(instance_guard& guard, const fs::path& directory,
                                   const char* name) {
    auto instance = create_instance(guard, directory, name);
    REQUIRE(JetInit(&instance) == JET_errSuccess);
    return instance;
}

// ---- data ----

inline JET_SESID begin_session(JET_INSTANCE instance) {
    JET_SESID sesid = 0;
    REQUIRE(JetBeginSession(instance, &sesid, nullptr, nullptr) == JET_errSuccess);
    return sesid;
}

inline JET_DBID create_database(JET_SESID sesid, const std::string& path) {
    JET_DBID dbid = JET_dbidNil;
    REQUIRE(JetCreateDatabase(sesid, path.c_str(), nullptr, &dbid, 0) == JET_errSuccess);
    return dbid;
}

/// One durable transaction writing key = value.
inline void put(JET_SESID sesid, JET_DBID dbid, const std::string& key, const std::string& value) {
    REQUIRE(JetBeginTransaction(sesid) == JET_errSuccess);
    transaction_of(sesid).put(database_of(sesid, dbid), key, value);
    REQUIRE(JetCommitTransaction(sesid, 0) == JET_errSuccess);
}

/// `count` transactions, keys "<prefix>0".., values of some hundred bytes.
inline void fill(JET_SESID sesid, JET_DBID dbid, int count, const std::string& prefix = "k") {
    for (int index = 0; index < count; ++index) {
        put(sesid, dbid, prefix + std::to_string(index), std::string(300, 'v'));
    }
}

/// The keys fill() writes: "<prefix>0" .. "<prefix><count - 1>".
inline std::vector<std::string> keys(const std::string& prefix, int count) {
    std::vector<std::string> made;
    for (int index = 0; index < count; ++index) {
        made.push_back(prefix + std::to_string(index));
    }
    return made;
}

/// A running instance with one session and one database holding some keys.
struct populated {
    JET_INSTANCE instance = 0;
    JET_SESID sesid = 0;
    JET_DBID dbid = 0;
    std::string database;
};

inline populated start_populated(instance_guard& guard, const fs::path& directory,
                                 const char* name) {
    populated made;
    made.instance = start_instance(guard, directory, name);
    made.sesid = begin_session(made.instance);
    made.database = (directory / "one.edb").string();
    made.dbid = create_database(made.sesid, made.database);
    fill(made.sesid, made.dbid, 20);
    return made;
}

// ---- buffers and backup steps ----

struct free_deleter {
    void operator()(std::byte* bytes) const noexcept { std::free(bytes); }
};

/// A page-aligned buffer of `pages` pages (docs/protocol.md §8.9), with one page of slack so a
/// test can also hand out a misaligned pointer into it.
class page_buffer {
  public:
    explicit page_buffer(std::size_t pages)
        : size_(pages * page_size),
          bytes_(static_cast<std::byte*>(std::aligned_alloc(page_size, size_ + page_size))) {
        if (!bytes_) {
            throw std::bad_alloc{};
        }
    }
    [[nodiscard]] std::byte* data() const noexcept { return bytes_.get(); }
    [[nodiscard]] unsigned long size() const noexcept { return static_cast<unsigned long>(size_); }

  private:
    std::size_t size_;
    std::unique_ptr<std::byte, free_deleter> bytes_;
};

/// The strings of a multi-string.
inline std::vector<std::string> split(const std::vector<char>& bytes) {
    return hotbackup::detail::jet::split_multi_string(bytes);
}

/// A multi-string getter called as a client calls it: the size, then the names.
template <class Getter>
std::vector<std::string> multi_string(Getter getter) {
    unsigned long size = 0;
    REQUIRE(getter(nullptr, 0, &size) == JET_errSuccess);
    std::vector<char> bytes(size);
    REQUIRE(getter(bytes.data(), size, &size) == JET_errSuccess);
    return split(bytes);
}

/// JetGetAttachInfoInstance's names.
inline std::vector<std::string> attach_info(JET_INSTANCE instance) {
    return multi_string([instance](char* names, unsigned long size, unsigned long* actual) {
        return JetGetAttachInfoInstance(instance, names, size, actual);
    });
}

/// JetGetLogInfoInstance's names (the first call prepares the log phase).
inline std::vector<std::string> log_info(JET_INSTANCE instance) {
    return multi_string([instance](char* names, unsigned long size, unsigned long* actual) {
        return JetGetLogInfoInstance(instance, names, size, actual);
    });
}

/// Reads an open backup file to its end in chunks of `pages` pages.
inline std::vector<std::byte> read_to_end(JET_INSTANCE instance, JET_HANDLE handle,
                                          std::size_t pages = 16) {
    const page_buffer buffer{pages};
    std::vector<std::byte> bytes;
    for (;;) {
        unsigned long count = 0;
        REQUIRE(JetReadFileInstance(instance, handle, buffer.data(), buffer.size(), &count) ==
                JET_errSuccess);
        if (count == 0) {
            return bytes;
        }
        bytes.insert(bytes.end(), buffer.data(), buffer.data() + count);
    }
}

/// Opens a backup file; returns its handle and the stream size from the two halves.
inline JET_HANDLE open_file(JET_INSTANCE instance, const std::string& name,
                            std::uint64_t* size = nullptr) {
    JET_HANDLE handle = 0;
    unsigned long low = 0;
    unsigned long high = 0;
    REQUIRE(JetOpenFileInstance(instance, name.c_str(), &handle, &low, &high) == JET_errSuccess);
    if (size != nullptr) {
        *size = (std::uint64_t{high} << 32U) | low;
    }
    return handle;
}

/// Opens, reads to the end and closes one backup file; returns its bytes.
inline std::vector<std::byte> copy_file(JET_INSTANCE instance, const std::string& name) {
    std::uint64_t size = 0;
    const auto handle = open_file(instance, name, &size);
    auto bytes = read_to_end(instance, handle);
    CHECK(bytes.size() == size);
    REQUIRE(JetCloseFileInstance(instance, handle) == JET_errSuccess);
    return bytes;
}

/// A whole full backup through the Jet calls; with `truncate` it truncates the
/// logs, so that it counts as the full backup an incremental one needs.
inline void full_backup(JET_INSTANCE instance, bool truncate) {
    REQUIRE(JetBeginExternalBackupInstance(instance, 0) == JET_errSuccess);
    for (const auto& database : attach_info(instance)) {
        (void)copy_file(instance, database);
    }
    for (const auto& log : log_info(instance)) {
        (void)copy_file(instance, log);
    }
    if (truncate) {
        REQUIRE(JetTruncateLogInstance(instance) == JET_errSuccess);
    }
    REQUIRE(JetEndExternalBackupInstance(instance) == JET_errSuccess);
}

}  // namespace hotbackup::test::jet
