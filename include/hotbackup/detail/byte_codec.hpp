// Little-endian encoding of the engine's on-disk formats (pages, log records,
// checkpoint), so files written on one machine read the same on any other and a
// parser never trusts a length it has not checked against the bytes it holds.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

namespace hotbackup::inline v1::detail {

/// Stores `value` little-endian at `bytes[offset]`. The caller guarantees room.
template <class Integer>
    requires std::is_unsigned_v<Integer>
inline void store_le(std::span<std::byte> bytes, std::size_t offset, Integer value) noexcept {
    for (std::size_t index = 0; index < sizeof(Integer); ++index) {
        bytes[offset + index] = static_cast<std::byte>(value >> (8 * index));
    }
}

/// Loads a little-endian unsigned integer from `bytes[offset]`. The caller
/// guarantees the bytes are there.
template <class Integer>
    requires std::is_unsigned_v<Integer>
[[nodiscard]] inline Integer load_le(std::span<const std::byte> bytes,
                                     std::size_t offset) noexcept {
    Integer value = 0;
    for (std::size_t index = 0; index < sizeof(Integer); ++index) {
        value |=
            static_cast<Integer>(std::to_integer<Integer>(bytes[offset + index]) << (8 * index));
    }
    return value;
}

/// Appends little-endian values and byte strings to a growing buffer.
class byte_writer {
  public:
    explicit byte_writer(std::vector<std::byte>& output) noexcept : output_(&output) {}

    template <class Integer>
        requires std::is_unsigned_v<Integer>
    void put(Integer value) {
        const auto offset = output_->size();
        output_->resize(offset + sizeof(Integer));
        store_le(std::span{*output_}, offset, value);
    }

    void put_bytes(std::span<const std::byte> bytes) {
        output_->insert(output_->end(), bytes.begin(), bytes.end());
    }

    void put_string(std::string_view text) { put_bytes(std::as_bytes(std::span{text})); }

  private:
    std::vector<std::byte>* output_;
};

/// Reads little-endian values from a byte span. Reading past the end does not
/// touch memory: it sets `failed()` and yields zeros, so a parser checks once at
/// the end of a record instead of before every field.
class byte_reader {
  public:
    explicit byte_reader(std::span<const std::byte> input) noexcept : input_(input) {}

    template <class Integer>
        requires std::is_unsigned_v<Integer>
    [[nodiscard]] Integer get() noexcept {
        if (!take(sizeof(Integer))) {
            return 0;
        }
        return load_le<Integer>(input_, position_ - sizeof(Integer));
    }

    /// The next `count` bytes (empty and failed if there are fewer).
    [[nodiscard]] std::span<const std::byte> get_bytes(std::size_t count) noexcept {
        if (!take(count)) {
            return {};
        }
        return input_.subspan(position_ - count, count);
    }

    [[nodiscard]] std::string get_string(std::size_t count) {
        const auto bytes = get_bytes(count);
        std::string text(bytes.size(), '\0');
        if (!bytes.empty()) {
            std::memcpy(text.data(), bytes.data(), bytes.size());
        }
        return text;
    }

    [[nodiscard]] bool failed() const noexcept { return failed_; }
    [[nodiscard]] std::size_t position() const noexcept { return position_; }
    [[nodiscard]] std::size_t remaining() const noexcept { return input_.size() - position_; }

  private:
    bool take(std::size_t count) noexcept {
        if (failed_ || count > input_.size() - position_) {
            failed_ = true;
            return false;
        }
        position_ += count;
        return true;
    }

    std::span<const std::byte> input_;
    std::size_t position_ = 0;
    bool failed_ = false;
};

/// Whether every byte is zero (an unused page or log segment).
[[nodiscard]] inline bool all_zero(std::span<const std::byte> bytes) noexcept {
    for (const auto byte : bytes) {
        if (byte != std::byte{0}) {
            return false;
        }
    }
    return true;
}

}  // namespace hotbackup::inline v1::detail
