// Backing up your own engine: hotbackup's sessions, targets and run_backup() work on
// anything that models the backup_source concept (session/backup_source.hpp), not only
// on the reference engine. Here a small store of sensor readings, with its own page
// contents and its own log records, is backed up hot into a memory_target while a
// writer thread appends readings; the store is then rebuilt from the set alone by the
// store's own code (pages from the database stream, then its log records replayed),
// and every reading acknowledged before the backup rolled the log must be back.
//
// What the concept asks of an engine, and how this store answers:
// - pages that can be read and verified while held against flushes: pages carry
//   hotbackup's checksum seal (seal_page), and lock_pages() holds the page mutex;
// - a log that can be rolled, listed, read and truncated: closed log files are
//   immutable byte vectors, shared with readers so truncation cannot pull them away;
// - a checkpoint: the oldest generation a rebuild from the pages needs;
// - a header with backup slots, where the session records a finished backup.
// Every member may be called from several threads at once (the session reads files
// in parallel, the writer appends meanwhile), so the store guards its state.
#include <atomic>
#include <cstdio>
#include <cstring>
#include <hotbackup/hotbackup.hpp>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

using hotbackup::log_generation;
using hotbackup::page_number;

/// One reading: which sensor, its value, and its place in the sequence of all
/// readings (the record's identity: replaying it twice changes nothing).
struct reading {
    std::uint64_t sequence = 0;
    std::uint32_t sensor = 0;
    std::uint32_t value = 0;
    friend bool operator==(const reading&, const reading&) = default;
};
constexpr std::size_t reading_bytes = 16;
constexpr std::uint32_t page_bytes = 4096;
constexpr std::size_t readings_per_page =
    (page_bytes - hotbackup::page_layout::header_size) / reading_bytes;

void put_reading(std::span<std::byte> to, const reading& value) {
    std::memcpy(to.data(), &value.sequence, 8);
    std::memcpy(to.data() + 8, &value.sensor, 4);
    std::memcpy(to.data() + 12, &value.value, 4);
}
reading get_reading(std::span<const std::byte> from) {
    reading value;
    std::memcpy(&value.sequence, from.data(), 8);
    std::memcpy(&value.sensor, from.data() + 8, 4);
    std::memcpy(&value.value, from.data() + 12, 4);
    return value;
}

/// Where reading `sequence` lives: page (from 1) and byte offset in it.
std::pair<page_number, std::size_t> place_of(std::uint64_t sequence) {
    return {static_cast<page_number>(sequence / readings_per_page + 1),
            hotbackup::page_layout::header_size + (sequence % readings_per_page) * reading_bytes};
}

/// Stores a reading in its page and reseals it; the pages grow as needed.
void apply(std::vector<std::vector<std::byte>>& pages, const reading& value) {
    const auto [page, offset] = place_of(value.sequence);
    while (pages.size() < page) {
        pages.emplace_back(page_bytes);
    }
    auto& bytes = pages[page - 1];
    put_reading(std::span{bytes}.subspan(offset, reading_bytes), value);
    hotbackup::seal_page(bytes, page);
}

class readings_store {
  public:
    static constexpr hotbackup::database_id database{0, 1};
    inline static const std::filesystem::path database_path = "/store/readings.db";

    readings_store() {
        header_.page_size = page_bytes;
        header_.state = hotbackup::database_state::dirty;
        header_.database_signature = hotbackup::signature{0x5E45, 1};
        header_.log_signature = log_signature_;
        control_->allow_backups();
    }

    /// Appends a reading: the log record first, then the page (write-ahead).
    void append(std::uint32_t sensor, std::uint32_t value) {
        const std::scoped_lock lock{log_mutex_, page_mutex_};
        const reading record{next_sequence_++, sensor, value};
        current_log_.resize(current_log_.size() + reading_bytes);
        put_reading(std::span{current_log_}.last(reading_bytes), record);
        apply(pages_, record);
    }

    // ---- backup_source ----

    /// Reads pages of the locked range, verifying each as the concept requires.
    class page_reader {
      public:
        page_reader(std::unique_lock<std::mutex> lock,
                    const std::vector<std::vector<std::byte>>& pages)
            : lock_(std::move(lock)), pages_(&pages) {}
        void read(page_number first, page_number count, std::span<std::byte> buffer) const {
            for (page_number index = 0; index < count; ++index) {
                const auto page = first + index;
                const auto target = buffer.subspan(std::size_t{index} * page_bytes, page_bytes);
                std::memcpy(target.data(), pages_->at(page - 1).data(), page_bytes);
                hotbackup::require_page(hotbackup::check_page(target, page), database_path.string(),
                                        page);
            }
        }

      private:
        std::unique_lock<std::mutex> lock_;  // held: no append changes these pages now
        const std::vector<std::vector<std::byte>>* pages_;
    };

    /// A closed log file; it shares the bytes, so truncation cannot free them.
    class log_reader {
      public:
        explicit log_reader(std::shared_ptr<const std::vector<std::byte>> bytes)
            : bytes_(std::move(bytes)) {}
        [[nodiscard]] std::uint64_t size() const { return bytes_->size(); }
        std::size_t read(std::uint64_t offset, std::span<std::byte> buffer) {
            if (offset >= bytes_->size()) {
                return 0;
            }
            const auto count = std::min<std::size_t>(
                buffer.size(), bytes_->size() - static_cast<std::size_t>(offset));
            std::memcpy(buffer.data(), bytes_->data() + offset, count);
            return count;
        }

      private:
        std::shared_ptr<const std::vector<std::byte>> bytes_;
    };

    [[nodiscard]] std::shared_ptr<hotbackup::backup_control> shared_backup_control() const {
        return control_;
    }
    [[nodiscard]] hotbackup::log_state log_state() const { return hotbackup::log_state::healthy; }
    [[nodiscard]] bool circular_logging() const { return false; }
    /// The format of the store's pages and logs, recorded in the manifest: the pages
    /// carry hotbackup's seal, but the log records are the store's own, so verify()
    /// checks the set's files by size and XXH3 and leaves the records to rebuild().
    [[nodiscard]] static std::string_view format_name() { return "sensor-readings/1"; }
    [[nodiscard]] std::uint32_t page_size() const { return page_bytes; }
    [[nodiscard]] hotbackup::signature log_signature() const { return log_signature_; }

    [[nodiscard]] std::vector<hotbackup::database_info> attached_databases() const {
        const std::scoped_lock lock{page_mutex_};
        return {{database, database_path, page_bytes, static_cast<page_number>(pages_.size()),
                 header_.database_signature}};
    }
    [[nodiscard]] hotbackup::database_header database_header_of(hotbackup::database_id) const {
        const std::scoped_lock lock{page_mutex_};
        auto header = header_;
        header.page_count = static_cast<page_number>(pages_.size());
        return header;
    }
    [[nodiscard]] page_reader lock_pages(hotbackup::database_id, page_number, page_number) {
        return page_reader{std::unique_lock{page_mutex_}, pages_};
    }

    [[nodiscard]] hotbackup::log_position log_tip() const {
        const std::scoped_lock lock{log_mutex_};
        return {current_generation_, static_cast<std::uint32_t>(current_log_.size())};
    }
    log_generation roll_log() {
        const std::scoped_lock lock{log_mutex_};
        closed_logs_[current_generation_] =
            std::make_shared<const std::vector<std::byte>>(std::move(current_log_));
        current_log_.clear();
        // The pages hold every record so far: a rebuild from them needs no older log.
        checkpoint_ = ++current_generation_;
        return current_generation_;
    }
    [[nodiscard]] log_generation current_log_generation() const {
        const std::scoped_lock lock{log_mutex_};
        return current_generation_;
    }
    [[nodiscard]] std::vector<log_generation> log_generations() const {
        const std::scoped_lock lock{log_mutex_};
        std::vector<log_generation> generations;
        for (const auto& entry : closed_logs_) {
            generations.push_back(entry.first);
        }
        return generations;
    }
    [[nodiscard]] std::filesystem::path log_file_path(log_generation generation) const {
        char name[32];
        std::snprintf(name, sizeof name, "rdg%08X.log", static_cast<unsigned>(generation));
        return std::filesystem::path{"/store/logs"} / name;
    }
    [[nodiscard]] log_reader open_log(log_generation generation) {
        const std::scoped_lock lock{log_mutex_};
        const auto found = closed_logs_.find(generation);
        if (found == closed_logs_.end()) {
            throw hotbackup::backup_error(
                hotbackup::errc::missing_file_to_backup,
                {.file = log_file_path(generation).string(), .generation = generation},
                "the log is not on disk");
        }
        return log_reader{found->second};
    }
    [[nodiscard]] log_generation stored_checkpoint_generation() const {
        const std::scoped_lock lock{log_mutex_};
        return checkpoint_;
    }
    void hold_logs_from(std::optional<log_generation> generation) {
        const std::scoped_lock lock{log_mutex_};
        held_from_ = generation;
    }
    std::size_t delete_logs(log_generation first, log_generation end) {
        const std::scoped_lock lock{log_mutex_};
        // Never what a rebuild from the pages, or a running backup, still needs.
        end = std::min(end, checkpoint_);
        if (held_from_) {
            end = std::min(end, *held_from_);
        }
        return std::erase_if(closed_logs_, [&](const auto& entry) {
            return entry.first >= first && entry.first < end;
        });
    }
    void write_backup_slot(hotbackup::database_id, hotbackup::backup_slot slot,
                           const hotbackup::backup_info& info) {
        const std::scoped_lock lock{page_mutex_};
        header_.slot(slot) = info;
    }

    /// Every reading appended so far, for the check at the end.
    [[nodiscard]] std::vector<reading> readings() const {
        const std::scoped_lock lock{page_mutex_};
        std::vector<reading> all;
        for (std::uint64_t sequence = 0; sequence < next_sequence_; ++sequence) {
            const auto [page, offset] = place_of(sequence);
            all.push_back(get_reading(std::span{pages_[page - 1]}.subspan(offset, reading_bytes)));
        }
        return all;
    }

  private:
    std::shared_ptr<hotbackup::backup_control> control_ =
        std::make_shared<hotbackup::backup_control>();
    hotbackup::signature log_signature_{0x10C5, 7};
    // Lock order: log_mutex_, then page_mutex_.
    mutable std::mutex log_mutex_;
    std::vector<std::byte> current_log_;
    std::map<log_generation, std::shared_ptr<const std::vector<std::byte>>> closed_logs_;
    log_generation current_generation_ = 1;
    log_generation checkpoint_ = 1;
    std::optional<log_generation> held_from_;
    mutable std::mutex page_mutex_;
    std::vector<std::vector<std::byte>> pages_;
    hotbackup::database_header header_;
    std::uint64_t next_sequence_ = 0;
};
static_assert(hotbackup::backup_source<readings_store>);

/// The store's own restore: the pages of the database stream (header pages and
/// trailer dropped), then every record of the logs replayed in order of generation.
/// Writes the set into a directory of a memory_storage, reopens it there as a
/// backup_set and verifies it: by its manifest, as it is of the store's own format.
/// A flipped byte of a log must then fail verify() naming the file, and restore()
/// must refuse the set by name. Returns whether all three held.
bool verify_reopened(const hotbackup::memory_target& target) {
    hotbackup::memory_storage disk;
    disk.create_directories("/set/databases");
    disk.create_directories("/set/logs");
    const auto files = target.files();
    for (const auto& [name, bytes] : files) {
        auto file = disk.open("/set/" + name, hotbackup::open_mode::create);
        file.write_at(0, bytes);
        file.sync();
        file.close();
    }
    const hotbackup::backup_set<hotbackup::memory_storage> set{disk, "/set"};
    const auto verified = hotbackup::verify(set);
    std::printf(
        "reopened and verified: format %s, %zu database stream(s) and %zu log(s) by "
        "size and XXH3\n",
        set.contents().source_format.c_str(), verified.database_files, verified.log_files);

    const auto& log = set.contents().logs.back();
    auto bytes = files.at(log.file);
    bytes.at(bytes.size() / 2) ^= std::byte{1};
    {
        auto file = disk.open(set.path_of(log.file), hotbackup::open_mode::read_write);
        file.write_at(0, bytes);
        file.close();
    }
    bool caught = false;
    try {
        (void)hotbackup::verify(set);
    } catch (const hotbackup::backup_error& error) {
        caught = error.code() == hotbackup::errc::log_corrupt_during_hard_restore &&
                 std::string{error.what()}.find(log.file) != std::string::npos;
        std::printf("a flipped byte in %s: %s\n", log.file.c_str(), error.what());
    }
    bool refused = false;
    try {
        (void)hotbackup::restore(std::vector{set}, disk, "/restored");
    } catch (const hotbackup::backup_error& error) {
        refused = error.code() == hotbackup::errc::invalid_backup &&
                  !disk.exists("/restored/readings.db");
        std::printf("restore: %s\n", error.what());
    }
    return verified.database_files == 1 && verified.log_files == set.contents().logs.size() &&
           caught && refused;
}

std::vector<reading> rebuild(const std::map<std::string, std::vector<std::byte>>& files) {
    std::vector<std::vector<std::byte>> pages;
    const auto& stream = files.at("databases/readings.db");
    const std::size_t page_count = stream.size() / page_bytes - 3;
    for (std::size_t index = 0; index < page_count; ++index) {
        const auto* first = stream.data() + (index + 2) * page_bytes;
        pages.emplace_back(first, first + page_bytes);
    }
    std::uint64_t highest = 0;
    for (const auto& [name, bytes] : files) {  // logs/rdgXXXXXXXX.log sort by generation
        if (!name.starts_with("logs/")) {
            continue;
        }
        for (std::size_t offset = 0; offset + reading_bytes <= bytes.size();
             offset += reading_bytes) {
            const auto record = get_reading(std::span{bytes}.subspan(offset, reading_bytes));
            apply(pages, record);
            highest = std::max(highest, record.sequence + 1);
        }
    }
    std::vector<reading> all;
    for (std::uint64_t sequence = 0; sequence < highest; ++sequence) {
        const auto [page, offset] = place_of(sequence);
        all.push_back(get_reading(std::span{pages[page - 1]}.subspan(offset, reading_bytes)));
    }
    return all;
}

}  // namespace

int main() {
    try {
        readings_store store;
        std::atomic<std::uint64_t> acknowledged{0};
        // A jthread: however this block is left, the writer is stopped and joined
        // before the store it writes to is destroyed.
        std::jthread writer{[&](const std::stop_token& stop) {
            for (std::uint32_t count = 0; !stop.stop_requested(); ++count) {
                store.append(count % 16, count * 7);
                acknowledged.store(count + 1);
                if (count % 20'000 == 19'999) {
                    static_cast<void>(store.roll_log());  // the store's own log rolls
                }
            }
        }};
        while (acknowledged.load() < 100'000) {
            std::this_thread::yield();
        }

        // run_backup() drives the typed session on the store: databases, then logs
        // (rolled and listed), truncation, end. A reading acknowledged while the
        // databases were still being copied was appended before the log roll, so it
        // must be in the set; the progress callback notes how many there were.
        hotbackup::memory_target target;
        hotbackup::backup_options options;
        std::uint64_t before_roll = 0;
        options.progress = [&](const hotbackup::progress_report& progress) {
            if (progress.current_file.starts_with("databases/")) {
                before_roll = acknowledged.load();
            }
        };
        const auto report = hotbackup::run_backup(store, target, options);
        writer.request_stop();
        writer.join();
        std::printf(
            "custom_source: %s backup of readings.db (%u pages) and logs %u..%u, taken while "
            "a writer appended %llu readings\n",
            std::string{hotbackup::set_kind_name(report.manifest.kind)}.c_str(),
            report.manifest.databases.front().page_count, report.manifest.generations.first,
            report.manifest.generations.last, static_cast<unsigned long long>(acknowledged.load()));

        const auto rebuilt = rebuild(target.files());
        const auto live = store.readings();
        bool same = rebuilt.size() >= before_roll && rebuilt.size() <= live.size();
        for (std::size_t index = 0; same && index < rebuilt.size(); ++index) {
            same = rebuilt[index] == live[index] && rebuilt[index].sequence == index;
        }
        const auto slot =
            store.database_header_of(readings_store::database).slot(hotbackup::backup_slot::full);
        std::printf(
            "rebuilt from the set: %zu readings, %s; header slot full: generations %u..%u\n",
            rebuilt.size(),
            same ? "every one acknowledged before the log roll is back"
                 : "MISSING OR DIFFERENT readings",
            slot.generation_low, slot.generation_high);
        if (!same || slot.generation_high != report.manifest.generations.last) {
            std::puts("custom_source: FAILED");
            return 1;
        }
        if (!verify_reopened(target)) {
            std::puts("custom_source: FAILED");
            return 1;
        }
    } catch (const std::exception& error) {
        std::fprintf(stderr, "custom_source failed: %s\n", error.what());
        std::puts("custom_source: FAILED");
        return 1;
    }
    std::puts("custom_source: OK");
    return 0;
}
