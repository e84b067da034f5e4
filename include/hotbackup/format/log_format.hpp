/// \file
/// The log file format (docs/protocol.md §8.7): fixed-size files of 4 KiB
/// blocks; block 0 is the header, every other block is a segment with its own
/// checksum, so a torn write is caught at the segment it tore.
///
/// Header (page.hpp's 40-byte page header, kind `log_header`, number 0), then:
/// \code{.unparsed}
///   40 u64 magic "HBLOG\0\0\1"   48 u32 format version   52 u32 generation
///   56 u32 segment size (4096)    60 u32 segment count (file size / 4096)
///   64 u32 database page size     68 u32 reserved
///   72 u64 creation time (µs)     80 u64 creation time of the previous generation
///   88 16B log signature        104 u32 attached database count
///  108 per database: u8 slot, 16B database signature, u16 path length, path
/// \endcode
/// The attachments are those at the moment the file was started, so recovery that
/// starts at this generation knows which database each slot names.
/// Segment i (kind `log_segment`, number i, checksum seeded with i):
/// \code{.unparsed}
///   14 u16 bytes used (these 32 included)  16 u32 generation
///   20 u32 first segment of the write that wrote it
///   24 u32 number of segments of that write
///   32 payload (4064 bytes)
/// \endcode
/// Each write of the log covers whole segments that no earlier write touched: the
/// last segment of a write is padded. No acknowledged byte is ever rewritten, so a
/// torn write can only damage the write in flight, and a reader tells a torn tail
/// (the damaged write is the last one) from corruption (a later write is intact).
///
/// The payload of a write is a sequence of records: u8 type, u32 length, body.
/// Records of one transaction are contiguous and end with a commit record; redo
/// applies a transaction only when its commit record is read.
///
/// Thread-safety: value types and pure functions.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/database_header.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1 {

/// Sizes, offsets and page kinds of the log file and checkpoint formats.
namespace log_layout {
/// Size of a log file's header block, of each segment and of a checkpoint copy.
inline constexpr std::uint32_t block_size = 4096;
/// Bytes before a segment's payload.
inline constexpr std::size_t segment_header_size = 32;
/// Payload bytes of one segment.
inline constexpr std::size_t segment_payload_size = block_size - segment_header_size;
/// Offset of a segment's u16 count of used bytes (its header included).
inline constexpr std::size_t used_offset = 14;
/// Offset of a segment's u32 generation.
inline constexpr std::size_t generation_offset = 16;
/// Offset of a segment's u32 first segment of its write.
inline constexpr std::size_t write_first_offset = 20;
/// Offset of a segment's u32 number of segments of its write.
inline constexpr std::size_t write_count_offset = 24;
/// Page kind of a log file header block.
inline constexpr std::uint8_t header_kind = 5;
/// Page kind of a log segment.
inline constexpr std::uint8_t segment_kind = 6;
/// Page kind of a checkpoint copy.
inline constexpr std::uint8_t checkpoint_kind = 7;
/// Bytes before a record's body: type and length.
inline constexpr std::size_t record_prefix_size = 5;
}  // namespace log_layout

/// The longest database path the engine records (six fit a log file header).
inline constexpr std::size_t max_database_path_size = 512;

namespace detail {
/// Checks that `path` names a file in at most max_database_path_size bytes.
/// Throws backup_error: invalid_path naming it.
inline void check_database_path(const std::filesystem::path& path) {
    if (path.string().size() > max_database_path_size || path.empty() || !path.has_filename()) {
        throw backup_error(errc::invalid_path, error_context{.file = path.string()},
                           "a database path must name a file in at most 512 bytes");
    }
}
}  // namespace detail

/// A database attached when a log file was started.
struct log_attachment {
    /// The attachment slot.
    std::uint8_t slot = 0;
    /// The database file's signature.
    signature database_signature{};
    /// The database path, as attached.
    std::string path;
    /// Compares member by member.
    friend bool operator==(const log_attachment&, const log_attachment&) = default;
};

/// The header of one log file.
struct log_file_header {
    /// Marks a log file header: the bytes "HBLOG", 0, 0, 1.
    static constexpr std::uint64_t magic = 0x0100'0047'4F4C'4248;  // "HBLOG\0\0\1"
    /// The layout version read and written.
    static constexpr std::uint32_t format_version = 1;

    /// This file's generation.
    log_generation generation = 0;
    std::uint32_t segment_count = 0;  ///< blocks in the file, the header included
    /// Database page size of the instance.
    std::uint32_t page_size = 0;
    std::uint64_t created = 0;           ///< microseconds since the Unix epoch
    std::uint64_t previous_created = 0;  ///< `created` of generation − 1 (0 for the first)
    /// The log set the file belongs to.
    signature log_signature{};
    /// Databases attached when the file was started.
    std::vector<log_attachment> attachments;

    /// Compares member by member.
    friend bool operator==(const log_file_header&, const log_file_header&) = default;

    /// The sealed 4 KiB header block.
    [[nodiscard]] std::vector<std::byte> encode() const {
        std::vector<std::byte> block(log_layout::block_size);
        std::vector<std::byte> fields;
        detail::byte_writer writer{fields};
        writer.put(magic);
        writer.put(format_version);
        writer.put(generation);
        writer.put(log_layout::block_size);
        writer.put(segment_count);
        writer.put(page_size);
        writer.put(std::uint32_t{0});
        writer.put(created);
        writer.put(previous_created);
        writer.put(log_signature.random);
        writer.put(log_signature.created);
        writer.put(static_cast<std::uint32_t>(attachments.size()));
        for (const auto& attachment : attachments) {
            writer.put(attachment.slot);
            writer.put(attachment.database_signature.random);
            writer.put(attachment.database_signature.created);
            writer.put(static_cast<std::uint16_t>(attachment.path.size()));
            writer.put_string(attachment.path);
        }
        block[page_layout::kind_offset] = static_cast<std::byte>(log_layout::header_kind);
        std::ranges::copy(fields, block.begin() + page_layout::header_size);
        seal_page(block, 0);
        return block;
    }

    /// Parses a header block; nothing if it is damaged or not a log header.
    [[nodiscard]] static std::optional<log_file_header> decode(std::span<const std::byte> block) {
        if (block.size() != log_layout::block_size || check_page(block, 0) != page_check::valid ||
            std::to_integer<std::uint8_t>(block[page_layout::kind_offset]) !=
                log_layout::header_kind) {
            return std::nullopt;
        }
        detail::byte_reader reader{block.subspan(page_layout::header_size)};
        if (reader.get<std::uint64_t>() != magic || reader.get<std::uint32_t>() != format_version) {
            return std::nullopt;
        }
        log_file_header header;
        header.generation = reader.get<std::uint32_t>();
        if (reader.get<std::uint32_t>() != log_layout::block_size) {
            return std::nullopt;
        }
        header.segment_count = reader.get<std::uint32_t>();
        header.page_size = reader.get<std::uint32_t>();
        (void)reader.get<std::uint32_t>();
        header.created = reader.get<std::uint64_t>();
        header.previous_created = reader.get<std::uint64_t>();
        header.log_signature.random = reader.get<std::uint64_t>();
        header.log_signature.created = reader.get<std::uint64_t>();
        const auto count = reader.get<std::uint32_t>();
        for (std::uint32_t index = 0; index < count && !reader.failed(); ++index) {
            log_attachment attachment;
            attachment.slot = reader.get<std::uint8_t>();
            attachment.database_signature.random = reader.get<std::uint64_t>();
            attachment.database_signature.created = reader.get<std::uint64_t>();
            attachment.path = reader.get_string(reader.get<std::uint16_t>());
            header.attachments.push_back(std::move(attachment));
        }
        if (reader.failed() || header.segment_count < 2) {
            return std::nullopt;
        }
        return header;
    }
};

/// Redo records. Page records name the database by its attachment slot and carry
/// the database time the change gives the page; redo applies one only to a page
/// whose time is older, which makes replay idempotent.
namespace log_records {

/// A whole page after a change: logged for a page's first change after it was
/// flushed (so a torn page write is repaired from the log) and for splits.
struct page_image {
    /// The database's attachment slot.
    std::uint8_t database = 0;
    /// The page changed.
    page_number page = 0;
    /// The database time the change gives the page.
    std::uint64_t dbtime = 0;
    std::vector<std::byte> bytes;  ///< the encoded page up to its last used byte
};

/// Insert or replace one key in a leaf.
struct leaf_put {
    /// The database's attachment slot.
    std::uint8_t database = 0;
    /// The page changed.
    page_number page = 0;
    /// The database time the change gives the page.
    std::uint64_t dbtime = 0;
    /// The key, at most 255 bytes.
    std::string key;
    /// The value, at most a quarter page.
    std::string value;
};

/// Remove one key from a leaf.
struct leaf_erase {
    /// The database's attachment slot.
    std::uint8_t database = 0;
    /// The page changed.
    page_number page = 0;
    /// The database time the change gives the page.
    std::uint64_t dbtime = 0;
    /// The key, at most 255 bytes.
    std::string key;
};

/// The end of a transaction's records: redo applies them when it reads this.
struct commit {
    std::uint64_t time = 0;  ///< microseconds since the Unix epoch
};

/// A database was attached (or created) in a slot.
struct attach {
    /// The attachment slot.
    std::uint8_t database = 0;
    /// The database file's signature.
    signature database_signature{};
    std::uint64_t dbtime = 0;  ///< the database's time when it was attached
    /// The database path, as attached.
    std::string path;
};

/// A database was detached from its slot.
struct detach {
    /// The attachment slot.
    std::uint8_t database = 0;
};

}  // namespace log_records

/// Any redo record.
using log_record =
    std::variant<log_records::page_image, log_records::leaf_put, log_records::leaf_erase,
                 log_records::commit, log_records::attach, log_records::detach>;

namespace detail {

/// Appends one encoded record (type, length, body) to `output`.
inline void encode_record(const log_record& record, std::vector<std::byte>& output) {
    const auto start = output.size();
    byte_writer writer{output};
    writer.put(static_cast<std::uint8_t>(record.index() + 1));
    writer.put(std::uint32_t{0});  // length, filled in below
    std::visit(
        [&](const auto& body) {
            using body_type = std::decay_t<decltype(body)>;
            if constexpr (std::is_same_v<body_type, log_records::page_image>) {
                writer.put(body.database);
                writer.put(body.page);
                writer.put(body.dbtime);
                writer.put_bytes(body.bytes);
            } else if constexpr (std::is_same_v<body_type, log_records::leaf_put>) {
                writer.put(body.database);
                writer.put(body.page);
                writer.put(body.dbtime);
                writer.put(static_cast<std::uint8_t>(body.key.size()));
                writer.put_string(body.key);
                writer.put(static_cast<std::uint16_t>(body.value.size()));
                writer.put_string(body.value);
            } else if constexpr (std::is_same_v<body_type, log_records::leaf_erase>) {
                writer.put(body.database);
                writer.put(body.page);
                writer.put(body.dbtime);
                writer.put(static_cast<std::uint8_t>(body.key.size()));
                writer.put_string(body.key);
            } else if constexpr (std::is_same_v<body_type, log_records::commit>) {
                writer.put(body.time);
            } else if constexpr (std::is_same_v<body_type, log_records::attach>) {
                writer.put(body.database);
                writer.put(body.database_signature.random);
                writer.put(body.database_signature.created);
                writer.put(body.dbtime);
                writer.put(static_cast<std::uint16_t>(body.path.size()));
                writer.put_string(body.path);
            } else {
                writer.put(body.database);
            }
        },
        record);
    const auto length = output.size() - start - log_layout::record_prefix_size;
    store_le(std::span{output}, start + 1, static_cast<std::uint32_t>(length));
}

/// Decodes one record body of the given type; nothing if it does not parse.
[[nodiscard]] inline std::optional<log_record> decode_record(std::uint8_t type,
                                                             std::span<const std::byte> body) {
    byte_reader reader{body};
    log_record record;
    switch (type) {
        case 1: {
            log_records::page_image image;
            image.database = reader.get<std::uint8_t>();
            image.page = reader.get<std::uint32_t>();
            image.dbtime = reader.get<std::uint64_t>();
            const auto bytes = reader.get_bytes(reader.remaining());
            image.bytes.assign(bytes.begin(), bytes.end());
            record = std::move(image);
            break;
        }
        case 2: {
            log_records::leaf_put put;
            put.database = reader.get<std::uint8_t>();
            put.page = reader.get<std::uint32_t>();
            put.dbtime = reader.get<std::uint64_t>();
            put.key = reader.get_string(reader.get<std::uint8_t>());
            put.value = reader.get_string(reader.get<std::uint16_t>());
            record = std::move(put);
            break;
        }
        case 3: {
            log_records::leaf_erase erase;
            erase.database = reader.get<std::uint8_t>();
            erase.page = reader.get<std::uint32_t>();
            erase.dbtime = reader.get<std::uint64_t>();
            erase.key = reader.get_string(reader.get<std::uint8_t>());
            record = std::move(erase);
            break;
        }
        case 4:
            record = log_records::commit{reader.get<std::uint64_t>()};
            break;
        case 5: {
            log_records::attach attach;
            attach.database = reader.get<std::uint8_t>();
            attach.database_signature.random = reader.get<std::uint64_t>();
            attach.database_signature.created = reader.get<std::uint64_t>();
            attach.dbtime = reader.get<std::uint64_t>();
            attach.path = reader.get_string(reader.get<std::uint16_t>());
            record = std::move(attach);
            break;
        }
        case 6:
            record = log_records::detach{reader.get<std::uint8_t>()};
            break;
        default:
            return std::nullopt;
    }
    if (reader.failed() || reader.remaining() != 0) {
        return std::nullopt;
    }
    return record;
}

/// Fills in a segment's header fields and seals it.
inline void seal_segment(std::span<std::byte> segment, std::uint32_t index,
                         log_generation generation, std::uint16_t used, std::uint32_t write_first,
                         std::uint32_t write_count) noexcept {
    segment[page_layout::kind_offset] = static_cast<std::byte>(log_layout::segment_kind);
    store_le(segment, log_layout::used_offset, used);
    store_le(segment, log_layout::generation_offset, generation);
    store_le(segment, log_layout::write_first_offset, write_first);
    store_le(segment, log_layout::write_count_offset, write_count);
    seal_page(segment, index);
}

}  // namespace detail

}  // namespace hotbackup::inline v1
