// detail::aligned_buffer: one heap buffer aligned to a memory page, reused for
// every chunk a backup reader yields, so reading a file allocates once and the
// chunks can go to writers that want page-aligned memory.
//
// It over-allocates a vector and aligns inside it: one allocation, freed by the
// vector, with no aligned operator new to pair with the right delete.
//
// Thread-safety: none; one owner.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace hotbackup::inline v1::detail {

/// The alignment of backup buffers: a memory page, as ESE's JetReadFile requires.
inline constexpr std::size_t buffer_alignment = 4096;

class aligned_buffer {
  public:
    /// A buffer of `size` zero bytes. Throws std::bad_alloc.
    explicit aligned_buffer(std::size_t size) : storage_(size + buffer_alignment), size_(size) {
        const auto address = reinterpret_cast<std::uintptr_t>(storage_.data());
        offset_ = (buffer_alignment - address % buffer_alignment) % buffer_alignment;
    }

    [[nodiscard]] std::span<std::byte> bytes() noexcept {
        return std::span{storage_}.subspan(offset_, size_);
    }

  private:
    std::vector<std::byte> storage_;
    std::size_t size_;
    std::size_t offset_ = 0;
};

}  // namespace hotbackup::inline v1::detail
