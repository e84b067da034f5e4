// The legal call order of a backup session is in its types (docs/architecture.md §4 "The
// typestate session"): these requires-expressions prove that each illegal step is
// rejected at compile time, and that each legal one compiles. The try-compile cases
// in tests/compile_fail/ show the compiler's message for a few of them.
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <type_traits>
#include <utility>

#include "support/catch.hpp"

namespace {

using engine_type = hotbackup::instance<hotbackup::memory_storage>;
template <class Stage>
using session = hotbackup::backup_session<engine_type, Stage>;
using databases_stage = session<hotbackup::stage::databases>;
using logs_stage = session<hotbackup::stage::logs>;
using truncated_stage = session<hotbackup::stage::truncated>;
using hotbackup::database_file;
using hotbackup::log_file;

template <class Session>
concept can_list_databases = requires(const Session& s) {
    s.databases();
};
template <class Session>
concept can_read_database = requires(const Session& s, const database_file& file) {
    s.read(file);
};
template <class Session>
concept can_list_logs = requires(const Session& s) {
    s.log_files();
};
template <class Session>
concept can_read_log = requires(const Session& s, const log_file& file) {
    s.read(file);
};
template <class Session>
concept can_enter_logs = requires(Session s) {
    std::move(s).logs();
};
template <class Session>
concept can_enter_logs_from_lvalue = requires(Session& s) {
    s.logs();
};
template <class Session>
concept can_truncate = requires(Session s) {
    std::move(s).truncate();
};
template <class Session>
concept can_truncate_lvalue = requires(Session& s) {
    s.truncate();
};
template <class Session>
concept can_end = requires(Session s) {
    std::move(s).end();
};
template <class Session>
concept can_end_lvalue = requires(Session& s) {
    s.end();
};
template <class Session>
concept can_abort = requires(Session s) {
    std::move(s).abort();
};
template <class Session>
concept can_abort_lvalue = requires(Session& s) {
    s.abort();
};

}  // namespace

TEST_CASE("the engine models backup_source", "[session][typestate]") {
    STATIC_REQUIRE(hotbackup::backup_source<engine_type>);
    STATIC_REQUIRE(hotbackup::backup_source<hotbackup::instance<hotbackup::posix_storage>>);
    STATIC_REQUIRE_FALSE(hotbackup::backup_source<int>);
}

TEST_CASE(
    "begin_backup returns the databases stage for a full backup and the logs stage for an "
    "incremental one",
    "[session][typestate]") {
    using full_result =
        decltype(hotbackup::begin_backup(std::declval<engine_type&>(), hotbackup::full_backup));
    using incremental_result = decltype(hotbackup::begin_backup(std::declval<engine_type&>(),
                                                                hotbackup::incremental_backup));
    STATIC_REQUIRE(std::is_same_v<full_result, databases_stage>);
    STATIC_REQUIRE(std::is_same_v<incremental_result, logs_stage>);
}

TEST_CASE("the databases stage lists and reads databases and moves on only to the logs",
          "[session][typestate]") {
    STATIC_REQUIRE(can_list_databases<databases_stage>);
    STATIC_REQUIRE(can_read_database<databases_stage>);
    STATIC_REQUIRE(can_enter_logs<databases_stage>);
    STATIC_REQUIRE(can_abort<databases_stage>);
    // Truncating or ending before the logs were listed, or touching logs.
    STATIC_REQUIRE_FALSE(can_truncate<databases_stage>);
    STATIC_REQUIRE_FALSE(can_end<databases_stage>);
    STATIC_REQUIRE_FALSE(can_list_logs<databases_stage>);
    STATIC_REQUIRE_FALSE(can_read_log<databases_stage>);
}

TEST_CASE("the logs stage reads logs and cannot go back to the databases", "[session][typestate]") {
    STATIC_REQUIRE(can_list_logs<logs_stage>);
    STATIC_REQUIRE(can_read_log<logs_stage>);
    STATIC_REQUIRE(can_truncate<logs_stage>);
    STATIC_REQUIRE(can_end<logs_stage>);
    STATIC_REQUIRE(can_abort<logs_stage>);
    // Listing or reading a database, or listing the logs a second time (logs() twice).
    STATIC_REQUIRE_FALSE(can_list_databases<logs_stage>);
    STATIC_REQUIRE_FALSE(can_read_database<logs_stage>);
    STATIC_REQUIRE_FALSE(can_enter_logs<logs_stage>);
}

TEST_CASE("the truncated stage can only end or abort", "[session][typestate]") {
    STATIC_REQUIRE(can_end<truncated_stage>);
    STATIC_REQUIRE(can_abort<truncated_stage>);
    STATIC_REQUIRE(can_list_logs<truncated_stage>);
    STATIC_REQUIRE_FALSE(can_read_log<truncated_stage>);
    STATIC_REQUIRE_FALSE(can_truncate<truncated_stage>);
    STATIC_REQUIRE_FALSE(can_enter_logs<truncated_stage>);
    STATIC_REQUIRE_FALSE(can_list_databases<truncated_stage>);
    STATIC_REQUIRE_FALSE(can_read_database<truncated_stage>);
}

TEST_CASE("transitions consume the session: they do not compile on an lvalue",
          "[session][typestate]") {
    STATIC_REQUIRE_FALSE(can_enter_logs_from_lvalue<databases_stage>);
    STATIC_REQUIRE_FALSE(can_truncate_lvalue<logs_stage>);
    STATIC_REQUIRE_FALSE(can_end_lvalue<logs_stage>);
    STATIC_REQUIRE_FALSE(can_end_lvalue<truncated_stage>);
    STATIC_REQUIRE_FALSE(can_abort_lvalue<databases_stage>);
    STATIC_REQUIRE_FALSE(can_abort_lvalue<logs_stage>);
}

TEST_CASE("what end() consumed is gone: its result is a plain value with no session steps",
          "[session][typestate]") {
    using result = decltype(std::declval<logs_stage>().end());
    STATIC_REQUIRE(std::is_same_v<result, hotbackup::backup_result>);
    STATIC_REQUIRE_FALSE(can_list_logs<result>);
    STATIC_REQUIRE_FALSE(can_read_log<result>);
    STATIC_REQUIRE_FALSE(can_truncate<result>);
    STATIC_REQUIRE_FALSE(can_end<result>);
    STATIC_REQUIRE_FALSE(can_abort<result>);
}

TEST_CASE("sessions move but never copy", "[session][typestate]") {
    STATIC_REQUIRE(std::is_nothrow_move_constructible_v<databases_stage>);
    STATIC_REQUIRE(std::is_nothrow_move_assignable_v<logs_stage>);
    STATIC_REQUIRE_FALSE(std::is_copy_constructible_v<databases_stage>);
    STATIC_REQUIRE_FALSE(std::is_copy_assignable_v<truncated_stage>);
    // Nor can one be made from nothing: only begin_backup() makes a session.
    STATIC_REQUIRE_FALSE(std::is_default_constructible_v<databases_stage>);
}
