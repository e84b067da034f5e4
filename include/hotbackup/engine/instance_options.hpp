/// \file
/// The options of an engine instance. They mirror the ESE system parameters that
/// matter to backup and recovery (docs/protocol.md §8.11): system path, log
/// path, base name, log file size, page size, circular logging, recovery on/off,
/// checkpoint depth, create missing paths.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

#include "hotbackup/error.hpp"
#include "hotbackup/format/file_names.hpp"

namespace hotbackup::inline v1 {

/// How an instance is set up. Every field has ESE's default; `validate()` checks
/// them all before an instance touches a file. A plain value; the instance keeps a
/// copy.
struct instance_options {
    /// Where the checkpoint file lives (JET_paramSystemPath).
    std::filesystem::path system_path = ".";
    /// Where the log files live (JET_paramLogFilePath).
    std::filesystem::path log_path = ".";
    /// Exactly 3 letters or digits; names the logs and the checkpoint
    /// (JET_paramBaseName).
    std::string base_name{default_base_name};
    /// Database page size in bytes: 4096, 8192, 16384 or 32768
    /// (JET_paramDatabasePageSize).
    std::uint32_t page_size = 8192;
    /// Size of every log file in bytes, a multiple of 4 KiB, at least 64 KiB and at
    /// most 32 MiB (JET_paramLogFileSize, there in KiB).
    std::uint64_t log_file_size = std::uint64_t{5} * 1024 * 1024;
    /// Delete logs behind the checkpoint instead of keeping them until a backup
    /// truncates them (JET_paramCircularLog).
    bool circular_logging = false;
    /// Write a log at all (JET_paramRecovery "on"/"off"). Without it a crash leaves
    /// attached databases dirty and there is nothing to back up.
    bool recovery = true;
    /// Bytes of log allowed between the checkpoint and the tip before dirty pages
    /// are flushed to move the checkpoint; at least `log_file_size`
    /// (JET_paramCheckpointDepthMax).
    std::uint64_t checkpoint_depth = std::uint64_t{20} * 1024 * 1024;
    /// Create the system and log directories if they are missing
    /// (JET_paramCreatePathIfNotExist).
    bool create_paths = false;

    /// Checks every option. Throws backup_error(errc::invalid_parameter) whose
    /// message names the option, its value and the rule it breaks.
    void validate() const {
        validate_base_name(base_name);
        if (page_size != 4096 && page_size != 8192 && page_size != 16384 && page_size != 32768) {
            reject("page_size", std::to_string(page_size),
                   "must be 4096, 8192, 16384 or 32768 bytes");
        }
        if (log_file_size < min_log_file_size || log_file_size > max_log_file_size ||
            log_file_size % log_segment_size != 0) {
            reject("log_file_size", std::to_string(log_file_size),
                   "must be a multiple of 4096 bytes from 64 KiB to 32 MiB");
        }
        if (checkpoint_depth < log_file_size) {
            reject("checkpoint_depth", std::to_string(checkpoint_depth),
                   "must be at least one log file (log_file_size " + std::to_string(log_file_size) +
                       ")");
        }
        if (system_path.empty()) {
            reject("system_path", "\"\"", "must name a directory");
        }
        if (log_path.empty()) {
            reject("log_path", "\"\"", "must name a directory");
        }
    }

    /// The size of a log segment and of the log file header (docs/protocol.md §8.7).
    static constexpr std::uint32_t log_segment_size = 4096;
    /// The smallest `log_file_size` accepted (64 KiB).
    static constexpr std::uint64_t min_log_file_size = std::uint64_t{64} * 1024;
    /// The largest `log_file_size` accepted (32 MiB).
    static constexpr std::uint64_t max_log_file_size = std::uint64_t{32} * 1024 * 1024;

  private:
    [[noreturn]] static void reject(const std::string& option, const std::string& value,
                                    const std::string& rule) {
        throw backup_error(errc::invalid_parameter,
                           "instance option " + option + " = " + value + " " + rule);
    }
};

/// How term() treats a running backup session.
enum class term_option {
    complete,     ///< refuse to terminate while a session runs (errc::backup_in_progress)
    stop_backup,  ///< stop the session (its next call fails with errc::backup_abort_by_server)
};

/// Counters of an instance since it was opened.
struct instance_statistics {
    /// Transactions committed with writes.
    std::uint64_t commits = 0;
    std::uint64_t log_bytes_written = 0;  ///< whole 4 KiB segments, padding included
    /// Database pages written back.
    std::uint64_t pages_flushed = 0;
    /// Checkpoint file writes.
    std::uint64_t checkpoints = 0;
    std::uint64_t recovered_records = 0;  ///< log records read by recovery at open
};

}  // namespace hotbackup::inline v1
