// The backup session's protocol, checked by its effects rather than its types
// (session/session.hpp; typestate_test.cpp covers the call order): which log
// generations a session lists around the roll at logs(), which logs truncation
// deletes, which header slot end() writes, the byte layout of a database stream
// (format/database_stream.hpp), the hold on logs under circular logging, reading
// two databases at once, and a second model of backup_source that is not the
// reference engine.
#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/format/file_names.hpp>
#include <hotbackup/format/page.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = hotbackup::instance<memory_storage>;

constexpr std::uint32_t page_size = 4096;
constexpr std::uint64_t log_file_size = std::uint64_t{64} * 1024;  // small_options()
const std::filesystem::path log_directory = "/inst/logs";
const std::filesystem::path database_path = "/inst/data.edb";

/// Options whose checkpoint never moves by itself (a depth of 1000 log files), so
/// every checkpoint in these tests is one the test asked for.
hotbackup::instance_options manual_checkpoint_options() {
    return small_options("/inst", 1000);
}

/// The numbered log generations in the log directory, read from the storage rather
/// than through the engine.
std::vector<log_generation> logs_on_disk(const memory_storage& storage) {
    std::vector<log_generation> generations;
    for (const auto& entry : storage.list(log_directory)) {
        if (const auto generation = hotbackup::parse_log_file_name(entry.name, "edb")) {
            generations.push_back(*generation);
        }
    }
    std::ranges::sort(generations);
    return generations;
}

/// Generations [first, last].
std::vector<log_generation> generations_from_to(log_generation first, log_generation last) {
    std::vector<log_generation> generations(last >= first ? last - first + 1 : 0);
    std::iota(generations.begin(), generations.end(), first);
    return generations;
}

std::vector<log_generation> generations_of(const std::vector<log_file>& files) {
    std::vector<log_generation> generations;
    generations.reserve(files.size());
    for (const auto& file : files) {
        generations.push_back(file.generation);
    }
    return generations;
}

/// `generations` without those below `end`.
std::vector<log_generation> from_generation(std::vector<log_generation> generations,
                                            log_generation end) {
    std::erase_if(generations, [&](log_generation generation) { return generation < end; });
    return generations;
}

/// Commits a little and closes the current log, `rounds` times.
void write_and_roll(engine_type& engine, database_id database, int rounds) {
    for (int round = 0; round < rounds; ++round) {
        fill(engine, database, 5, static_cast<char>('k' + round));
        engine.force_new_log();
    }
}

/// An engine with closed logs 1..5, the checkpoint at generation 3 and generation 6
/// being written: so there are logs below the checkpoint and closed logs after it.
struct engine_with_logs {
    engine_with_logs() {
        fill(engine, database, 20, 'a');
        write_and_roll(engine, database, 2);
        engine.checkpoint();  // at the tip: generation 3
        write_and_roll(engine, database, 3);
        REQUIRE(logs_on_disk(storage) == generations_from_to(1, 5));
        REQUIRE(engine.stored_checkpoint_generation() == 3);
        REQUIRE(engine.current_log_generation() == 6);
    }
    memory_storage storage;
    engine_type engine{storage, manual_checkpoint_options()};
    database_id database = engine.create_database(database_path);
};

/// A full backup session with every database read to the end.
auto full_session_with_databases_read(engine_type& engine) {
    auto session = begin_backup(engine, full_backup);
    read_all_databases(session);
    return session;
}

std::uint64_t microseconds_now() {
    return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
}

/// Page `page` (from 1) of a database file, read straight from the storage.
std::vector<std::byte> file_page(memory_storage& storage, const std::filesystem::path& path,
                                 page_number page) {
    std::vector<std::byte> bytes(page_size);
    auto file = storage.open(path, hotbackup::open_mode::read_only);
    (void)file.read_at(hotbackup::page_offset(page, page_size), bytes);
    return bytes;
}

/// Stream page `index` of a drained database stream.
std::span<const std::byte> stream_page(const std::vector<std::byte>& stream, std::size_t index) {
    return std::span{stream}.subspan(index * page_size, page_size);
}

bool same_bytes(std::span<const std::byte> left, std::span<const std::byte> right) {
    return std::ranges::equal(left, right);
}

}  // namespace

// ---- 1. the listed generations around the roll at logs() ----

TEST_CASE("a full backup lists the logs from the checkpoint at begin to the one current at logs()",
          "[session][log-list]") {
    engine_with_logs fixture;
    auto& engine = fixture.engine;
    const auto checkpoint_at_begin = engine.stored_checkpoint_generation();

    auto session = begin_backup(engine, full_backup);
    // A full backup does not roll at begin; its logs are listed only at logs().
    CHECK(engine.current_log_generation() == 6);
    read_all_databases(session);
    // The log moves on while the databases are read: the listing follows it.
    write_and_roll(engine, fixture.database, 1);
    const auto current_at_logs = engine.current_log_generation();
    REQUIRE(current_at_logs == 7);

    auto logs = std::move(session).logs();
    // The roll closed generation 7, so it is the last one listed.
    CHECK(engine.current_log_generation() == current_at_logs + 1);
    const auto listed = logs.log_files();
    CHECK(generations_of(listed) == generations_from_to(checkpoint_at_begin, current_at_logs));
    for (const auto& file : listed) {
        CHECK(file.size == log_file_size);
        CHECK(file.path == engine.log_file_path(file.generation));
        CHECK(file.path == log_directory / hotbackup::log_file_name("edb", file.generation));
    }
    // Logs below the checkpoint at begin are on disk but not in a full backup.
    CHECK(logs_on_disk(fixture.storage).front() == 1);
    std::move(logs).abort();
}

TEST_CASE(
    "an incremental backup lists the logs from the oldest on disk to the one before the new "
    "current",
    "[session][log-list]") {
    engine_with_logs fixture;
    auto& engine = fixture.engine;
    // An incremental backup needs a full backup whose logs were truncated.
    static_cast<void>(run_full_backup(engine, true));
    write_and_roll(engine, fixture.database, 2);
    const auto on_disk = logs_on_disk(fixture.storage);
    REQUIRE(on_disk.size() >= 3);
    const auto current_before = engine.current_log_generation();

    auto logs = begin_backup(engine, incremental_backup);
    // An incremental backup rolls at begin.
    CHECK(engine.current_log_generation() == current_before + 1);
    const auto listed = logs.log_files();
    CHECK(generations_of(listed) == generations_from_to(on_disk.front(), current_before));
    for (const auto& file : listed) {
        CHECK(file.size == log_file_size);
        CHECK(file.path == engine.log_file_path(file.generation));
    }
    std::move(logs).abort();
}

// ---- 2. exactly which logs truncation deletes ----

TEST_CASE("truncation deletes the logs below min(checkpoint, end of the copy) and nothing else",
          "[session][truncate]") {
    engine_with_logs fixture;
    auto& engine = fixture.engine;
    auto& storage = fixture.storage;

    SECTION("the checkpoint stays where it was at begin") {
        auto logs = full_session_with_databases_read(engine).logs();
        const auto checkpoint = engine.stored_checkpoint_generation();
        const auto copy_end = logs.log_files().back().generation + 1;
        REQUIRE(checkpoint == 3);
        REQUIRE(copy_end == 7);
        read_all_logs(logs);
        const auto before = logs_on_disk(storage);
        CHECK(before == generations_from_to(1, 6));

        const auto result = std::move(logs).truncate().end();
        // Logs 1 and 2 are below the checkpoint and below the backup's copy.
        CHECK(logs_on_disk(storage) == generations_from_to(3, 6));
        CHECK(logs_on_disk(storage) == from_generation(before, std::min(checkpoint, copy_end)));
        CHECK(result.logs_deleted == 2);
        CHECK(result.logs_truncated);
    }

    SECTION("the checkpoint moved during the databases stage: logs in the copy go too") {
        auto session = full_session_with_databases_read(engine);
        engine.checkpoint();  // at the tip, generation 6
        auto logs = std::move(session).logs();
        const auto checkpoint = engine.stored_checkpoint_generation();
        REQUIRE(checkpoint == 6);
        // The copy still starts at the checkpoint at begin.
        CHECK(generations_of(logs.log_files()) == generations_from_to(3, 6));
        read_all_logs(logs);

        const auto result = std::move(logs).truncate().end();
        // 3, 4 and 5 are in this backup and behind the checkpoint; 6 is the
        // checkpoint's own generation, which crash recovery still needs.
        CHECK(logs_on_disk(storage) == std::vector<log_generation>{6});
        CHECK(result.logs_deleted == 5);
    }

    SECTION("the range is fixed at logs(): a checkpoint after it deletes no more") {
        auto logs = full_session_with_databases_read(engine).logs();
        read_all_logs(logs);
        write_and_roll(engine, fixture.database, 1);
        engine.checkpoint();  // past the whole copy: generation 8
        REQUIRE(engine.checkpoint_generation() == 8);

        const auto result = std::move(logs).truncate().end();
        CHECK(logs_on_disk(storage) == generations_from_to(3, 7));
        CHECK(result.logs_deleted == 2);
    }

    SECTION("an incremental truncation deletes from the oldest log to the checkpoint") {
        auto full_logs = full_session_with_databases_read(engine).logs();
        read_all_logs(full_logs);
        static_cast<void>(std::move(full_logs).truncate().end());
        write_and_roll(engine, fixture.database, 2);
        engine.checkpoint();
        const auto checkpoint = engine.stored_checkpoint_generation();
        REQUIRE(logs_on_disk(storage) == generations_from_to(3, 8));
        REQUIRE(checkpoint == 9);

        auto logs = begin_backup(engine, incremental_backup);
        const auto copy_end = logs.log_files().back().generation + 1;
        REQUIRE(copy_end == 10);
        read_all_logs(logs);
        const auto before = logs_on_disk(storage);
        CHECK(before == generations_from_to(3, 9));

        const auto result = std::move(logs).truncate().end();
        // Generation 9 was closed by the roll at begin and is in the backup, but
        // it is the checkpoint's generation: it stays.
        CHECK(logs_on_disk(storage) == std::vector<log_generation>{9});
        CHECK(logs_on_disk(storage) == from_generation(before, std::min(checkpoint, copy_end)));
        CHECK(result.logs_deleted == 6);
    }

    SECTION("end() without truncate() deletes nothing") {
        auto logs = full_session_with_databases_read(engine).logs();
        read_all_logs(logs);
        const auto before = logs_on_disk(storage);
        CHECK(before == generations_from_to(1, 6));
        const auto result = std::move(logs).end();
        CHECK(logs_on_disk(storage) == before);
        CHECK(result.logs_deleted == 0);
        CHECK_FALSE(result.logs_truncated);
    }
}

// ---- 3. the header slot end() writes ----

TEST_CASE("end() records each kind of backup in its own header slot", "[session][slots]") {
    engine_with_logs fixture;
    auto& engine = fixture.engine;
    const auto database = fixture.database;
    const auto header = [&] { return engine.database_header_of(database); };

    // A full backup with truncation: slot full, with the mark taken at begin.
    const auto full_mark = engine.log_tip();
    const auto full_low = engine.stored_checkpoint_generation();
    const auto full_high = engine.current_log_generation();  // closed by the roll at logs()
    const auto full_started = microseconds_now();
    const auto full = run_full_backup(engine, true);
    const auto full_ended = microseconds_now();
    CHECK(full.kind == backup_kind::full);
    CHECK(full.slot_written == backup_slot::full);
    CHECK(full.logs_truncated);
    CHECK(full.generations.first == full_low);
    CHECK(full.generations.last == full_high);
    CHECK(full.databases == std::vector<std::filesystem::path>{database_path});
    CHECK(full.dropped.empty());
    const auto full_slot = header().slot(backup_slot::full);
    CHECK(full_slot.mark == full_mark);
    CHECK(full_slot.mark_time >= full_started);
    CHECK(full_slot.mark_time <= full_ended);
    CHECK(full_slot.generation_low == full.generations.first);
    CHECK(full_slot.generation_high == full.generations.last);
    CHECK(header().slot(backup_slot::copy).empty());

    // An incremental backup with truncation: slot incremental, marked at begin.
    write_and_roll(engine, database, 1);
    const auto incremental_mark = engine.log_tip();
    const auto incremental_low = engine.log_generations().front();
    const auto incremental_high = engine.current_log_generation();
    const auto incremental = run_incremental_backup(engine, true);
    CHECK(incremental.kind == backup_kind::incremental);
    CHECK(incremental.slot_written == backup_slot::incremental);
    CHECK(incremental.databases == std::vector<std::filesystem::path>{database_path});
    CHECK(incremental.generations.first == incremental_low);
    CHECK(incremental.generations.last == incremental_high);
    const auto incremental_slot = header().slot(backup_slot::incremental);
    CHECK(incremental_slot.mark == incremental_mark);
    CHECK(incremental_slot.generation_low == incremental.generations.first);
    CHECK(incremental_slot.generation_high == incremental.generations.last);
    CHECK(header().slot(backup_slot::full) == full_slot);

    // An incremental backup without truncation: slot differential.
    write_and_roll(engine, database, 1);
    const auto differential = run_incremental_backup(engine, false);
    CHECK(differential.slot_written == backup_slot::differential);
    CHECK_FALSE(differential.logs_truncated);
    const auto differential_slot = header().slot(backup_slot::differential);
    CHECK(differential_slot.generation_low == differential.generations.first);
    CHECK(differential_slot.generation_high == differential.generations.last);
    CHECK(header().slot(backup_slot::incremental) == incremental_slot);

    // A full backup without truncation: slot copy; the other slots stay.
    write_and_roll(engine, database, 1);
    const auto copy = run_full_backup(engine, false);
    CHECK(copy.kind == backup_kind::full);
    CHECK(copy.slot_written == backup_slot::copy);
    const auto copy_slot = header().slot(backup_slot::copy);
    CHECK(copy_slot.generation_low == copy.generations.first);
    CHECK(copy_slot.generation_high == copy.generations.last);
    CHECK(header().slot(backup_slot::full) == full_slot);
    CHECK(header().slot(backup_slot::incremental) == incremental_slot);
    CHECK(header().slot(backup_slot::differential) == differential_slot);

    SECTION("a later truncated full backup clears the incremental and differential slots") {
        const auto again = run_full_backup(engine, true);
        const auto after = header();
        CHECK(after.slot(backup_slot::full).generation_low == again.generations.first);
        CHECK(after.slot(backup_slot::full).generation_high == again.generations.last);
        CHECK(after.slot(backup_slot::full).mark > full_slot.mark);
        CHECK(after.slot(backup_slot::incremental).empty());
        CHECK(after.slot(backup_slot::differential).empty());
        CHECK(after.slot(backup_slot::copy) == copy_slot);  // a copy is not cleared
    }

    SECTION("no_header_update writes no slot, though the logs are truncated") {
        engine.checkpoint();  // at the tip, so truncation deletes every closed log
        const auto checkpoint = engine.checkpoint_generation();
        const auto slots_before = header().backups;
        const auto logs_before = logs_on_disk(fixture.storage);
        REQUIRE_FALSE(logs_before.empty());
        const auto result = run_full_backup(engine, true, end_options{.no_header_update = true});
        CHECK_FALSE(result.slot_written.has_value());
        CHECK(result.databases == std::vector<std::filesystem::path>{database_path});
        CHECK(result.logs_truncated);
        CHECK(result.logs_deleted == logs_before.size());
        // Left: the checkpoint's generation, which the roll at logs() closed.
        CHECK(logs_on_disk(fixture.storage) == std::vector<log_generation>{checkpoint});
        CHECK(header().backups == slots_before);
    }

    SECTION("truncate_done records an untruncated full backup as truncated and deletes nothing") {
        const auto logs_before = logs_on_disk(fixture.storage);
        const auto result = run_full_backup(engine, false, end_options{.truncate_done = true});
        CHECK(result.logs_truncated);
        CHECK(result.logs_deleted == 0);
        CHECK(result.slot_written == backup_slot::full);
        const auto after = header();
        CHECK(after.slot(backup_slot::full).generation_low == result.generations.first);
        CHECK(after.slot(backup_slot::full).generation_high == result.generations.last);
        CHECK(after.slot(backup_slot::incremental).empty());
        CHECK(after.slot(backup_slot::differential).empty());
        CHECK(after.slot(backup_slot::copy) == copy_slot);
        // Only the log the roll at logs() closed is new; the client truncates.
        auto expected_logs = logs_before;
        expected_logs.push_back(result.generations.last);
        CHECK(logs_on_disk(fixture.storage) == expected_logs);
    }

    SECTION("truncate_done records an untruncated incremental backup in slot incremental") {
        write_and_roll(engine, database, 1);
        const auto result =
            run_incremental_backup(engine, false, end_options{.truncate_done = true});
        CHECK(result.logs_truncated);
        CHECK(result.logs_deleted == 0);
        CHECK(result.slot_written == backup_slot::incremental);
        const auto after = header();
        CHECK(after.slot(backup_slot::incremental).generation_low == result.generations.first);
        CHECK(after.slot(backup_slot::incremental).generation_high == result.generations.last);
        CHECK(after.slot(backup_slot::differential) == differential_slot);
    }

    SECTION("abort() writes nothing, deletes nothing, and a new session may begin at once") {
        const auto slots_before = header().backups;
        auto logs = full_session_with_databases_read(engine).logs();
        read_all_logs(logs);
        const auto logs_before = logs_on_disk(fixture.storage);
        std::move(logs).abort();
        CHECK(header().backups == slots_before);
        CHECK(logs_on_disk(fixture.storage) == logs_before);
        // NOLINTNEXTLINE(bugprone-use-after-move): a consumed session must refuse
        CHECK(error_of([&] { static_cast<void>(logs.log_files()); }).value() == errc::no_backup);

        auto next = begin_backup(engine, incremental_backup);
        CHECK(next.kind() == backup_kind::incremental);
        read_all_logs(next);
        const auto next_result = std::move(next).end();
        CHECK(next_result.slot_written == backup_slot::differential);
    }
}

// ---- 4. the layout of a database stream ----

TEST_CASE("a database stream is the header twice, pages 1..N and the trailer, from one buffer",
          "[session][stream]") {
    memory_storage storage;
    engine_type engine{storage, manual_checkpoint_options()};
    const auto database = engine.create_database(database_path);
    fill(engine, database, 300, 'a');
    engine.checkpoint();  // every page is in the file, and nothing writes from here on
    const auto checkpoint_at_begin = engine.stored_checkpoint_generation();

    auto session = begin_backup(engine, full_backup);
    const auto files = session.databases();
    REQUIRE(files.size() == 1);
    const auto& file = files.front();
    const auto page_count = file.page_count;
    REQUIRE(page_count > 10);
    CHECK(page_count == engine.database_header_of(database).page_count);
    CHECK(file.stream_size == (std::uint64_t{page_count} + 3) * page_size);

    // Two pages per chunk, so the stream comes in many chunks of one buffer.
    const read_options options{.buffer_size = std::size_t{2} * page_size};
    std::vector<std::byte> stream;
    std::vector<const std::byte*> chunk_addresses;
    std::vector<std::size_t> chunk_sizes;
    for (const std::span<const std::byte> chunk : session.read(file, options)) {
        chunk_addresses.push_back(chunk.data());
        chunk_sizes.push_back(chunk.size());
        stream.insert(stream.end(), chunk.begin(), chunk.end());
    }
    REQUIRE(stream.size() == (std::size_t{page_count} + 3) * page_size);
    CHECK(stream.size() == file.stream_size);

    CHECK(chunk_addresses.size() == (std::size_t{page_count} + 3 + 1) / 2);
    CHECK(std::ranges::all_of(
        chunk_addresses, [&](const std::byte* address) { return address == chunk_addresses[0]; }));
    CHECK(reinterpret_cast<std::uintptr_t>(chunk_addresses[0]) % 4096 == 0);
    CHECK(std::ranges::all_of(chunk_sizes,
                              [&](std::size_t size) { return size <= options.buffer_size; }));
    CHECK(std::all_of(chunk_sizes.begin(), chunk_sizes.end() - 1,
                      [&](std::size_t size) { return size == options.buffer_size; }));

    // Pages 0 and 1: one header snapshot, twice, naming the copy's start.
    CHECK(same_bytes(stream_page(stream, 0), stream_page(stream, 1)));
    const auto header = database_header::decode(stream_page(stream, 0));
    REQUIRE(header.has_value());
    CHECK(header->page_count == page_count);
    CHECK(header->database_signature == file.database_signature);
    CHECK(header->current_full.generation_low == checkpoint_at_begin);
    CHECK(header->current_full.generation_high == 0);

    // Pages 2..N+1: the database file's pages 1..N, as the quiescent file holds them.
    for (page_number page = 1; page <= page_count; ++page) {
        INFO("database page " << page);
        CHECK(same_bytes(stream_page(stream, page + 1), file_page(storage, database_path, page)));
    }

    // Page N+2: the trailer.
    const auto trailer = backup_trailer::decode(stream_page(stream, std::size_t{page_count} + 2));
    REQUIRE(trailer.has_value());
    CHECK(trailer->page_count == page_count);
    CHECK(trailer->page_size == page_size);
    CHECK(trailer->database_signature == engine.database_header_of(database).database_signature);
    CHECK(trailer->log_signature == engine.log_signature());
    CHECK(trailer->backup.mark == header->current_full.mark);
    CHECK(trailer->backup.generation_low == checkpoint_at_begin);
    CHECK(trailer->backup.generation_high == engine.current_log_generation());

    // A buffer must be a positive multiple of the page size.
    for (const std::size_t bad_size :
         {std::size_t{0}, std::size_t{1000}, std::size_t{4096 + 512}, std::size_t{3 * 4096 - 1}}) {
        INFO("buffer_size " << bad_size);
        CHECK(error_of([&] {
                  static_cast<void>(session.read(file, read_options{.buffer_size = bad_size}));
              }).value() == errc::invalid_parameter);
    }
    auto logs = std::move(session).logs();
    const auto listed = logs.log_files();
    REQUIRE_FALSE(listed.empty());
    CHECK(error_of([&] {
              static_cast<void>(logs.read(listed.front(), read_options{.buffer_size = 100}));
          }).value() == errc::invalid_parameter);
    std::move(logs).abort();
}

// ---- 5. circular logging ----

TEST_CASE("under circular logging a full backup holds its logs until it ends",
          "[session][circular]") {
    memory_storage storage;
    auto options = manual_checkpoint_options();
    options.circular_logging = true;
    engine_type engine{storage, options};
    const auto database = engine.create_database(database_path);
    fill(engine, database, 50, 'a');
    write_and_roll(engine, database, 2);
    engine.checkpoint();  // circular logging: the logs behind it go at once
    write_and_roll(engine, database, 2);
    REQUIRE(logs_on_disk(storage) == generations_from_to(3, 4));

    auto session = begin_backup(engine, full_backup);
    const auto first_generation = engine.stored_checkpoint_generation();
    REQUIRE(first_generation == 3);

    // Move the checkpoint far past the backup's first generation.
    for (int round = 0; round < 8; ++round) {
        fill(engine, database, 30, static_cast<char>('b' + round));
        engine.force_new_log();
        engine.checkpoint();
    }
    const auto checkpoint = engine.checkpoint_generation();
    REQUIRE(checkpoint == 13);
    // Without the backup's hold these would be gone (as after end(), below).
    CHECK(logs_on_disk(storage) == generations_from_to(first_generation, checkpoint - 1));

    read_all_databases(session);
    auto logs = std::move(session).logs();
    CHECK(generations_of(logs.log_files()) == generations_from_to(first_generation, checkpoint));
    const auto log_bytes = read_all_logs(logs);
    CHECK(log_bytes == (checkpoint - first_generation + 1) * log_file_size);
    const auto result = std::move(logs).end();
    CHECK(result.generations.first == first_generation);
    CHECK(result.generations.last == checkpoint);
    CHECK(result.log_bytes == log_bytes);
    CHECK(result.slot_written == backup_slot::copy);
    CHECK(result.dropped.empty());

    // The hold is gone: the next checkpoint deletes every log behind it again.
    REQUIRE(logs_on_disk(storage) == generations_from_to(first_generation, checkpoint));
    engine.checkpoint();
    CHECK(logs_on_disk(storage).empty());
    CHECK(engine.checkpoint_generation() == checkpoint + 1);
}

// ---- 6. parallel reads ----

TEST_CASE("two databases read from two threads at once give the bytes of a sequential read",
          "[session][parallel][threads]") {
    memory_storage storage;
    engine_type engine{storage, manual_checkpoint_options()};
    const auto first_database = engine.create_database("/inst/first.edb");
    const auto second_database = engine.create_database("/inst/second.edb");
    fill(engine, first_database, 300, 'a');
    fill(engine, second_database, 200, 'b');
    engine.checkpoint();  // quiescent from here on

    auto session = begin_backup(engine, full_backup);
    const auto files = session.databases();
    REQUIRE(files.size() == 2);
    // One page per chunk, so the two readers interleave many times.
    const read_options options{.buffer_size = page_size};

    // Within one session the header snapshot, the mark and the trailer are the same
    // for every read of a quiescent database, so the bytes must be equal.
    std::vector<std::vector<std::byte>> sequential;
    sequential.reserve(files.size());
    for (const auto& file : files) {
        sequential.push_back(drain(session.read(file, options)));
    }

    // Generators are made on this thread (a session's members are called from one
    // thread at a time); each is then iterated by its own thread.
    struct parallel_read {
        hotbackup::generator<std::span<const std::byte>> chunks;
        std::vector<std::byte> bytes;
        std::exception_ptr error;
    };
    std::vector<parallel_read> reads;
    reads.reserve(files.size());
    for (const auto& file : files) {
        reads.push_back({session.read(file, options), {}, nullptr});
    }
    std::vector<std::thread> threads;
    threads.reserve(reads.size());
    for (auto& read : reads) {
        threads.emplace_back([&read] {
            try {
                read.bytes = drain(read.chunks);
            } catch (...) {
                read.error = std::current_exception();
            }
        });
    }
    for (auto& thread : threads) {
        thread.join();
    }
    for (std::size_t index = 0; index < reads.size(); ++index) {
        INFO("database " << files[index].path);
        if (reads[index].error) {
            std::rethrow_exception(reads[index].error);
        }
        CHECK(reads[index].bytes.size() == files[index].stream_size);
        CHECK(reads[index].bytes == sequential[index]);
    }
    reads.clear();

    auto logs = std::move(session).logs();
    read_all_logs(logs);
    const auto result = std::move(logs).end();
    CHECK(result.databases ==
          std::vector<std::filesystem::path>{"/inst/first.edb", "/inst/second.edb"});
    CHECK(result.dropped.empty());
    CHECK(result.database_bytes == 2 * (files[0].stream_size + files[1].stream_size));
}

TEST_CASE("reader threads read ahead and give the stream of a single-threaded read",
          "[session][parallel][threads]") {
    memory_storage storage;
    engine_type engine{storage, manual_checkpoint_options()};
    const auto database = engine.create_database("/inst/ahead.edb");
    fill(engine, database, 400, 'r');
    engine.checkpoint();  // quiescent: every read of this session gives the same bytes

    auto session = begin_backup(engine, full_backup);
    const auto file = session.databases().front();
    const auto one_thread = drain(session.read(file, {.buffer_size = page_size}));
    REQUIRE(one_thread.size() == file.stream_size);
    for (const unsigned threads : {2U, 3U, 16U}) {
        for (const std::size_t pages_per_chunk :
             {std::size_t{1}, std::size_t{3}, std::size_t{64}}) {
            const read_options options{.buffer_size = pages_per_chunk * page_size,
                                       .reader_threads = threads};
            std::size_t chunks = 0;
            std::vector<std::byte> bytes;
            std::set<const std::byte*> buffers;
            for (const std::span<const std::byte> chunk : session.read(file, options)) {
                CHECK(chunk.size() <= options.buffer_size);
                CHECK(reinterpret_cast<std::uintptr_t>(chunk.data()) % 4096 == 0);
                buffers.insert(chunk.data());
                const std::vector<std::byte> held(chunk.begin(), chunk.end());
                // The helpers go on reading ahead meanwhile; the chunk held must not
                // change under the consumer.
                std::this_thread::sleep_for(std::chrono::microseconds{200});
                CHECK(same_bytes(chunk, held));
                bytes.insert(bytes.end(), chunk.begin(), chunk.end());
                ++chunks;
            }
            const auto expected_chunks =
                (file.stream_size / page_size + pages_per_chunk - 1) / pages_per_chunk;
            CHECK(chunks == expected_chunks);
            // Chunk j goes to buffer j mod 2n, with n = min(threads, chunks before
            // the last) helpers.
            const auto helpers = std::min<std::size_t>(threads, expected_chunks - 1);
            CHECK(buffers.size() ==
                  (helpers == 0 ? 1 : std::min<std::size_t>(2 * helpers, expected_chunks)));
            CHECK(same_bytes(bytes, one_thread));
        }
    }
    // A consumer that stops early leaves no helper behind (their reads ahead are
    // dropped or waited for).
    {
        auto reader = session.read(file, {.buffer_size = page_size, .reader_threads = 4});
        auto chunk = reader.begin();
        REQUIRE(chunk != reader.end());
    }
    for (const unsigned bad : {0U, hotbackup::max_reader_threads + 1}) {
        CHECK(error_of([&] {
                  static_cast<void>(session.read(file, {.reader_threads = bad}));
              }).value() == errc::invalid_parameter);
    }
    auto logs = std::move(session).logs();
    read_all_logs(logs);
    const auto result = std::move(logs).end();
    CHECK(result.databases.size() == 1);
    CHECK(result.dropped.empty());
}

TEST_CASE("a database a reader with helpers left early is not in the backup",
          "[session][parallel][threads]") {
    memory_storage storage;
    engine_type engine{storage, manual_checkpoint_options()};
    const auto database = engine.create_database("/inst/early.edb");
    fill(engine, database, 400, 'e');
    auto session = begin_backup(engine, full_backup);
    const auto file = session.databases().front();
    {
        auto reader = session.read(file, {.buffer_size = page_size, .reader_threads = 4});
        std::size_t taken = 0;
        for ([[maybe_unused]] const std::span<const std::byte> chunk : reader) {
            if (++taken == 3) {
                break;  // the helpers have more chunks queued or in flight
            }
        }
        CHECK(taken == 3);
    }
    auto logs = std::move(session).logs();
    read_all_logs(logs);
    const auto result = std::move(logs).end();
    CHECK(result.databases.empty());
    REQUIRE(result.dropped.size() == 1);
    CHECK(result.dropped.front().path == "/inst/early.edb");
    CHECK(engine.database_header_of(database).slot(backup_slot::copy).empty());
}

TEST_CASE("with reader threads a damaged page still drops the database and names the page",
          "[session][parallel][threads]") {
    memory_storage storage;
    engine_type engine{storage, manual_checkpoint_options()};
    const auto database = engine.create_database("/inst/damaged.edb");
    fill(engine, database, 400, 'd');
    engine.checkpoint();
    constexpr page_number damaged_page = 9;
    {
        auto file = storage.open("/inst/damaged.edb", hotbackup::open_mode::read_write);
        const std::byte flipped{0x33};
        file.write_at(hotbackup::page_offset(damaged_page, page_size) + 200,
                      std::span{&flipped, 1});
    }
    auto session = begin_backup(engine, full_backup);
    const auto file = session.databases().front();
    std::size_t chunks_before_error = 0;
    const auto error = error_of([&] {
        for ([[maybe_unused]] const std::span<const std::byte> chunk :
             session.read(file, {.buffer_size = page_size, .reader_threads = 3})) {
            ++chunks_before_error;
        }
    });
    CHECK(error.value() == errc::read_verify_failure);
    CHECK(error.context().page == damaged_page);
    // Stream pages 0 and 1 are the header, stream page p + 1 is page p: every
    // chunk before the damaged page's was handed out, in order, and none after it.
    CHECK(chunks_before_error == damaged_page + 1);
    auto logs = std::move(session).logs();
    read_all_logs(logs);
    const auto result = std::move(logs).end();
    REQUIRE(result.dropped.size() == 1);
    CHECK_THAT(result.dropped.front().reason,
               contains_text("page " + std::to_string(damaged_page)));
}

// ---- 7. a second model of backup_source ----

namespace {

/// A user-defined engine in miniature, backed up through the same session as the
/// reference engine: one database of a few pages and a log of closed "files", all
/// held in vectors. It shows what backup_source asks of an engine and nothing more.
class toy_engine {
  public:
    static constexpr std::uint32_t page_bytes = 4096;
    static constexpr page_number page_count = 5;
    static constexpr database_id database{0, 1};
    inline static const std::filesystem::path path = "/toy/data.edb";

    toy_engine() {
        header_.page_size = page_bytes;
        header_.state = hotbackup::database_state::dirty;
        header_.database_signature = {0xDA7A, 1};
        header_.log_signature = log_signature_;
        header_.page_count = page_count;
        pages.reserve(page_count);
        for (page_number page = 1; page <= page_count; ++page) {
            pages.push_back(make_page(page));
        }
        // Generations 1 and 2 are closed; the checkpoint is in 2; 3 is being written.
        for (log_generation generation = 1; generation < current_; ++generation) {
            closed_logs[generation] = make_log(generation);
        }
        control_->allow_backups();
    }

    /// A valid leaf page: payload bytes, kind, then the checksum seal that
    /// verification checks.
    static std::vector<std::byte> make_page(page_number page) {
        std::vector<std::byte> bytes(page_bytes);
        std::fill(bytes.begin() + hotbackup::page_layout::header_size, bytes.end(),
                  static_cast<std::byte>(page));
        bytes[hotbackup::page_layout::kind_offset] =
            static_cast<std::byte>(hotbackup::page_kind::leaf);
        hotbackup::seal_page(bytes, page);
        return bytes;
    }

    /// A log "file": any bytes; this engine's logs are not a multiple of 4 KiB.
    static std::vector<std::byte> make_log(log_generation generation) {
        std::vector<std::byte> bytes(6000, static_cast<std::byte>(0xA0 + generation));
        return bytes;
    }

    /// Reads pages through a lock, verifying each as the concept requires (the
    /// session verifies nothing itself).
    class page_reader {
      public:
        explicit page_reader(const std::vector<std::vector<std::byte>>& engine_pages)
            : pages_(&engine_pages) {}
        void read(page_number first, page_number count, std::span<std::byte> buffer) const {
            for (page_number offset = 0; offset < count; ++offset) {
                const auto page = first + offset;
                const auto target = buffer.subspan(std::size_t{offset} * page_bytes, page_bytes);
                std::ranges::copy(pages_->at(page - 1), target.begin());
                hotbackup::require_page(hotbackup::check_page(target, page), path.string(), page);
            }
        }

      private:
        const std::vector<std::vector<std::byte>>* pages_;
    };

    class log_reader {
      public:
        explicit log_reader(const std::vector<std::byte>& bytes) : bytes_(&bytes) {}
        [[nodiscard]] std::uint64_t size() const { return bytes_->size(); }
        std::size_t read(std::uint64_t offset, std::span<std::byte> buffer) {
            if (offset >= bytes_->size()) {
                return 0;
            }
            const auto count = std::min<std::size_t>(
                buffer.size(), bytes_->size() - static_cast<std::size_t>(offset));
            std::copy_n(bytes_->begin() + static_cast<std::ptrdiff_t>(offset), count,
                        buffer.begin());
            return count;
        }

      private:
        const std::vector<std::byte>* bytes_;
    };

    // ---- backup_source ----

    [[nodiscard]] std::shared_ptr<hotbackup::backup_control> shared_backup_control() const {
        return control_;
    }
    [[nodiscard]] hotbackup::log_state log_state() const { return hotbackup::log_state::healthy; }
    [[nodiscard]] bool circular_logging() const { return false; }
    [[nodiscard]] std::uint32_t page_size() const { return page_bytes; }
    [[nodiscard]] hotbackup::signature log_signature() const { return log_signature_; }

    [[nodiscard]] std::vector<hotbackup::database_info> attached_databases() const {
        return {{database, path, page_bytes, page_count, header_.database_signature}};
    }
    [[nodiscard]] database_header database_header_of(database_id /*id*/) const { return header_; }
    [[nodiscard]] page_reader lock_pages(database_id /*id*/, page_number first, page_number last) {
        locked_ranges.emplace_back(first, last);
        return page_reader{pages};
    }

    [[nodiscard]] hotbackup::log_position log_tip() const { return {current_, 0}; }
    log_generation roll_log() {
        closed_logs[current_] = make_log(current_);
        return ++current_;
    }
    [[nodiscard]] log_generation current_log_generation() const { return current_; }
    [[nodiscard]] std::vector<log_generation> log_generations() const {
        std::vector<log_generation> generations;
        generations.reserve(closed_logs.size());
        for (const auto& entry : closed_logs) {
            generations.push_back(entry.first);
        }
        return generations;
    }
    [[nodiscard]] std::filesystem::path log_file_path(log_generation generation) const {
        return "/toy/logs/" + std::to_string(generation) + ".log";
    }
    [[nodiscard]] log_reader open_log(log_generation generation) {
        const auto found = closed_logs.find(generation);
        if (found == closed_logs.end()) {
            throw backup_error(
                errc::missing_file_to_backup,
                {.file = log_file_path(generation).string(), .generation = generation},
                "no such log");
        }
        return log_reader{found->second};
    }
    [[nodiscard]] log_generation stored_checkpoint_generation() const { return checkpoint_; }
    void hold_logs_from(std::optional<log_generation> generation) { held_from = generation; }
    std::size_t delete_logs(log_generation first, log_generation end) {
        deleted_ranges.emplace_back(first, end);
        return std::erase_if(closed_logs, [&](const auto& entry) {
            return entry.first >= first && entry.first < end;
        });
    }
    void write_backup_slot(database_id /*id*/, backup_slot slot, const backup_info& info) {
        header_.slot(slot) = info;
        if (slot == backup_slot::full) {
            header_.slot(backup_slot::incremental) = {};
            header_.slot(backup_slot::differential) = {};
        }
    }

    // The engine's data, open to the test: pages 1..N and the closed logs.
    std::vector<std::vector<std::byte>> pages;
    std::map<log_generation, std::vector<std::byte>> closed_logs;
    // What the session asked of the engine, for the test to check.
    std::vector<std::pair<page_number, page_number>> locked_ranges;
    std::vector<std::pair<log_generation, log_generation>> deleted_ranges;
    std::optional<log_generation> held_from;

  private:
    std::shared_ptr<hotbackup::backup_control> control_ =
        std::make_shared<hotbackup::backup_control>();
    hotbackup::signature log_signature_{0x1065, 2};
    database_header header_;
    log_generation current_ = 3;
    log_generation checkpoint_ = 2;
};

}  // namespace

TEST_CASE("a user-defined engine that models backup_source is backed up by the same session",
          "[session][backup_source]") {
    STATIC_REQUIRE(hotbackup::backup_source<toy_engine>);
    toy_engine engine;  // declared before the session: a source must outlive it

    SECTION("a full backup with truncation") {
        auto session = begin_backup(engine, full_backup);
        CHECK(engine.held_from == log_generation{2});  // the logs from the checkpoint on
        const auto files = session.databases();
        REQUIRE(files.size() == 1);
        CHECK(files[0].page_count == toy_engine::page_count);
        const auto stream =
            drain(session.read(files[0], read_options{.buffer_size = std::size_t{2} * 4096}));
        REQUIRE(stream.size() == (std::size_t{toy_engine::page_count} + 3) * 4096);
        for (page_number page = 1; page <= toy_engine::page_count; ++page) {
            CHECK(same_bytes(stream_page(stream, page + 1), engine.pages.at(page - 1)));
        }
        const auto trailer =
            backup_trailer::decode(stream_page(stream, toy_engine::page_count + 2));
        REQUIRE(trailer.has_value());
        CHECK(trailer->log_signature == engine.log_signature());
        CHECK(trailer->database_signature == files[0].database_signature);
        CHECK(trailer->backup.generation_low == 2);
        CHECK(trailer->backup.generation_high == 3);
        // Each chunk's pages were locked only while it was read: stream pages 2..7 in
        // chunks of two are database pages [1,2], [3,4] and [5] (the first chunk is
        // the two header pages, the last ends with the trailer).
        CHECK(engine.locked_ranges ==
              std::vector<std::pair<page_number, page_number>>{{1, 2}, {3, 4}, {5, 5}});

        auto logs = std::move(session).logs();
        CHECK(engine.current_log_generation() == 4);
        const auto listed = logs.log_files();
        CHECK(generations_of(listed) == generations_from_to(2, 3));
        for (const auto& file : listed) {
            CHECK(file.size == 6000);
            CHECK(drain(logs.read(file, read_options{.buffer_size = 4096})) ==
                  toy_engine::make_log(file.generation));
        }
        auto truncated = std::move(logs).truncate();
        // Below the checkpoint: generation 1 only.
        CHECK(engine.deleted_ranges ==
              std::vector<std::pair<log_generation, log_generation>>{{1, 2}});
        CHECK(engine.log_generations() == generations_from_to(2, 3));
        const auto result = std::move(truncated).end();
        CHECK(result.slot_written == backup_slot::full);
        CHECK(result.logs_deleted == 1);
        CHECK(result.log_bytes == std::uint64_t{2} * 6000);
        CHECK(result.database_bytes == (std::size_t{toy_engine::page_count} + 3) * 4096);
        const auto slot = engine.database_header_of(toy_engine::database).slot(backup_slot::full);
        CHECK(slot == backup_info{{3, 0}, slot.mark_time, 2, 3});
        CHECK_FALSE(engine.held_from.has_value());  // released at the end
    }

    SECTION("a damaged page drops the database, which then keeps every log") {
        engine.pages.at(2)[100] ^= std::byte{0x5A};  // page 3
        auto session = begin_backup(engine, full_backup);
        const auto files = session.databases();
        const auto error = error_of([&] { static_cast<void>(drain(session.read(files[0]))); });
        CHECK(error.value() == errc::read_verify_failure);
        CHECK(error.context().page == page_number{3});
        CHECK(error.context().file == toy_engine::path.string());

        auto logs = std::move(session).logs();
        read_all_logs(logs);
        const auto result = std::move(logs).truncate().end();
        REQUIRE(result.dropped.size() == 1);
        CHECK(result.dropped[0].path == toy_engine::path);
        CHECK(result.databases.empty());
        // It has no full backup, so it needs every log: truncation deletes none.
        CHECK(engine.deleted_ranges.empty());
        CHECK(result.logs_deleted == 0);
        CHECK(engine.log_generations() == generations_from_to(1, 3));
    }
}

}  // namespace hotbackup::test
