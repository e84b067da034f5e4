/// \file
/// detail::path_claim: the directories that instances of this process use, so a
/// second instance (or a restore) on the same system or log path is refused with
/// ESE's SystemPathInUse / LogFilePathInUse. The instance claims its two paths for
/// its lifetime; both restores claim them while they write there.
///
/// The registry covers one process only: it does not stop another process from
/// opening the same directories.
///
/// Thread-safety: claims may be taken and released from any thread.
#pragma once

#include <filesystem>
#include <mutex>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>

#include "hotbackup/error.hpp"

namespace hotbackup::inline v1 {

namespace detail {

/// Makes sure directory `path` (the instance option `option`) exists: creates it
/// when `create_paths` is set. Throws backup_error: `missing` naming the path when
/// it does not exist and may not be created; storage errors.
template <class Storage>
void prepare_directory(Storage& storage, const std::filesystem::path& path, bool create_paths,
                       errc missing, std::string_view option) {
    if (storage.exists(path)) {
        return;
    }
    if (!create_paths) {
        throw backup_error(missing, error_context{.file = path.string()},
                           std::string{option} + " does not exist (set create_paths to create it)");
    }
    storage.create_directories(path);
}

/// Which directories instances of this process use, so a second instance on the
/// same system or log path is refused (ESE's SystemPathInUse / LogFilePathInUse).
class path_claim {
  public:
    path_claim() = default;
    path_claim(const void* storage, std::string_view role, const std::filesystem::path& path,
               errc in_use)
        : key_(storage, std::string{role}, normalize(path)) {
        const std::scoped_lock lock{registry().mutex};
        if (!registry().claimed.insert(key_).second) {
            key_ = {};
            throw backup_error(in_use, error_context{.file = path.string()},
                               "another open instance uses this " + std::string{role});
        }
    }
    path_claim(path_claim&& other) noexcept : key_(std::exchange(other.key_, {})) {}
    path_claim& operator=(path_claim&& other) noexcept {
        if (this != &other) {
            release();
            key_ = std::exchange(other.key_, {});
        }
        return *this;
    }
    path_claim(const path_claim&) = delete;
    path_claim& operator=(const path_claim&) = delete;
    ~path_claim() { release(); }

    void release() noexcept {
        if (std::get<0>(key_) != nullptr) {
            const std::scoped_lock lock{registry().mutex};
            registry().claimed.erase(key_);
            key_ = {};
        }
    }

  private:
    using key = std::tuple<const void*, std::string, std::string>;
    struct claims {
        std::mutex mutex;
        std::set<key> claimed;
    };
    static claims& registry() {
        static claims instance;
        return instance;
    }
    static std::string normalize(const std::filesystem::path& path) {
        auto normal = std::filesystem::absolute(path).lexically_normal();
        if (!normal.has_filename() && normal.has_parent_path() && normal != normal.root_path()) {
            normal = normal.parent_path();
        }
        return normal.string();
    }

    key key_{};
};

}  // namespace detail

}  // namespace hotbackup::inline v1
