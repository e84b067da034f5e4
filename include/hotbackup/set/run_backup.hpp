/// \file
/// run_backup(source, target, options): one whole backup into a backup set. It
/// drives a typed session (session.hpp): reads every database (full and copy) and
/// every log into files of the target, hashing each as it goes, commits the
/// manifest (manifest.hpp), then truncates the logs if asked and ends the session.
///
/// ~~~{.unparsed}
///   set layout   databases/<file name of the database>   (a number is put in
///                                                          front of a repeated name)
///                logs/<base>XXXXXXXX.log
///                manifest.json                             (last)
/// ~~~
///
/// Why the manifest comes before truncation: once the manifest is committed the set
/// restores on its own, so deleting the source's logs loses nothing; the other
/// order would leave the only copy of a truncated log in a set that a failed
/// manifest write made incomplete.
///
/// Failure: any error before the manifest is committed (a read, the target, the
/// progress callback, cancellation) stops the copy, and the session is aborted by
/// its destructor: the target holds no manifest, the source's logs and headers are
/// untouched and it keeps running. The files already written stay in the target,
/// which is incomplete without its manifest; a new attempt needs a fresh directory.
/// An error of truncate() or end(), after the manifest, is thrown with its own errc
/// and a message that says the set is complete: keep it (some logs may already be
/// deleted from the source, and the database headers may not record the backup, so
/// the next incremental backup can fail with missing_full_backup).
///
/// Thread-safety: one call drives one session; options.parallel_files threads copy
/// files at once when the target allows it (Target::parallel_files). The progress
/// callback is called from those threads, one call at a time.
#pragma once

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <stop_token>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "hotbackup/detail/xxhash.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/session/backup_files.hpp"
#include "hotbackup/session/backup_source.hpp"
#include "hotbackup/session/session.hpp"
#include "hotbackup/set/backup_target.hpp"
#include "hotbackup/set/manifest.hpp"
#include "hotbackup/set/progress.hpp"

namespace hotbackup::inline v1 {

/// How run_backup() backs up.
struct backup_options {
    /// Databases and logs (full), or the logs only (incremental).
    backup_kind kind = backup_kind::full;
    /// Delete the logs the set makes unnecessary (full, incremental), or leave them
    /// (copy, differential).
    bool truncate = true;
    /// Chunk size and reader threads of each file (backup_files.hpp). Every file is
    /// copied whole, so read.offset must stay 0.
    read_options read{};
    /// Files copied at once, 1 to 16; targets without parallel_files take one.
    unsigned parallel_files = 1;
    /// At most this many bytes per second over the whole backup; 0 = no limit.
    std::uint64_t rate_limit = 0;
    /// Called after each chunk copied, from the copying threads, one call at a time.
    progress_callback progress;
    /// A stop request fails the backup with errc::backup_abort_by_caller.
    std::stop_token stop;
};

/// What run_backup() made.
struct backup_report {
    hotbackup::manifest manifest;  ///< as committed to the target
    backup_result result;          ///< the session's result (logs deleted, header slot)
    std::uint64_t bytes = 0;       ///< database and log bytes copied
    /// How long the backup took, from the call to the end of the session.
    double seconds = 0;

    /// Copy speed in MB/s (10^6 bytes).
    [[nodiscard]] double megabytes_per_second() const noexcept {
        return seconds > 0 ? static_cast<double>(bytes) / 1e6 / seconds : 0;
    }
};

namespace detail {

[[nodiscard]] inline std::uint64_t now_us() {
    return signature::now_microseconds();
}

/// Copies one file of a backup into `target` and returns its XXH3-64.
template <backup_target Target>
std::uint64_t copy_into_target(Target& target, const std::string& name, std::uint64_t size,
                               generator<std::span<const std::byte>> chunks, copy_pacer& pacer) {
    auto file = target.create(name, size);
    xxh3_stream hash;
    for (const std::span<const std::byte> chunk : chunks) {
        hash.update(chunk);
        file.write(chunk);
        pacer.advance(name, chunk.size());
    }
    file.close();
    return hash.digest();
}

/// The set names of databases: "databases/<file name>", with a number in front of
/// a name already taken. Throws backup_error(invalid_path) for a path JSON cannot
/// hold (not UTF-8), before anything is copied.
inline std::vector<std::string> database_set_names(const std::vector<database_file>& files) {
    std::vector<std::string> names;
    std::set<std::string> taken;
    for (const auto& file : files) {
        try {
            (void)nlohmann::json(file.path.string()).dump();
        } catch (const nlohmann::json::exception&) {
            throw backup_error(errc::invalid_path, error_context{.file = file.path.string()},
                               "a database path must be UTF-8 to be recorded in the manifest");
        }
        const auto base = file.path.filename().string();
        auto name = "databases/" + base;
        for (int repeat = 1; taken.contains(name); ++repeat) {
            name = "databases/" + std::to_string(repeat) + "-" + base;
        }
        taken.insert(name);
        names.push_back(std::move(name));
    }
    return names;
}

/// The base name of a log set, from the name of one of its numbered logs.
inline std::string base_name_of(const std::filesystem::path& log_path) {
    const auto name = log_path.filename().string();
    return name.substr(0, std::min(name.size(), base_name_length));
}

inline void check_options(const backup_options& options) {
    if (options.parallel_files < 1 || options.parallel_files > max_reader_threads) {
        throw backup_error(
            errc::invalid_parameter,
            "backup_options::parallel_files = " + std::to_string(options.parallel_files) +
                " must be 1 to " + std::to_string(max_reader_threads));
    }
    // A set holds whole files; an offset would make every file short.
    if (options.read.offset != 0) {
        throw backup_error(errc::invalid_parameter,
                           "backup_options::read.offset = " + std::to_string(options.read.offset) +
                               " must be 0: a backup set holds whole files");
    }
}

/// The logs stage of run_backup: copies the logs, commits the manifest, truncates
/// and ends.
template <backup_target Target, class LogsSession>
backup_report finish_backup(LogsSession logs, Target& target, const backup_options& options,
                            copy_pacer& pacer, manifest& contents, unsigned threads) {
    const auto files = logs.log_files();
    if (files.empty()) {
        throw backup_error(errc::file_not_found, "the backup lists no log file");
    }
    for (const auto& file : files) {
        pacer.add_total(file.size);
    }
    contents.logs.resize(files.size());
    run_tasks(files.size(), threads, pacer, [&](std::size_t index) {
        const auto& file = files[index];
        auto& entry = contents.logs[index];
        entry.generation = file.generation;
        entry.file = "logs/" + file.path.filename().string();
        entry.size = file.size;
        entry.xxh3 =
            copy_into_target(target, entry.file, file.size, logs.read(file, options.read), pacer);
    });
    contents.base_name = base_name_of(files.front().path);
    contents.log_file_size = files.front().size;
    contents.generations = {files.front().generation, files.back().generation};
    contents.ended_us = now_us();
    pacer.check();
    const auto text = contents.to_json();
    target.commit_manifest(std::as_bytes(std::span{text.data(), text.size()}));

    backup_report report;
    try {
        report.result = options.truncate ? std::move(logs).truncate().end() : std::move(logs).end();
    } catch (const backup_error& error) {
        throw backup_error(error.value(), error.context(),
                           "the backup set is complete (its manifest is committed) and must be "
                           "kept, but ending the backup failed, so the source may not record "
                           "it: " +
                               std::string{error.what()});
    }
    report.manifest = contents;
    report.bytes = pacer.done();
    report.seconds = pacer.seconds();
    return report;
}

}  // namespace detail

/// Backs up `source` into `target`; see the header comment. Returns the report.
/// Throws backup_error: invalid_parameter (options), invalid_path (a database path
/// that is not UTF-8), file_not_found (no log to copy), every error of begin_backup,
/// of reading a file and of logs(), truncate() and end() (session.hpp), the
/// target's errors (backup_target.hpp), backup_abort_by_caller (a stop request);
/// and whatever the progress callback throws. On any of these before the manifest
/// is committed, the set is incomplete and the source unchanged. Returns once the
/// session has ended; the copying threads (the caller's among them) are joined.
template <backup_source Source, backup_target Target>
backup_report run_backup(Source& source, Target& target, const backup_options& options = {}) {
    detail::check_options(options);
    const unsigned threads = Target::parallel_files ? options.parallel_files : 1;
    detail::copy_pacer pacer{options.progress, options.rate_limit, options.stop, "the backup"};
    pacer.check();
    manifest contents;
    contents.kind = backup_slot_of(options.kind, options.truncate);
    contents.started_us = detail::now_us();
    contents.page_size = source.page_size();
    contents.source_format = source_format_of(source);
    contents.log_signature = source.log_signature();
    if (options.kind == backup_kind::incremental) {
        return detail::finish_backup(begin_backup(source, incremental_backup), target, options,
                                     pacer, contents, threads);
    }
    auto session = begin_backup(source, full_backup);
    const auto files = session.databases();
    const auto names = detail::database_set_names(files);
    for (const auto& file : files) {
        pacer.add_total(file.stream_size);
    }
    contents.databases.resize(files.size());
    detail::run_tasks(files.size(), threads, pacer, [&](std::size_t index) {
        const auto& file = files[index];
        auto& entry = contents.databases[index];
        entry.path = file.path.string();
        entry.file = names[index];
        entry.page_count = file.page_count;
        entry.stream_size = file.stream_size;
        entry.database_signature = file.database_signature;
        entry.xxh3 = detail::copy_into_target(target, entry.file, file.stream_size,
                                              session.read(file, options.read), pacer);
    });
    return detail::finish_backup(std::move(session).logs(), target, options, pacer, contents,
                                 threads);
}

}  // namespace hotbackup::inline v1
