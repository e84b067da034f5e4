// A backup of a busy engine (issue 4, docs/architecture.md §5 "Concurrency model"): four writers
// commit without pause while a full and then an incremental backup run, with a
// checkpoint depth of one log file so pages are flushed while they are read. Every
// page of every stream is checked again here, independently of the session's own
// verification: a page torn by a concurrent flush would fail its checksum.
#include <algorithm>
#include <atomic>
#include <cstddef>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/format/page.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <mutex>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = instance<memory_storage>;

constexpr int writer_count = 4;
constexpr std::size_t page_size = 4096;
constexpr std::uint64_t commits_per_chunk = 8;

/// Writers that commit without pause until stopped: each thread puts and updates
/// its own keys in both databases, alternating durable and lazy commits.
class busy_writers {
  public:
    busy_writers(engine_type& engine, std::vector<database_id> databases)
        : engine_(engine), databases_(std::move(databases)) {
        for (int writer = 0; writer < writer_count; ++writer) {
            threads_.emplace_back([this, writer] { write(writer); });
        }
    }
    busy_writers(const busy_writers&) = delete;
    busy_writers& operator=(const busy_writers&) = delete;
    ~busy_writers() { stop(); }

    void stop() {
        stopping_.store(true);
        for (auto& thread : threads_) {
            if (thread.joinable()) {
                thread.join();
            }
        }
    }

    [[nodiscard]] std::uint64_t commits() const { return commits_.load(); }

    /// Waits until the writers committed `count` more transactions.
    void wait_for_commits(std::uint64_t count) const {
        const auto target = commits() + count;
        while (commits() < target) {
            std::this_thread::yield();
        }
    }

  private:
    void write(int writer) {
        for (std::uint64_t round = 0; !stopping_.load(); ++round) {
            auto transaction = engine_.begin_transaction();
            for (const auto database : databases_) {
                // New keys grow the tree (splits); rewriting a small key range keeps
                // dirtying the same pages, which the checkpoint then flushes.
                transaction.put(database,
                                "w" + std::to_string(writer) + "-" + std::to_string(round),
                                std::string(180, static_cast<char>('a' + writer)));
                transaction.put(database, "hot" + std::to_string(round % 64),
                                std::to_string(round));
            }
            transaction.commit(round % 4 == 0 ? commit_mode::durable : commit_mode::lazy);
            commits_.fetch_add(1);
        }
    }

    engine_type& engine_;
    std::vector<database_id> databases_;
    std::atomic<bool> stopping_{false};
    std::atomic<std::uint64_t> commits_{0};
    std::vector<std::thread> threads_;
};

/// Checks every page of a database stream on its own: both header copies decode,
/// each database page is intact (or unused) and sits at its number, and the
/// trailer describes the stream.
void check_stream(const std::vector<std::byte>& stream, const database_file& file) {
    REQUIRE(stream.size() == file.stream_size);
    const auto pages = std::span{stream};
    const auto page_at = [&](std::size_t index) {
        return pages.subspan(index * page_size, page_size);
    };
    REQUIRE(hotbackup::database_header::decode(page_at(0)).has_value());
    CHECK(std::ranges::equal(page_at(0), page_at(1)));
    std::size_t torn_pages = 0;
    for (hotbackup::page_number page = 1; page <= file.page_count; ++page) {
        const auto check = hotbackup::check_page(page_at(page + 1), page);
        if (check != page_check::valid && check != page_check::unused) {
            ++torn_pages;
        }
    }
    CHECK(torn_pages == 0);
    const auto trailer = hotbackup::backup_trailer::decode(page_at(file.page_count + 2));
    REQUIRE(trailer.has_value());
    CHECK(trailer->page_count == file.page_count);
    CHECK(trailer->database_signature == file.database_signature);
}

}  // namespace

TEST_CASE("session under load: full and incremental backups while four writers commit",
          "[session][threads]") {
    memory_storage storage;
    // A checkpoint depth of one log file: dirty pages are flushed all the time.
    engine_type engine{storage, small_options("/inst", 1)};
    const std::vector<database_id> databases{engine.create_database("/inst/first.edb"),
                                             engine.create_database("/inst/second.edb")};
    busy_writers writers{engine, databases};
    writers.wait_for_commits(300);  // some hundred pages before the backup starts

    // Full backup: the two databases read at once from two threads, in small
    // chunks so that flushes interleave with the reads; the first one also with a
    // helper thread reading ahead.
    const auto flushed_before = engine.statistics().pages_flushed;
    const auto commits_before = writers.commits();
    auto session = begin_backup(engine, hotbackup::full_backup);
    const auto files = session.databases();
    REQUIRE(files.size() == 2);
    std::vector<std::vector<std::byte>> streams(files.size());
    {
        std::vector<std::thread> readers;
        for (std::size_t index = 0; index < files.size(); ++index) {
            auto chunks = session.read(
                files[index],
                read_options{.buffer_size = 2 * page_size, .reader_threads = index == 0 ? 2U : 1U});
            readers.emplace_back([&streams, &writers, index, chunks = std::move(chunks)]() mutable {
                for (const std::span<const std::byte> chunk : chunks) {
                    streams[index].insert(streams[index].end(), chunk.begin(), chunk.end());
                    // Let the writers fill some log between two chunks, so the
                    // checkpoint flushes pages while this file is being read.
                    writers.wait_for_commits(commits_per_chunk);
                }
            });
        }
        for (auto& reader : readers) {
            reader.join();
        }
    }
    const auto flushed_during_read = engine.statistics().pages_flushed - flushed_before;
    CHECK(flushed_during_read > 0);
    for (std::size_t index = 0; index < files.size(); ++index) {
        check_stream(streams[index], files[index]);
    }
    auto logs = std::move(session).logs();
    const auto full_log_bytes = hotbackup::test::read_all_logs(logs);
    const auto full = std::move(logs).truncate().end();
    CHECK(full.databases.size() == 2);
    CHECK(full.dropped.empty());
    CHECK(full.slot_written == backup_slot::full);
    CHECK(full.log_bytes == full_log_bytes);
    // The writers went on, and pages were flushed while the databases were read.
    CHECK(writers.commits() > commits_before);
    CHECK(engine.statistics().pages_flushed > flushed_before);

    // Incremental backup of the logs written meanwhile.
    writers.wait_for_commits(200);
    auto incremental = begin_backup(engine, hotbackup::incremental_backup);
    const auto log_files = incremental.log_files();
    REQUIRE_FALSE(log_files.empty());
    // From the oldest log on disk (truncation kept those the checkpoint still needs,
    // which the full backup holds too): no gap after the full backup.
    CHECK(log_files.front().generation <= full.generations.last + 1);
    CHECK(log_files.back().generation > full.generations.last);
    std::uint64_t incremental_log_bytes = 0;
    for (const auto& file : log_files) {
        const auto bytes = drain(incremental.read(file));
        CHECK(bytes.size() == file.size);
        incremental_log_bytes += bytes.size();
    }
    const auto result = std::move(incremental).truncate().end();
    CHECK(result.databases.size() == 2);
    CHECK(result.slot_written == backup_slot::incremental);
    CHECK(result.log_bytes == incremental_log_bytes);
    CHECK(result.generations.first == log_files.front().generation);
    CHECK(result.generations.last == log_files.back().generation);

    writers.stop();
    // The engine is consistent after all this: both databases hold every writer's
    // keys, and it terminates cleanly with no session left.
    for (const auto database : databases) {
        const auto contents = hotbackup::test::committed_contents(engine, database);
        for (int writer = 0; writer < writer_count; ++writer) {
            CHECK(contents.count("w" + std::to_string(writer) + "-0") == 1);
        }
    }
    engine.term();
}

}  // namespace hotbackup::test
