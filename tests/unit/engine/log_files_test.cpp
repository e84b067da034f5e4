// The log and checkpoint files an instance leaves on its storage, read back with the
// format's own readers: which files exist under which names, what their headers
// say, how the log rolls, how the checkpoint moves, which logs circular logging
// deletes, and what opening the instance again makes of a torn tail, a damaged
// segment, a missing log, a log from another log set, and a database page torn while
// it was being flushed.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/engine/log_reader.hpp>
#include <hotbackup/format/checkpoint.hpp>
#include <hotbackup/storage/faulty_storage.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

/// memory_storage behind a switch that can fail every operation: a power loss
/// under a running instance (see lose_power).
using crash_storage = hotbackup::faulty_storage<memory_storage>;

const std::filesystem::path system_directory{"/inst"};
const std::filesystem::path log_directory{"/inst/logs"};
const std::filesystem::path database_path{"/inst/data.edb"};
const std::filesystem::path current_log{"/inst/logs/edb.log"};
const std::filesystem::path checkpoint_file{"/inst/edb.chk"};
constexpr std::uint64_t small_log_size = 64 * 1024;

std::filesystem::path numbered_log(log_generation generation) {
    return log_directory / hotbackup::log_file_name("edb", generation);
}

template <class Storage>
log_file_header header_of(Storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, open_mode::read_only);
    return hotbackup::read_log_header(file);
}

template <class Storage>
std::uint64_t size_of(Storage& storage, const std::filesystem::path& path) {
    return storage.open(path, open_mode::read_only).size();
}

template <class Storage>
std::vector<std::string> names_in(Storage& storage, const std::filesystem::path& directory) {
    std::vector<std::string> names;
    for (const auto& entry : storage.list(directory)) {
        names.push_back(entry.name);
    }
    return names;
}

/// The numbered log generations in the log directory, ascending.
template <class Storage>
std::vector<log_generation> numbered_logs(Storage& storage) {
    std::vector<log_generation> generations;
    for (const auto& name : names_in(storage, log_directory)) {
        if (const auto generation = hotbackup::parse_log_file_name(name, "edb")) {
            generations.push_back(*generation);
        }
    }
    return generations;
}

std::vector<log_generation> generations_from(log_generation first, log_generation end) {
    std::vector<log_generation> generations;
    for (auto generation = first; generation < end; ++generation) {
        generations.push_back(generation);
    }
    return generations;
}

template <class Storage>
log_generation checkpoint_on_disk(Storage& storage) {
    const auto checkpoint = hotbackup::read_checkpoint(storage, checkpoint_file);
    REQUIRE(checkpoint.has_value());
    return checkpoint->generation;
}

/// Durable commits of one 100-byte value each, remembered so a test can check what
/// survived.
template <class Engine>
class committer {
  public:
    committer(Engine& engine, database_id database) : engine_(&engine), database_(database) {}

    void commit_one() {
        const auto key = "key-" + std::to_string(100'000 + next_);
        const auto value = std::string(100, static_cast<char>('a' + next_ % 26));
        ++next_;
        auto transaction = engine_->begin_transaction();
        transaction.put(database_, key, value);
        transaction.commit();
        committed_[key] = value;
    }

    /// Commits until the log being written is `generation` (at most a few hundred
    /// commits, so a log that never rolls fails the test instead of hanging it).
    void commit_until_generation(log_generation generation) {
        for (int round = 0; round < 100 * static_cast<int>(generation); ++round) {
            if (engine_->current_log_generation() >= generation) {
                return;
            }
            commit_one();
        }
        FAIL("the log did not reach generation " << generation);
    }

    [[nodiscard]] const std::map<std::string, std::string>& committed() const { return committed_; }

  private:
    Engine* engine_;
    database_id database_;
    std::map<std::string, std::string> committed_;
    int next_ = 0;
};

/// The error opening an instance throws; fails the test if it opens.
template <class Storage>
backup_error open_error(Storage& storage, const instance_options& options = small_options()) {
    try {
        const instance<Storage> engine{storage, options};
    } catch (const backup_error& error) {
        return error;
    }
    FAIL("the instance opened");
    return backup_error{errc::invalid_operation, "unreachable"};
}

/// Cuts the power under a running instance: every operation fails from now on, so
/// the instance's destructor changes nothing on the device; then the memory image
/// keeps only what was durable, plus what `surviving_bytes` keeps of each write that
/// was not synced.
void lose_power(
    std::optional<instance<crash_storage>>& engine, crash_storage& storage,
    const std::function<std::size_t(const memory_storage::unsynced_write&)>& surviving_bytes = {}) {
    storage.fail_when([](const hotbackup::storage_operation&) { return true; });
    engine.reset();
    storage.disarm();
    storage.inner().crash(surviving_bytes);
}

/// Makes the next checkpoint's sync of the database fail, then cuts the power so
/// that the root leaf's unsynced write survives only as far as its page header:
/// the file then holds a torn leaf (new header, old entries).
void tear_leaf_flush(std::optional<instance<crash_storage>>& engine, crash_storage& storage) {
    storage.fail_when([](const hotbackup::storage_operation& operation) {
        return operation.kind == hotbackup::operation_kind::sync && operation.path == database_path;
    });
    REQUIRE_THROWS_AS(engine->checkpoint(), backup_error);
    storage.disarm();
    const auto leaf_offset = hotbackup::page_offset(1, 4096);
    std::optional<std::size_t> leaf_write;
    for (const auto& write : storage.inner().unsynced_writes()) {
        if (write.path == database_path && write.offset == leaf_offset) {
            leaf_write = write.sequence;
        }
    }
    REQUIRE(leaf_write.has_value());
    lose_power(engine, storage, [&](const memory_storage::unsynced_write& write) {
        return write.sequence == *leaf_write ? hotbackup::page_layout::header_size : 0;
    });
}

/// Replaces a whole file with other bytes, as a person copying files would.
template <class Storage>
void overwrite_file(Storage& storage, const std::filesystem::path& path,
                    const std::vector<std::byte>& bytes) {
    auto file = storage.open(path, open_mode::create_or_open);
    file.resize(bytes.size());
    file.write_at(0, bytes);
    file.sync();
}

template <class Storage>
std::vector<std::byte> bytes_of(Storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, open_mode::read_only);
    std::vector<std::byte> bytes(file.size());
    REQUIRE(file.read_at(0, bytes) == bytes.size());
    return bytes;
}

/// Flips one byte of a file in place, through the storage (no instance is open).
template <class Storage>
void flip_byte(Storage& storage, const std::filesystem::path& path, std::uint64_t offset) {
    auto file = storage.open(path, open_mode::read_write);
    std::byte value{};
    REQUIRE(file.read_at(offset, std::span{&value, 1}) == 1);
    value ^= std::byte{0x10};
    file.write_at(offset, std::span{&value, 1});
    file.sync();
}

/// The segments of a log file at which a write starts, in file order: each
/// segment records the first segment of the write that wrote it (log_format.hpp).
template <class Storage>
std::vector<std::uint32_t> write_starts(Storage& storage, const std::filesystem::path& path) {
    const auto bytes = bytes_of(storage, path);
    std::vector<std::uint32_t> starts;
    for (std::uint32_t segment = 1; segment < bytes.size() / log_layout::block_size; ++segment) {
        const auto block = std::span{bytes}.subspan(std::size_t{segment} * log_layout::block_size,
                                                    log_layout::block_size);
        if (hotbackup::check_page(block, segment) == hotbackup::page_check::valid &&
            hotbackup::detail::load_le<std::uint32_t>(block, log_layout::write_first_offset) ==
                segment) {
            starts.push_back(segment);
        }
    }
    return starts;
}

}  // namespace

// ---- a new log set ----------------------------------------------------------------

TEST_CASE("a new instance creates edb.log of generation 1 and a checkpoint at generation 1",
          "[engine][log]") {
    memory_storage storage;
    const instance<memory_storage> engine{storage, small_options()};

    REQUIRE(names_in(storage, log_directory) == std::vector<std::string>{"edb.log"});
    const auto header = header_of(storage, current_log);
    REQUIRE(header.generation == 1);
    REQUIRE(header.previous_created == 0);
    REQUIRE(header.page_size == 4096);
    REQUIRE(header.segment_count * std::uint64_t{log_layout::block_size} == small_log_size);
    REQUIRE(header.log_signature == engine.log_signature());
    REQUIRE(header.attachments.empty());
    REQUIRE(size_of(storage, current_log) == small_log_size);

    const auto checkpoint = hotbackup::read_checkpoint(storage, checkpoint_file);
    REQUIRE(checkpoint.has_value());
    REQUIRE(checkpoint->generation == 1);
    REQUIRE(checkpoint->log_signature == engine.log_signature());
    REQUIRE(engine.checkpoint_generation() == 1);
    REQUIRE(engine.current_log_generation() == 1);
    REQUIRE(engine.log_generations().empty());
}

// ---- rolling ----------------------------------------------------------------------

TEST_CASE("commits that fill the log roll it into numbered files that chain by creation time",
          "[engine][log]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    committer writer{engine, engine.create_database(database_path)};

    writer.commit_until_generation(5);

    REQUIRE(numbered_logs(storage) == generations_from(1, 5));
    REQUIRE(engine.log_generations() == generations_from(1, 5));
    std::optional<log_file_header> previous;
    for (log_generation generation = 1; generation <= 5; ++generation) {
        CAPTURE(generation);
        const auto path = generation < 5 ? numbered_log(generation) : current_log;
        const auto header = header_of(storage, path);
        REQUIRE(header.generation == generation);
        REQUIRE(header.log_signature == engine.log_signature());
        REQUIRE(size_of(storage, path) == small_log_size);
        if (previous) {
            REQUIRE(header.previous_created == previous->created);
            REQUIRE(header.created > previous->created);
        }
        previous = header;
    }
    // Logs started after the database was attached name it.
    const auto attachments = header_of(storage, numbered_log(2)).attachments;
    REQUIRE(attachments.size() == 1);
    REQUIRE(attachments.front().path == database_path.string());
}

TEST_CASE("force_new_log rolls the log and returns the new current generation", "[engine][log]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};

    REQUIRE(engine.force_new_log() == 2);
    REQUIRE(engine.current_log_generation() == 2);
    REQUIRE(header_of(storage, current_log).generation == 2);
    REQUIRE(header_of(storage, numbered_log(1)).generation == 1);

    REQUIRE(engine.force_new_log() == 3);
    REQUIRE(names_in(storage, log_directory) ==
            std::vector<std::string>{"edb.log", "edb00000001.log", "edb00000002.log"});
    REQUIRE(header_of(storage, current_log).generation == 3);
    REQUIRE(header_of(storage, current_log).previous_created ==
            header_of(storage, numbered_log(2)).created);
}

TEST_CASE("a custom base name names the logs and the checkpoint", "[engine][log]") {
    memory_storage storage;
    auto options = small_options();
    options.base_name = "abc";
    {
        instance<memory_storage> engine{storage, options};
        REQUIRE(engine.force_new_log() == 2);
    }
    REQUIRE(names_in(storage, log_directory) ==
            std::vector<std::string>{"abc.log", "abc00000001.log"});
    REQUIRE(storage.exists(system_directory / "abc.chk"));
    REQUIRE_FALSE(storage.exists(checkpoint_file));
    REQUIRE(header_of(storage, log_directory / "abc.log").generation == 2);
    REQUIRE(hotbackup::read_checkpoint(storage, system_directory / "abc.chk")->generation == 2);
}

// ---- the checkpoint ---------------------------------------------------------------

TEST_CASE("the checkpoint advances once the log outgrows checkpoint_depth", "[engine][log]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options(system_directory, 1)};
    committer writer{engine, engine.create_database(database_path)};

    for (int round = 0; round < 500 && checkpoint_on_disk(storage) == 1; ++round) {
        writer.commit_one();
    }

    const auto on_disk = checkpoint_on_disk(storage);
    REQUIRE(on_disk > 1);
    REQUIRE(engine.checkpoint_generation() == on_disk);
    REQUIRE(on_disk <= engine.current_log_generation());
}

TEST_CASE("after term the checkpoint is the current log generation", "[engine][log]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    committer writer{engine, engine.create_database(database_path)};
    writer.commit_until_generation(3);
    REQUIRE(engine.checkpoint_generation() == 1);  // within the depth of 4 log files

    engine.term();

    const auto current = header_of(storage, current_log).generation;
    REQUIRE(current >= 3);
    REQUIRE(checkpoint_on_disk(storage) == current);
}

// ---- which logs stay --------------------------------------------------------------

TEST_CASE("circular logging deletes the logs behind the checkpoint and no others",
          "[engine][log][crash]") {
    for (const std::uint64_t depth_files : {1, 3}) {
        CAPTURE(depth_files);
        crash_storage storage;
        auto options = small_options(system_directory, depth_files);
        options.circular_logging = true;
        std::optional<instance<crash_storage>> engine;
        engine.emplace(storage, options);
        committer writer{*engine, engine->create_database(database_path)};
        std::size_t most_files = 0;
        while (engine->current_log_generation() < 30) {
            writer.commit_one();
            const auto numbered = numbered_logs(storage);
            const auto checkpoint = engine->checkpoint_generation();
            CAPTURE(numbered, checkpoint, engine->current_log_generation());
            REQUIRE(std::ranges::all_of(
                numbered, [&](log_generation generation) { return generation >= checkpoint; }));
            most_files = std::max(most_files, names_in(storage, log_directory).size());
        }
        REQUIRE(engine->checkpoint_generation() > 20);
        // The current log and the generations between the checkpoint and it, which
        // checkpoint_depth bounds.
        REQUIRE(most_files <= depth_files + 2);

        // Nothing recovery needs was deleted.
        lose_power(engine, storage);
        engine.emplace(storage, options);
        REQUIRE(committed_contents(*engine, engine->attach_database(database_path)) ==
                writer.committed());
    }
}

TEST_CASE("without circular logging every numbered log stays", "[engine][log]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options(system_directory, 1)};
    committer writer{engine, engine.create_database(database_path)};

    writer.commit_until_generation(12);

    REQUIRE(engine.checkpoint_generation() > 5);
    REQUIRE(numbered_logs(storage) == generations_from(1, 12));
}

TEST_CASE("hold_logs_from keeps logs from circular deletion until it is released",
          "[engine][log]") {
    memory_storage storage;
    auto options = small_options(system_directory, 1);
    options.circular_logging = true;
    instance<memory_storage> engine{storage, options};
    committer writer{engine, engine.create_database(database_path)};
    writer.commit_until_generation(4);
    const auto held = engine.checkpoint_generation();

    engine.hold_logs_from(held);
    writer.commit_until_generation(held + 6);

    REQUIRE(engine.checkpoint_generation() > held + 2);  // deletion would have run
    REQUIRE(numbered_logs(storage) == generations_from(held, engine.current_log_generation()));

    engine.hold_logs_from(std::nullopt);
    engine.checkpoint();
    const auto numbered = numbered_logs(storage);
    REQUIRE(std::ranges::all_of(numbered, [&](log_generation generation) {
        return generation >= engine.checkpoint_generation();
    }));
    REQUIRE(std::ranges::find(numbered, held) == numbered.end());
}

TEST_CASE("delete_logs refuses a range that reaches the checkpoint or a held log",
          "[engine][log]") {
    memory_storage storage;
    instance<memory_storage> engine{storage, small_options()};
    committer writer{engine, engine.create_database(database_path)};
    writer.commit_until_generation(3);
    engine.checkpoint();
    REQUIRE(engine.checkpoint_generation() == 3);
    REQUIRE(engine.force_new_log() == 4);
    REQUIRE(engine.force_new_log() == 5);
    REQUIRE(engine.checkpoint_generation() == 3);
    REQUIRE(numbered_logs(storage) == generations_from(1, 5));

    for (const auto& [first, end] : {std::pair{1U, 4U}, std::pair{3U, 5U}, std::pair{4U, 5U}}) {
        CAPTURE(first, end);
        try {
            engine.delete_logs(first, end);
            FAIL("logs the checkpoint needs were deleted");
        } catch (const backup_error& error) {
            REQUIRE(error.value() == errc::invalid_parameter);
        }
        REQUIRE(numbered_logs(storage) == generations_from(1, 5));
    }

    engine.hold_logs_from(2);
    REQUIRE_THROWS_AS(engine.delete_logs(1, 3), backup_error);
    REQUIRE(engine.delete_logs(1, 2) == 1);
    engine.hold_logs_from(std::nullopt);
    REQUIRE(engine.delete_logs(1, 3) == 1);  // generation 1 is gone already
    REQUIRE(numbered_logs(storage) == generations_from(3, 5));
}

TEST_CASE("delete_logs removes every log first and then syncs the log directory once",
          "[engine][log]") {
    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    committer writer{*engine, engine->create_database(database_path)};
    writer.commit_until_generation(8);
    engine->checkpoint();
    REQUIRE(engine->checkpoint_generation() == 8);
    REQUIRE(numbered_logs(storage) == generations_from(1, 8));

    std::vector<operation_kind> operations;
    storage.fail_when([&operations](const storage_operation& operation) {
        if (operation.kind == operation_kind::remove ||
            operation.kind == operation_kind::sync_directory) {
            operations.push_back(operation.kind);
        }
        return false;
    });
    REQUIRE(engine->delete_logs(1, 8) == 7);
    storage.disarm();

    // Seven removals, then one sync: the sync after the last is what makes them
    // durable, so a log is never gone before the deletions are.
    std::vector<operation_kind> expected(7, operation_kind::remove);
    expected.push_back(operation_kind::sync_directory);
    CHECK(operations == expected);
    lose_power(engine, storage);  // memory_storage undoes removals never synced
    CHECK(numbered_logs(storage.inner()).empty());
}

// ---- torn tails and corruption ------------------------------------------------------

TEST_CASE("a torn tail of the current log loses only the commit that was not acknowledged",
          "[engine][log][crash]") {
    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    committer writer{*engine, engine->create_database(database_path)};
    for (int round = 0; round < 20; ++round) {
        writer.commit_one();
    }
    engine->force_new_log();  // the failing write below then fits the current file

    // The next log write reaches the file, but its sync fails: the commit is never
    // acknowledged and its bytes are at the mercy of the crash.
    storage.fail_when([](const hotbackup::storage_operation& operation) {
        return operation.kind == hotbackup::operation_kind::sync &&
               operation.path.filename() == "edb.log";
    });
    auto transaction = engine->begin_transaction();
    const auto database = engine->attached_databases().front().id;
    for (int index = 0; index < 60; ++index) {
        transaction.put(database, "torn-" + std::to_string(index), std::string(100, 't'));
    }
    try {
        transaction.commit();
        FAIL("the commit was acknowledged");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::log_write_fail);
    }
    storage.disarm();
    std::optional<memory_storage::unsynced_write> last_log_write;
    for (const auto& write : storage.inner().unsynced_writes()) {
        if (write.path.filename() == "edb.log") {
            last_log_write = write;
        }
    }
    REQUIRE(last_log_write.has_value());
    REQUIRE(last_log_write->length > 2 * log_layout::block_size);

    // The first segment whole and part of the next, or only the start of the first.
    const std::size_t kept = GENERATE(std::size_t{log_layout::block_size + 100}, std::size_t{100});
    lose_power(engine, storage, [&](const memory_storage::unsynced_write& write) {
        return write.sequence == last_log_write->sequence ? kept : 0;
    });

    engine.emplace(storage, small_options());
    auto contents = committed_contents(*engine, engine->attach_database(database_path));
    REQUIRE(contents == writer.committed());

    // The log goes on after the tear, and what follows it is recovered too.
    committer after{*engine, engine->attached_databases().front().id};
    for (int round = 0; round < 5; ++round) {
        after.commit_one();
    }
    lose_power(engine, storage);
    engine.emplace(storage, small_options());
    contents = committed_contents(*engine, engine->attach_database(database_path));
    REQUIRE(contents.size() == writer.committed().size());  // the same keys, rewritten
    for (const auto& [key, value] : after.committed()) {
        REQUIRE(contents.at(key) == value);
    }
}

TEST_CASE("a damaged segment of edb.log followed by intact writes is corruption",
          "[engine][log][crash]") {
    memory_storage storage;
    std::map<std::string, std::string> committed;
    {
        instance<memory_storage> engine{storage, small_options()};
        committer writer{engine, engine.create_database(database_path)};
        for (int round = 0; round < 8; ++round) {
            writer.commit_one();
        }
        REQUIRE(engine.current_log_generation() == 1);
        committed = writer.committed();
    }
    const auto starts = write_starts(storage, current_log);
    REQUIRE(starts.size() >= 4);

    SECTION("a write in the middle is damaged") {
        const auto damaged = starts[1];
        flip_byte(storage, current_log, std::uint64_t{damaged} * log_layout::block_size + 40);

        const auto error = open_error(storage);
        REQUIRE(error.value() == errc::log_file_corrupt);
        REQUIRE_THAT(error.what(), contains_text("edb.log"));
        REQUIRE_THAT(error.what(),
                     contains_text("at offset " + std::to_string(damaged * 4096) + ": "));
    }
    SECTION("only the last write is damaged: a torn tail, not corruption") {
        flip_byte(storage, current_log, std::uint64_t{starts.back()} * log_layout::block_size + 40);

        instance<memory_storage> engine{storage, small_options()};
        REQUIRE(committed_contents(engine, engine.attach_database(database_path)) == committed);
    }
}

TEST_CASE("a damaged numbered log the checkpoint needs is corruption naming the file",
          "[engine][log][crash]") {
    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    committer writer{*engine, engine->create_database(database_path)};
    writer.commit_until_generation(3);
    lose_power(engine, storage);
    REQUIRE(checkpoint_on_disk(storage) == 1);

    flip_byte(storage, numbered_log(2), log_layout::block_size + 40);

    const auto error = open_error(storage);
    REQUIRE(error.value() == errc::log_file_corrupt);
    REQUIRE_THAT(error.what(), contains_text("edb00000002.log"));
}

TEST_CASE("a missing numbered log the checkpoint needs is reported by name",
          "[engine][log][crash]") {
    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    committer writer{*engine, engine->create_database(database_path)};
    writer.commit_until_generation(4);
    lose_power(engine, storage);
    REQUIRE(checkpoint_on_disk(storage) == 1);

    storage.remove(numbered_log(2));
    storage.sync_directory(log_directory);

    const auto error = open_error(storage);
    REQUIRE(error.value() == errc::missing_log_file);
    REQUIRE_THAT(error.what(), contains_text("edb00000002.log"));
}

TEST_CASE("a log of another log set copied in is refused", "[engine][log][crash]") {
    // Another instance, on its own storage, with logs of the same names.
    memory_storage other_storage;
    {
        instance<memory_storage> other{other_storage, small_options()};
        committer other_writer{other, other.create_database(database_path)};
        other_writer.commit_until_generation(3);
        other.checkpoint();
    }

    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    committer writer{*engine, engine->create_database(database_path)};
    writer.commit_until_generation(3);
    lose_power(engine, storage);
    REQUIRE(checkpoint_on_disk(storage) == 1);

    std::filesystem::path replaced;
    SECTION("a numbered log") {
        replaced = numbered_log(2);
        REQUIRE(storage.exists(replaced));
    }
    SECTION("the current log") {
        REQUIRE(header_of(storage, current_log).generation ==
                header_of(other_storage, current_log).generation);
        replaced = current_log;
    }
    overwrite_file(storage, replaced, bytes_of(other_storage, replaced));

    const auto error = open_error(storage);
    CAPTURE(error.what());
    REQUIRE(
        (error.value() == errc::bad_log_signature || error.value() == errc::invalid_log_sequence));
    REQUIRE_THAT(error.what(), contains_text(replaced.filename().string()));
}

// ---- replaying what the log holds ---------------------------------------------------

TEST_CASE("reopening after a clean shutdown replays a log in which the root leaf split",
          "[engine][log]") {
    memory_storage storage;
    std::map<std::string, std::string> committed;
    {
        instance<memory_storage> engine{storage, small_options()};
        const auto database = engine.create_database(database_path);
        // The first transaction logs the root leaf (page 1) whole, then key records
        // against it; the second overfills it, and page 1 becomes the root branch.
        for (const int count : {3, 60}) {
            auto transaction = engine.begin_transaction();
            for (int index = 0; index < count; ++index) {
                const auto key = "key-" + std::to_string(committed.size() + 1000);
                transaction.put(database, key, std::string(100, 'r'));
                committed[key] = std::string(100, 'r');
            }
            transaction.commit();
        }
        REQUIRE(engine.current_log_generation() == 1);  // recovery replays all of it
    }

    instance<memory_storage> engine{storage, small_options()};
    REQUIRE(committed_contents(engine, engine.attach_database(database_path)) == committed);
}

TEST_CASE("a page torn by a crash during its flush is rebuilt from the log",
          "[engine][log][crash]") {
    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    const auto database = engine->create_database(database_path);
    std::map<std::string, std::string> committed;
    const auto put = [&](const std::string& key) {
        auto transaction = engine->begin_transaction();
        transaction.put(database, key, std::string(100, 'p'));
        transaction.commit();
        committed[key] = std::string(100, 'p');
    };
    put("k0");                // the root leaf's first change: logged whole, in generation 1
    engine->force_new_log();  // generation 2
    put("k1");                // the leaf is dirty still: a key record, in generation 2
    engine->checkpoint();     // the leaf is written; recovery starts at generation 2
    REQUIRE(engine->checkpoint_generation() == 2);
    put("k2");  // the first change since the flush: the leaf is logged whole again

    // The next flush writes the leaf, but its sync fails and the crash tears it.
    tear_leaf_flush(engine, storage);
    const auto leaf_offset = hotbackup::page_offset(1, 4096);
    {
        auto file = storage.open(database_path, open_mode::read_only);
        std::vector<std::byte> leaf(4096);
        REQUIRE(file.read_at(leaf_offset, leaf) == leaf.size());
        REQUIRE(hotbackup::check_page(leaf, 1) == hotbackup::page_check::bad_checksum);
    }

    engine.emplace(storage, small_options());
    REQUIRE(committed_contents(*engine, engine->attach_database(database_path)) == committed);
}

TEST_CASE("a torn page is rebuilt when the checkpoint lies between its image and a key record",
          "[engine][log][crash]") {
    crash_storage storage;
    std::optional<instance<crash_storage>> engine;
    engine.emplace(storage, small_options());
    const auto database = engine->create_database(database_path);
    const auto put = [&](const std::string& key) {
        auto transaction = engine->begin_transaction();
        transaction.put(database, key, std::string(100, 'p'));
        transaction.commit();
    };
    put("k0");             // the root leaf's first change: logged whole
    put("k1");             // the leaf is dirty still: a key record
    engine->checkpoint();  // the leaf is written with k0 and k1
    put("k2");             // the first change since the flush: logged whole again

    // A flush of the leaf is torn by a crash: its page header is new, its entries old.
    tear_leaf_flush(engine, storage);

    // The checkpoint a concurrent commit can leave: run_checkpoint_locked reads the
    // log's end, then k1 commits and is durable before flush_all() reads its target,
    // so the flush writes the leaf with k1 and nothing is dirty: the checkpoint is the
    // end read first, just before k1's record and after the leaf's image. Written by
    // hand here because no hook can stop a thread between those two statements.
    std::optional<hotbackup::log_position> k1_record;
    {
        auto log = storage.open(current_log, open_mode::read_only);
        (void)hotbackup::scan_log_file(
            log, true, [&](hotbackup::log_position position, hotbackup::log_record&& record) {
                const auto* put_record = std::get_if<hotbackup::log_records::leaf_put>(&record);
                if (put_record != nullptr && put_record->key == "k1") {
                    k1_record = position;
                }
            });
    }
    REQUIRE(k1_record.has_value());
    const auto checkpoint = hotbackup::read_checkpoint(storage, checkpoint_file);
    REQUIRE(checkpoint.has_value());
    REQUIRE(checkpoint->position() > *k1_record);
    hotbackup::write_checkpoint(
        storage, checkpoint_file,
        {.sequence = checkpoint->sequence + 1,
         .generation = k1_record->generation,
         .offset = static_cast<std::uint32_t>(k1_record->offset - log_layout::segment_header_size),
         .log_signature = checkpoint->log_signature});

    REQUIRE_NOTHROW(engine.emplace(storage, small_options()));
    const auto contents = committed_contents(*engine, engine->attach_database(database_path));
    REQUIRE(contents == std::map<std::string, std::string>{{"k0", std::string(100, 'p')},
                                                           {"k1", std::string(100, 'p')},
                                                           {"k2", std::string(100, 'p')}});
}

}  // namespace hotbackup::test
