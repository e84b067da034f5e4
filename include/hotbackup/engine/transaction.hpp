/// \file
/// A transaction of the reference engine: it buffers its writes, reads its own
/// writes over the committed state, and at commit hands them to the instance, which
/// logs and applies them atomically. Nothing reaches a page before commit, so a
/// rollback only forgets the buffer (the engine is redo-only).
///
/// Isolation is read-committed with read-your-writes: reads see the latest committed
/// value unless this transaction wrote the key; concurrent commits of the same key
/// are ordered by commit and the last one wins.
///
/// Thread-safety: one transaction is used by one thread at a time; many threads may
/// each run their own transaction against one instance at once. A transaction must
/// not outlive its instance.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "hotbackup/engine/detail/btree_node.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/generator.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// When commit() returns relative to the log reaching the disk.
enum class commit_mode {
    durable,  ///< after the log holding the commit is synced (group commit)
    lazy,     ///< at once; durable at the next durable commit, log roll, flush_log() or term()
};

/// One key and its value, as a scan yields them.
struct key_value {
    /// The key.
    std::string key;
    /// Its value.
    std::string value;
    /// Compares member by member.
    friend bool operator==(const key_value&, const key_value&) = default;
};

/// A transaction on an instance; see the header comment. Move-only; destroying an
/// active transaction rolls it back. Get one from instance::begin_transaction(); it
/// must not outlive its instance. Thread safety: one thread at a time per
/// transaction; distinct transactions may run concurrently.
template <class Instance>
class basic_transaction {
  public:
    /// Takes over `other`'s instance and writes; `other` is left ended.
    basic_transaction(basic_transaction&& other) noexcept
        : owner_(std::exchange(other.owner_, nullptr)), writes_(std::move(other.writes_)) {}
    /// Drops this transaction's writes (a rollback), then takes over `other`'s;
    /// `other` is left ended.
    basic_transaction& operator=(basic_transaction&& other) noexcept {
        if (this != &other) {
            owner_ = std::exchange(other.owner_, nullptr);
            writes_ = std::move(other.writes_);
        }
        return *this;
    }
    basic_transaction(const basic_transaction&) = delete;
    basic_transaction& operator=(const basic_transaction&) = delete;
    ~basic_transaction() = default;  // an uncommitted buffer is simply dropped

    /// Sets `key` to `value` in `database` when the transaction commits. Throws
    /// backup_error: invalid_parameter (key over 255 bytes, value over a quarter
    /// page; the message names the limit), invalid_database_id, invalid_operation
    /// (the transaction has ended), instance_unavailable.
    void put(database_id database, std::string_view key, std::string_view value) {
        require_active();
        owner_->check_write(database, key, value);
        writes_[{database, std::string{key}}] = std::string{value};
    }

    /// Removes `key` from `database` when the transaction commits (nothing if it is
    /// not there). Throws as put().
    void erase(database_id database, std::string_view key) {
        require_active();
        owner_->check_write(database, key, {});
        writes_[{database, std::string{key}}] = std::nullopt;
    }

    /// The value of `key`: this transaction's own write if it made one, else the
    /// latest committed value. Throws backup_error: invalid_database_id,
    /// read_verify_failure (a damaged page, naming the file and page),
    /// database_corrupted (a broken tree), invalid_operation, instance_unavailable.
    [[nodiscard]] std::optional<std::string> get(database_id database, std::string_view key) const {
        require_active();
        const auto own = writes_.find({database, std::string{key}});
        if (own != writes_.end()) {
            return own->second;
        }
        return owner_->read_committed(database, key);
    }

    /// The keys of `database` from `first` (inclusive) to `last` (exclusive; none =
    /// to the end) in order, with this transaction's writes merged in. Pages are
    /// read one leaf at a time; commits between two leaves are seen or not. The
    /// transaction (and so its instance) must stay alive and unchanged while the scan
    /// runs. Lazy: nothing is checked or read until begin(), and errors are thrown
    /// as get() throws them from begin() and `++`.
    [[nodiscard]] generator<key_value> scan(database_id database, std::string first = {},
                                            std::optional<std::string> last = {}) const {
        require_active();
        // Every yielded item is a named local moved from, never a temporary: with a
        // temporary in the co_yield, g++ 12 frees the strings twice (ASan shows it).
        const auto before_end = [&](const std::string& key) { return !last || key < *last; };
        auto own = writes_.lower_bound({database, first});
        const auto own_end = writes_.upper_bound({database, std::string(256, '\xFF')});
        key_value item;
        std::optional<std::string> from = first;
        while (from) {
            auto batch = owner_->scan_committed(database, *from);
            for (auto& entry : batch.entries) {
                if (!before_end(entry.key)) {
                    from.reset();
                    break;
                }
                while (auto pending = next_own_put_before(own, own_end, entry.key)) {
                    item = std::move(*pending);
                    co_yield std::move(item);
                }
                const bool overridden = own != own_end && own->first.second == entry.key;
                if (overridden && !own->second) {
                    ++own;
                    continue;
                }
                item.key = std::move(entry.key);
                item.value = overridden ? *own->second : std::move(entry.value);
                if (overridden) {
                    ++own;
                }
                co_yield std::move(item);
            }
            if (from) {
                from = batch.next;
            }
            if (from && !before_end(*from)) {
                from.reset();
            }
        }
        for (; own != own_end; ++own) {
            if (own->second && before_end(own->first.second)) {
                item.key = own->first.second;
                item.value = *own->second;
                co_yield std::move(item);
            }
        }
    }

    /// Logs and applies every write atomically. With commit_mode::durable it returns
    /// once the commit is on disk. The transaction has ended afterwards, also when
    /// it throws. Throws backup_error: log_write_fail (the log could not be written;
    /// the instance is unavailable from then on), instance_unavailable,
    /// invalid_database_id (a database was detached meanwhile; nothing was applied),
    /// read_verify_failure / database_corrupted (a damaged page on the way) and
    /// log_sequence_end (the log has no generation left), after which the commit
    /// takes no effect and the instance is unavailable from then on;
    /// invalid_operation.
    void commit(commit_mode mode = commit_mode::durable) {
        require_active();
        auto* owner = std::exchange(owner_, nullptr);
        owner->commit_writes(writes_, mode);
        writes_.clear();
    }

    /// Forgets every write; the transaction has ended. Throws
    /// backup_error(errc::invalid_operation) if it had ended already.
    void rollback() {
        require_active();
        owner_ = nullptr;
        writes_.clear();
    }

    /// Whether commit() or rollback() may still be called.
    [[nodiscard]] bool active() const noexcept { return owner_ != nullptr; }

    /// The buffered writes, by database and key (none = erase).
    using write_map = std::map<std::pair<database_id, std::string>, std::optional<std::string>>;

  private:
    /// The next put of this transaction's own before `key`, skipping its erases;
    /// advances `own` past it. None once `own` reaches `key` or `end`.
    template <class Iterator>
    static std::optional<key_value> next_own_put_before(Iterator& own, Iterator end,
                                                        const std::string& key) {
        for (; own != end && own->first.second < key; ++own) {
            if (own->second) {
                key_value item;
                item.key = own->first.second;
                item.value = *own->second;
                ++own;
                return item;
            }
        }
        return std::nullopt;
    }

    friend Instance;
    explicit basic_transaction(Instance& owner) : owner_(&owner) {}

    void require_active() const {
        if (owner_ == nullptr) {
            throw backup_error(errc::invalid_operation,
                               "the transaction has already been committed or rolled back");
        }
    }

    Instance* owner_;
    write_map writes_;
};

}  // namespace hotbackup::inline v1
