/// \file
/// Reading backup sets back (docs/architecture.md §8 "Backup sets and restore"): a set in a
/// directory of a storage policy, the checks that make an ordered list of sets a
/// restore chain, and the checks of each file as it is read, which verify() and
/// restore() share.
///
/// A chain is one full or copy set, then incremental or differential sets in the
/// order they were taken. Its sets carry the same log signature; each set's logs
/// begin at most one generation after the previous set's last log and end no
/// earlier; a generation held by two sets is the same file in both (same XXH3).
///
/// Checks of one file, in this order, each error naming the file:
/// ~~~{.unparsed}
///   log       missing: missing_restore_log_files (ESE's restore says FileNotFound
///             when a log of the backup folder is missing, docs/protocol.md §5.2 step 5; the typed
///             API names the generation the chain lacks instead); size or header damaged, or the
///             contents differ from the manifest's XXH3: log_corrupt_during_hard_restore;
///             another log set: given_log_file_has_bad_signature; another generation
///             or a broken creation-time chain: given_log_file_is_not_contiguous
///   database  missing: file_not_found; size: bad_backup_database_size; no valid
///             header: database_corrupted; header without the backup's genLow:
///             restore_of_non_backup_database; a damaged page:
///             read_verify_failure / read_pgno_verify_failure; a damaged trailer:
///             bad_patch_page; signatures of header, trailer, manifest and chain that
///             disagree: database_patch_file_mismatch; trailer genLow below the
///             chain's: starting_restore_log_too_high; trailer genHigh above the
///             logs restored: ending_restore_log_too_low; contents that differ from
///             the manifest's XXH3: database_corrupted
/// ~~~
///
/// Thread-safety: a backup_set is immutable after construction; the checks are
/// pure functions of their inputs.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <range/v3/range/conversion.hpp>
#include <range/v3/view/transform.hpp>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "hotbackup/detail/xxhash.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/database_stream.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/session/backup_files.hpp"
#include "hotbackup/set/backup_target.hpp"
#include "hotbackup/set/manifest.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// A complete backup set in `directory` of a storage policy: its manifest, read
/// and checked when it is opened. The storage must outlive the set and its
/// copies. Immutable: any number of threads may read it at once.
template <storage Storage>
class backup_set {
  public:
    /// Opens the set and reads its manifest. Throws backup_error: invalid_backup
    /// (no manifest: the set is incomplete; or a manifest that is not valid),
    /// invalid_path (a file name leaving the set), storage errors.
    backup_set(Storage& storage, std::filesystem::path directory)
        : storage_(&storage), directory_(std::move(directory)) {
        const auto path = directory_ / std::string{manifest_name};
        if (!storage.exists(path)) {
            throw backup_error(errc::invalid_backup, error_context{.file = path.string()},
                               "the backup set is incomplete: it has no manifest");
        }
        auto file = storage.open(path, open_mode::read_only);
        constexpr std::uint64_t largest_manifest = std::uint64_t{64} << 20;
        if (file.size() > largest_manifest) {
            throw backup_error(errc::invalid_backup, error_context{.file = path.string()},
                               "the manifest is larger than 64 MiB");
        }
        std::string text(file.size(), '\0');
        text.resize(file.read_at(0, std::as_writable_bytes(std::span{text.data(), text.size()})));
        file.close();
        manifest_ = manifest::parse(text, path.string());
    }

    /// The set's manifest, as read when the set was opened.
    [[nodiscard]] const hotbackup::manifest& contents() const noexcept { return manifest_; }
    /// The directory the set is in.
    [[nodiscard]] const std::filesystem::path& directory() const noexcept { return directory_; }
    /// The storage the set is on.
    [[nodiscard]] Storage& storage() const noexcept { return *storage_; }
    /// The path of a file the manifest names.
    [[nodiscard]] std::filesystem::path path_of(const std::string& file) const {
        return directory_ / file;
    }

  private:
    Storage* storage_;
    std::filesystem::path directory_;
    hotbackup::manifest manifest_;
};

/// Where one log generation of a chain comes from.
struct chain_log {
    std::size_t set = 0;  ///< index of the set in the chain
    /// The log as that set's manifest lists it.
    manifest_log log;
};

/// What a checked chain restores.
struct restore_chain {
    /// The log set's signature, the same in every set.
    signature log_signature{};
    /// The log files' base name (as "edb" in edb00000001.log).
    std::string base_name;
    /// The format of the sets' pages and logs (manifest::source_format).
    std::string source_format;
    /// Bytes per database page.
    std::uint32_t page_size = 0;
    /// Bytes per log file.
    std::uint64_t log_file_size = 0;
    /// From the first generation replayed (the first set's first log) to the last
    /// the chain holds (the last set's last log).
    generation_range generations;
    std::vector<chain_log> logs;  ///< one per generation of `generations`, in order
    /// Logs of later sets that an earlier set holds too, or that are older than the
    /// chain needs: not replayed, but checked, so a damaged copy in any set is found.
    std::vector<chain_log> duplicates;
};

namespace detail {

/// Adds the logs of `set`, the chain's set number `index` (not the first), to
/// `chain`: those past the chain's end to its logs, the others to its duplicates,
/// after checking that each equals the chain's copy of its generation. Throws
/// backup_error: given_log_file_is_not_contiguous naming the file that differs.
template <storage Storage>
void add_logs_of_later_set(restore_chain& chain, const backup_set<Storage>& set,
                           std::size_t index) {
    for (const auto& log : set.contents().logs) {
        if (log.generation < chain.generations.first) {
            // Older than the chain needs (a set taken without truncation lists
            // every log on disk): not replayed, still checked.
            chain.duplicates.push_back({index, log});
            continue;
        }
        if (log.generation <= chain.generations.last) {
            const auto& held = chain.logs.at(log.generation - chain.generations.first).log;
            if (held.xxh3 != log.xxh3) {
                throw backup_error(errc::given_log_file_is_not_contiguous,
                                   error_context{.file = set.path_of(log.file).string(),
                                                 .generation = log.generation},
                                   "the log differs from the same generation in an earlier "
                                   "set of the chain");
            }
            chain.duplicates.push_back({index, log});
            continue;
        }
        chain.logs.push_back({index, log});
    }
}

}  // namespace detail

/// Checks that `sets` form a restore chain (see the header comment) and returns
/// it. Throws backup_error: invalid_parameter (no set), invalid_backup (the first
/// set holds no databases, or a later one does), given_log_file_has_bad_signature
/// (a set of another log set), missing_restore_log_files (a gap between two sets),
/// given_log_file_is_not_contiguous (a set out of order, or a log that differs
/// between two sets).
template <storage Storage>
[[nodiscard]] restore_chain check_chain(const std::vector<backup_set<Storage>>& sets) {
    if (sets.empty()) {
        throw backup_error(errc::invalid_parameter, "a restore needs at least one backup set");
    }
    const auto& first = sets.front().contents();
    const auto where = [&](std::size_t index) {
        return error_context{.file =
                                 (sets[index].directory() / std::string{manifest_name}).string()};
    };
    if (!holds_databases(first.kind)) {
        throw backup_error(errc::invalid_backup, where(0),
                           "a restore chain starts with a full or copy set, not " +
                               std::string{set_kind_name(first.kind)});
    }
    restore_chain chain;
    chain.log_signature = first.log_signature;
    chain.base_name = first.base_name;
    chain.source_format = first.source_format;
    chain.page_size = first.page_size;
    chain.log_file_size = first.log_file_size;
    chain.generations = first.generations;
    chain.logs = first.logs | ranges::views::transform([](const manifest_log& log) {
                     return chain_log{0, log};
                 }) |
                 ranges::to<std::vector>();
    for (std::size_t index = 1; index < sets.size(); ++index) {
        const auto& next = sets[index].contents();
        if (holds_databases(next.kind)) {
            throw backup_error(errc::invalid_backup, where(index),
                               "only the first set of a chain may hold databases; this one is " +
                                   std::string{set_kind_name(next.kind)});
        }
        if (next.source_format != chain.source_format) {
            throw backup_error(errc::invalid_backup, where(index),
                               "the set is of format \"" + next.source_format +
                                   "\", the chain's first set of \"" + chain.source_format + "\"");
        }
        if (next.log_signature != chain.log_signature || next.base_name != chain.base_name ||
            next.page_size != chain.page_size || next.log_file_size != chain.log_file_size) {
            throw backup_error(errc::given_log_file_has_bad_signature, where(index),
                               "the set belongs to another log set than the chain's first set");
        }
        if (next.generations.first > chain.generations.last + 1) {
            throw backup_error(
                errc::missing_restore_log_files,
                error_context{.file = where(index).file, .generation = chain.generations.last + 1},
                "no set of the chain holds generations " +
                    std::to_string(chain.generations.last + 1) + ".." +
                    std::to_string(next.generations.first - 1));
        }
        if (next.generations.last < chain.generations.last) {
            throw backup_error(
                errc::given_log_file_is_not_contiguous, where(index),
                "the set ends at generation " + std::to_string(next.generations.last) +
                    ", before the set ahead of it in the chain (" +
                    std::to_string(chain.generations.last) + "): the sets are out of order");
        }
        detail::add_logs_of_later_set(chain, sets[index], index);
        chain.generations.last = next.generations.last;
    }
    return chain;
}

namespace detail {

/// Refuses a read buffer that does not hold whole pages.
inline void check_buffer_size(std::size_t buffer_size, std::uint32_t page_size) {
    if (buffer_size == 0 || buffer_size % page_size != 0 || buffer_size > max_buffer_size) {
        throw backup_error(errc::invalid_parameter,
                           "buffer_size = " + std::to_string(buffer_size) +
                               " must be a positive multiple of the page size (" +
                               std::to_string(page_size) + ") up to " +
                               std::to_string(max_buffer_size));
    }
}

/// Checks one log file of a chain as its bytes go by (see the header comment).
class log_file_check {
  public:
    log_file_check(std::string path, manifest_log expected, const restore_chain& chain,
                   std::optional<std::uint64_t> previous_created)
        : path_(std::move(path)),
          expected_(std::move(expected)),
          chain_(&chain),
          previous_created_(previous_created) {}

    [[nodiscard]] error_context context() const {
        return {.file = path_, .generation = expected_.generation};
    }

    /// The file's size, before any byte is read.
    void size(std::uint64_t actual) const {
        if (actual != expected_.size) {
            throw backup_error(errc::log_corrupt_during_hard_restore, context(),
                               "the file has " + std::to_string(actual) +
                                   " bytes, the manifest says " + std::to_string(expected_.size));
        }
    }

    /// The next chunk, read from the offset after the previous one.
    void chunk(std::span<const std::byte> bytes) {
        if (offset_ == 0 && chain_->source_format == reference_format_name) {
            check_header(bytes);  // another format's logs: size and XXH3 only
        }
        hash_.update(bytes);
        offset_ += bytes.size();
    }

    /// After the last chunk.
    void finish() const {
        if (hash_.digest() != expected_.xxh3) {
            throw backup_error(errc::log_corrupt_during_hard_restore, context(),
                               "the file's XXH3 differs from the manifest's");
        }
    }

    /// The header's creation time, which the next generation must name.
    [[nodiscard]] std::uint64_t created() const noexcept { return created_; }

  private:
    void check_header(std::span<const std::byte> bytes) {
        const auto header = bytes.size() >= log_layout::block_size
                                ? log_file_header::decode(bytes.first(log_layout::block_size))
                                : std::nullopt;
        if (!header) {
            throw backup_error(errc::log_corrupt_during_hard_restore, context(),
                               "the log file header is damaged");
        }
        if (header->log_signature != chain_->log_signature) {
            throw backup_error(errc::given_log_file_has_bad_signature, context(),
                               "the log belongs to another log set");
        }
        if (header->generation != expected_.generation) {
            throw backup_error(errc::given_log_file_is_not_contiguous, context(),
                               "the file holds generation " + std::to_string(header->generation));
        }
        if (previous_created_ && header->previous_created != *previous_created_) {
            throw backup_error(errc::given_log_file_is_not_contiguous, context(),
                               "the log does not follow the previous generation");
        }
        created_ = header->created;
    }

    std::string path_;
    manifest_log expected_;
    const restore_chain* chain_;
    std::optional<std::uint64_t> previous_created_;
    std::uint64_t offset_ = 0;
    std::uint64_t created_ = 0;
    xxh3_stream hash_;
};

/// The docs/protocol.md §5.2 step 7 checks of a backup stream's header: it carries backup
/// information (restore_of_non_backup_database), the expected signatures and page size
/// (database_patch_file_mismatch).
inline void check_backup_header(const database_header& header, const std::string& path,
                                const signature& database_signature, const signature& log_signature,
                                std::uint32_t page_size) {
    const error_context context{.file = path, .page = 0};
    if (header.current_full.generation_low == 0) {
        throw backup_error(errc::restore_of_non_backup_database, context,
                           "the header has no backup generation: not a backup stream");
    }
    if (header.database_signature != database_signature || header.log_signature != log_signature) {
        throw backup_error(errc::database_patch_file_mismatch, context,
                           "the header's signatures differ from the backup's");
    }
    if (header.page_size != page_size) {
        throw backup_error(errc::database_patch_file_mismatch, context,
                           "the header says pages of " + std::to_string(header.page_size) +
                               " bytes, the logs " + std::to_string(page_size));
    }
}

/// The docs/protocol.md §5.2 step 7 checks of a backup stream's trailer page against its header and
/// the generations a restore replays (`replayed`): bad_patch_page
/// (damaged), database_patch_file_mismatch (another database or backup),
/// starting_restore_log_too_high, ending_restore_log_too_low.
inline void check_backup_trailer(std::span<const std::byte> bytes, const std::string& path,
                                 page_number page_count, const database_header& header,
                                 generation_range replayed) {
    const error_context context{.file = path, .page = page_count + 1};
    const auto trailer = backup_trailer::decode(bytes);
    if (!trailer || trailer->page_count != page_count) {
        throw backup_error(errc::bad_patch_page, context, "the trailer page is damaged");
    }
    if (trailer->database_signature != header.database_signature ||
        trailer->log_signature != header.log_signature ||
        trailer->backup.mark != header.current_full.mark) {
        throw backup_error(errc::database_patch_file_mismatch, context,
                           "the trailer belongs to another database or backup");
    }
    if (trailer->backup.generation_low < replayed.first) {
        throw backup_error(errc::starting_restore_log_too_high, context,
                           "the database needs logs from generation " +
                               std::to_string(trailer->backup.generation_low) +
                               ", the restore starts at " + std::to_string(replayed.first));
    }
    if (trailer->backup.generation_high > replayed.last) {
        throw backup_error(errc::ending_restore_log_too_low, context,
                           "the database needs logs up to generation " +
                               std::to_string(trailer->backup.generation_high) +
                               ", the restore replays up to " + std::to_string(replayed.last));
    }
}

/// Checks one database stream of a chain as its pages go by (see the header
/// comment). Chunks must hold whole pages.
class database_stream_check {
  public:
    database_stream_check(std::string path, manifest_database expected, const restore_chain& chain,
                          log_generation last_replayed)
        : path_(std::move(path)),
          expected_(std::move(expected)),
          chain_(&chain),
          last_replayed_(last_replayed) {}

    void size(std::uint64_t actual) const {
        if (actual != expected_.stream_size) {
            throw backup_error(errc::bad_backup_database_size, error_context{.file = path_},
                               "the stream has " + std::to_string(actual) +
                                   " bytes, the manifest says " +
                                   std::to_string(expected_.stream_size));
        }
    }

    void chunk(std::span<const std::byte> bytes) {
        hash_.update(bytes);
        const auto page_size = chain_->page_size;
        // Another format's pages: size and XXH3 only.
        const bool reference = chain_->source_format == reference_format_name;
        for (std::size_t at = 0; reference && at + page_size <= bytes.size(); at += page_size) {
            page(bytes.subspan(at, page_size));
            ++index_;
        }
    }

    void finish() const {
        if (!header_ && chain_->source_format == reference_format_name) {
            throw backup_error(errc::database_corrupted, error_context{.file = path_},
                               "the stream ended before its header");
        }
        if (hash_.digest() != expected_.xxh3) {
            throw backup_error(errc::database_corrupted, error_context{.file = path_},
                               "the stream's XXH3 differs from the manifest's");
        }
    }

    /// The stream's header, with the backup's generations (valid after finish()).
    [[nodiscard]] const database_header& header() const { return *header_; }

  private:
    void page(std::span<const std::byte> bytes) {
        const auto stream_pages = std::uint64_t{expected_.page_count} + 3;
        if (index_ < 2) {
            auto header = database_header::decode(bytes);
            if (!header) {
                throw backup_error(errc::database_corrupted,
                                   error_context{.file = path_, .page = 0},
                                   "header copy " + std::to_string(index_) + " is damaged");
            }
            check_backup_header(*header, path_, expected_.database_signature, chain_->log_signature,
                                chain_->page_size);
            header_ = header;
        } else if (index_ + 1 < stream_pages) {
            const auto number = static_cast<page_number>(index_ - 1);
            require_page(check_page(bytes, number), path_, number);
        } else {
            check_backup_trailer(bytes, path_, expected_.page_count, *header_,
                                 {chain_->generations.first, last_replayed_});
        }
    }

    std::string path_;
    manifest_database expected_;
    const restore_chain* chain_;
    log_generation last_replayed_;  ///< the last generation the restore replays
    std::uint64_t index_ = 0;
    std::optional<database_header> header_;
    xxh3_stream hash_;
};

/// Reads `path` of `storage` in chunks of `buffer`, handing each to `check.chunk`
/// and then to `sink`, with `check.size` before and `check.finish` after; a file
/// that is missing throws `missing` naming it.
template <storage Storage, class Check, class Sink>
void read_checked(Storage& storage, const std::filesystem::path& path, Check& check,
                  std::span<std::byte> buffer, errc missing, const error_context& context,
                  Sink&& sink) {
    if (!storage.exists(path)) {
        throw backup_error(missing, context, "the backup set has no such file");
    }
    auto file = storage.open(path, open_mode::read_only);
    const auto total = file.size();
    check.size(total);
    std::uint64_t offset = 0;
    while (offset < total) {
        const auto wanted =
            static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), total - offset));
        const auto read = file.read_at(offset, buffer.first(wanted));
        if (read != wanted) {
            throw backup_error(errc::disk_io, error_context{.file = path.string()},
                               "the file ended early while it was read");
        }
        const auto chunk = std::span<const std::byte>{buffer.first(read)};
        check.chunk(chunk);
        sink(offset, chunk);
        offset += read;
    }
    check.finish();
    file.close();
}

/// Reads and checks every log of `chain.duplicates` (nothing is written).
template <storage Storage, class Advance>
void check_duplicate_logs(const std::vector<backup_set<Storage>>& sets, const restore_chain& chain,
                          std::span<std::byte> buffer, Advance&& advance) {
    for (const auto& entry : chain.duplicates) {
        const auto& set = sets.at(entry.set);
        const auto path = set.path_of(entry.log.file);
        log_file_check check{path.string(), entry.log, chain, std::nullopt};
        read_checked(set.storage(), path, check, buffer, errc::missing_restore_log_files,
                     check.context(), [&](std::uint64_t, std::span<const std::byte> chunk) {
                         advance(entry.log.file, chunk.size());
                     });
    }
}

}  // namespace detail
}  // namespace hotbackup::inline v1
