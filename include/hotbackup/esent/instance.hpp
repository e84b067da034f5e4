/// \file
/// Instances and their system parameters: JetCreateInstance(2), JetSetSystemParameter
/// and JetGetSystemParameter (driven by the parameter table of
/// esent/detail/parameters.hpp), JetInit(2), JetTerm(2) and JetStopService(Instance),
/// with the modes of docs/protocol.md §1 item 6; and the typed access to an instance
/// (engine_type, engine_of, create_instance_on), which are hotbackup's own names, not
/// esent.h's.
#pragma once

#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "hotbackup/engine/instance.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/detail/parameters.hpp"
#include "hotbackup/esent/detail/registry.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/storage/any_storage.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

/// The instance a JetInit names, made if it names none (unnamed in multi-instance
/// mode, the one instance of one-instance mode); whether it was made now.
inline std::pair<std::shared_ptr<jet_instance>, bool> instance_to_init(JET_INSTANCE* handle) {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    const bool unnamed = handle == nullptr || *handle == 0 || *handle == JET_instanceNil;
    if (all.mode == instance_mode::multi_instance) {
        if (handle == nullptr) {
            fail(JET_errRunningInMultiInstanceMode);
        }
        if (unnamed) {
            return {all.make_instance({}, any_storage{}), true};
        }
        const auto found = all.instances.find(*handle);
        if (found == all.instances.end()) {
            fail(JET_errInvalidParameter);
        }
        return {found->second, false};
    }
    all.mode = instance_mode::one_instance;
    if (all.legacy != 0) {
        return {all.instances.at(all.legacy), false};
    }
    auto made = all.make_instance({}, any_storage{});
    all.legacy = made->id;
    return {made, true};
}

inline JET_ERR init(JET_INSTANCE* handle) {
    const auto [target, made_now] = instance_to_init(handle);
    const std::scoped_lock lifecycle{target->lifecycle_mutex};
    auto expected = api_state::created;
    if (!target->state.compare_exchange_strong(expected, api_state::initializing)) {
        fail(expected == api_state::restoring ? JET_errRestoreInProgress
                                              : JET_errAlreadyInitialized);
    }
    try {
        target->engine = std::make_unique<engine_type>(target->storage, target->options);
    } catch (...) {
        target->engine.reset();
        target->state.store(api_state::created);
        if (made_now) {
            // Nobody holds its handle: it goes, and the mode with it if it was the last.
            auto& all = registry::get();
            const std::scoped_lock lock{all.mutex};
            all.forget(target->id);
        }
        throw;
    }
    target->state.store(api_state::running);
    if (handle != nullptr) {
        *handle = target->id;
    }
    return JET_errSuccess;
}

inline JET_ERR term(JET_INSTANCE handle, JET_GRBIT grbit) {
    auto target = find_instance(handle);
    if ((grbit & ~(JET_bitTermComplete | JET_bitTermAbrupt | JET_bitTermStopBackup |
                   JET_bitTermDirty)) != 0) {
        fail(JET_errInvalidGrbit);
    }
    const bool stop = (grbit & (JET_bitTermAbrupt | JET_bitTermStopBackup | JET_bitTermDirty)) != 0;
    if (target->state.load() == api_state::terminating) {
        fail(JET_errTermInProgress);  // without waiting for the one that runs
    }
    const std::scoped_lock lifecycle{target->lifecycle_mutex};
    switch (target->state.load()) {
        case api_state::terminating:
            fail(JET_errTermInProgress);
        case api_state::restoring:
            fail(JET_errRestoreInProgress);
        case api_state::initializing:
            fail(JET_errNotInitialized);
        case api_state::created:
        case api_state::running:
            break;
    }
    std::exception_ptr error;
    if (target->state.load() == api_state::running) {
        auto& engine = *target->engine;
        {
            // docs/protocol.md §3.1: backups stop being allowed as JetTerm starts, before the API
            // is locked for termination; the pages are flushed in between. Under
            // backup_mutex, so no Begin slips in.
            const std::scoped_lock lock{target->backup_mutex};
            if (!stop &&
                (has_session(*target) || !engine.shared_backup_control()->refuse_backups())) {
                fail(JET_errBackupInProgress);
            }
            cancel_session(*target);
            if (stop) {
                // Also a session begun through the typed engine (engine_of) ends.
                engine.shared_backup_control()->release_source();
            }
        }
        try {
            if (engine.log_state() == log_state::healthy) {
                engine.checkpoint();
            }
        } catch (...) {
            error = std::current_exception();
        }
        target->state.store(api_state::terminating);
        try {
            engine.term(term_option::stop_backup);
        } catch (...) {
            if (!error) {
                error = std::current_exception();
            }
        }
    } else {
        // Created only; a restore that began meanwhile keeps it (and its paths).
        auto expected = api_state::created;
        if (!target->state.compare_exchange_strong(expected, api_state::terminating)) {
            fail(JET_errRestoreInProgress);
        }
    }
    {
        auto& all = registry::get();
        const std::scoped_lock lock{all.mutex};
        all.forget(target->id);
    }
    if (error) {
        std::rethrow_exception(error);
    }
    return JET_errSuccess;
}

/// JetCreateInstance on `storage`, set before any other call can see the instance.
inline JET_ERR create_instance(JET_INSTANCE* handle, const char* name, any_storage storage) {
    if (handle == nullptr) {
        fail(JET_errInvalidParameter);
    }
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    if (all.mode == instance_mode::one_instance) {
        fail(JET_errRunningInOneInstanceMode);
    }
    const std::string instance_name = name != nullptr ? name : "";
    for (const auto& [id, existing] : all.instances) {
        if (existing->name == instance_name) {
            fail(JET_errInstanceNameInUse);
        }
    }
    all.mode = instance_mode::multi_instance;
    *handle = all.make_instance(instance_name, std::move(storage))->id;
    return JET_errSuccess;
}

}  // namespace hotbackup::inline v1::detail::jet

// NOLINTBEGIN(readability-identifier-naming): the names are esent.h's.
namespace hotbackup::inline v1::esent {

// ---- instances and parameters ----

/// Creates an instance (multi-instance mode). JET_errRunningInOneInstanceMode,
/// JET_errInstanceNameInUse, JET_errInvalidParameter (no pinstance).
inline JET_ERR JetCreateInstance(JET_INSTANCE* pinstance, JET_PCSTR szInstanceName) {
    return detail::jet::guarded(
        [&] { return detail::jet::create_instance(pinstance, szInstanceName, any_storage{}); });
}

/// JetCreateInstance with a display name (kept for nothing) and no grbit.
inline JET_ERR JetCreateInstance2(JET_INSTANCE* pinstance, JET_PCSTR szInstanceName,
                                  JET_PCSTR /*szDisplayName*/, JET_GRBIT grbit) {
    if (grbit != 0) {
        return JET_errInvalidGrbit;
    }
    return JetCreateInstance(pinstance, szInstanceName);
}

/// Sets a parameter of docs/protocol.md §8.11 on an instance not yet initialized, or globally
/// (pinstance NULL, or naming 0 / JET_instanceNil). JET_errInvalidParameter (unknown
/// id, bad value), JET_errAlreadyInitialized, JET_errInvalidInstance.
inline JET_ERR JetSetSystemParameter(JET_INSTANCE* pinstance, JET_SESID /*sesid*/,
                                     unsigned long paramid, JET_API_PTR lParam, JET_PCSTR szParam) {
    return detail::jet::guarded([&] {
        auto& all = detail::jet::registry::get();
        if (pinstance == nullptr || *pinstance == 0 || *pinstance == JET_instanceNil) {
            const std::scoped_lock lock{all.mutex};
            detail::jet::require_settable(
                paramid, all.mode == detail::jet::instance_mode::one_instance && all.legacy != 0);
            detail::jet::set_parameter(all.global_options, all.global_temp_path, paramid, lParam,
                                       szParam);
            return JET_errSuccess;
        }
        auto target = detail::jet::find_instance(*pinstance);
        const std::scoped_lock lifecycle{target->lifecycle_mutex};
        detail::jet::require_settable(paramid,
                                      target->state.load() != detail::jet::api_state::created);
        detail::jet::set_parameter(target->options, target->temp_path, paramid, lParam, szParam);
        return JET_errSuccess;
    });
}

/// Reads a parameter: numbers into *plParam, strings into szParam (cut to cbMax
/// bytes, NUL included, as ESE does). JET_errInvalidParameter.
inline JET_ERR JetGetSystemParameter(JET_INSTANCE instance, JET_SESID /*sesid*/,
                                     unsigned long paramid, JET_API_PTR* plParam, JET_PSTR szParam,
                                     unsigned long cbMax) {
    return detail::jet::guarded([&] {
        detail::jet::parameter_reading reading;
        if (instance == 0 || instance == JET_instanceNil) {
            auto& all = detail::jet::registry::get();
            const std::scoped_lock lock{all.mutex};
            reading =
                detail::jet::read_parameter(all.global_options, all.global_temp_path, paramid);
        } else {
            const auto target = detail::jet::find_instance(instance);
            const std::scoped_lock lifecycle{target->lifecycle_mutex};
            reading = detail::jet::read_parameter(target->options, target->temp_path, paramid);
        }
        detail::jet::hand_out(reading, plParam, szParam, cbMax);
        return JET_errSuccess;
    });
}

/// Initializes an instance (recovering it from its logs). With no created instance
/// this enters one-instance mode. JET_errAlreadyInitialized, the engine's errors
/// (invalid paths, recovery).
inline JET_ERR JetInit(JET_INSTANCE* pinstance) {
    return detail::jet::guarded([&] { return detail::jet::init(pinstance); });
}

/// JetInit; no grbit is supported.
inline JET_ERR JetInit2(JET_INSTANCE* pinstance, JET_GRBIT grbit) {
    if (grbit != 0) {
        return JET_errInvalidGrbit;
    }
    return JetInit(pinstance);
}

inline JET_ERR JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit);
/// Terminates an instance: JetTerm2 with JET_bitTermAbrupt, as ESE's JetTerm is.
inline JET_ERR JetTerm(JET_INSTANCE instance) {
    return JetTerm2(instance, JET_bitTermAbrupt);
}

/// Terminates an instance and frees its handle. TermComplete (or 0) with a
/// backup running: JET_errBackupInProgress; TermAbrupt, TermStopBackup and
/// TermDirty end the backup as aborted first. Other codes: JET_errInvalidGrbit,
/// JET_errInvalidParameter / JET_errInvalidInstance (no such instance),
/// JET_errTermInProgress, JET_errRestoreInProgress, JET_errNotInitialized. A flush
/// error is returned, the instance is gone all the same.
inline JET_ERR JetTerm2(JET_INSTANCE instance, JET_GRBIT grbit) {
    return detail::jet::guarded([&] { return detail::jet::term(instance, grbit); });
}

/// After it every call of the instance but JetTerm, JetEndSession, JetRollback,
/// JetDetachDatabase and JetStopBackup returns JET_errClientRequestToStopJetService.
inline JET_ERR JetStopServiceInstance(JET_INSTANCE instance) {
    return detail::jet::guarded([&] {
        detail::jet::find_instance(instance)->stop_service.store(true);
        return JET_errSuccess;
    });
}

/// JetStopServiceInstance of the one instance (one-instance mode).
inline JET_ERR JetStopService() {
    return detail::jet::guarded([&] {
        detail::jet::require_one_instance_mode();
        return JetStopServiceInstance(0);
    });
}

// ---- typed access ----

/// The typed engine behind every JET_INSTANCE: an instance on any_storage.
using engine_type = instance<any_storage>;

/// The typed engine behind an initialized JET_INSTANCE, to write data with the
/// typed API (or back it up with it: JetBeginExternalBackupInstance then returns
/// JET_errBackupInProgress). Valid until JetTerm, which also stops a typed backup
/// session with TermAbrupt or TermStopBackup. Thread-safe as the engine is.
/// Throws backup_error: invalid_instance / invalid_parameter (no such instance),
/// not_initialized, instance_unavailable, term_in_progress, restore_in_progress.
inline engine_type& engine_of(JET_INSTANCE instance) {
    std::shared_ptr<detail::jet::jet_instance> target;
    const auto code = detail::jet::guarded([&] {
        target = detail::jet::enter(instance, false);
        return JET_errSuccess;
    });
    if (code != JET_errSuccess) {
        throw backup_error(static_cast<errc>(code), "no initialized instance of that handle");
    }
    return *target->engine;
}

/// JetCreateInstance on a chosen storage: memory_storage for tests, faulty_storage
/// to inject faults, a user's own model (any_storage::refer keeps it the caller's;
/// it must outlive the instance). Codes as JetCreateInstance.
inline JET_ERR create_instance_on(any_storage storage, JET_INSTANCE* pinstance,
                                  JET_PCSTR szInstanceName) {
    return detail::jet::guarded([&] {
        return detail::jet::create_instance(pinstance, szInstanceName, std::move(storage));
    });
}

}  // namespace hotbackup::inline v1::esent
// NOLINTEND(readability-identifier-naming)
