/// \file
/// Sessions, databases and transactions: JetBeginSession / JetEndSession,
/// JetCreateDatabase, JetAttachDatabase, JetDetachDatabase, JetBeginTransaction,
/// JetCommitTransaction and JetRollback. There are no tables: data is written through
/// the typed transaction behind a session, which transaction_of() and database_of()
/// (hotbackup's own names, not esent.h's) give.
#pragma once

#include <algorithm>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "hotbackup/engine/instance.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/detail/registry.hpp"
#include "hotbackup/esent/detail/strings.hpp"
#include "hotbackup/esent/instance.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/types.hpp"

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

// ---- sessions, databases, transactions ----

/// Opens a session. JET_errInvalidParameter (no psesid), the API-entry errors.
inline JET_ERR JetBeginSession(JET_INSTANCE instance, JET_SESID* psesid, JET_PCSTR /*user*/,
                               JET_PCSTR /*password*/) {
    return detail::jet::guarded([&] {
        auto target = detail::jet::enter(instance);
        if (psesid == nullptr) {
            detail::jet::fail(JET_errInvalidParameter);
        }
        auto& all = detail::jet::registry::get();
        const std::scoped_lock lock{all.mutex};
        auto session = std::make_shared<detail::jet::jet_session>();
        session->id = static_cast<JET_SESID>(all.next_id++) << 4U;
        session->owner = std::move(target);
        all.sessions.emplace(session->id, session);
        *psesid = session->id;
        return JET_errSuccess;
    });
}

/// Ends a session, rolling back its open transaction. JET_errInvalidSesid.
inline JET_ERR JetEndSession(JET_SESID sesid, JET_GRBIT /*grbit*/) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::find_session(sesid);
        {
            const std::scoped_lock lock{session->mutex};
            session->transaction.reset();
        }
        auto& all = detail::jet::registry::get();
        const std::scoped_lock lock{all.mutex};
        all.sessions.erase(sesid);
        return JET_errSuccess;
    });
}

/// Creates and attaches a database; *pdbid gets its JET_DBID.
/// JET_errDatabaseDuplicate, JET_errTooManyAttachedDatabases, JET_errInvalidPath.
inline JET_ERR JetCreateDatabase(JET_SESID sesid, JET_PCSTR szFilename, JET_PCSTR /*connect*/,
                                 JET_DBID* pdbid, JET_GRBIT grbit) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        if (szFilename == nullptr || *szFilename == '\0') {
            detail::jet::fail(JET_errInvalidParameter);
        }
        if ((grbit & ~JET_bitDbOverwriteExisting) != 0) {
            detail::jet::fail(JET_errInvalidGrbit);
        }
        auto& target = *session->owner;
        if ((grbit & JET_bitDbOverwriteExisting) != 0 && target.storage.exists(szFilename)) {
            // Never an attached database: that one stays, and is a duplicate.
            const auto key = detail::jet::path_key(szFilename);
            const auto attached = target.engine->attached_databases();
            if (std::ranges::any_of(attached, [&](const auto& info) {
                    return detail::jet::path_key(info.path.string()) == key;
                })) {
                detail::jet::fail(JET_errDatabaseDuplicate);
            }
            target.storage.remove(szFilename);
        }
        const auto id = target.engine->create_database(szFilename);
        const JET_DBID dbid = id.slot + 1U;
        {
            const std::scoped_lock lock{target.databases_mutex};
            target.databases[dbid] = id;
        }
        if (pdbid != nullptr) {
            *pdbid = dbid;
        }
        return JET_errSuccess;
    });
}

/// Attaches a database; JET_wrnDatabaseAttached if it was. JET_errFileNotFound,
/// JET_errBackupInProgress, JET_errDatabaseDirtyShutdown.
inline JET_ERR JetAttachDatabase(JET_SESID sesid, JET_PCSTR szFilename, JET_GRBIT /*grbit*/) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        if (szFilename == nullptr || *szFilename == '\0') {
            detail::jet::fail(JET_errInvalidParameter);
        }
        auto& target = *session->owner;
        const auto key = detail::jet::path_key(szFilename);
        for (const auto& info : target.engine->attached_databases()) {
            if (detail::jet::path_key(info.path.string()) == key) {
                return JET_wrnDatabaseAttached;
            }
        }
        const auto id = target.engine->attach_database(szFilename);
        const std::scoped_lock lock{target.databases_mutex};
        target.databases[id.slot + 1U] = id;
        return JET_errSuccess;
    });
}

/// Detaches one database, or all with NULL. JET_errDatabaseNotFound,
/// JET_errBackupInProgress.
inline JET_ERR JetDetachDatabase(JET_SESID sesid, JET_PCSTR szFilename) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid, false);
        auto& target = *session->owner;
        bool found = false;
        for (const auto& info : target.engine->attached_databases()) {
            if (szFilename == nullptr ||
                detail::jet::path_key(info.path.string()) == detail::jet::path_key(szFilename)) {
                target.engine->detach_database(info.id);
                const std::scoped_lock lock{target.databases_mutex};
                target.databases.erase(info.id.slot + 1U);
                found = true;
            }
        }
        if (!found && szFilename != nullptr) {
            detail::jet::fail(JET_errDatabaseNotFound);
        }
        return JET_errSuccess;
    });
}

/// Begins a transaction (one level). JET_errTransTooDeep for a second.
inline JET_ERR JetBeginTransaction(JET_SESID sesid) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        const std::scoped_lock lock{session->mutex};
        if (session->transaction) {
            detail::jet::fail(JET_errTransTooDeep);
        }
        session->transaction.emplace(session->owner->engine->begin_transaction());
        return JET_errSuccess;
    });
}

/// Commits the session's transaction: durable, or lazy with JET_bitCommitLazyFlush.
/// JET_bitWaitLastLevel0Commit / WaitAllLevel0Commit outside a transaction make
/// lazy commits durable. JET_bitForceNewLog, which must be alone, starts a new log
/// generation and commits nothing. JET_errNotInTransaction, JET_errInvalidGrbit,
/// JET_errLogWriteFail.
inline JET_ERR JetCommitTransaction(JET_SESID sesid, JET_GRBIT grbit) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid);
        auto& engine = *session->owner->engine;
        if ((grbit & JET_bitForceNewLog) != 0) {
            if (grbit != JET_bitForceNewLog) {
                detail::jet::fail(JET_errInvalidGrbit);
            }
            (void)engine.force_new_log();
            return JET_errSuccess;
        }
        if ((grbit & ~(JET_bitCommitLazyFlush | JET_bitWaitLastLevel0Commit |
                       JET_bitWaitAllLevel0Commit)) != 0) {
            detail::jet::fail(JET_errInvalidGrbit);
        }
        const std::scoped_lock lock{session->mutex};
        if (!session->transaction) {
            if ((grbit & (JET_bitWaitLastLevel0Commit | JET_bitWaitAllLevel0Commit)) != 0) {
                engine.flush_log();
                return JET_errSuccess;
            }
            detail::jet::fail(JET_errNotInTransaction);
        }
        auto transaction = std::move(*session->transaction);
        session->transaction.reset();
        transaction.commit((grbit & JET_bitCommitLazyFlush) != 0 ? commit_mode::lazy
                                                                 : commit_mode::durable);
        return JET_errSuccess;
    });
}

/// Forgets the session's transaction. JET_errNotInTransaction.
inline JET_ERR JetRollback(JET_SESID sesid, JET_GRBIT /*grbit*/) {
    return detail::jet::guarded([&] {
        auto session = detail::jet::enter_session(sesid, false);
        const std::scoped_lock lock{session->mutex};
        if (!session->transaction) {
            detail::jet::fail(JET_errNotInTransaction);
        }
        session->transaction->rollback();
        session->transaction.reset();
        return JET_errSuccess;
    });
}

// ---- typed access ----

/// The typed transaction of a session inside JetBeginTransaction /
/// JetCommitTransaction. Throws backup_error: invalid_sesid, not_in_transaction.
/// Valid until the session's JetCommitTransaction, JetRollback or JetEndSession, or
/// JetTerm; do not use it concurrently with those calls.
inline engine_type::transaction& transaction_of(JET_SESID sesid) {
    std::shared_ptr<detail::jet::jet_session> session;
    const auto code = detail::jet::guarded([&] {
        session = detail::jet::find_session(sesid);
        return session->transaction ? JET_errSuccess : JET_errNotInTransaction;
    });
    if (code != JET_errSuccess) {
        throw backup_error(static_cast<errc>(code), "the session has no open transaction");
    }
    return *session->transaction;
}

/// The typed id of a database a session's instance attached. Throws backup_error:
/// invalid_sesid, invalid_database_id.
inline database_id database_of(JET_SESID sesid, JET_DBID dbid) {
    std::shared_ptr<detail::jet::jet_session> session;
    const auto code = detail::jet::guarded([&] {
        session = detail::jet::find_session(sesid);
        return JET_errSuccess;
    });
    if (code != JET_errSuccess) {
        throw backup_error(static_cast<errc>(code), "no such session");
    }
    auto& target = *session->owner;
    const std::scoped_lock lock{target.databases_mutex};
    const auto found = target.databases.find(dbid);
    if (found == target.databases.end()) {
        throw backup_error(errc::invalid_database_id,
                           "no database of that JET_DBID: " + std::to_string(dbid));
    }
    return found->second;
}

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)
