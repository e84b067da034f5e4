// Damaged backup sets: a byte flipped at sampled offsets of every file, every file
// cut short, every file deleted, two logs swapped, a log of another instance mixed
// in. verify() and restore() must both fail with the specific errc, and the
// destination must hold no database that opens.
#include <cstddef>
#include <filesystem>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/restore/restore.hpp>
#include <hotbackup/restore/verify.hpp>
#include <hotbackup/set/run_backup.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <set>
#include <string>
#include <vector>

#include "support/backup_fixture.hpp"
#include "support/catch.hpp"
#include "support/restore_fixture.hpp"

namespace hotbackup::test {

namespace {

using engine_type = hotbackup::instance<memory_storage>;
using set_type = backup_set<memory_storage>;

/// A full set and an incremental one of a live instance, and a full set of another
/// instance, in /sets; the pristine copy of each is kept to restore between cases.
struct damaged_sets {
    memory_storage disk;
    std::map<std::string, std::vector<std::byte>> pristine;  // path -> bytes

    damaged_sets() {
        {
            engine_type engine{disk, hotbackup::test::small_options("/live")};
            const auto database = engine.create_database("/live/orders.edb");
            hotbackup::test::fill(engine, database, 250, 'a');
            hotbackup::directory_target<memory_storage> full{disk, "/sets/full"};
            (void)hotbackup::run_backup(engine, full);
            hotbackup::test::fill(engine, database, 250, 'b');
            hotbackup::directory_target<memory_storage> incremental{disk, "/sets/incremental"};
            hotbackup::backup_options options;
            options.kind = hotbackup::backup_kind::incremental;
            (void)hotbackup::run_backup(engine, incremental, options);
            engine.term();
        }
        {
            engine_type other{disk, hotbackup::test::small_options("/other")};
            const auto database = other.create_database("/other/orders.edb");
            hotbackup::test::fill(other, database, 600, 'z');
            hotbackup::directory_target<memory_storage> full{disk, "/sets/other"};
            (void)hotbackup::run_backup(other, full);
            other.term();
        }
        for (const auto* set : {"/sets/full", "/sets/incremental", "/sets/other"}) {
            for (const auto& file : files_of(set)) {
                pristine[file] = read(file);
            }
        }
    }

    /// Every file of a set, the manifest included.
    std::vector<std::string> files_of(const std::string& set) {
        std::vector<std::string> files;
        for (const auto* sub : {"", "databases", "logs"}) {
            const auto directory = std::filesystem::path{set} / sub;
            if (!disk.exists(directory)) {
                continue;
            }
            for (const auto& entry : disk.list(directory)) {
                if (entry.kind == hotbackup::entry_kind::file) {
                    files.push_back((directory / entry.name).string());
                }
            }
        }
        return files;
    }

    std::vector<std::byte> read(const std::string& path) {
        auto file = disk.open(path, hotbackup::open_mode::read_only);
        std::vector<std::byte> bytes(file.size());
        (void)file.read_at(0, bytes);
        return bytes;
    }

    void write(const std::string& path, const std::vector<std::byte>& bytes) {
        if (disk.exists(path)) {
            disk.remove(path);
        }
        auto file = disk.open(path, hotbackup::open_mode::create);
        file.write_at(0, bytes);
        file.close();
    }

    void heal() {
        for (const auto& [path, bytes] : pristine) {
            write(path, bytes);
        }
    }

    std::vector<set_type> chain() {
        std::vector<set_type> sets;
        sets.emplace_back(disk, "/sets/full");
        sets.emplace_back(disk, "/sets/incremental");
        return sets;
    }

    /// verify() and restore() of the chain both fail with `expected`, and the
    /// destination holds no database.
    void require_both_fail(errc expected, const std::string& what) {
        INFO(what);
        const auto verify_error =
            hotbackup::test::error_of([&] { (void)hotbackup::verify(chain()); });
        INFO("verify: " << verify_error.what());
        CHECK(verify_error.value() == expected);
        const auto restore_error = hotbackup::test::error_of(
            [&] { (void)hotbackup::restore(chain(), disk, "/restored"); });
        INFO("restore: " << restore_error.what());
        CHECK(restore_error.value() == expected);
        CHECK_FALSE(disk.exists("/restored/orders.edb"));
        CHECK_FALSE(disk.exists("/restored/.hotbackup-restore"));
    }
};

/// The errc a flipped byte at `offset` of `path` must give.
errc expected_for_flip(const std::string& path, std::size_t offset, std::size_t size) {
    if (path.ends_with("manifest.json")) {
        return errc::invalid_backup;
    }
    if (path.find("/logs/") != std::string::npos) {
        return errc::log_corrupt_during_hard_restore;
    }
    constexpr std::size_t page = 4096;
    if (offset < 2 * page) {
        return errc::database_corrupted;  // a header copy
    }
    if (offset >= size - page) {
        return errc::bad_patch_page;  // the trailer
    }
    return errc::read_verify_failure;
}

}  // namespace

TEST_CASE("corruption: the undamaged chain verifies and restores", "[restore][corruption]") {
    damaged_sets sets;
    const auto verified = hotbackup::verify(sets.chain());
    CHECK(verified.database_files == 1);
    CHECK(verified.log_files > 2);
    (void)hotbackup::restore(sets.chain(), sets.disk, "/restored");
    CHECK(sets.disk.exists("/restored/orders.edb"));
}

TEST_CASE("corruption: a flipped byte anywhere in a set is found", "[restore][corruption]") {
    damaged_sets sets;
    for (const auto* set : {"/sets/full", "/sets/incremental"}) {
        for (const auto& path : sets.files_of(set)) {
            const auto size = sets.pristine.at(path).size();
            std::set<std::size_t> offsets{
                0, 9, 100, 4095, 4096 + 50, size / 2, size - 4096 + 60, size - 1};
            for (const auto offset : offsets) {
                if (offset >= size) {
                    continue;
                }
                auto bytes = sets.pristine.at(path);
                bytes[offset] ^= std::byte{0x41};  // never turns JSON whitespace into whitespace
                sets.write(path, bytes);
                // The expectation comes from the offset alone, never from what
                // verify() said: a flipped byte, even in a page's number field,
                // breaks the page's checksum (seeded with the stored number).
                sets.require_both_fail(expected_for_flip(path, offset, size),
                                       path + " flipped at " + std::to_string(offset));
                sets.heal();
            }
        }
    }
}

TEST_CASE("corruption: a file cut short or deleted is named with its errc",
          "[restore][corruption]") {
    damaged_sets sets;
    for (const auto* set : {"/sets/full", "/sets/incremental"}) {
        for (const auto& path : sets.files_of(set)) {
            const bool manifest = path.ends_with("manifest.json");
            const bool log = path.find("/logs/") != std::string::npos;
            auto bytes = sets.pristine.at(path);
            bytes.resize(bytes.size() - (manifest ? 10 : 4096));
            sets.write(path, bytes);
            sets.require_both_fail(manifest ? errc::invalid_backup
                                   : log    ? errc::log_corrupt_during_hard_restore
                                            : errc::bad_backup_database_size,
                                   path + " cut short");
            sets.heal();

            sets.disk.remove(path);
            sets.require_both_fail(manifest ? errc::invalid_backup
                                   : log    ? errc::missing_restore_log_files
                                            : errc::file_not_found,
                                   path + " deleted");
            sets.heal();
        }
    }
}

TEST_CASE("corruption: swapped logs and logs of another instance are refused",
          "[restore][corruption]") {
    damaged_sets sets;
    const auto logs = sets.files_of("/sets/full");
    std::vector<std::string> log_files;
    for (const auto& path : logs) {
        if (path.find("/logs/") != std::string::npos) {
            log_files.push_back(path);
        }
    }
    REQUIRE(log_files.size() >= 2);

    sets.write(log_files[0], sets.pristine.at(log_files[1]));
    sets.write(log_files[1], sets.pristine.at(log_files[0]));
    sets.require_both_fail(errc::given_log_file_is_not_contiguous, "two logs swapped");
    sets.heal();

    // A log of the other instance put in place of one of ours.
    std::string foreign;
    for (const auto& path : sets.files_of("/sets/other")) {
        if (path.find("/logs/") != std::string::npos) {
            foreign = path;
        }
    }
    REQUIRE_FALSE(foreign.empty());
    sets.write(log_files[0], sets.pristine.at(foreign));
    sets.require_both_fail(errc::given_log_file_has_bad_signature, "a log of another instance");
    sets.heal();

    // A whole set of another instance in the chain.
    std::vector<set_type> mixed;
    mixed.emplace_back(sets.disk, "/sets/full");
    mixed.emplace_back(sets.disk, "/sets/other");
    CHECK(hotbackup::test::error_of([&] { (void)hotbackup::verify(mixed); }).value() ==
          errc::invalid_backup);  // a second set holding databases
    std::vector<set_type> reordered;
    reordered.emplace_back(sets.disk, "/sets/incremental");
    CHECK(hotbackup::test::error_of([&] { (void)hotbackup::verify(reordered); }).value() ==
          errc::invalid_backup);  // a chain must start with databases
}

TEST_CASE(
    "corruption: docs/protocol.md §5 checks of a stream's header and trailer give ESE's errors",
    "[restore][corruption]") {
    damaged_sets sets;
    const std::string stream = "/sets/full/databases/orders.edb";
    const auto& pristine = sets.pristine.at(stream);
    constexpr std::size_t page = 4096;
    const auto trailer_at = pristine.size() - page;
    const auto header = hotbackup::database_header::decode(std::span{pristine}.first(page));
    const auto trailer = hotbackup::backup_trailer::decode(std::span{pristine}.subspan(trailer_at));
    REQUIRE(header);
    REQUIRE(trailer);

    const auto with_header = [&](hotbackup::database_header changed) {
        auto bytes = pristine;
        const auto encoded = changed.encode();
        std::ranges::copy(encoded, bytes.begin());
        std::ranges::copy(encoded, bytes.begin() + page);
        sets.write(stream, bytes);
    };
    const auto with_trailer = [&](hotbackup::backup_trailer changed) {
        auto bytes = pristine;
        const auto encoded = changed.encode();
        std::ranges::copy(encoded, bytes.begin() + static_cast<std::ptrdiff_t>(trailer_at));
        sets.write(stream, bytes);
    };

    auto not_from_backup = *header;
    not_from_backup.current_full = {};
    with_header(not_from_backup);
    sets.require_both_fail(errc::restore_of_non_backup_database, "header without backup info");
    sets.heal();

    auto other_database = *trailer;
    other_database.database_signature.random ^= 1;
    with_trailer(other_database);
    sets.require_both_fail(errc::database_patch_file_mismatch, "trailer of another database");
    sets.heal();

    auto earlier = *trailer;
    earlier.backup.generation_low -= 1;
    with_trailer(earlier);
    sets.require_both_fail(errc::starting_restore_log_too_high, "trailer needs older logs");
    sets.heal();

    auto later = *trailer;
    later.backup.generation_high = 0x7000'0000;
    with_trailer(later);
    sets.require_both_fail(errc::ending_restore_log_too_low, "trailer needs newer logs");
    sets.heal();
}

}  // namespace hotbackup::test
