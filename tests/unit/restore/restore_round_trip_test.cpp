// Round trips through backup sets, each taken while writers commit: full; full and
// three incrementals; full and a differential; copy. Each restore is verified,
// restored into a fresh directory, opened as a normal instance, and checked key by
// key: every commit acknowledged before the last set began is there, nothing
// acknowledged after it returned, and each writer's keys form a gap-free prefix.
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/restore_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = hotbackup::instance<memory_storage>;
using set_type = backup_set<memory_storage>;

struct taken_set {
    std::string directory;
    std::vector<int> acknowledged_before;
    std::vector<int> acknowledged_after;
};

/// One run_backup into `directory` while `writers` keep committing.
taken_set take(memory_storage& disk, engine_type& engine,
               hotbackup::test::journaled_writers<engine_type>& writers,
               const std::string& directory, backup_kind kind, bool truncate) {
    writers.wait_for(150);
    taken_set taken{directory, writers.snapshot(), {}};
    directory_target<memory_storage> target{disk, directory};
    backup_options options;
    options.kind = kind;
    options.truncate = truncate;
    options.read.buffer_size = 64 * 1024;
    const auto report = hotbackup::run_backup(engine, target, options);
    taken.acknowledged_after = writers.snapshot();
    CHECK(report.manifest.kind == hotbackup::backup_slot_of(kind, truncate));
    CHECK(report.bytes > 0);
    return taken;
}

/// Verifies and restores the chain into a fresh directory and checks the keys
/// against the last set's bounds.
void restore_and_check(memory_storage& disk, const std::vector<taken_set>& taken,
                       const std::string& destination) {
    std::vector<set_type> chain;
    for (const auto& set : taken) {
        chain.emplace_back(disk, set.directory);
    }
    const auto verified = hotbackup::verify(chain);
    CHECK(verified.database_files == 1);
    const auto report = hotbackup::restore(chain, disk, destination);
    REQUIRE(report.databases.size() == 1);
    CHECK(report.generations.last == chain.back().contents().generations.last);
    CHECK(report.replayed_records > 0);
    CHECK_FALSE(disk.exists(std::filesystem::path{destination} / ".hotbackup-restore"));

    engine_type restored{disk, report.options};
    const auto database = restored.attach_database(report.databases.front().path);
    const auto checked = hotbackup::test::check_writer_prefixes(
        restored, database, taken.back().acknowledged_before, taken.back().acknowledged_after);
    CHECK(checked > 0);
    // The restored instance works: it takes new commits.
    auto transaction = restored.begin_transaction();
    transaction.put(database, "after-restore", "yes");
    transaction.commit();
    restored.term();
}

struct live_instance {
    memory_storage disk;
    engine_type engine{disk, hotbackup::test::small_options("/live")};
    hotbackup::database_id database = engine.create_database("/live/orders.edb");
};

}  // namespace

TEST_CASE("restore: a full set taken under writers restores every commit of its range",
          "[restore][threads]") {
    live_instance live;
    hotbackup::test::journaled_writers<engine_type> writers{live.engine, live.database, 3};
    const auto full = take(live.disk, live.engine, writers, "/sets/full", backup_kind::full, true);
    writers.stop();
    restore_and_check(live.disk, {full}, "/restored");
}

TEST_CASE("restore: a full set and three incrementals restore as one chain", "[restore][threads]") {
    live_instance live;
    hotbackup::test::journaled_writers<engine_type> writers{live.engine, live.database, 2};
    std::vector<taken_set> chain;
    chain.push_back(take(live.disk, live.engine, writers, "/sets/full", backup_kind::full, true));
    for (int index = 1; index <= 3; ++index) {
        chain.push_back(take(live.disk, live.engine, writers, "/sets/inc" + std::to_string(index),
                             backup_kind::incremental, true));
    }
    writers.stop();
    restore_and_check(live.disk, chain, "/restored");

    SECTION("a prefix of the chain restores the commits of its own range") {
        restore_and_check(live.disk, {chain[0], chain[1]}, "/restored-prefix");
    }
}

TEST_CASE("restore: a full set and a differential restore as one chain", "[restore][threads]") {
    live_instance live;
    hotbackup::test::journaled_writers<engine_type> writers{live.engine, live.database, 2};
    std::vector<taken_set> chain;
    chain.push_back(take(live.disk, live.engine, writers, "/sets/full", backup_kind::full, true));
    chain.push_back(take(live.disk, live.engine, writers, "/sets/differential",
                         backup_kind::incremental, false));
    writers.stop();
    const set_type differential{live.disk, "/sets/differential"};
    CHECK(differential.contents().kind == set_kind::differential);
    restore_and_check(live.disk, chain, "/restored");
}

TEST_CASE("restore: a copy set restores and leaves the source's logs in place",
          "[restore][threads]") {
    live_instance live;
    hotbackup::test::journaled_writers<engine_type> writers{live.engine, live.database, 2};
    writers.wait_for(100);
    const auto logs_before = live.engine.log_generations();
    const auto copy = take(live.disk, live.engine, writers, "/sets/copy", backup_kind::full, false);
    writers.stop();
    // A copy truncates nothing: the oldest log is still there.
    CHECK(live.engine.log_generations().front() == logs_before.front());
    restore_and_check(live.disk, {copy}, "/restored");
}

TEST_CASE("restore: renames put a database under a new name, stop_after_generation cuts replay",
          "[restore]") {
    live_instance live;
    hotbackup::test::fill(live.engine, live.database, 300, 'a');
    directory_target<memory_storage> full{live.disk, "/sets/full"};
    const auto report = hotbackup::run_backup(live.engine, full);
    std::vector<set_type> chain;
    chain.emplace_back(live.disk, "/sets/full");

    hotbackup::restore_options options;
    options.renames = {{"/live/orders.edb", "data/renamed.edb"}};
    const auto restored = hotbackup::restore(chain, live.disk, "/renamed", options);
    REQUIRE(restored.databases.size() == 1);
    CHECK(restored.databases.front().path == "/renamed/data/renamed.edb");
    CHECK(live.disk.exists("/renamed/data/renamed.edb"));

    options.renames = {{"/live/elsewhere.edb", "x.edb"}};
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, live.disk, "/unknown", options);
          }).value() == hotbackup::errc::invalid_parameter);

    hotbackup::restore_options cut;
    cut.stop_after_generation = report.manifest.generations.last - 1;
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, live.disk, "/cut", cut);
          }).value() == hotbackup::errc::ending_restore_log_too_low);
    CHECK_FALSE(live.disk.exists("/cut/orders.edb"));
}

TEST_CASE("restore: roll-forward replays the newer logs of the live log directory", "[restore]") {
    live_instance live;
    hotbackup::test::fill(live.engine, live.database, 200, 'a');
    directory_target<memory_storage> full{live.disk, "/sets/full"};
    (void)hotbackup::run_backup(live.engine, full);
    hotbackup::test::fill(live.engine, live.database, 400, 'b');  // after the set
    live.engine.flush_log();
    live.engine.term();

    std::vector<set_type> chain;
    chain.emplace_back(live.disk, "/sets/full");
    hotbackup::restore_options options;
    options.roll_forward = "/live/logs";
    const auto report = hotbackup::restore(chain, live.disk, "/restored", options);
    CHECK(report.generations.last > chain.front().contents().generations.last);
    engine_type restored{live.disk, report.options};
    const auto database = restored.attach_database(report.databases.front().path);
    auto transaction = restored.begin_transaction();
    CHECK(transaction.get(database, "key399") == std::string(200, 'b'));
}

TEST_CASE("restore: a finished destination is never overwritten", "[restore]") {
    live_instance live;
    hotbackup::test::fill(live.engine, live.database, 300, 'c');
    directory_target<memory_storage> full{live.disk, "/sets/full"};
    (void)hotbackup::run_backup(live.engine, full);
    std::vector<set_type> chain;
    chain.emplace_back(live.disk, "/sets/full");

    const auto first = hotbackup::restore(chain, live.disk, "/restored");
    CHECK_FALSE(first.resumed);
    // A second run over a finished destination refuses to overwrite it.
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, live.disk, "/restored");
          }).value() == hotbackup::errc::file_already_exists);
}

TEST_CASE("restore: a copy set and a differential that lists older logs form a chain",
          "[restore]") {
    live_instance live;
    hotbackup::test::fill(live.engine, live.database, 200, 'a');
    directory_target<memory_storage> full{live.disk, "/sets/full"};
    (void)hotbackup::run_backup(live.engine, full);
    hotbackup::test::fill(live.engine, live.database, 300, 'b');
    directory_target<memory_storage> copy{live.disk, "/sets/copy"};
    backup_options no_truncation;
    no_truncation.truncate = false;
    (void)hotbackup::run_backup(live.engine, copy, no_truncation);
    hotbackup::test::fill(live.engine, live.database, 400, 'c');
    directory_target<memory_storage> differential{live.disk, "/sets/differential"};
    no_truncation.kind = backup_kind::incremental;
    (void)hotbackup::run_backup(live.engine, differential, no_truncation);

    std::vector<set_type> chain;
    chain.emplace_back(live.disk, "/sets/copy");
    chain.emplace_back(live.disk, "/sets/differential");
    // The differential lists every log on disk, older ones than the copy needs too.
    REQUIRE(chain.back().contents().generations.first < chain.front().contents().generations.first);
    (void)hotbackup::verify(chain);
    const auto report = hotbackup::restore(chain, live.disk, "/restored");
    engine_type restored{live.disk, report.options};
    const auto database = restored.attach_database(report.databases.front().path);
    auto transaction = restored.begin_transaction();
    CHECK(transaction.get(database, "key399") == std::string(200, 'c'));
}

namespace {

/// The engine as a backup source, except that right after the session lists the
/// databases (and so fixes their page counts) a burst of commits splits pages and a
/// checkpoint flushes them: the race a live engine can run at any time. The new
/// pages are not in the streams, so a restore must find their images in the logs.
class racing_source {
  public:
    racing_source(engine_type& engine, hotbackup::database_id database)
        : engine_(&engine), database_(database) {}

    [[nodiscard]] std::vector<hotbackup::database_info> attached_databases() const {
        auto listed = engine_->attached_databases();
        if (!raced_) {
            raced_ = true;
            hotbackup::test::fill(*engine_, database_, 600, 'z');  // splits: new pages
            engine_->checkpoint();
            (void)engine_->force_new_log();
            engine_->checkpoint();
        }
        return listed;
    }

    // The rest forwards to the engine.
    [[nodiscard]] auto shared_backup_control() const { return engine_->shared_backup_control(); }
    [[nodiscard]] auto log_state() const { return engine_->log_state(); }
    [[nodiscard]] bool circular_logging() const { return engine_->circular_logging(); }
    [[nodiscard]] std::uint32_t page_size() const { return engine_->page_size(); }
    [[nodiscard]] hotbackup::signature log_signature() const { return engine_->log_signature(); }
    [[nodiscard]] auto database_header_of(hotbackup::database_id id) const {
        return engine_->database_header_of(id);
    }
    [[nodiscard]] auto lock_pages(hotbackup::database_id id, hotbackup::page_number first,
                                  hotbackup::page_number last) {
        return engine_->lock_pages(id, first, last);
    }
    [[nodiscard]] auto log_tip() const { return engine_->log_tip(); }
    auto roll_log() { return engine_->roll_log(); }
    [[nodiscard]] auto current_log_generation() const { return engine_->current_log_generation(); }
    [[nodiscard]] auto log_generations() const { return engine_->log_generations(); }
    [[nodiscard]] auto log_file_path(hotbackup::log_generation generation) const {
        return engine_->log_file_path(generation);
    }
    [[nodiscard]] auto open_log(hotbackup::log_generation generation) {
        return engine_->open_log(generation);
    }
    [[nodiscard]] auto stored_checkpoint_generation() const {
        return engine_->stored_checkpoint_generation();
    }
    void hold_logs_from(std::optional<hotbackup::log_generation> generation) {
        engine_->hold_logs_from(generation);
    }
    auto delete_logs(hotbackup::log_generation first, hotbackup::log_generation end) {
        return engine_->delete_logs(first, end);
    }
    void write_backup_slot(hotbackup::database_id id, hotbackup::backup_slot slot,
                           const hotbackup::backup_info& info) {
        engine_->write_backup_slot(id, slot, info);
    }

  private:
    engine_type* engine_;
    hotbackup::database_id database_;
    mutable bool raced_ = false;
};
static_assert(hotbackup::backup_source<racing_source>);

}  // namespace

TEST_CASE("restore: pages made after the page counts were fixed come back from the logs",
          "[restore]") {
    live_instance live;
    hotbackup::test::fill(live.engine, live.database, 300, 'a');
    racing_source source{live.engine, live.database};
    directory_target<memory_storage> full{live.disk, "/sets/full"};
    (void)hotbackup::run_backup(source, full);
    std::vector<set_type> chain;
    chain.emplace_back(live.disk, "/sets/full");
    const auto report = hotbackup::restore(chain, live.disk, "/restored");
    engine_type restored{live.disk, report.options};
    const auto database = restored.attach_database(report.databases.front().path);
    auto transaction = restored.begin_transaction();
    for (int index = 0; index < 600; ++index) {
        REQUIRE(transaction.get(database, "key" + std::to_string(index)) == std::string(200, 'z'));
    }
}

}  // namespace hotbackup::test
