/// \file
/// One attached database: its file, its header, and the pages of its B+tree it
/// has read, held decoded. A page is read from the file and verified the first
/// time the tree or redo needs it (attaching reads only the header), so attaching,
/// recovery and restore touch only the pages they use. Pages stay cached once read;
/// they are written back by flushes, never evicted.
///
/// The database time must be known without reading every page: a cleanly closed
/// database's header holds it exactly (refresh_header_counters() at the close);
/// one that was not closed cleanly (a crash, a backup copy, a new database) has a
/// header that may be behind its pages, so opening one reads the time of every page
/// once, a block at a time (bounded memory), and keeps none of them.
///
/// Changes are redo-only and no-steal: a transaction's writes reach the pages only
/// at commit, under the tree's exclusive lock, and each change emits the redo record
/// that reproduces it. A page's first change after it was flushed logs the whole
/// page (so a page torn by a crash during its flush is rebuilt from the log); later
/// changes log the single key. Splits log every page they touch whole. Every change
/// gives the page the next database time; redo applies a record only to a page with
/// an older time, so replaying a log twice changes nothing.
///
/// Flushing writes a page only once the commit that last changed it is durable in
/// the log (the WAL rule) and never while a backup reads that page (page ranges are
/// locked against flushes, not against writers, who only change the cache).
///
/// Thread-safety: `tree_mutex()` guards the tree and the page states: readers share
/// it, a commit holds it exclusively. flush(), header writes, reads of the file and
/// page-range locks may be called from any thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/engine/detail/btree_node.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/storage/durable.hpp"
#include "hotbackup/storage/storage.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1::detail {

/// Keeps flushes and backup reads of the same pages apart: a backup locks a page
/// range while it reads it; a flush of a page in a locked range waits, and a lock
/// waits for flushes of its pages in progress.
class page_range_gate {
  public:
    void lock_range(page_number first, page_number last) {
        std::unique_lock lock{mutex_};
        changed_.wait(lock, [&] {
            return std::ranges::none_of(
                flushing_, [&](page_number page) { return page >= first && page <= last; });
        });
        ranges_.emplace_back(first, last);
    }

    void unlock_range(page_number first, page_number last) {
        {
            const std::scoped_lock lock{mutex_};
            const auto range = std::ranges::find(ranges_, std::pair{first, last});
            if (range != ranges_.end()) {
                ranges_.erase(range);
            }
        }
        changed_.notify_all();
    }

    /// Marks `page` as being flushed, waiting while a backup holds it; or, when
    /// `wait` is false, returns false at once if a backup holds it.
    bool begin_flush(page_number page, bool wait = true) {
        std::unique_lock lock{mutex_};
        const auto free = [&] {
            return std::ranges::none_of(ranges_, [&](const auto& range) {
                return page >= range.first && page <= range.second;
            });
        };
        if (!wait && !free()) {
            return false;
        }
        changed_.wait(lock, free);
        flushing_.push_back(page);
        return true;
    }

    void end_flush(page_number page) {
        {
            const std::scoped_lock lock{mutex_};
            std::erase(flushing_, page);
        }
        changed_.notify_all();
    }

  private:
    std::mutex mutex_;
    std::condition_variable changed_;
    std::vector<std::pair<page_number, page_number>> ranges_;
    std::vector<page_number> flushing_;
};

/// Where one commit's changes go: the records it emits, the pages it touched, and
/// the log position its records will start at (the first-dirty position of pages
/// it dirties).
struct change_set {
    log_position start{};
    std::vector<log_record> records;
    std::vector<std::pair<std::uint8_t, page_number>> touched;
};

template <storage Storage>
class database {
  public:
    /// A page in the cache.
    struct cached_page {
        std::optional<btree_node> node;  ///< nothing: unused, or damaged on disk
        bool damaged = false;            ///< the file's copy failed verification
        bool dirty = false;
        log_position first_dirty{};  ///< where the log must be kept from for this page
        log_position commit_end{};   ///< the log must be durable to here before a flush
        std::uint64_t version = 0;   ///< bumped by every change (flush races)
    };

    /// Opens an existing database file and loads its pages. Throws backup_error:
    /// file_not_found, database_corrupted (no valid header copy), page_size_mismatch.
    database(Storage& storage, std::filesystem::path path, std::uint8_t slot,
             std::uint32_t page_size)
        : path_(std::move(path)),
          slot_(slot),
          page_size_(page_size),
          file_(storage.open(path_, open_mode::read_write)) {
        header_ = read_header();
        if (header_.page_size != page_size_) {
            throw backup_error(errc::page_size_mismatch, error_context{.file = path_.string()},
                               "the database has pages of " + std::to_string(header_.page_size) +
                                   " bytes, the instance " + std::to_string(page_size_));
        }
        size_pages();
        if (header_.state != database_state::clean) {
            scan_dbtime();
        }
    }

    /// Creates a new database file with an empty tree, synced with its directory
    /// entry. Throws backup_error: database_duplicate if the file exists.
    static void create_file(Storage& storage, const std::filesystem::path& path,
                            std::uint32_t page_size, const database_header& header) {
        if (storage.exists(path)) {
            throw backup_error(errc::database_duplicate, error_context{.file = path.string()},
                               "a file of that name already exists");
        }
        auto file = storage.open(path, open_mode::create);
        detail::write_header_copies(file, header.encode(), page_size);
        std::vector<std::byte> root(page_size);
        btree_node{}.encode(root, 1);
        file.write_at(page_offset(1, page_size), root);
        file.sync();
        file.close();
        storage.sync_directory(detail::directory_of(path));
    }

    [[nodiscard]] const std::filesystem::path& path() const noexcept { return path_; }
    [[nodiscard]] std::uint8_t slot() const noexcept { return slot_; }
    [[nodiscard]] std::uint32_t page_size() const noexcept { return page_size_; }
    [[nodiscard]] std::shared_mutex& tree_mutex() const noexcept { return tree_mutex_; }
    [[nodiscard]] page_range_gate& gate() noexcept { return gate_; }

    /// A copy of the header as last written or changed in memory.
    [[nodiscard]] database_header header() const {
        const std::scoped_lock lock{header_mutex_};
        auto copy = header_;
        return copy;
    }

    /// The current database time (caller holds the tree lock).
    [[nodiscard]] std::uint64_t dbtime() const noexcept { return dbtime_; }
    void raise_dbtime(std::uint64_t time) noexcept { dbtime_ = std::max(dbtime_, time); }

    /// The number of B+tree pages (caller holds the tree lock).
    [[nodiscard]] page_number page_count() const noexcept {
        return static_cast<page_number>(pages_.size() - 1);
    }

    /// How many pages have been read from the file so far (caller holds the tree
    /// lock): attaching reads none.
    [[nodiscard]] std::size_t pages_read() const {
        const std::scoped_lock lock{load_mutex_};
        return pages_read_;
    }

    // ---- reading (caller holds tree_mutex shared or exclusive) ----

    [[nodiscard]] std::optional<std::string> get(std::string_view key) const {
        page_number page = root_page;
        for (std::size_t depth = 0;; ++depth) {
            check_depth(depth, page);
            const auto& node = node_at(page);
            if (node.is_leaf()) {
                const auto value = node.get(key);
                return value ? std::optional<std::string>{std::string{*value}} : std::nullopt;
            }
            page = node.child_for(key);
        }
    }

    /// The entries of the leaf that holds `from`, from `from` on, and the key where
    /// the next leaf starts (nothing after the last leaf).
    struct scan_batch {
        std::vector<btree_node::leaf_entry> entries;
        std::optional<std::string> next;
    };
    [[nodiscard]] scan_batch scan_from(std::string_view from) const {
        scan_batch batch;
        page_number page = root_page;
        for (std::size_t depth = 0;; ++depth) {
            check_depth(depth, page);
            const auto& node = node_at(page);
            if (node.is_leaf()) {
                const auto first = node.find(from).first;
                batch.entries.assign(node.leaf_entries.begin() + static_cast<std::ptrdiff_t>(first),
                                     node.leaf_entries.end());
                return batch;
            }
            const auto position = std::ranges::upper_bound(
                node.branch_entries, from, std::less<>{},
                [](const btree_node::branch_entry& entry) { return std::string_view{entry.key}; });
            if (position != node.branch_entries.end() &&
                (!batch.next || position->key < *batch.next)) {
                batch.next = position->key;
            }
            page = position == node.branch_entries.begin() ? node.leftmost_child
                                                           : std::prev(position)->child;
        }
    }

    // ---- changing (caller holds tree_mutex exclusively) ----

    /// Inserts or replaces `key`, emitting redo records into `changes`.
    void put(std::string_view key, std::string_view value, change_set& changes) {
        auto path = descend(key);
        auto& leaf = node_at(path.back());
        leaf.put(key, value);
        if (leaf.encoded_size() <= page_size_) {
            log_change(
                path.back(), changes,
                log_records::leaf_put{slot_, path.back(), 0, std::string{key}, std::string{value}});
            return;
        }
        split(path, changes);
    }

    /// Removes `key` if present (emitting a record only then). Pages may be left
    /// underfull; they are never merged.
    void erase(std::string_view key, change_set& changes) {
        const auto path = descend(key);
        if (node_at(path.back()).erase(key)) {
            log_change(path.back(), changes,
                       log_records::leaf_erase{slot_, path.back(), 0, std::string{key}});
        }
    }

    /// Sets the commit end of pages this commit touched, once its records have a
    /// place in the log.
    void set_commit_end(page_number page, log_position commit_end) {
        pages_.at(page)->commit_end = commit_end;
    }

    // ---- redo (recovery: one thread, no lock needed) ----

    void redo(const log_records::page_image& record, log_position position) {
        auto& page = ensure_page(record.page);
        if (!page.damaged && page.node && page.node->dbtime >= record.dbtime) {
            return;
        }
        std::vector<std::byte> bytes(page_size_);
        std::ranges::copy(record.bytes.begin(),
                          record.bytes.begin() + static_cast<std::ptrdiff_t>(std::min<std::size_t>(
                                                     record.bytes.size(), page_size_)),
                          bytes.begin());
        auto node = btree_node::decode(bytes);
        if (!node) {
            throw backup_error(
                errc::log_file_corrupt, error_context{.file = path_.string(), .page = record.page},
                "the page image logged at generation " + std::to_string(position.generation) +
                    " offset " + std::to_string(position.offset) + " does not parse");
        }
        node->dbtime = record.dbtime;
        page.node = std::move(node);
        page.damaged = false;
        mark_redone(record.page, page, record.dbtime, position);
    }

    template <class Record>
        requires std::same_as<Record, log_records::leaf_put> ||
            std::same_as<Record, log_records::leaf_erase>
    void redo(const Record& record, log_position position) {
        auto& page = ensure_page(record.page);
        if (page.damaged) {
            // Torn by a flush. That flush wrote a dirty period which began with a page
            // image after the checkpoint; the image comes later in the log and
            // rebuilds the page. A key record before it belongs to an older period
            // (a checkpoint can fall inside one whose page it then flushed). A page no
            // image rebuilds stays damaged and fails verification when read.
            return;
        }
        if (page.node && page.node->dbtime >= record.dbtime) {
            return;  // the page has this change already (it may have split since)
        }
        if (!page.node || !page.node->is_leaf()) {
            throw backup_error(errc::database_corrupted,
                               error_context{.file = path_.string(), .page = record.page},
                               "a logged key change names a page that is not a leaf");
        }
        if constexpr (std::same_as<Record, log_records::leaf_put>) {
            page.node->put(record.key, record.value);
        } else {
            page.node->erase(record.key);
        }
        page.node->dbtime = record.dbtime;
        mark_redone(record.page, page, record.dbtime, position);
    }

    // ---- flushing ----

    /// Writes every dirty page whose last commit is durable at `durable`, syncs the
    /// file, and marks the pages clean (unless changed meanwhile). A page a backup
    /// has locked is waited for, or with `wait_for_backup` false left dirty. Returns
    /// how many pages it wrote. Throws backup_error from the storage.
    std::size_t flush(log_position durable, bool wait_for_backup = true) {
        struct image {
            page_number page;
            std::uint64_t version;
            std::vector<std::byte> bytes;
        };
        std::vector<image> images;
        {
            const std::shared_lock lock{tree_mutex_};
            for (const auto page : dirty_pages_) {
                const auto& cached = *pages_[page];
                if (cached.node && cached.commit_end <= durable) {
                    image copy{page, cached.version, std::vector<std::byte>(page_size_)};
                    cached.node->encode(copy.bytes, page);
                    images.push_back(std::move(copy));
                }
            }
        }
        if (images.empty()) {
            return 0;
        }
        std::size_t written = 0;
        for (auto& copy : images) {
            if (!gate_.begin_flush(copy.page, wait_for_backup)) {
                copy.version = ~std::uint64_t{0};  // not written: stays dirty
                continue;
            }
            try {
                file_.write_at(page_offset(copy.page, page_size_), copy.bytes);
            } catch (...) {
                gate_.end_flush(copy.page);
                throw;
            }
            gate_.end_flush(copy.page);
            ++written;
        }
        file_.sync();
        const std::unique_lock lock{tree_mutex_};
        for (const auto& copy : images) {
            auto& cached = *pages_[copy.page];
            if (cached.version == copy.version) {
                cached.dirty = false;
                dirty_pages_.erase(copy.page);
            }
        }
        return written;
    }

    /// The oldest first-dirty position of any dirty page, or nothing if all are
    /// clean: the log must be kept from there for this database.
    [[nodiscard]] std::optional<log_position> oldest_dirty() const {
        const std::shared_lock lock{tree_mutex_};
        std::optional<log_position> oldest;
        for (const auto page : dirty_pages_) {
            const auto first_dirty = pages_[page]->first_dirty;
            if (!oldest || first_dirty < *oldest) {
                oldest = first_dirty;
            }
        }
        return oldest;
    }

    /// Writes the header in both copies, each synced. `update` changes the
    /// in-memory header first (under the header lock). Throws backup_error.
    template <class Update>
    void write_header(Update&& update) {
        const std::scoped_lock lock{header_mutex_};
        // The in-memory header changes only once both copies are on disk, so a
        // failed write leaves memory saying what the file said before.
        auto changed = header_;
        update(changed);
        detail::write_header_copies(file_, changed.encode(), page_size_);
        header_ = changed;
    }

    /// Brings the in-memory header's time and page count up to date (caller holds
    /// the tree lock).
    void refresh_header_counters() {
        const std::scoped_lock lock{header_mutex_};
        header_.dbtime = dbtime_;
        header_.page_count = page_count();
    }

    /// Reads `count` pages from `first` from the file into `buffer` and verifies
    /// each (unused pages pass). Throws backup_error: read_verify_failure or
    /// read_pgno_verify_failure naming the file and page; disk_io.
    void read_pages(page_number first, page_number count, std::span<std::byte> buffer) {
        const auto bytes = buffer.first(std::size_t{count} * page_size_);
        const auto read = file_.read_at(page_offset(first, page_size_), bytes);
        std::ranges::fill(bytes.subspan(read), std::byte{0});  // past the end: unused
        for (page_number index = 0; index < count; ++index) {
            require_page(check_page(bytes.subspan(std::size_t{index} * page_size_, page_size_),
                                    first + index),
                         path_.string(), first + index);
        }
    }

    /// Closes the file (after the last flush and header write).
    void close() { file_.close(); }

    static constexpr page_number root_page = 1;
    /// The commit end of a page changed by a commit not yet in the log: later than
    /// any durable position, so no flush writes it.
    static constexpr log_position not_yet_logged{max_log_generation, ~std::uint32_t{0}};

  private:
    [[nodiscard]] database_header read_header() {
        // The primary copy says its own page size (so a database of another page
        // size is reported as such); the shadow copy is looked for at the instance's
        // page size.
        std::vector<std::byte> page(4096);
        page.resize(file_.read_at(0, page));
        std::optional<database_header> found;
        if (page.size() == 4096) {
            const auto claimed = load_le<std::uint32_t>(page, page_layout::header_size + 8);
            if (claimed >= 4096 && claimed <= 32768 && (claimed & (claimed - 1)) == 0) {
                page.resize(claimed);
                page.resize(file_.read_at(0, page));
                found = database_header::decode(page);
            }
        }
        if (!found) {
            std::vector<std::byte> shadow(page_size_);
            shadow.resize(file_.read_at(page_size_, shadow));
            found = database_header::decode(shadow);
        }
        if (!found) {
            throw backup_error(errc::database_corrupted, error_context{.file = path_.string()},
                               "neither copy of the database header is valid");
        }
        return *found;
    }

    /// Sizes the page table from the header and the file (a page past the header's
    /// count may have been flushed before a crash); reads no page.
    void size_pages() {
        const auto file_pages = file_.size() / page_size_;
        if (header_.page_count > file_pages) {
            throw backup_error(errc::database_corrupted, error_context{.file = path_.string()},
                               "the header counts " + std::to_string(header_.page_count) +
                                   " pages but the file holds fewer");
        }
        const auto file_last = file_pages > 2 ? static_cast<page_number>(file_pages - 2) : 0;
        const auto last = std::max({header_.page_count, file_last, root_page});
        pages_.clear();
        pages_.resize(std::size_t{last} + 1);  // entry 0 stands for the header area
        dbtime_ = header_.dbtime;
    }

    /// Raises dbtime_ to the largest time of any valid page in the file, reading it
    /// a block at a time and keeping nothing. Throws backup_error from the storage.
    void scan_dbtime() {
        constexpr std::size_t block_pages = 128;
        std::vector<std::byte> block(block_pages * page_size_);
        const auto last = page_count();
        for (page_number first = 1; first <= last; first += block_pages) {
            const auto count = std::min<page_number>(block_pages, last - first + 1);
            const auto bytes = std::span{block}.first(std::size_t{count} * page_size_);
            const auto read = file_.read_at(page_offset(first, page_size_), bytes);
            std::ranges::fill(bytes.subspan(read), std::byte{0});
            for (page_number index = 0; index < count; ++index) {
                const auto page = bytes.subspan(std::size_t{index} * page_size_, page_size_);
                if (check_page(page, first + index) == page_check::valid) {
                    dbtime_ = std::max(dbtime_, dbtime_of(page));
                }
            }
        }
    }

    /// The cache entry of `page`, read from the file and verified on first use (an
    /// unused page has no node; a damaged one is marked so, and fails when the tree
    /// reaches it). Readers share the tree lock, so loads are serialized by their
    /// own mutex. Throws backup_error from the storage.
    cached_page& load(page_number page) const {
        const std::scoped_lock lock{load_mutex_};
        auto& slot = pages_[page];
        if (!slot) {
            std::vector<std::byte> bytes(page_size_);
            const auto read = file_.read_at(page_offset(page, page_size_), bytes);
            std::ranges::fill(std::span{bytes}.subspan(read), std::byte{0});
            auto cached = std::make_unique<cached_page>();
            const auto check = check_page(bytes, page);
            if (check == page_check::valid) {
                cached->node = btree_node::decode(bytes);
                cached->damaged = !cached->node;
            } else {
                cached->damaged = check != page_check::unused;
            }
            slot = std::move(cached);
            ++pages_read_;
        }
        return *slot;
    }

    [[nodiscard]] const btree_node& node_at(page_number page) const {
        if (page == 0 || page >= pages_.size()) {
            throw backup_error(errc::database_corrupted,
                               error_context{.file = path_.string(), .page = page},
                               "the tree points past the last page");
        }
        const auto& cached = load(page);
        if (cached.damaged) {
            require_page(page_check::bad_checksum, path_.string(), page);
        }
        if (!cached.node) {
            throw backup_error(errc::database_corrupted,
                               error_context{.file = path_.string(), .page = page},
                               "the tree points to an unused page");
        }
        return *cached.node;
    }
    [[nodiscard]] btree_node& node_at(page_number page) {
        return const_cast<btree_node&>(std::as_const(*this).node_at(page));
    }

    [[nodiscard]] std::vector<page_number> descend(std::string_view key) const {
        std::vector<page_number> path{root_page};
        while (!node_at(path.back()).is_leaf()) {
            check_depth(path.size(), path.back());
            path.push_back(node_at(path.back()).child_for(key));
        }
        return path;
    }

    /// A B+tree of pages at least 4 KiB deep is never this deep; a deeper path
    /// means a branch points back up the tree.
    void check_depth(std::size_t depth, page_number page) const {
        if (depth > max_tree_depth) {
            throw backup_error(errc::database_corrupted,
                               error_context{.file = path_.string(), .page = page},
                               "the tree is deeper than any valid tree (a cycle)");
        }
    }
    static constexpr std::size_t max_tree_depth = 64;

    cached_page& ensure_page(page_number page) {
        if (pages_.size() <= page) {
            pages_.resize(std::size_t{page} + 1);
        }
        return load(page);
    }

    /// Gives a changed page the next database time and marks it dirty and touched
    /// by this commit. Returns whether it was clean before.
    bool touch(page_number page, change_set& changes) {
        auto& cached = *pages_[page];
        cached.node->dbtime = ++dbtime_;
        ++cached.version;
        // Not to be written until set_commit_end() says where this commit ends in
        // the log: a write of the page before then would put an uncommitted change
        // in the file.
        cached.commit_end = not_yet_logged;
        changes.touched.emplace_back(slot_, page);
        if (cached.dirty) {
            return false;
        }
        cached.dirty = true;
        cached.first_dirty = changes.start;
        dirty_pages_.insert(page);
        return true;
    }

    /// Logs a key change: the whole page if it was clean (its file copy might be
    /// torn by the flush to come), else the record given.
    template <class Record>
    void log_change(page_number page, change_set& changes, Record record) {
        if (touch(page, changes)) {
            changes.records.push_back(image_of(page));
        } else {
            record.dbtime = dbtime_;
            changes.records.push_back(std::move(record));
        }
    }

    [[nodiscard]] log_records::page_image image_of(page_number page) const {
        const auto& node = *pages_[page]->node;
        std::vector<std::byte> bytes(page_size_);
        node.encode(bytes, page);
        bytes.resize(node.encoded_size());
        return {slot_, page, node.dbtime, std::move(bytes)};
    }

    page_number allocate_page() {
        pages_.push_back(std::make_unique<cached_page>());
        pages_.back()->node.emplace();
        return static_cast<page_number>(pages_.size() - 1);
    }

    /// Splits the overfull leaf at the end of `path` and every ancestor that
    /// overflows in turn; logs each page it changed as a whole image.
    void split(const std::vector<page_number>& path, change_set& changes) {
        std::vector<page_number> changed;
        std::size_t level = path.size() - 1;
        while (node_at(path[level]).encoded_size() > page_size_) {
            const auto page = path[level];
            if (page == root_page) {
                // The root stays page 1: its halves move to two new pages.
                const auto left = allocate_page();
                const auto right = allocate_page();
                auto& root = node_at(root_page);
                auto [upper, separator] = root.split();
                *pages_[left]->node = std::move(root);
                *pages_[right]->node = std::move(upper);
                root = btree_node{};
                root.kind = page_kind::branch;
                root.leftmost_child = left;
                root.branch_entries.push_back({std::move(separator), right});
                changed.insert(changed.end(), {root_page, left, right});
                break;
            }
            const auto right = allocate_page();
            auto [upper, separator] = node_at(page).split();
            *pages_[right]->node = std::move(upper);
            node_at(path[level - 1]).insert_child(std::move(separator), right);
            changed.insert(changed.end(), {page, right, path[level - 1]});
            --level;
        }
        // std::unique, not std::ranges::unique: clang 14 cannot compile the subrange
        // the latter returns (llvm#52696).
        std::ranges::sort(changed);
        changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
        for (const auto page : changed) {
            (void)touch(page, changes);
            changes.records.push_back(image_of(page));
        }
    }

    void mark_redone(page_number number, cached_page& page, std::uint64_t time,
                     log_position position) {
        dbtime_ = std::max(dbtime_, time);
        if (!page.dirty) {
            page.dirty = true;
            page.first_dirty = position;
            dirty_pages_.insert(number);
        }
        page.commit_end = position;
        ++page.version;
    }

    std::filesystem::path path_;
    std::uint8_t slot_;
    std::uint32_t page_size_;
    mutable typename Storage::file file_;  // load() reads it under the shared tree lock
    mutable std::mutex header_mutex_;
    database_header header_;
    mutable std::shared_mutex tree_mutex_;
    /// One entry per page of the file (and per page allocated since), null until
    /// the page is first read; see load().
    mutable std::vector<std::unique_ptr<cached_page>> pages_;
    mutable std::mutex load_mutex_;
    mutable std::size_t pages_read_ = 0;
    /// The pages whose `dirty` is set (guarded as pages_): flushes and the
    /// checkpoint walk these, not every page.
    std::set<page_number> dirty_pages_;
    std::uint64_t dbtime_ = 0;
    page_range_gate gate_;
};

}  // namespace hotbackup::inline v1::detail
