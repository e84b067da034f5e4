/// \file
/// plan_log_range(): which log generations a backup copies and which truncation may
/// delete, decided from plain values, with no engine and no I/O, so the rules can
/// be read in one place and tested as a table (docs/protocol.md §3.4):
/// - a full backup copies from the checkpoint read when it began (the logs that
///   make its page copies consistent); an incremental one from the oldest log on
///   disk, which must not be after the first generation some database has not yet
///   had backed up (else the chain would have a gap);
/// - both copy up to the generation before the one the log phase rolled to, and
///   every generation in between must be on disk;
/// - truncation deletes from the oldest log on disk up to (not including) the
///   lowest of the checkpoint now, the rolled generation and, for a full backup,
///   the last full backup of each attached database the backup did not copy (0 for
///   one that never had one: then nothing is deleted).
///
/// Thread-safety: a pure function.
#pragma once

#include <algorithm>
#include <cstddef>
#include <optional>
#include <vector>

#include "hotbackup/session/backup_files.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// What plan_log_range() decides from: the engine's answers, as plain values.
struct log_range_inputs {
    /// Full or incremental.
    backup_kind kind = backup_kind::full;
    /// A full backup: the stored checkpoint's generation when the backup began.
    log_generation checkpoint_at_begin = 0;
    /// The generation the log phase rolled to: every generation below it is closed.
    log_generation rolled = 0;
    /// The closed logs on disk, ascending.
    std::vector<log_generation> on_disk;
    /// The stored checkpoint's generation at the log phase.
    log_generation checkpoint_now = 0;
    /// An incremental backup: for each database, the first generation after its last
    /// full or incremental backup.
    std::vector<log_generation> needed_since_last_backup;
    /// A full backup: for each attached database it did not copy, the last
    /// generation of that database's last full backup (0: it never had one).
    std::vector<log_generation> uncopied_full_last;
};

/// Why a backup cannot hold the logs it must.
enum class log_range_problem {
    none,                   ///< the plan holds
    no_closed_log,          ///< no closed log is on disk (errc::file_not_found)
    gap_since_last_backup,  ///< incremental: a needed log is gone (missing_file_to_backup)
    log_missing,            ///< a generation to copy is not on disk (missing_file_to_backup)
};

/// What plan_log_range() decided.
struct log_range_plan {
    /// The generations the backup copies.
    generation_range copy;
    /// The generations truncation may delete (empty: none).
    generation_range truncate;
    /// When not none, the backup cannot go on; `copy` and `truncate` are then unset.
    log_range_problem problem = log_range_problem::none;
    /// The generation the problem is about.
    log_generation problem_generation = 0;
    /// gap_since_last_backup: the index (in needed_since_last_backup) of the database.
    std::size_t problem_database = 0;
};

/// Decides a backup's log ranges; see the header comment. Never throws (but for
/// std::bad_alloc); problems are reported in the plan, which the session turns into
/// errors that name the files.
[[nodiscard]] inline log_range_plan plan_log_range(const log_range_inputs& inputs) {
    log_range_plan plan;
    if (inputs.on_disk.empty()) {
        plan.problem = log_range_problem::no_closed_log;
        return plan;
    }
    const auto oldest_on_disk = inputs.on_disk.front();
    auto copy_first = inputs.checkpoint_at_begin;
    if (inputs.kind == backup_kind::incremental) {
        copy_first = oldest_on_disk;
        for (std::size_t index = 0; index < inputs.needed_since_last_backup.size(); ++index) {
            if (oldest_on_disk > inputs.needed_since_last_backup[index]) {
                plan.problem = log_range_problem::gap_since_last_backup;
                plan.problem_generation = inputs.needed_since_last_backup[index];
                plan.problem_database = index;
                return plan;
            }
        }
    }
    for (auto generation = copy_first; generation < inputs.rolled; ++generation) {
        if (!std::ranges::binary_search(inputs.on_disk, generation)) {
            plan.problem = log_range_problem::log_missing;
            plan.problem_generation = generation;
            return plan;
        }
    }
    auto delete_end = std::min(inputs.checkpoint_now, inputs.rolled);
    if (inputs.kind == backup_kind::full) {
        for (const auto last_full : inputs.uncopied_full_last) {
            delete_end = std::min(delete_end, last_full);
        }
    }
    const auto delete_first = std::min(oldest_on_disk, delete_end);
    plan.copy = {copy_first, inputs.rolled - 1};
    plan.truncate = delete_first < delete_end ? generation_range{delete_first, delete_end - 1}
                                              : generation_range{};
    return plan;
}

}  // namespace hotbackup::inline v1
