/// \file
/// verify(): reads every file of a restore chain of backup sets and checks it as a
/// restore would (backup_set.hpp): the chain (log signature, contiguous
/// generations, the order of the sets), each file's size and XXH3 against its
/// manifest, each log's header, each database stream's header, pages and trailer.
/// Nothing is written. A set of another engine's format (manifest::source_format is
/// not reference_format_name) gets the chain and manifest checks only: each file's
/// size and XXH3; its pages and logs are its engine's to check.
///
/// Errors: backup_error with the errc backup_set.hpp lists for each check, naming
/// the set file; backup_abort_by_caller after a stop request; storage errors.
///
/// Thread-safety: reads only; several verifications of one set may run at once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <range/v3/numeric/accumulate.hpp>
#include <range/v3/view/transform.hpp>
#include <stop_token>
#include <vector>

#include "hotbackup/error.hpp"
#include "hotbackup/restore/backup_set.hpp"
#include "hotbackup/set/progress.hpp"

namespace hotbackup::inline v1 {

/// How verify() reads.
struct verify_options {
    /// Bytes read at once: a multiple of the sets' page size.
    std::size_t buffer_size = std::size_t{1} << 20;
    /// Called after each chunk checked, on the caller's thread.
    progress_callback progress;
    /// A stop request fails the verification with errc::backup_abort_by_caller.
    std::stop_token stop;
};

/// What verify() checked.
struct verify_report {
    /// The chain the sets form, as a restore would replay it.
    restore_chain chain;
    /// Database streams checked.
    std::size_t database_files = 0;
    /// Log files checked, copies held by two sets included.
    std::size_t log_files = 0;
    /// Bytes read.
    std::uint64_t bytes = 0;
    /// How long the verification took.
    double seconds = 0;
};

/// Verifies the chain `sets` (a full or copy set, then incremental or
/// differential sets in order); see the header comment. Returns what was checked.
/// Throws backup_error: invalid_parameter (no set, or a bad buffer_size), the
/// errors of check_chain() and of each file's checks (backup_set.hpp),
/// backup_abort_by_caller, storage errors; and whatever the progress callback
/// throws. Runs on the caller's thread and writes nothing.
template <storage Storage>
verify_report verify(const std::vector<backup_set<Storage>>& sets,
                     const verify_options& options = {}) {
    verify_report report;
    report.chain = check_chain(sets);
    const auto& chain = report.chain;
    detail::check_buffer_size(options.buffer_size, chain.page_size);
    detail::copy_pacer pacer{options.progress, 0, options.stop, "the verification"};
    const auto& full = sets.front();
    const auto log_bytes = [](const std::vector<chain_log>& logs) {
        return ranges::accumulate(logs | ranges::views::transform(&chain_log::log) |
                                      ranges::views::transform(&manifest_log::size),
                                  std::uint64_t{0});
    };
    pacer.add_total(ranges::accumulate(
        full.contents().databases | ranges::views::transform(&manifest_database::stream_size),
        std::uint64_t{0}));
    pacer.add_total(log_bytes(chain.logs) + log_bytes(chain.duplicates));
    std::vector<std::byte> buffer(options.buffer_size);
    for (const auto& database : full.contents().databases) {
        const auto path = full.path_of(database.file);
        detail::database_stream_check check{path.string(), database, chain, chain.generations.last};
        detail::read_checked(full.storage(), path, check, buffer, errc::file_not_found,
                             error_context{.file = path.string()},
                             [&](std::uint64_t, std::span<const std::byte> chunk) {
                                 pacer.advance(database.file, chunk.size());
                             });
        ++report.database_files;
    }
    std::optional<std::uint64_t> previous_created;
    for (const auto& entry : chain.logs) {
        const auto& set = sets.at(entry.set);
        const auto path = set.path_of(entry.log.file);
        detail::log_file_check check{path.string(), entry.log, chain, previous_created};
        detail::read_checked(set.storage(), path, check, buffer, errc::missing_restore_log_files,
                             check.context(), [&](std::uint64_t, std::span<const std::byte> chunk) {
                                 pacer.advance(entry.log.file, chunk.size());
                             });
        previous_created = check.created();
        ++report.log_files;
    }
    detail::check_duplicate_logs(
        sets, chain, buffer,
        [&](const std::string& file, std::size_t bytes) { pacer.advance(file, bytes); });
    report.log_files += chain.duplicates.size();
    report.bytes = pacer.done();
    report.seconds = pacer.seconds();
    return report;
}

/// Verifies the chain of `full` followed by `later` sets, in order, with the
/// default verify_options.
template <storage Storage, std::same_as<backup_set<Storage>>... Later>
verify_report verify(const backup_set<Storage>& full, const Later&... later) {
    return verify(std::vector<backup_set<Storage>>{full, later...});
}

}  // namespace hotbackup::inline v1
