/// \file
/// backup_source: the narrow concept a backup session needs from an engine
/// (docs/architecture.md §3 "Layers"). The session knows an engine only through these members;
/// hotbackup's reference engine (engine/instance.hpp) models it, and so can a
/// user's own write-ahead-logged engine: list the attached databases, read
/// verified pages of a range locked against flushes, roll and list the log, read
/// and verify closed log files, read the checkpoint, keep and delete logs, and
/// record a finished backup in a database header.
///
/// The vocabulary types (database_header, backup_info, backup_slot, signature,
/// log_position) are those of format/database_header.hpp: a database stream's
/// header pages are that header (docs/protocol.md §8.6), whatever engine wrote the pages.
///
/// Thread-safety: a session calls a source from several threads at once when files
/// are read in parallel, so every member must be safe to call concurrently.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "hotbackup/format/database_header.hpp"
#include "hotbackup/protocol/source_types.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// A page range held against flushes: what backup_source::lock_pages returns.
/// read(first, count, buffer) reads and verifies pages of the range, throwing
/// backup_error(read_verify_failure / read_pgno_verify_failure) naming the file
/// and page; all-zero pages pass as unused. The session checks no page itself (the
/// page format is the engine's), so a source that skipped this check would hand
/// damaged pages to the backup.
template <class Lock>
concept page_range_reader = std::move_constructible<Lock> &&
    requires(const Lock& lock, page_number page, std::span<std::byte> buffer) {
    lock.read(page, page, buffer);
};

/// A closed log file open for a backup: what backup_source::open_log returns.
/// size() is its length in bytes; read(offset, buffer) reads from a multiple of
/// 4 KiB into a buffer of a multiple of 4 KiB, verifies what it read and returns
/// the byte count (short only at the end), throwing
/// backup_error(log_read_verify_failure) naming the file and offset.
template <class File>
concept log_file_reader = std::move_constructible<File> &&
    requires(File& file, const File& view, std::uint64_t offset, std::span<std::byte> buffer) {
    { view.size() } -> std::convertible_to<std::uint64_t>;
    { file.read(offset, buffer) } -> std::convertible_to<std::size_t>;
};

/// What a backup session needs from an engine; see the header comment. Errors are
/// thrown as backup_error with ESE's numbers: stored_checkpoint_generation throws
/// checkpoint_file_not_found / checkpoint_corrupt / bad_checkpoint_signature;
/// open_log throws missing_file_to_backup for a generation not on disk.
///
/// Every member must be safe to call from several threads at once. The source must
/// outlive its sessions, unless it calls backup_control::release_source() before
/// it goes away (as instance::term(term_option::stop_backup) does). A session holds
/// a lock_pages() lock only while it reads one chunk, so writers never wait for the
/// consumer.
template <class Source>
concept backup_source = requires(Source& source, const Source& view, database_id database,
                                 page_number page, log_generation generation,
                                 std::optional<log_generation> held, const backup_info& info) {
    // The shared state of sessions; the same block for the engine's lifetime.
    { view.shared_backup_control() } -> std::same_as<std::shared_ptr<backup_control>>;
    { view.log_state() } -> std::same_as<log_state>;
    { view.circular_logging() } -> std::convertible_to<bool>;
    { view.page_size() } -> std::convertible_to<std::uint32_t>;
    { view.log_signature() } -> std::same_as<signature>;

    { view.attached_databases() } -> std::same_as<std::vector<database_info>>;
    { view.database_header_of(database) } -> std::same_as<database_header>;
    { source.lock_pages(database, page, page) } -> page_range_reader;

    // The position the next log record will take.
    { view.log_tip() } -> std::same_as<log_position>;
    // Closes the current generation; returns the new current one.
    { source.roll_log() } -> std::same_as<log_generation>;
    { view.current_log_generation() } -> std::same_as<log_generation>;
    // The closed generations on disk, ascending.
    { view.log_generations() } -> std::same_as<std::vector<log_generation>>;
    { view.log_file_path(generation) } -> std::convertible_to<std::filesystem::path>;
    { source.open_log(generation) } -> log_file_reader;
    // The generation the checkpoint file names (read from the file).
    { view.stored_checkpoint_generation() } -> std::same_as<log_generation>;
    // Keeps logs from a generation on from the engine's own deletion, or not.
    source.hold_logs_from(held);
    // Deletes closed logs [first, end); refuses what recovery or a hold needs.
    { source.delete_logs(generation, generation) } -> std::convertible_to<std::size_t>;
    source.write_backup_slot(database, backup_slot::full, info);
};

/// The name of the format `source`'s pages and logs are in: what its
/// `format_name()` member returns, or reference_format_name for a source without
/// one (the reference engine, and any source that writes the reference formats).
/// The manifest records it (manifest::source_format).
template <class Source>
[[nodiscard]] std::string source_format_of(const Source& source) {
    if constexpr (requires {
                      { source.format_name() } -> std::convertible_to<std::string_view>;
                  }) {
        return std::string{std::string_view{source.format_name()}};
    } else {
        return std::string{reference_format_name};
    }
}

}  // namespace hotbackup::inline v1
