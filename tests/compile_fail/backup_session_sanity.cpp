// Must compile: the legal order of a backup session, begin -> databases -> read ->
// logs -> read -> truncate -> end. Each backup_*.cpp case includes this file
// with one HOTBACKUP_TEST_* macro defined, which adds one illegal step; a harness that
// failed every translation unit would fail here instead of passing there.
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/session/session.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <utility>

namespace {

using engine_type = hotbackup::instance<hotbackup::memory_storage>;

// Never called: the cases only need the calls to type-check.
[[maybe_unused]] hotbackup::backup_result full_backup(engine_type& engine) {
    auto session = hotbackup::begin_backup(engine, hotbackup::full_backup);
    for (const auto& file : session.databases()) {
        for (auto chunk : session.read(file)) {
            static_cast<void>(chunk);
        }
    }
#ifdef HOTBACKUP_TEST_TRUNCATE_BEFORE_LOGS
    auto early = std::move(session).truncate();
#endif
#ifdef HOTBACKUP_TEST_END_BEFORE_LOGS
    auto early = std::move(session).end();
#endif
    auto logs = std::move(session).logs();
#ifdef HOTBACKUP_TEST_LOGS_TWICE
    auto again = std::move(logs).logs();
#endif
#ifdef HOTBACKUP_TEST_READ_DATABASE_IN_LOGS_STAGE
    for (auto chunk : logs.read(hotbackup::database_file{})) {
        static_cast<void>(chunk);
    }
#endif
#ifdef HOTBACKUP_TEST_DATABASES_IN_LOGS_STAGE
    auto late = logs.databases();
#endif
    for (const auto& file : logs.log_files()) {
        for (auto chunk : logs.read(file)) {
            static_cast<void>(chunk);
        }
    }
    auto truncated = std::move(logs).truncate();
    auto result = std::move(truncated).end();
#ifdef HOTBACKUP_TEST_USE_AFTER_END
    // end() consumed the session. C++ cannot reject a use after std::move at compile
    // time; clang-tidy's bugprone-use-after-move does (a lint test), and at run time
    // the moved-from session throws no_backup (session_errors_test.cpp).
    auto consumed = std::move(truncated).end();
#endif
    return result;
}

}  // namespace

int main() {
    return 0;
}
