/// \file
/// Appends redo records to the log and makes them durable (format: log_format.hpp).
///
/// Group commit: records are appended to an in-memory run of segments; a thread
/// that needs its records durable becomes the flusher if none is running, takes the
/// whole run, writes and syncs it outside the lock, and wakes every waiter whose
/// records that write covered. Threads that arrive meanwhile append to a fresh run,
/// so concurrent commits share one fdatasync.
///
/// Rolling: when a record does not fit in the current file, or on request, the run
/// is flushed, the next generation is made as "<base>tmp.log" (header written,
/// full size, synced), the current log "<base>.log" is renamed to its numbered name
/// and the new file to "<base>.log", and the directory is synced. Recovery repairs
/// a crash at any step of that (instance.hpp).
///
/// Failure: if a write, sync or roll fails, the writer is failed for good: that call
/// and every later flush throw errc::log_write_fail, because after a failed fdatasync
/// the kernel may have dropped the unsynced bytes and nothing written after them
/// could be trusted.
///
/// Thread-safety: every member may be called from any thread.
#pragma once

#include <algorithm>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
#include <mutex>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/error.hpp"
#include "hotbackup/format/file_names.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1::detail {

/// Where a log stream lives and how its files are shaped.
struct log_settings {
    std::filesystem::path directory;
    std::string base_name;
    std::uint64_t file_size = 0;
    std::uint32_t page_size = 0;

    [[nodiscard]] std::uint32_t segment_count() const noexcept {
        return static_cast<std::uint32_t>(file_size / log_layout::block_size);
    }
    [[nodiscard]] std::filesystem::path current_path() const {
        return directory / current_log_file_name(base_name);
    }
    [[nodiscard]] std::filesystem::path numbered_path(log_generation generation) const {
        return directory / log_file_name(base_name, generation);
    }
    [[nodiscard]] std::filesystem::path temporary_path() const {
        return directory / (base_name + "tmp.log");
    }
};

/// Makes a new, empty log file of `generation` under the temporary name, synced,
/// and returns its header. Throws backup_error from the storage.
template <storage Storage>
log_file_header create_log_file(Storage& storage, const log_settings& settings,
                                const signature& log_signature, log_generation generation,
                                std::uint64_t previous_created,
                                std::vector<log_attachment> attachments) {
    const auto path = settings.temporary_path();
    if (storage.exists(path)) {
        storage.remove(path);
    }
    log_file_header header;
    header.generation = generation;
    header.segment_count = settings.segment_count();
    header.page_size = settings.page_size;
    // Strictly increasing, so contiguity checks by creation time never see a tie.
    header.created = std::max(signature::now_microseconds(), previous_created + 1);
    header.previous_created = previous_created;
    header.log_signature = log_signature;
    header.attachments = std::move(attachments);
    auto file = storage.open(path, open_mode::create);
    file.resize(settings.file_size);
    file.write_at(0, header.encode());
    file.sync();
    file.close();
    return header;
}

/// Puts a log made by create_log_file in place as the current log, after renaming
/// the current one (if any) to its numbered name.
template <storage Storage>
void install_log_file(Storage& storage, const log_settings& settings,
                      std::optional<log_generation> current_generation) {
    if (current_generation) {
        storage.rename(settings.current_path(), settings.numbered_path(*current_generation));
    }
    storage.rename(settings.temporary_path(), settings.current_path());
    storage.sync_directory(settings.directory);
}

/// The appending end of a log stream.
template <storage Storage>
class log_writer {
  public:
    /// Tells a new log file which databases are attached. Called with the
    /// writer's lock held, from whichever thread rolls the log; the instance only
    /// rolls while it holds its commit lock, which keeps the attachments still.
    using attachments_provider = std::function<std::vector<log_attachment>()>;

    /// Continues the current log `header` at segment `end_segment`.
    log_writer(Storage& storage, log_settings settings, const log_file_header& header,
               std::uint32_t end_segment, attachments_provider attachments)
        : storage_(&storage),
          settings_(std::move(settings)),
          attachments_(std::move(attachments)),
          header_(header),
          file_(storage.open(settings_.current_path(), open_mode::read_write)),
          next_segment_(end_segment),
          durable_{header.generation, end_segment * log_layout::block_size} {}

    /// Appends records in order; rolls to a new generation first if they do not fit.
    /// Returns the position just past the last one (what flush_to must reach for
    /// them to be durable). Throws backup_error(errc::log_write_fail) if a roll fails
    /// or the writer has failed.
    log_position append(std::span<const log_record> records) {
        std::unique_lock lock{mutex_};
        require_healthy();
        for (const auto& record : records) {
            encoded_.clear();
            encode_record(record, encoded_);
            if (!fits(encoded_.size())) {
                roll_locked(lock);
            }
            put_bytes(encoded_);
        }
        return end_locked();
    }

    /// Returns once everything appended up to `target` is durable. Throws
    /// backup_error(errc::log_write_fail) if that write fails or the writer failed.
    void flush_to(log_position target) {
        std::unique_lock lock{mutex_};
        while (true) {
            require_healthy();
            if (durable_ >= target) {
                return;
            }
            if (flushing_) {
                flushed_.wait(lock);
                continue;
            }
            if (pending_.empty()) {
                return;  // nothing appended reaches `target`
            }
            write_pending(lock);
        }
    }

    /// Makes everything appended so far durable.
    void flush_all() { flush_to(end_position()); }

    /// Closes the current generation and starts the next; returns the new current
    /// generation (the closed one is that minus one). Throws
    /// backup_error(errc::log_write_fail) on failure.
    log_generation roll() {
        std::unique_lock lock{mutex_};
        require_healthy();
        roll_locked(lock);
        return header_.generation;
    }

    /// The position the next record will get (or a position just past the
    /// appended records: both compare equal for durability).
    [[nodiscard]] log_position end_position() const {
        const std::scoped_lock lock{mutex_};
        return end_locked();
    }

    [[nodiscard]] log_position durable_position() const {
        const std::scoped_lock lock{mutex_};
        return durable_;
    }

    [[nodiscard]] log_generation generation() const {
        const std::scoped_lock lock{mutex_};
        return header_.generation;
    }

    [[nodiscard]] log_file_header current_header() const {
        const std::scoped_lock lock{mutex_};
        return header_;
    }

    /// Bytes written to log files so far (whole segments, padding included).
    [[nodiscard]] std::uint64_t bytes_written() const {
        const std::scoped_lock lock{mutex_};
        return bytes_written_;
    }

    [[nodiscard]] bool failed() const {
        const std::scoped_lock lock{mutex_};
        return failed_;
    }

    /// Closes the current file (after a flush_all, for a clean shutdown).
    void close() {
        std::unique_lock lock{mutex_};
        flushed_.wait(lock, [&] { return !flushing_; });
        file_.close();
    }

  private:
    void require_healthy() const {
        if (failed_) {
            throw backup_error(errc::log_write_fail,
                               error_context{.file = settings_.current_path().string(),
                                             .generation = header_.generation},
                               "an earlier log write failed; the log accepts no more records");
        }
    }

    /// Fails the writer for good and throws log_write_fail carrying the cause.
    [[noreturn]] void fail(const std::exception& cause) {
        failed_ = true;
        flushed_.notify_all();
        throw backup_error(errc::log_write_fail,
                           error_context{.file = settings_.current_path().string(),
                                         .generation = header_.generation},
                           std::string{"writing the log failed: "} + cause.what());
    }

    [[nodiscard]] log_position end_locked() const {
        std::uint32_t offset = next_segment_ * log_layout::block_size;
        if (!pending_.empty()) {
            offset = static_cast<std::uint32_t>(
                std::size_t{next_segment_ - 1} * log_layout::block_size + last_fill_);
        }
        return {header_.generation, offset};
    }

    [[nodiscard]] bool fits(std::size_t size) const noexcept {
        const std::size_t room_in_last = pending_.empty() ? 0 : log_layout::block_size - last_fill_;
        if (size <= room_in_last) {
            return true;
        }
        const auto more_segments = (size - room_in_last + log_layout::segment_payload_size - 1) /
                                   log_layout::segment_payload_size;
        return next_segment_ + more_segments <= settings_.segment_count();
    }

    void put_bytes(std::span<const std::byte> bytes) {
        while (!bytes.empty()) {
            if (pending_.empty() || last_fill_ == log_layout::block_size) {
                pending_.resize(pending_.size() + log_layout::block_size);
                last_fill_ = log_layout::segment_header_size;
                ++next_segment_;
            }
            const auto count = std::min(bytes.size(), log_layout::block_size - last_fill_);
            std::ranges::copy(bytes.first(count), pending_.end() - log_layout::block_size +
                                                      static_cast<std::ptrdiff_t>(last_fill_));
            last_fill_ += count;
            bytes = bytes.subspan(count);
        }
    }

    /// Writes and syncs the pending run. Called with the lock held and no flush
    /// running; drops the lock for the I/O.
    void write_pending(std::unique_lock<std::mutex>& lock) {
        auto run = std::exchange(pending_, {});
        const auto count = static_cast<std::uint32_t>(run.size() / log_layout::block_size);
        const auto first = next_segment_ - count;
        for (std::uint32_t index = 0; index < count; ++index) {
            const auto used = index + 1 == count ? last_fill_ : log_layout::block_size;
            seal_segment(std::span{run}.subspan(std::size_t{index} * log_layout::block_size,
                                                log_layout::block_size),
                         first + index, header_.generation, static_cast<std::uint16_t>(used), first,
                         count);
        }
        last_fill_ = 0;
        const log_position end{header_.generation, next_segment_ * log_layout::block_size};
        flushing_ = true;
        lock.unlock();
        try {
            file_.write_at(std::uint64_t{first} * log_layout::block_size, run);
            file_.sync();
        } catch (const std::exception& cause) {
            lock.lock();
            flushing_ = false;
            fail(cause);
        }
        lock.lock();
        flushing_ = false;
        durable_ = end;
        bytes_written_ += run.size();
        flushed_.notify_all();
    }

    void roll_locked(std::unique_lock<std::mutex>& lock) {
        flushed_.wait(lock, [&] { return !flushing_; });
        require_healthy();
        if (header_.generation >= max_log_generation) {
            throw backup_error(errc::log_sequence_end,
                               error_context{.file = settings_.current_path().string(),
                                             .generation = header_.generation},
                               "the log has reached its last generation");
        }
        if (!pending_.empty()) {
            write_pending(lock);
        }
        try {
            const auto next =
                create_log_file(*storage_, settings_, header_.log_signature, header_.generation + 1,
                                header_.created, attachments_());
            file_.close();
            install_log_file(*storage_, settings_, header_.generation);
            file_ = storage_->open(settings_.current_path(), open_mode::read_write);
            header_ = next;
        } catch (const std::exception& cause) {
            fail(cause);
        }
        next_segment_ = 1;
        durable_ = {header_.generation, log_layout::block_size};
    }

    Storage* storage_;
    log_settings settings_;
    attachments_provider attachments_;
    mutable std::mutex mutex_;
    std::condition_variable flushed_;
    log_file_header header_;
    typename Storage::file file_;
    std::vector<std::byte> pending_;  ///< whole segments not yet written
    std::size_t last_fill_ = 0;       ///< bytes used in the last pending segment
    std::uint32_t next_segment_ = 1;  ///< the segment after the last pending one
    log_position durable_;
    std::vector<std::byte> encoded_;
    std::uint64_t bytes_written_ = 0;
    bool flushing_ = false;
    bool failed_ = false;
};

}  // namespace hotbackup::inline v1::detail
