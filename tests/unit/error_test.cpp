// Tests of include/hotbackup/error.hpp: ESE's numbers and names, the error category,
// the errno mapping and the messages of backup_error.
#include <array>
#include <cerrno>
#include <cstddef>
#include <exception>
#include <hotbackup/error.hpp>
#include <set>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "../support/catch.hpp"

namespace hotbackup::test {

namespace {

std::string message_of(errc code) {
    return hotbackup::error_category().message(static_cast<int>(code));
}

}  // namespace

TEST_CASE("every error code is listed once, is negative and has ESE's name in its message",
          "[error]") {
    constexpr auto& codes = hotbackup::detail::all_error_codes;
    // The count of negative JET_err rows in docs/protocol.md §2.1, slash rows expanded,
    // without the internal and obsolete ones, plus BackupAbortByCaller, plus the three
    // that esent.hpp's sessions return (InvalidName, NotInTransaction, TransTooDeep).
    CHECK(codes.size() == 164);

    std::set<int> seen;
    for (const errc code : codes) {
        const int value = static_cast<int>(code);
        const std::string name{hotbackup::errc_name(code)};
        const std::string message = message_of(code);
        INFO(name << " = " << value << ": " << message);
        CHECK(seen.insert(value).second);
        CHECK(value < 0);
        CHECK(name.starts_with("JET_err"));
        CHECK(name != "JET_err(unknown)");
        CHECK(message.find("unknown") == std::string::npos);
        CHECK(message.ends_with(" (" + name + ", " + std::to_string(value) + ")"));
        // A meaning in front of the parenthesis, not just the name and number.
        CHECK(message.size() > name.size() + 20);
    }
}

TEST_CASE("the list of error codes holds every value that has an ESE name", "[error]") {
    // describe() is a switch that -Wswitch keeps complete, so counting the named values
    // proves that all_error_codes leaves no enumerator out.
    std::size_t named = 0;
    for (int value = -10000; value <= 10000; ++value) {
        if (hotbackup::errc_name(static_cast<errc>(value)) != "JET_err(unknown)") {
            ++named;
        }
    }
    CHECK(named == hotbackup::detail::all_error_codes.size());
}

TEST_CASE("error codes carry ESE's numbers", "[error]") {
    STATIC_REQUIRE(static_cast<int>(errc::backup_in_progress) == -505);
    STATIC_REQUIRE(static_cast<int>(errc::read_verify_failure) == -1018);
    STATIC_REQUIRE(static_cast<int>(errc::read_pgno_verify_failure) == -1118);
    STATIC_REQUIRE(static_cast<int>(errc::log_read_verify_failure) == -612);
    STATIC_REQUIRE(static_cast<int>(errc::backup_abort_by_caller) == -800);
    STATIC_REQUIRE(static_cast<int>(errc::backup_abort_by_server) == -801);
    STATIC_REQUIRE(static_cast<int>(errc::client_request_to_stop_jet_service) == -1329);
    STATIC_REQUIRE(static_cast<int>(errc::missing_file_to_backup) == -569);
    STATIC_REQUIRE(static_cast<int>(errc::invalid_grbit) == -900);
    STATIC_REQUIRE(static_cast<int>(errc::running_in_multi_instance_mode) == -1081);
    STATIC_REQUIRE(static_cast<int>(errc::surrogate_backup_in_progress) == -617);
    STATIC_REQUIRE(static_cast<int>(errc::database_dirty_shutdown) == -550);
    STATIC_REQUIRE(static_cast<int>(errc::instance_name_in_use) == -1086);
    STATIC_REQUIRE(static_cast<int>(errc::os_snapshot_not_allowed) == -2403);
    STATIC_REQUIRE(static_cast<int>(errc::file_io_beyond_eof) == -4001);
}

TEST_CASE("error codes are named as ESE's public header spells them", "[error]") {
    STATIC_REQUIRE(hotbackup::errc_name(errc::backup_in_progress) == "JET_errBackupInProgress");
    STATIC_REQUIRE(hotbackup::errc_name(errc::invalid_grbit) == "JET_errInvalidGrbit");
    STATIC_REQUIRE(hotbackup::errc_name(errc::backup_abort_by_caller) ==
                   "JET_errBackupAbortByCaller");
    STATIC_REQUIRE(hotbackup::errc_name(errc::disk_io) == "JET_errDiskIO");
    STATIC_REQUIRE(hotbackup::errc_name(errc::os_snapshot_invalid_snap_id) ==
                   "JET_errOSSnapshotInvalidSnapId");
    STATIC_REQUIRE(hotbackup::errc_name(errc::database_dirty_shutdown) ==
                   "JET_errDatabaseDirtyShutdown");
}

TEST_CASE("messages say what went wrong, then ESE's name and number", "[error]") {
    CHECK(message_of(errc::backup_in_progress) ==
          "a backup is already in progress on this instance (JET_errBackupInProgress, -505)");
    CHECK(message_of(errc::log_file_not_copied) ==
          "logs cannot be truncated before every log file of the backup was read to the end "
          "(JET_errLogFileNotCopied, -616)");
    CHECK(message_of(errc::missing_full_backup) ==
          "an incremental backup needs a previous full backup whose logs were truncated "
          "(JET_errMissingFullBackup, -560)");
}

TEST_CASE("an errc converts to a std::error_code of the hotbackup category", "[error]") {
    STATIC_REQUIRE(std::is_error_code_enum_v<errc>);
    const std::error_code code = errc::read_verify_failure;
    CHECK(code);
    CHECK(code.value() == -1018);
    CHECK(&code.category() == &hotbackup::error_category());
    CHECK(std::string_view{code.category().name()} == "hotbackup");
    CHECK(code == errc::read_verify_failure);
    CHECK(code != errc::read_pgno_verify_failure);
    CHECK(code.message() == message_of(errc::read_verify_failure));
    CHECK(make_error_code(errc::disk_full) == std::error_code(-1808, hotbackup::error_category()));
}

TEST_CASE("error codes with a portable meaning compare equal to std::errc conditions", "[error]") {
    const auto mapped = std::to_array<std::pair<errc, std::errc>>({
        {errc::disk_full, std::errc::no_space_on_device},
        {errc::log_disk_full, std::errc::no_space_on_device},
        {errc::disk_io, std::errc::io_error},
        {errc::file_not_found, std::errc::no_such_file_or_directory},
        {errc::file_access_denied, std::errc::permission_denied},
        {errc::access_denied, std::errc::permission_denied},
        {errc::out_of_memory, std::errc::not_enough_memory},
        {errc::file_already_exists, std::errc::file_exists},
        {errc::invalid_parameter, std::errc::invalid_argument},
        {errc::invalid_path, std::errc::invalid_argument},
        {errc::out_of_file_handles, std::errc::too_many_files_open},
    });
    for (const auto& [code, condition] : mapped) {
        INFO(hotbackup::errc_name(code));
        CHECK(std::error_code(code) == condition);
        CHECK(std::error_code(code) != std::errc::operation_not_permitted);
    }

    SECTION("an error code without one is only its own condition") {
        const std::error_code code = errc::backup_in_progress;
        CHECK(code != std::errc::device_or_resource_busy);
        CHECK(code != std::errc::io_error);
        CHECK(code.default_error_condition().category() == hotbackup::error_category());
        CHECK(code.default_error_condition().value() == -505);
    }
    SECTION("a checksum failure is not an I/O error of the operating system") {
        CHECK(std::error_code(errc::read_verify_failure) != std::errc::io_error);
    }
}

TEST_CASE("errno values of failed system calls map to ESE's file errors", "[error]") {
    using hotbackup::errc_from_errno;
    CHECK(errc_from_errno(ENOENT) == errc::file_not_found);
    CHECK(errc_from_errno(ENOSPC) == errc::disk_full);
#ifdef EDQUOT
    CHECK(errc_from_errno(EDQUOT) == errc::disk_full);
#endif
    CHECK(errc_from_errno(EACCES) == errc::file_access_denied);
    CHECK(errc_from_errno(EPERM) == errc::file_access_denied);
    CHECK(errc_from_errno(EROFS) == errc::file_access_denied);
    CHECK(errc_from_errno(EEXIST) == errc::file_already_exists);
    CHECK(errc_from_errno(EMFILE) == errc::out_of_file_handles);
    CHECK(errc_from_errno(ENFILE) == errc::out_of_file_handles);
    CHECK(errc_from_errno(ENOMEM) == errc::out_of_memory);
    CHECK(errc_from_errno(ENAMETOOLONG) == errc::invalid_path);
    CHECK(errc_from_errno(ENOTDIR) == errc::invalid_path);
    CHECK(errc_from_errno(ELOOP) == errc::invalid_path);
    CHECK(errc_from_errno(EISDIR) == errc::file_invalid_type);
    CHECK(errc_from_errno(EINVAL) == errc::invalid_parameter);
    CHECK(errc_from_errno(ENOTEMPTY) == errc::invalid_operation);
    CHECK(errc_from_errno(EIO) == errc::disk_io);
    CHECK(errc_from_errno(EBADF) == errc::disk_io);
    CHECK(errc_from_errno(EAGAIN) == errc::disk_io);
}

TEST_CASE("a backup_error's message names the file, page and log generation involved", "[error]") {
    const std::string meaning = message_of(errc::read_verify_failure);

    SECTION("no context and no detail: just the meaning") {
        CHECK(std::string{backup_error(errc::read_verify_failure, "").what()} == meaning);
        CHECK(std::string{backup_error(errc::read_verify_failure, error_context{}).what()} ==
              meaning);
    }
    SECTION("detail only") {
        CHECK(std::string{backup_error(errc::read_verify_failure, "bad page").what()} ==
              "bad page: " + meaning);
    }
    SECTION("file only") {
        const backup_error error(errc::read_verify_failure, {.file = "db/a.edb"});
        CHECK(std::string{error.what()} == "db/a.edb: " + meaning);
    }
    SECTION("file and page") {
        const backup_error error(errc::read_verify_failure, {.file = "db/a.edb", .page = 17},
                                 "stored checksum 0x1 != computed 0x2");
        CHECK(std::string{error.what()} ==
              "db/a.edb: page 17: stored checksum 0x1 != computed 0x2: " + meaning);
    }
    SECTION("log generation only, in decimal and as the log file's hex digits") {
        const backup_error error(errc::log_read_verify_failure, {.generation = 3});
        CHECK(std::string{error.what()} ==
              "log generation 3 (0x00000003): " + message_of(errc::log_read_verify_failure));
    }
    SECTION("file, page and log generation") {
        const backup_error error(errc::read_verify_failure,
                                 {.file = "db/a.edb", .page = 0, .generation = 0xABCDEF12U},
                                 "torn");
        CHECK(std::string{error.what()} ==
              "db/a.edb: page 0: log generation 2882400018 (0xABCDEF12): torn: " + meaning);
    }
}

TEST_CASE("a backup_error is a std::system_error whose code is the errc", "[error]") {
    const auto throw_it = [] {
        throw backup_error(errc::missing_file_to_backup,
                           {.file = "logs/edb00000007.log", .generation = 7});
    };
    REQUIRE_THROWS_AS(throw_it(), backup_error);
    REQUIRE_THROWS_AS(throw_it(), std::system_error);
    REQUIRE_THROWS_AS(throw_it(), std::exception);

    try {
        throw_it();
        FAIL("backup_error was not thrown");
    } catch (const std::system_error& error) {
        CHECK(error.code() == errc::missing_file_to_backup);
        CHECK(error.code().value() == -569);
        CHECK(std::string_view{error.what()}.starts_with("logs/edb00000007.log: log generation 7"));
        const auto* typed = dynamic_cast<const backup_error*>(&error);
        REQUIRE(typed != nullptr);
        CHECK(typed->value() == errc::missing_file_to_backup);
        CHECK(typed->context().file == "logs/edb00000007.log");
        CHECK_FALSE(typed->context().page.has_value());
        CHECK(typed->context().generation == 7U);
    }
}

TEST_CASE("copies of a backup_error keep its context and message", "[error]") {
    STATIC_REQUIRE(std::is_nothrow_copy_constructible_v<backup_error>);
    STATIC_REQUIRE(std::is_nothrow_copy_assignable_v<backup_error>);

    const backup_error original(errc::read_pgno_verify_failure, {.file = "a.edb", .page = 9},
                                "page 8 found");
    const backup_error copy = original;  // NOLINT(performance-unnecessary-copy-initialization)
    CHECK(copy.value() == errc::read_pgno_verify_failure);
    CHECK(copy.context().file == "a.edb");
    CHECK(copy.context().page == 9U);
    CHECK(std::string{copy.what()} == original.what());

    SECTION("a moved-from backup_error still has its context") {
        backup_error source = original;
        // backup_error has no move constructor on purpose: this std::move copies.
        const backup_error moved = std::move(source);  // NOLINT(performance-move-const-arg)
        CHECK(moved.context().page == 9U);
        CHECK(source.context().page == 9U);  // NOLINT(bugprone-use-after-move)
    }
    SECTION("assignment replaces the context") {
        backup_error target(errc::disk_full, "");
        target = original;
        CHECK(target.value() == errc::read_pgno_verify_failure);
        CHECK(target.context().file == "a.edb");
    }
}

TEST_CASE("values that are no error code get a placeholder name and message", "[error]") {
    STATIC_REQUIRE(hotbackup::errc_name(static_cast<errc>(-12345)) == "JET_err(unknown)");
    STATIC_REQUIRE(hotbackup::errc_name(static_cast<errc>(505)) == "JET_err(unknown)");
    CHECK(hotbackup::error_category().message(-12345) == "unknown error (-12345)");
    CHECK(hotbackup::error_category().message(0) == "unknown error (0)");
    const backup_error error(static_cast<errc>(-12345), "odd");
    CHECK(std::string{error.what()} == "odd: unknown error (-12345)");
}

}  // namespace hotbackup::test
