/// \file
/// The durability idioms every layer uses, each written once: writing a file
/// atomically (under a temporary name, synced, renamed into place, its directory
/// synced), copying a file the same way, and writing the two header copies of a
/// database file with a sync between them. storage/storage.hpp's contract says what
/// each step makes durable; these functions put the steps in the order that keeps
/// a crash at any point harmless:
/// - a file written atomically exists under its name only whole: after a crash it
///   is either the old file (or none) or the new one, never a prefix; a stale
///   temporary of an interrupted attempt is removed by the next one;
/// - of two header copies at least one is whole after any crash, because the
///   second is written only once the first is synced (a torn write reaches one copy
///   only).
///
/// Thread-safety: as the storage's; one writer per destination at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1::detail {

/// The suffix of the name a file is written under before it is renamed into place.
inline constexpr std::string_view temporary_suffix = ".tmp";

/// `path` with temporary_suffix appended to its file name.
inline std::filesystem::path temporary_name_of(const std::filesystem::path& path) {
    return path.parent_path() / (path.filename().string() + std::string{temporary_suffix});
}

/// The directory whose entry names `path` ("." for a bare file name).
inline std::filesystem::path directory_of(const std::filesystem::path& path) {
    return path.parent_path().empty() ? std::filesystem::path{"."} : path.parent_path();
}

/// Writes `path` atomically: `write(file)` fills a new file under the temporary
/// name, which is then synced, closed, renamed over `path` and made durable by a
/// sync of the directory. Throws what `write` and the storage throw; then `path`
/// is as before, and the temporary may be left for the next attempt to remove.
template <storage Storage, class Write>
void write_file_atomically_with(Storage& storage, const std::filesystem::path& path,
                                Write&& write) {
    const auto temporary = temporary_name_of(path);
    if (storage.exists(temporary)) {
        storage.remove(temporary);  // left by an interrupted attempt
    }
    {
        auto file = storage.open(temporary, open_mode::create);
        write(file);
        file.sync();
        file.close();
    }
    storage.rename(temporary, path);
    storage.sync_directory(directory_of(path));
}

/// Writes `bytes` as the whole of `path`, atomically (see write_file_atomically_with).
template <storage Storage>
void write_file_atomically(Storage& storage, const std::filesystem::path& path,
                           std::span<const std::byte> bytes) {
    write_file_atomically_with(storage, path, [&](auto& file) { file.write_at(0, bytes); });
}

/// Copies `source` on `from` to `destination` on `to`, atomically (see
/// write_file_atomically_with), through `buffer`. Returns the bytes copied. Throws
/// backup_error from either storage; `destination` is then as before.
template <storage From, storage To>
std::uint64_t copy_file_durably(From& from, const std::filesystem::path& source, To& to,
                                const std::filesystem::path& destination,
                                std::span<std::byte> buffer) {
    auto in = from.open(source, open_mode::read_only);
    std::uint64_t offset = 0;
    write_file_atomically_with(to, destination, [&](auto& out) {
        for (;;) {
            const auto count = in.read_at(offset, buffer);
            if (count == 0) {
                break;
            }
            out.write_at(offset, std::span<const std::byte>{buffer}.first(count));
            offset += count;
        }
    });
    return offset;
}

/// Writes an encoded header into both of its copies in `file`, at offset 0 and at
/// `copy_stride` (a database's pages 0 and 1, a checkpoint's two blocks), syncing
/// after each, so a crash tears one copy at most and the other stays readable.
/// Throws backup_error from the storage.
template <class File>
void write_header_copies(File& file, std::span<const std::byte> encoded_header,
                         std::uint64_t copy_stride) {
    file.write_at(0, encoded_header);
    file.sync();
    file.write_at(copy_stride, encoded_header);
    file.sync();
}

}  // namespace hotbackup::inline v1::detail
