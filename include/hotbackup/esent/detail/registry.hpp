/// \file
/// The process's Jet* state, shared by every topic: the registry of instances and
/// sessions behind the JET_INSTANCE and JET_SESID handles (each instance's typed
/// engine, its backup session and open file, its attached JET_DBIDs), the mode of
/// docs/protocol.md §1 item 6 with the global parameters, and the API-entry checks
/// every call makes on a handle (docs/protocol.md §1 items 1–5).
///
/// Thread-safety: the registry's mutex guards the handle tables and the mode; each
/// instance has its own locks (see jet_instance).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <ranges>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "hotbackup/engine/instance.hpp"
#include "hotbackup/esent/detail/call.hpp"
#include "hotbackup/esent/types.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/session/session.hpp"
#include "hotbackup/storage/any_storage.hpp"

namespace hotbackup::inline v1::detail::jet {

using namespace hotbackup::esent;  // inside detail::jet only: esent.h's names

/// The typed engine behind every JET_INSTANCE (esent::engine_type is the same type).
using engine_type = instance<any_storage>;

enum class api_state { created, initializing, running, restoring, terminating };
enum class instance_mode { none, one_instance, multi_instance };

using database_session = backup_session<engine_type, stage::databases>;
using log_session = backup_session<engine_type, stage::logs>;
using truncated_session = backup_session<engine_type, stage::truncated>;

/// The one open backup file (ESE's crhfMax = 1).
struct open_file {
    JET_HANDLE handle = 0;
    std::variant<database_file, log_file> file;
    std::uint64_t size = 0;
    std::uint64_t offset = 0;
    std::size_t chunk_size = 0;
    std::optional<generator<std::span<const std::byte>>> reader;
    std::optional<std::ranges::iterator_t<generator<std::span<const std::byte>>>> position;
};

/// One JET_INSTANCE.
struct jet_instance {
    JET_INSTANCE id = 0;
    std::string name;
    any_storage storage;
    instance_options options;
    std::string temp_path;
    // Init, term, restore and parameter changes of this instance, one at a time;
    // `options`, `temp_path` and `engine` change only under it. `engine` is set
    // before `state` becomes running, so a reader that saw running (or
    // terminating) may use it without the lock.
    std::mutex lifecycle_mutex;
    std::atomic<api_state> state{api_state::created};
    std::atomic<bool> stop_service{false};
    std::unique_ptr<engine_type> engine;

    std::mutex backup_mutex;  // the backup calls of this instance, one at a time
    std::variant<std::monostate, database_session, log_session, truncated_session> session;
    bool logs_listed = false;
    bool full = false;                     // the session is a full backup
    std::vector<std::string> attach_list;  // the databases of a full backup, from begin
    std::optional<open_file> file;
    JET_HANDLE next_handle = 1;

    std::mutex databases_mutex;
    std::map<JET_DBID, database_id> databases;  // JET_DBID = slot + 1
};

struct jet_session {
    JET_SESID id = 0;
    std::shared_ptr<jet_instance> owner;
    std::mutex mutex;
    std::optional<engine_type::transaction> transaction;
};

/// The process's instances and sessions.
class registry {
  public:
    static registry& get() {
        static registry instance;
        return instance;
    }

    std::mutex mutex;
    instance_mode mode = instance_mode::none;
    std::map<JET_INSTANCE, std::shared_ptr<jet_instance>> instances;
    std::map<JET_SESID, std::shared_ptr<jet_session>> sessions;
    JET_INSTANCE legacy = 0;  // the one instance of one-instance mode, once made
    instance_options global_options;
    std::string global_temp_path;
    std::uint64_t next_id = 1;

    /// A new instance with the global parameters, registered. Under `mutex`.
    std::shared_ptr<jet_instance> make_instance(std::string name, any_storage storage) {
        auto made = std::make_shared<jet_instance>();
        made->id = static_cast<JET_INSTANCE>(next_id++) << 4U;
        made->name = std::move(name);
        made->storage = std::move(storage);
        made->options = global_options;
        made->temp_path = global_temp_path;
        instances.emplace(made->id, made);
        return made;
    }

    /// Forgets an instance and its sessions; resets the mode after the last one.
    /// Under `mutex`.
    void forget(JET_INSTANCE id) {
        instances.erase(id);
        std::erase_if(sessions, [id](const auto& entry) { return entry.second->owner->id == id; });
        if (legacy == id) {
            legacy = 0;
        }
        if (instances.empty()) {
            mode = instance_mode::none;
            global_options = {};
            global_temp_path.clear();
        }
    }

  private:
    registry() = default;
};

/// docs/protocol.md §1 item 6: the legacy calls need one-instance mode.
inline void require_one_instance_mode() {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    if (all.mode == instance_mode::multi_instance) {
        fail(JET_errRunningInMultiInstanceMode);
    }
    if (all.mode == instance_mode::none) {
        fail(JET_errInvalidParameter);
    }
}

/// The instance a handle names (docs/protocol.md §1 items 1, 2), or a failure.
inline std::shared_ptr<jet_instance> find_instance(JET_INSTANCE handle) {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    if (all.mode == instance_mode::one_instance) {
        const auto found = all.instances.find(all.legacy);
        if (found == all.instances.end()) {
            fail(JET_errNotInitialized);
        }
        return found->second;
    }
    if (handle == 0 || handle == JET_instanceNil) {
        fail(JET_errInvalidParameter);
    }
    const auto found = all.instances.find(handle);
    if (found == all.instances.end()) {
        fail(JET_errInvalidInstance);
    }
    return found->second;
}

/// docs/protocol.md §1 items 3–5: stop-service, unavailable, and the API lock, in ESE's order.
inline void check_entry(const jet_instance& target, bool check_stop_service = true) {
    if (check_stop_service && target.stop_service.load()) {
        fail(JET_errClientRequestToStopJetService);
    }
    const auto state = target.state.load();
    if (state == api_state::running && target.engine->log_state() == log_state::failed) {
        fail(JET_errInstanceUnavailable);
    }
    switch (state) {
        case api_state::running:
            return;
        case api_state::terminating:
            fail(JET_errTermInProgress);
        case api_state::restoring:
            fail(JET_errRestoreInProgress);
        case api_state::created:
        case api_state::initializing:
            fail(JET_errNotInitialized);
    }
}

/// The instance of a handle, through every API-entry check.
inline std::shared_ptr<jet_instance> enter(JET_INSTANCE handle, bool check_stop_service = true) {
    auto target = find_instance(handle);
    check_entry(*target, check_stop_service);
    return target;
}

inline std::shared_ptr<jet_session> find_session(JET_SESID sesid) {
    auto& all = registry::get();
    const std::scoped_lock lock{all.mutex};
    const auto found = all.sessions.find(sesid);
    if (found == all.sessions.end()) {
        fail(JET_errInvalidSesid);
    }
    return found->second;
}

/// A session whose instance passes the API-entry checks.
inline std::shared_ptr<jet_session> enter_session(JET_SESID sesid, bool check_stop_service = true) {
    auto session = find_session(sesid);
    check_entry(*session->owner, check_stop_service);
    return session;
}

/// Whether a backup session exists (docs/protocol.md §3.7's first row: NoBackup).
inline bool has_session(const jet_instance& target) {
    return !std::holds_alternative<std::monostate>(target.session);
}

/// Ends the session as aborted and forgets it (ESE's cancellation).
inline void cancel_session(jet_instance& target) {
    target.file.reset();
    target.session = std::monostate{};  // a session destroyed unfinished is aborted
    target.logs_listed = false;
    target.attach_list.clear();
}

}  // namespace hotbackup::inline v1::detail::jet
