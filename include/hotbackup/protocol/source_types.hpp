/// \file
/// The protocol vocabulary an engine and its backup session share, below both: what
/// an engine reports of an attached database (database_info) and of its log
/// (log_state), and backup_control, the little state the two share at run time.
/// The engine (engine/instance.hpp) includes this header and never the session's;
/// the session's concept (session/backup_source.hpp) is written in these terms.
///
/// backup_control (docs/architecture.md §5 "Concurrency model"): an engine that models
/// backup_source owns one through a shared_ptr and hands a copy to each session, so the two can
/// outlive each other: an engine terminated while a session runs stops the session first
/// and the session never touches the engine again; a session destroyed after its
/// engine only updates this block.
///
/// It holds: whether backups may begin (not while the engine opens or terminates:
/// errc::backup_not_allowed_yet), whether one runs (one per engine:
/// errc::backup_in_progress), whether the engine asked it to stop (stop_backup():
/// the session's next call fails with errc::backup_abort_by_server), and whether
/// the engine is still there.
///
/// Every call a session makes into its engine runs under pin_source(), a shared
/// lock; release_source() takes it exclusively, so once it returns no session call
/// is inside the engine and none will enter again.
///
/// Thread-safety: every member may be called from any thread.
#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string_view>

#include "hotbackup/format/database_header.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// The name of the reference engine's data format: its page seal and its log
/// format (format/). A backup_source whose pages and logs are in another format says
/// so with a `format_name()` member; the manifest records the name, and only sets of
/// this format get the page and log checks of verify() and can be restored.
inline constexpr std::string_view reference_format_name = "hotbackup";

/// One attached database, as attached_databases() reports it.
struct database_info {
    /// The engine's id of the database.
    database_id id{};
    /// The database file's path.
    std::filesystem::path path;
    /// Bytes per page.
    std::uint32_t page_size = 0;
    page_number page_count = 0;  ///< B+tree pages; the file holds 2 header pages more
    /// The database's signature, as in its header.
    signature database_signature{};
};

/// Whether an engine's log can serve a backup.
enum class log_state {
    healthy,   ///< logging and writing
    disabled,  ///< the engine runs without a log (errc::logging_disabled)
    failed,    ///< a log write failed; no more are made (errc::log_write_fail)
};

/// Shared between an engine and its backup sessions; see the header comment.
class backup_control {
  public:
    /// What try_begin() found.
    enum class begin_status {
        started,          ///< the caller now owns the engine's one backup session
        not_allowed_yet,  ///< the engine is opening or terminating
        in_progress,      ///< another session runs
    };

    /// A new control: backups are not allowed until allow_backups().
    backup_control() = default;
    backup_control(const backup_control&) = delete;
    backup_control& operator=(const backup_control&) = delete;
    ~backup_control() = default;

    // ---- the engine's side ----

    /// Lets sessions begin; an engine calls it once it has opened.
    void allow_backups() noexcept {
        const std::scoped_lock lock{mutex_};
        allowed_ = true;
    }

    /// Refuses new sessions from now on, as an engine that terminates does.
    /// Returns false, and changes nothing, if a session runs.
    [[nodiscard]] bool refuse_backups() noexcept {
        const std::scoped_lock lock{mutex_};
        if (active_) {
            return false;
        }
        allowed_ = false;
        return true;
    }

    /// Refuses new sessions, stops the running one (its next call fails with
    /// errc::backup_abort_by_server) and waits until none of its calls is inside
    /// the engine; from then on the session does not call the engine again. An
    /// engine calls it before it goes away.
    void release_source() {
        {
            const std::scoped_lock lock{mutex_};
            allowed_ = false;
        }
        stop_requested_.store(true);
        const std::unique_lock source_lock{source_mutex_};
        source_released_.store(true);
    }

    /// Asks the running session to stop (ESE's JetStopBackupInstance); the request
    /// holds until the next session begins. Does nothing harmful without one.
    void request_stop() noexcept { stop_requested_.store(true); }

    /// Whether a session runs.
    [[nodiscard]] bool active() const noexcept {
        const std::scoped_lock lock{mutex_};
        return active_;
    }

    // ---- the session's side ----

    /// Claims the engine's one session. A started session clears an earlier stop
    /// request.
    [[nodiscard]] begin_status try_begin() noexcept {
        const std::scoped_lock lock{mutex_};
        if (!allowed_ || source_released_.load()) {
            return begin_status::not_allowed_yet;
        }
        if (active_) {
            return begin_status::in_progress;
        }
        active_ = true;
        stop_requested_.store(false);
        return begin_status::started;
    }

    /// Whether backups may begin now (the check try_begin() makes first).
    [[nodiscard]] bool backups_allowed() const noexcept {
        const std::scoped_lock lock{mutex_};
        return allowed_ && !source_released_.load();
    }

    /// Ends the session that try_begin() started.
    void finish() noexcept {
        const std::scoped_lock lock{mutex_};
        active_ = false;
    }

    /// Whether the engine asked the session to stop.
    [[nodiscard]] bool stop_requested() const noexcept { return stop_requested_.load(); }

    /// A shared hold on the engine for one call into it, or nothing if the engine
    /// released its sessions (it may be gone).
    [[nodiscard]] std::optional<std::shared_lock<std::shared_mutex>> pin_source() {
        if (source_released_.load()) {
            return std::nullopt;
        }
        std::shared_lock source_lock{source_mutex_};
        if (source_released_.load()) {
            return std::nullopt;
        }
        return source_lock;
    }

  private:
    mutable std::mutex mutex_;
    bool allowed_ = false;  // under mutex_
    bool active_ = false;   // under mutex_
    std::atomic<bool> stop_requested_{false};
    std::atomic<bool> source_released_{false};
    std::shared_mutex source_mutex_;
};

}  // namespace hotbackup::inline v1
