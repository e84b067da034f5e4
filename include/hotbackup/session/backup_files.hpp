/// \file
/// The values a backup session hands out and takes (session/session.hpp): which
/// kind of backup, the files it lists, the options of reading and ending, and the
/// result of a finished backup.
///
/// Thread-safety: value types.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "hotbackup/format/database_header.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// What a backup copies (ESE's JetBeginExternalBackupInstance grbit).
enum class backup_kind {
    full,         ///< every attached database, then the logs from the checkpoint at begin
    incremental,  ///< only the logs on disk (JET_bitBackupIncremental)
};

/// The one four-way backup type: the header slot a finished backup of `kind`
/// records, with or without truncation (docs/protocol.md §3.6), which is also the
/// kind of set it makes (set_kind is backup_slot).
[[nodiscard]] constexpr backup_slot backup_slot_of(backup_kind kind, bool truncated) noexcept {
    if (kind == backup_kind::full) {
        return truncated ? backup_slot::full : backup_slot::copy;
    }
    return truncated ? backup_slot::incremental : backup_slot::differential;
}

/// Chooses a full backup in begin_backup().
struct full_backup_t {
    explicit full_backup_t() = default;
};
/// Chooses an incremental (logs-only) backup in begin_backup().
struct incremental_backup_t {
    explicit incremental_backup_t() = default;
};
/// Pass to begin_backup() for a full backup: `begin_backup(engine, full_backup)`.
inline constexpr full_backup_t full_backup{};
/// Pass to begin_backup() for an incremental backup.
inline constexpr incremental_backup_t incremental_backup{};

/// One database of a full backup, as the session lists it. Its stream
/// (format/database_stream.hpp) is `stream_size` bytes.
struct database_file {
    /// The engine's id of the database.
    database_id database{};
    /// The database file's path in the engine.
    std::filesystem::path path;
    /// Bytes per page.
    std::uint32_t page_size = 0;
    page_number page_count = 0;     ///< pages in the stream, fixed when the session began
    std::uint64_t stream_size = 0;  ///< (page_count + 3) × page_size
    /// The database's signature, as in its header.
    signature database_signature{};
    /// Compares member by member.
    friend bool operator==(const database_file&, const database_file&) = default;
};

/// One log file of a backup, as the session lists it: a closed generation, copied
/// byte for byte.
struct log_file {
    /// The log generation the file holds.
    log_generation generation = 0;
    /// The log file's path in the engine.
    std::filesystem::path path;
    /// Its length in bytes.
    std::uint64_t size = 0;
    /// Compares member by member.
    friend bool operator==(const log_file&, const log_file&) = default;
};

/// The most threads read_options::reader_threads may ask for.
inline constexpr unsigned max_reader_threads = 16;
/// The largest read_options::buffer_size: a reader holds up to 2 ×
/// max_reader_threads buffers, each allocated and zeroed.
inline constexpr std::size_t max_buffer_size = std::size_t{64} << 20;

/// How read() reads a file.
struct read_options {
    /// Bytes per chunk: a multiple of the database page size, from one page to
    /// max_buffer_size.
    std::size_t buffer_size = std::size_t{1} << 20;
    /// Threads that read one database stream, 1 to 16. With 1 the consumer's own
    /// thread reads each chunk when asked. With n > 1, n helper threads read and
    /// verify chunks ahead of the consumer, into 2n buffers, and the chunks are
    /// yielded in order: verification, a hash of every page, runs on n cores and
    /// overlaps the consumer's work. Log files are read on the consumer's thread.
    /// The helpers take cores the engine's writers may need, hence the default.
    unsigned reader_threads = 1;
    /// Where in the stream to start, in bytes: a multiple of the database page
    /// size, at most the stream's size (ESE's JetOpenFileSectionInstance ibRead).
    /// A read that failed half-way, or a client whose buffer size changes, goes on
    /// from where it stopped without reading the pages before again.
    std::uint64_t offset = 0;
};

/// How end() ends a backup (ESE's JetEndExternalBackupInstance2 grbits).
struct end_options {
    /// The client truncated the logs itself (JET_bitBackupTruncateDone): record
    /// the backup as truncated (full or incremental slot) though truncate() was
    /// not called.
    bool truncate_done = false;
    /// Leave the database headers alone (JET_bitBackupNoDbHeaderUpdate).
    bool no_header_update = false;
};

/// A database whose header end() could not update; the backup itself is whole.
struct header_update_failure {
    /// The database.
    std::filesystem::path path;
    /// The error's message.
    std::string message;
};

/// A database a full backup left out, and why.
struct dropped_database {
    /// The database.
    std::filesystem::path path;
    std::string reason;  ///< the read error, or that it was not read to the end
};

/// What a finished backup holds and what it changed.
struct backup_result {
    /// Full or incremental.
    backup_kind kind = backup_kind::full;
    /// The log generations the backup holds.
    generation_range generations;
    /// Databases read to the end (full), or all attached ones (incremental).
    std::vector<std::filesystem::path> databases;
    /// Full backups only: attached databases that are not in it.
    std::vector<dropped_database> dropped;
    std::uint64_t database_bytes = 0;  ///< stream bytes handed out
    /// Log bytes handed out.
    std::uint64_t log_bytes = 0;
    bool logs_truncated = false;   ///< by truncate() or end_options::truncate_done
    std::size_t logs_deleted = 0;  ///< by truncate()
    /// The header slot written into each database in `databases`, or nothing with
    /// end_options::no_header_update.
    std::optional<backup_slot> slot_written;
    /// Databases whose header could not record the backup (the backup is whole).
    std::vector<header_update_failure> header_update_failures;
};

}  // namespace hotbackup::inline v1
