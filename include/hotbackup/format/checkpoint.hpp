/// \file
/// The checkpoint file "<base>.chk" in the system path (docs/protocol.md §8.4,
/// §4.2): the lowest log generation crash recovery needs and the log set it
/// belongs to (which databases were attached then is in that log file's header,
/// log_format.hpp). It holds two 4 KiB copies written one after the
/// other, each synced, so a torn write of one leaves the other; the reader takes
/// the valid copy with the higher sequence number.
///
/// Copy layout: page.hpp's 40-byte header (kind 7, number 0, checksum seed 0), then
/// \code{.unparsed}
///   40 u64 magic "HBCHK\0\0\1"  48 u64 sequence  56 u32 checkpoint generation
///   60 u32 offset in that generation  64 16B log signature
/// \endcode
/// Recovery reads the checkpoint generation from its start (to learn the attachments)
/// but applies page changes only from the offset on: every change before it is in the
/// database files already, and a page torn after the checkpoint may have had changes
/// before it whose page image lies in an older generation.
///
/// Thread-safety: functions on caller-owned values; the instance serialises writes.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/log_format.hpp"
#include "hotbackup/storage/durable.hpp"
#include "hotbackup/storage/storage.hpp"

namespace hotbackup::inline v1 {

/// What the checkpoint file says.
struct checkpoint_state {
    /// Marks a checkpoint copy: the bytes "HBCHK", 0, 0, 1.
    static constexpr std::uint64_t magic = 0x0100'004B'4843'4248;  // "HBCHK\0\0\1"

    /// Increases with each write; of two valid copies the higher one wins.
    std::uint64_t sequence = 0;
    log_generation generation = 0;  ///< the lowest generation recovery needs
    std::uint32_t offset = 0;       ///< where in it page changes must be replayed from
    /// The log set the checkpoint belongs to.
    signature log_signature{};

    /// Compares member by member.
    friend bool operator==(const checkpoint_state&, const checkpoint_state&) = default;

    /// Where replay of page changes starts: `generation` and `offset`.
    [[nodiscard]] log_position position() const noexcept { return {generation, offset}; }

    /// One sealed 4 KiB copy of the file.
    [[nodiscard]] std::vector<std::byte> encode() const {
        std::vector<std::byte> block(log_layout::block_size);
        std::vector<std::byte> fields;
        detail::byte_writer writer{fields};
        writer.put(magic);
        writer.put(sequence);
        writer.put(generation);
        writer.put(offset);
        writer.put(log_signature.random);
        writer.put(log_signature.created);
        block[page_layout::kind_offset] = static_cast<std::byte>(log_layout::checkpoint_kind);
        std::ranges::copy(fields, block.begin() + page_layout::header_size);
        seal_page(block, 0);
        return block;
    }

    /// Parses one 4 KiB copy; nothing if it is torn, unused or not a checkpoint.
    [[nodiscard]] static std::optional<checkpoint_state> decode(std::span<const std::byte> block) {
        if (block.size() != log_layout::block_size || check_page(block, 0) != page_check::valid ||
            std::to_integer<std::uint8_t>(block[page_layout::kind_offset]) !=
                log_layout::checkpoint_kind) {
            return std::nullopt;
        }
        detail::byte_reader reader{block.subspan(page_layout::header_size)};
        if (reader.get<std::uint64_t>() != magic) {
            return std::nullopt;
        }
        checkpoint_state state;
        state.sequence = reader.get<std::uint64_t>();
        state.generation = reader.get<std::uint32_t>();
        state.offset = reader.get<std::uint32_t>();
        state.log_signature.random = reader.get<std::uint64_t>();
        state.log_signature.created = reader.get<std::uint64_t>();
        if (reader.failed()) {
            return std::nullopt;
        }
        return state;
    }
};

/// Reads the checkpoint file. Nothing if it does not exist or was never written
/// (all zero: a crash while it was first created). Throws backup_error:
/// errc::checkpoint_corrupt naming the file if neither copy is valid; storage errors.
/// Thread safety: not concurrently with write_checkpoint() on the same file.
template <storage Storage>
[[nodiscard]] std::optional<checkpoint_state> read_checkpoint(Storage& storage,
                                                              const std::filesystem::path& path) {
    if (!storage.exists(path)) {
        return std::nullopt;
    }
    auto file = storage.open(path, open_mode::read_only);
    std::vector<std::byte> bytes(std::size_t{2} * log_layout::block_size);
    bytes.resize(file.read_at(0, bytes));
    if (detail::all_zero(bytes)) {
        return std::nullopt;
    }
    bytes.resize(std::size_t{2} * log_layout::block_size);
    const auto first = checkpoint_state::decode(std::span{bytes}.first(log_layout::block_size));
    const auto second = checkpoint_state::decode(std::span{bytes}.last(log_layout::block_size));
    if (!first && !second && detail::all_zero(std::span{bytes}.last(log_layout::block_size))) {
        // The second copy is written only after the first is synced: the first
        // write of the file tore, and no checkpoint was ever complete.
        return std::nullopt;
    }
    if (!first && !second) {
        throw backup_error(errc::checkpoint_corrupt, error_context{.file = path.string()},
                           "neither copy of the checkpoint is valid");
    }
    if (first && second) {
        return first->sequence >= second->sequence ? first : second;
    }
    return first ? first : second;
}

/// Writes both copies of the checkpoint, each synced before the next is touched,
/// so one valid copy survives any crash. Creates the file if needed. Throws
/// backup_error from the storage. Thread safety: one writer per file at a time.
template <storage Storage>
void write_checkpoint(Storage& storage, const std::filesystem::path& path,
                      const checkpoint_state& state) {
    auto file = storage.open(path, open_mode::create_or_open);
    detail::write_header_copies(file, state.encode(), log_layout::block_size);
    file.close();
}

}  // namespace hotbackup::inline v1
