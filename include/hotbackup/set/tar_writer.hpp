/// \file
/// tar_writer: a POSIX tar archive (pax interchange format: ustar headers, with pax
/// extended headers where ustar cannot say it) written to any std::ostream, one
/// file at a time, as a backup streams its files: the size of each file is known
/// before its bytes (a database stream's size is fixed at begin, a closed log's is
/// its length), so nothing is buffered or seeked, and stdout works.
///
/// Format facts (POSIX.1-2008, pax): 512-byte blocks; a ustar header holds a name
/// of up to 100 bytes plus a 155-byte prefix split at a '/', and a size of up to
/// 8 GiB - 1 in 11 octal digits. A longer or non-ASCII path, or a larger size, goes
/// into a pax extended header (typeflag 'x') before the file's own header, as
/// records "<length> <key>=<value>\n" whose length counts the whole record. Each
/// file's data is padded to a block; two zero blocks end the archive. GNU tar,
/// bsdtar and Python's tarfile read it.
///
/// Names are checked as a restore will check them: relative, no "." or ".."
/// component, no empty component, no NUL; the writer refuses others, so an archive
/// it wrote never escapes the directory it is extracted into.
///
/// Errors: backup_error(errc::invalid_parameter) for a bad name, for writing more or
/// fewer bytes than begin_file() announced, or for calls out of order;
/// backup_error(errc::disk_io) naming the entry when the stream fails. After an
/// error the archive is incomplete (it has no end blocks) and the writer refuses
/// further calls.
///
/// Thread-safety: none; one writer per stream.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <ostream>
#include <span>
#include <string>
#include <string_view>

#include "hotbackup/error.hpp"

namespace hotbackup::inline v1 {

namespace detail::tar {

inline constexpr std::size_t block_size = 512;
/// The largest size a ustar header's 11 octal digits hold: 8 GiB - 1.
inline constexpr std::uint64_t max_ustar_size = (std::uint64_t{1} << 33U) - 1;

using header_block = std::array<char, block_size>;

/// Writes `value` as `width - 1` zero-padded octal digits and a NUL.
inline void put_octal(header_block& block, std::size_t offset, std::size_t width,
                      std::uint64_t value) {
    block[offset + width - 1] = '\0';
    for (std::size_t digit = width - 1; digit > 0; --digit) {
        block[offset + digit - 1] = static_cast<char>('0' + (value & 7U));
        value >>= 3U;
    }
}

inline void put_text(header_block& block, std::size_t offset, std::string_view text) {
    std::ranges::copy(text, block.begin() + static_cast<std::ptrdiff_t>(offset));
}

/// Whether every byte is printable ASCII (what a ustar name field may carry
/// without a pax "path" record).
inline bool is_portable(std::string_view text) {
    return std::ranges::all_of(text, [](char byte) { return byte >= 0x20 && byte < 0x7F; });
}

/// The ustar name and prefix for `path`, or nothing if it does not fit.
struct ustar_name {
    std::string_view prefix;
    std::string_view name;
};
inline bool split_name(std::string_view path, ustar_name& split) {
    if (!is_portable(path)) {
        return false;
    }
    if (path.size() <= 100) {
        split = {{}, path};
        return true;
    }
    // The prefix ends at a '/', which is not stored: prefix + '/' + name. The first
    // slash that leaves a name of at most 100 bytes gives the shortest prefix.
    for (auto slash = path.find('/'); slash != std::string_view::npos;
         slash = path.find('/', slash + 1)) {
        const auto name_length = path.size() - slash - 1;
        if (name_length <= 100) {
            if (slash == 0 || slash > 155 || name_length == 0) {
                return false;
            }
            split = {path.substr(0, slash), path.substr(slash + 1)};
            return true;
        }
    }
    return false;
}

/// One pax record, "<length> <key>=<value>\n", its length counting itself.
inline std::string pax_record(std::string_view key, std::string_view value) {
    const auto body = key.size() + value.size() + 3;  // ' ', '=', '\n'
    auto length = body + 1;
    while (std::to_string(length).size() + body != length) {
        ++length;
    }
    return std::to_string(length) + " " + std::string{key} + "=" + std::string{value} + "\n";
}

/// A ustar header block; its checksum is computed last.
inline header_block make_header(ustar_name name, char typeflag, std::uint64_t size,
                                std::int64_t mtime) {
    header_block block{};
    put_text(block, 0, name.name);
    put_octal(block, 100, 8, 0644);
    put_octal(block, 108, 8, 0);  // uid
    put_octal(block, 116, 8, 0);  // gid
    put_octal(block, 124, 12, size);
    put_octal(block, 136, 12, static_cast<std::uint64_t>(std::max<std::int64_t>(mtime, 0)));
    block[156] = typeflag;
    put_text(block, 257, std::string_view{"ustar\0", 6});
    put_text(block, 263, "00");
    put_octal(block, 329, 8, 0);  // devmajor
    put_octal(block, 337, 8, 0);  // devminor
    put_text(block, 345, name.prefix);
    // The checksum sums every byte with the checksum field read as spaces, and is
    // stored as six octal digits, a NUL and a space.
    std::fill_n(block.begin() + 148, 8, ' ');
    std::uint32_t sum = 0;
    for (const char byte : block) {
        sum += static_cast<unsigned char>(byte);
    }
    put_octal(block, 148, 7, sum);
    block[155] = ' ';
    return block;
}

/// Refuses a name a restore would refuse: see the header comment.
inline void check_name(std::string_view name) {
    const auto refuse = [&](std::string_view why) {
        throw backup_error(
            errc::invalid_parameter, error_context{.file = std::string{name}},
            std::string{"a tar entry name must be a relative path: "} + std::string{why});
    };
    if (name.empty()) {
        refuse("it is empty");
    }
    if (name.front() == '/') {
        refuse("it is absolute");
    }
    if (name.find('\0') != std::string_view::npos) {
        refuse("it holds a NUL byte");
    }
    std::size_t start = 0;
    while (start <= name.size()) {
        const auto end = std::min(name.find('/', start), name.size());
        const auto component = name.substr(start, end - start);
        if (component.empty() || component == "." || component == "..") {
            refuse(R"(it has an empty, "." or ".." component)");
        }
        start = end + 1;
    }
}

}  // namespace detail::tar

/// Writes a tar archive to a stream; see the header comment.
class tar_writer {
  public:
    /// A writer appending to `out`, which must outlive it.
    explicit tar_writer(std::ostream& out) : out_(&out) {}

    /// Starts entry `name` of exactly `size` bytes, modified at `mtime` (seconds
    /// since the Unix epoch). Throws backup_error: invalid_parameter (bad name, an
    /// entry still open, or the archive finished), disk_io.
    void begin_file(const std::string& name, std::uint64_t size, std::int64_t mtime) {
        require_usable();
        if (open_) {
            fail_usage("the previous entry " + name_ + " was not ended");
        }
        detail::tar::check_name(name);
        name_ = name;
        size_ = size;
        written_ = 0;
        detail::tar::ustar_name split;
        const bool name_fits = detail::tar::split_name(name, split);
        const bool size_fits = size <= detail::tar::max_ustar_size;
        std::string pax_name;  // outlives `split`, which may point into it
        if (!name_fits || !size_fits) {
            std::string records;
            if (!name_fits) {
                records += detail::tar::pax_record("path", name);
            }
            if (!size_fits) {
                records += detail::tar::pax_record("size", std::to_string(size));
            }
            // The 'x' entry's own name is informational; readers use the records.
            const auto base = name.substr(name.rfind('/') + 1);
            pax_name = "PaxHeaders/" + (detail::tar::is_portable(base) ? base : "entry");
            pax_name.resize(std::min<std::size_t>(pax_name.size(), 100));
            emit(detail::tar::make_header({{}, pax_name}, 'x', records.size(), mtime));
            emit_bytes(std::as_bytes(std::span{records.data(), records.size()}));
            pad(records.size());
            if (!name_fits) {
                // A ustar reader that ignores pax still sees a relative name.
                split = {{}, std::string_view{pax_name}.substr(pax_name.find('/') + 1)};
            }
        }
        emit(detail::tar::make_header(split, '0', size_fits ? size : 0, mtime));
        open_ = true;
    }

    /// Appends bytes to the open entry. Throws backup_error: invalid_parameter (no
    /// entry open, or more bytes than announced), disk_io.
    void write(std::span<const std::byte> bytes) {
        require_usable();
        if (!open_) {
            fail_usage("no entry is open");
        }
        if (bytes.size() > size_ - written_) {
            fail_usage(std::to_string(written_ + bytes.size()) +
                       " bytes written to an entry announced as " + std::to_string(size_));
        }
        emit_bytes(bytes);
        written_ += bytes.size();
    }

    /// Ends the open entry, padding it to a block. Throws backup_error:
    /// invalid_parameter (no entry open, or fewer bytes than announced), disk_io.
    void end_file() {
        require_usable();
        if (!open_) {
            fail_usage("no entry is open");
        }
        if (written_ != size_) {
            fail_usage("only " + std::to_string(written_) + " of " + std::to_string(size_) +
                       " announced bytes were written");
        }
        pad(size_);
        open_ = false;
    }

    /// Writes the two zero blocks that end the archive and flushes the stream.
    /// Throws backup_error: invalid_parameter (an entry is open), disk_io.
    void finish() {
        require_usable();
        if (open_) {
            fail_usage("the entry " + name_ + " was not ended");
        }
        const std::array<std::byte, 2 * detail::tar::block_size> end{};
        emit_bytes(end);
        out_->flush();
        check_stream();
        finished_ = true;
    }

    /// The archive's bytes so far.
    [[nodiscard]] std::uint64_t bytes_written() const noexcept { return bytes_written_; }

  private:
    void emit(const detail::tar::header_block& block) {
        emit_bytes(std::as_bytes(std::span{block}));
    }

    void emit_bytes(std::span<const std::byte> bytes) {
        out_->write(reinterpret_cast<const char*>(bytes.data()),
                    static_cast<std::streamsize>(bytes.size()));
        check_stream();
        bytes_written_ += bytes.size();
    }

    void pad(std::uint64_t size) {
        const auto tail = size % detail::tar::block_size;
        if (tail != 0) {
            const std::array<std::byte, detail::tar::block_size> zeros{};
            emit_bytes(std::span{zeros}.first(detail::tar::block_size - tail));
        }
    }

    void check_stream() {
        if (!*out_) {
            broken_ = true;
            throw backup_error(errc::disk_io, error_context{.file = name_},
                               "the tar stream refused a write");
        }
    }

    void require_usable() const {
        if (broken_) {
            throw backup_error(errc::invalid_parameter,
                               "an earlier error left this tar archive incomplete");
        }
        if (finished_) {
            throw backup_error(errc::invalid_parameter, "the tar archive was finished");
        }
    }

    [[noreturn]] void fail_usage(const std::string& what) {
        broken_ = true;
        throw backup_error(errc::invalid_parameter, error_context{.file = name_}, what);
    }

    std::ostream* out_;
    std::string name_;
    std::uint64_t size_ = 0;
    std::uint64_t written_ = 0;
    std::uint64_t bytes_written_ = 0;
    bool open_ = false;
    bool finished_ = false;
    bool broken_ = false;
};

}  // namespace hotbackup::inline v1
