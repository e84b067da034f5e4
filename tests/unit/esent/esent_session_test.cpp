// Sessions and transactions through the ESE-compatible API (esent/session.hpp):
// JetBeginTransaction, JetCommitTransaction (with JET_bitForceNewLog and the wait
// bits) and JetRollback, and the typed transaction behind a session. Each test
// asserts exact JET_ERR numbers.
//
// The Jet* registry is process-global: every test terminates each instance it made
// (instance_guard), also when a REQUIRE fails, so the mode resets between tests.
#include <filesystem>
#include <hotbackup/esent.hpp>
#include <hotbackup/storage/posix_storage.hpp>
#include <string>

#include "support/catch.hpp"
#include "support/esent_fixture.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

using esent::database_of;
using esent::engine_of;
using esent::transaction_of;

namespace {

using namespace hotbackup::test::jet;  // the fixture
using posix_fixture = hotbackup::test::storage_fixture<hotbackup::posix_storage>;

}  // namespace

// ---- 7. Transactions ----

TEST_CASE("esent: JetBeginTransaction, JetCommitTransaction and JetRollback", "[esent]") {
    posix_fixture fixture;
    instance_guard guard;
    const auto made = start_populated(guard, fixture.root / "a", "a");
    const auto sesid = made.sesid;

    SECTION("JET_bitForceNewLog alone starts a new generation; with another bit InvalidGrbit") {
        const auto before = engine_of(made.instance).current_log_generation();
        CHECK(JetCommitTransaction(sesid, JET_bitForceNewLog) == JET_errSuccess);
        CHECK(engine_of(made.instance).current_log_generation() == before + 1);
        CHECK(JetCommitTransaction(sesid, JET_bitForceNewLog | JET_bitCommitLazyFlush) ==
              JET_errInvalidGrbit);
        CHECK(JetCommitTransaction(sesid, JET_bitForceNewLog | JET_bitWaitLastLevel0Commit) ==
              JET_errInvalidGrbit);
        CHECK(engine_of(made.instance).current_log_generation() == before + 1);
        CHECK(JetCommitTransaction(sesid, 0x4000) == JET_errInvalidGrbit);
    }

    SECTION("commit outside a transaction: NotInTransaction; nesting: TransTooDeep") {
        CHECK(JetCommitTransaction(sesid, 0) == JET_errNotInTransaction);
        CHECK(JetRollback(sesid, 0) == JET_errNotInTransaction);
        REQUIRE(JetBeginTransaction(sesid) == JET_errSuccess);
        CHECK(JetBeginTransaction(sesid) == JET_errTransTooDeep);
        CHECK(JetCommitTransaction(sesid, 0) == JET_errSuccess);
        CHECK(JetCommitTransaction(sesid, 0) == JET_errNotInTransaction);
        // Waiting for lazy commits needs no transaction.
        CHECK(JetCommitTransaction(sesid, JET_bitWaitLastLevel0Commit) == JET_errSuccess);
    }

    SECTION("JetRollback discards, JetCommitTransaction keeps") {
        REQUIRE(JetBeginTransaction(sesid) == JET_errSuccess);
        transaction_of(sesid).put(database_of(sesid, made.dbid), "gone", "value");
        REQUIRE(JetRollback(sesid, 0) == JET_errSuccess);
        put(sesid, made.dbid, "kept", "value");
        REQUIRE(JetBeginTransaction(sesid) == JET_errSuccess);
        const auto database = database_of(sesid, made.dbid);
        CHECK_FALSE(transaction_of(sesid).get(database, "gone").has_value());
        CHECK(transaction_of(sesid).get(database, "kept") == "value");
        CHECK(transaction_of(sesid).get(database, "k3") == std::string(300, 'v'));
        REQUIRE(JetRollback(sesid, 0) == JET_errSuccess);
    }
}

}  // namespace hotbackup::test
