// run_backup's options and failure paths: progress reports, cancellation through a
// stop token, a throwing progress callback, the rate limit, files copied in
// parallel, each target, and bad options. A failed backup leaves no manifest and a
// source that takes the next backup.
#include <chrono>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <sstream>
#include <stdexcept>
#include <stop_token>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/restore_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = hotbackup::instance<memory_storage>;
using set_type = hotbackup::backup_set<memory_storage>;

struct three_databases {
    memory_storage disk;
    engine_type engine{disk, hotbackup::test::small_options("/live")};
    std::vector<hotbackup::database_id> databases{engine.create_database("/live/a.edb"),
                                                  engine.create_database("/live/b.edb"),
                                                  engine.create_database("/live/c.edb")};
    three_databases() {
        for (const auto database : databases) {
            hotbackup::test::fill(engine, database, 200, 'r');
        }
    }

    /// A full backup into a fresh directory succeeds and its set verifies.
    void require_next_backup_succeeds(const std::string& directory) {
        hotbackup::directory_target<memory_storage> target{disk, directory};
        (void)hotbackup::run_backup(engine, target);
        (void)hotbackup::verify(std::vector<set_type>{{disk, directory}});
    }
};

}  // namespace

TEST_CASE("run_backup: progress counts every byte, names each file, never overshoots",
          "[run_backup]") {
    three_databases live;
    std::vector<hotbackup::progress_report> reports;
    backup_options options;
    options.read.buffer_size = 16 * 1024;
    options.progress = [&](const hotbackup::progress_report& report) { reports.push_back(report); };
    hotbackup::directory_target<memory_storage> target{live.disk, "/set"};
    const auto report = hotbackup::run_backup(live.engine, target, options);
    REQUIRE(reports.size() > 10);
    for (std::size_t index = 1; index < reports.size(); ++index) {
        CHECK(reports[index].bytes_done > reports[index - 1].bytes_done);
        CHECK(reports[index].bytes_done <= reports[index].bytes_total);
    }
    CHECK(reports.back().bytes_done == report.bytes);
    CHECK(reports.back().bytes_total == report.bytes);
    CHECK(reports.front().current_file.starts_with("databases/"));
    CHECK(reports.back().current_file.starts_with("logs/"));
    CHECK(report.manifest.databases.size() == 3);
    CHECK(report.result.logs_truncated);
}

TEST_CASE("run_backup: a stop request or a throwing callback fails it without a manifest",
          "[run_backup]") {
    three_databases live;
    SECTION("stop requested after the first chunk") {
        std::stop_source stop;
        backup_options options;
        options.read.buffer_size = 16 * 1024;
        options.stop = stop.get_token();
        options.progress = [&](const hotbackup::progress_report&) { stop.request_stop(); };
        hotbackup::directory_target<memory_storage> target{live.disk, "/set"};
        CHECK(hotbackup::test::error_of([&] {
                  (void)hotbackup::run_backup(live.engine, target, options);
              }).value() == errc::backup_abort_by_caller);
    }
    SECTION("stop requested before it begins") {
        std::stop_source stop;
        stop.request_stop();
        backup_options options;
        options.stop = stop.get_token();
        hotbackup::directory_target<memory_storage> target{live.disk, "/set"};
        CHECK(hotbackup::test::error_of([&] {
                  (void)hotbackup::run_backup(live.engine, target, options);
              }).value() == errc::backup_abort_by_caller);
    }
    SECTION("the progress callback throws") {
        backup_options options;
        int calls = 0;
        options.progress = [&](const hotbackup::progress_report&) {
            if (++calls == 3) {
                throw std::runtime_error("the user said no");
            }
        };
        hotbackup::directory_target<memory_storage> target{live.disk, "/set"};
        CHECK_THROWS_WITH(hotbackup::run_backup(live.engine, target, options), "the user said no");
    }
    CHECK_FALSE(live.disk.exists("/set/manifest.json"));
    live.require_next_backup_succeeds("/next");
}

TEST_CASE("run_backup: the rate limit paces the copy", "[run_backup]") {
    three_databases live;
    hotbackup::memory_target unthrottled;
    const auto bytes = hotbackup::run_backup(live.engine, unthrottled).bytes;
    hotbackup::test::fill(live.engine, live.databases.front(), 10, 's');
    backup_options options;
    options.read.buffer_size = 16 * 1024;
    // Paced at a third of the bytes per second, the copy needs at least ~1/3 s
    // whatever the machine's speed (the limit only ever sleeps).
    options.rate_limit = bytes * 3;
    hotbackup::memory_target target;
    const auto started = std::chrono::steady_clock::now();
    const auto report = hotbackup::run_backup(live.engine, target, options);
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    const auto least = static_cast<double>(report.bytes) / static_cast<double>(options.rate_limit);
    CHECK(took.count() >= least * 0.9);
    CHECK(target.complete());
}

TEST_CASE("run_backup: parallel files, each target kind, and bad options", "[run_backup]") {
    three_databases live;
    backup_options options;
    options.parallel_files = 3;
    options.read.buffer_size = 16 * 1024;
    hotbackup::directory_target<memory_storage> parallel{live.disk, "/parallel"};
    const auto report = hotbackup::run_backup(live.engine, parallel, options);
    CHECK(report.manifest.databases.size() == 3);
    const std::vector<set_type> chain{{live.disk, "/parallel"}};
    (void)hotbackup::verify(chain);
    const auto restored = hotbackup::restore(chain, live.disk, "/restored");
    CHECK(restored.databases.size() == 3);

    hotbackup::memory_target in_memory;
    options.truncate = false;
    (void)hotbackup::run_backup(live.engine, in_memory, options);
    CHECK(in_memory.complete());
    CHECK(in_memory.files().contains("databases/b.edb"));

    std::ostringstream archive;
    hotbackup::tar_target tar{archive};
    const auto streamed = hotbackup::run_backup(live.engine, tar, options);  // one at a time
    CHECK(archive.str().size() > streamed.bytes);

    for (const unsigned bad : {0U, 17U}) {
        options.parallel_files = bad;
        hotbackup::memory_target unused;
        CHECK(hotbackup::test::error_of([&] {
                  (void)hotbackup::run_backup(live.engine, unused, options);
              }).value() == errc::invalid_parameter);
    }
    // A set holds whole files: a read offset is refused before anything is copied.
    options.parallel_files = 1;
    options.read.offset = 4096;
    hotbackup::memory_target short_files;
    const auto error = hotbackup::test::error_of(
        [&] { (void)hotbackup::run_backup(live.engine, short_files, options); });
    CHECK(error.value() == errc::invalid_parameter);
    CHECK_THAT(std::string{error.what()}, hotbackup::test::contains_text("read.offset"));
    CHECK(short_files.files().empty());
}

TEST_CASE("run_backup: an incremental before any full backup is missing_full_backup",
          "[run_backup]") {
    three_databases live;
    backup_options options;
    options.kind = hotbackup::backup_kind::incremental;
    hotbackup::directory_target<memory_storage> target{live.disk, "/incremental"};
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::run_backup(live.engine, target, options);
          }).value() == errc::missing_full_backup);
    CHECK_FALSE(live.disk.exists("/incremental/manifest.json"));
    live.require_next_backup_succeeds("/full");
}

TEST_CASE("restore and verify: progress and a stop request", "[run_backup][restore]") {
    three_databases live;
    hotbackup::directory_target<memory_storage> target{live.disk, "/set"};
    (void)hotbackup::run_backup(live.engine, target);
    const std::vector<set_type> chain{{live.disk, "/set"}};

    std::uint64_t last_done = 0;
    std::uint64_t last_total = 0;
    hotbackup::restore_options options;
    options.buffer_size = 16 * 1024;
    options.progress = [&](const hotbackup::progress_report& report) {
        last_done = report.bytes_done;
        last_total = report.bytes_total;
    };
    const auto report = hotbackup::restore(chain, live.disk, "/restored", options);
    CHECK(last_done == last_total);
    CHECK(last_done >= report.database_bytes + report.log_bytes);

    std::stop_source stop;
    options.stop = stop.get_token();
    options.progress = [&](const hotbackup::progress_report&) { stop.request_stop(); };
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::restore(chain, live.disk, "/stopped", options);
          }).value() == errc::backup_abort_by_caller);
    CHECK_FALSE(live.disk.exists("/stopped/a.edb"));
    CHECK_FALSE(live.disk.exists("/stopped/.hotbackup-restore"));

    hotbackup::verify_options verify_options;
    verify_options.stop = stop.get_token();
    CHECK(hotbackup::test::error_of([&] {
              (void)hotbackup::verify(chain, verify_options);
          }).value() == errc::backup_abort_by_caller);
}

TEST_CASE("run_backup: a database path the manifest cannot hold fails before any copy",
          "[run_backup]") {
    three_databases live;
    const auto latin1 = live.engine.create_database("/live/caf\xe9.edb");  // not UTF-8
    hotbackup::test::fill(live.engine, latin1, 10, 'l');
    hotbackup::directory_target<memory_storage> target{live.disk, "/set"};
    const auto error =
        hotbackup::test::error_of([&] { (void)hotbackup::run_backup(live.engine, target); });
    CHECK(error.value() == errc::invalid_path);
    CHECK(live.disk.list("/set").empty());
}

}  // namespace hotbackup::test
