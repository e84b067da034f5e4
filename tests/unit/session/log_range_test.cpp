// plan_log_range(): the session's log-range rules as a table (docs/protocol.md §3.4).
// Each row gives the engine's answers and the ranges (or the problem) the rules give.
#include <cstddef>
#include <hotbackup/session/log_range.hpp>
#include <string>
#include <vector>

#include "support/catch.hpp"

namespace hotbackup::test {

namespace {

struct row {
    std::string rule;
    log_range_inputs inputs;
    generation_range copy;
    generation_range truncate;
    log_range_problem problem = log_range_problem::none;
    log_generation problem_generation = 0;
    std::size_t problem_database = 0;
};

log_range_inputs full(log_generation checkpoint_at_begin, log_generation rolled,
                      std::vector<log_generation> on_disk, log_generation checkpoint_now,
                      std::vector<log_generation> uncopied_full_last = {}) {
    log_range_inputs inputs;
    inputs.kind = backup_kind::full;
    inputs.checkpoint_at_begin = checkpoint_at_begin;
    inputs.rolled = rolled;
    inputs.on_disk = std::move(on_disk);
    inputs.checkpoint_now = checkpoint_now;
    inputs.uncopied_full_last = std::move(uncopied_full_last);
    return inputs;
}

log_range_inputs incremental(log_generation rolled, std::vector<log_generation> on_disk,
                             log_generation checkpoint_now,
                             std::vector<log_generation> needed_since_last_backup) {
    log_range_inputs inputs;
    inputs.kind = backup_kind::incremental;
    inputs.rolled = rolled;
    inputs.on_disk = std::move(on_disk);
    inputs.checkpoint_now = checkpoint_now;
    inputs.needed_since_last_backup = std::move(needed_since_last_backup);
    return inputs;
}

}  // namespace

TEST_CASE("plan_log_range follows ESE's rules for what a backup copies and truncates",
          "[session][log_range]") {
    const std::vector<row> table = {
        {"full: copy from the checkpoint at begin to the log before the roll",
         full(5, 9, {3, 4, 5, 6, 7, 8}, 8),
         {5, 8},
         {3, 7}},
        {"full: truncation stops at the checkpoint now, even if it moved past the copy",
         full(5, 9, {3, 4, 5, 6, 7, 8}, 6),
         {5, 8},
         {3, 5}},
        {"full: truncation never reaches the rolled generation",
         full(5, 9, {3, 4, 5, 6, 7, 8}, 12),
         {5, 8},
         {3, 8}},
        {"full: a database not copied keeps the logs since its last full backup",
         full(5, 9, {3, 4, 5, 6, 7, 8}, 8, {4}),
         {5, 8},
         {3, 3}},
        {"full: the lowest of several databases not copied wins",
         full(5, 9, {3, 4, 5, 6, 7, 8}, 8, {7, 4, 6}),
         {5, 8},
         {3, 3}},
        {"full: a database never backed up keeps every log",
         full(5, 9, {3, 4, 5, 6, 7, 8}, 8, {0}),
         {5, 8},
         {}},
        {"full: nothing older than the checkpoint: nothing to truncate",
         full(5, 9, {5, 6, 7, 8}, 5),
         {5, 8},
         {}},
        {"full: one log", full(1, 2, {1}, 1), {1, 1}, {}},
        {"incremental: copy from the oldest log on disk",
         incremental(9, {6, 7, 8}, 8, {6}),
         {6, 8},
         {6, 7}},
        {"incremental: logs older than a database needs are copied too",
         incremental(9, {4, 5, 6, 7, 8}, 8, {6}),
         {4, 8},
         {4, 7}},
        {"incremental: databases backed up at different points: the oldest log decides",
         incremental(9, {5, 6, 7, 8}, 9, {7, 5}),
         {5, 8},
         {5, 8}},
        {"incremental: other databases' full backups do not hold truncation",
         [] {
             auto inputs = incremental(9, {6, 7, 8}, 8, {6});
             inputs.uncopied_full_last = {1};
             return inputs;
         }(),
         {6, 8},
         {6, 7}},
        {"no closed log on disk", full(5, 9, {}, 5), {}, {}, log_range_problem::no_closed_log},
        {"incremental: the log after a database's last backup is gone",
         incremental(9, {7, 8}, 8, {7, 6}),
         {},
         {},
         log_range_problem::gap_since_last_backup,
         6,
         1},
        {"full: a log between the checkpoint and the roll is missing",
         full(5, 9, {3, 4, 5, 7, 8}, 8),
         {},
         {},
         log_range_problem::log_missing,
         6},
        {"full: the checkpoint's own log is missing",
         full(5, 9, {6, 7, 8}, 8),
         {},
         {},
         log_range_problem::log_missing,
         5},
    };
    for (const auto& expected : table) {
        INFO(expected.rule);
        const auto plan = hotbackup::plan_log_range(expected.inputs);
        CHECK(plan.problem == expected.problem);
        if (expected.problem != log_range_problem::none) {
            CHECK(plan.problem_generation == expected.problem_generation);
            CHECK(plan.problem_database == expected.problem_database);
            continue;
        }
        CHECK(plan.copy == expected.copy);
        CHECK(plan.truncate.empty() == expected.truncate.empty());
        if (!expected.truncate.empty()) {
            CHECK(plan.truncate == expected.truncate);
        }
    }
}

TEST_CASE("generation_range is inclusive, and empty when it holds no generation",
          "[session][log_range]") {
    CHECK(generation_range{3, 5}.size() == 3);
    CHECK(generation_range{3, 3}.size() == 1);
    CHECK(generation_range{3, 2}.empty());
    CHECK(generation_range{}.empty());
    CHECK(generation_range{0, 4}.empty());
    CHECK(generation_range{3, 5}.contains(5));
    CHECK_FALSE(generation_range{3, 5}.contains(6));
    CHECK_FALSE(generation_range{3, 5}.contains(2));
}

}  // namespace hotbackup::test
