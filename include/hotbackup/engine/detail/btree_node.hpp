/// \file
/// One B+tree page, decoded. The engine keeps pages decoded in its cache and
/// encodes them only to flush them or to log a page image, so a put costs a search
/// in a sorted vector rather than a page rewrite.
///
/// Encoded after the 40-byte page header of page.hpp:
/// \code{.unparsed}
///   leaf:   entry count × (u8 key length, u16 value length, key, value)
///   branch: leftmost child in the header's kind-specific field, then
///           entry count × (u8 key length, key, u32 child)
/// \endcode
/// In a branch, child i + 1 holds the keys >= separator i; the leftmost child holds
/// the keys below the first separator.
///
/// Thread-safety: a plain value; the database guards it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "hotbackup/detail/byte_codec.hpp"
#include "hotbackup/error.hpp"
#include "hotbackup/format/page.hpp"
#include "hotbackup/types.hpp"

namespace hotbackup::inline v1::detail {

/// Longest key the B+tree stores (ESE's JET_cbKeyMost for the smallest pages).
inline constexpr std::size_t max_key_size = 255;

/// Checks that a record fits the tree: a key of at most max_key_size bytes, a value
/// of at most a quarter of a `page_size` page. Throws backup_error:
/// invalid_parameter saying which limit and by how much.
inline void check_record_size(std::string_view key, std::string_view value,
                              std::uint32_t page_size) {
    if (key.size() > max_key_size) {
        throw backup_error(errc::invalid_parameter,
                           "a key of " + std::to_string(key.size()) +
                               " bytes is longer than the limit of 255 bytes");
    }
    if (value.size() > page_size / 4) {
        throw backup_error(errc::invalid_parameter,
                           "a value of " + std::to_string(value.size()) +
                               " bytes is longer than the limit of a quarter page (" +
                               std::to_string(page_size / 4) + " bytes)");
    }
}

/// A decoded leaf or branch page.
struct btree_node {
    struct leaf_entry {
        std::string key;
        std::string value;
    };
    struct branch_entry {
        std::string key;  ///< the smallest key of `child`'s subtree
        page_number child = 0;
    };

    page_kind kind = page_kind::leaf;
    std::uint64_t dbtime = 0;
    std::vector<leaf_entry> leaf_entries;      ///< sorted by key (leaf)
    page_number leftmost_child = 0;            ///< branch
    std::vector<branch_entry> branch_entries;  ///< sorted by key (branch)

    static constexpr std::size_t leaf_entry_overhead = 3;
    static constexpr std::size_t branch_entry_overhead = 5;

    [[nodiscard]] bool is_leaf() const noexcept { return kind == page_kind::leaf; }

    /// Bytes the encoded page needs.
    [[nodiscard]] std::size_t encoded_size() const noexcept {
        std::size_t size = page_layout::header_size;
        for (const auto& entry : leaf_entries) {
            size += leaf_entry_overhead + entry.key.size() + entry.value.size();
        }
        for (const auto& entry : branch_entries) {
            size += branch_entry_overhead + entry.key.size();
        }
        return size;
    }

    /// The position of `key` in a leaf, or where it would go.
    [[nodiscard]] std::pair<std::size_t, bool> find(std::string_view key) const {
        const auto position = std::ranges::lower_bound(
            leaf_entries, key, std::less<>{},
            [](const leaf_entry& entry) { return std::string_view{entry.key}; });
        const auto index = static_cast<std::size_t>(position - leaf_entries.begin());
        return {index, position != leaf_entries.end() && position->key == key};
    }

    /// The value stored under `key` in a leaf.
    [[nodiscard]] std::optional<std::string_view> get(std::string_view key) const {
        const auto [index, found] = find(key);
        if (!found) {
            return std::nullopt;
        }
        return std::string_view{leaf_entries[index].value};
    }

    /// Inserts or replaces `key` in a leaf.
    void put(std::string_view key, std::string_view value) {
        const auto [index, found] = find(key);
        if (found) {
            leaf_entries[index].value.assign(value);
            return;
        }
        leaf_entries.insert(leaf_entries.begin() + static_cast<std::ptrdiff_t>(index),
                            leaf_entry{std::string{key}, std::string{value}});
    }

    /// Removes `key` from a leaf; false if it was not there.
    bool erase(std::string_view key) {
        const auto [index, found] = find(key);
        if (found) {
            leaf_entries.erase(leaf_entries.begin() + static_cast<std::ptrdiff_t>(index));
        }
        return found;
    }

    /// The child of a branch whose subtree holds `key`.
    [[nodiscard]] page_number child_for(std::string_view key) const {
        const auto position = std::ranges::upper_bound(
            branch_entries, key, std::less<>{},
            [](const branch_entry& entry) { return std::string_view{entry.key}; });
        return position == branch_entries.begin() ? leftmost_child : std::prev(position)->child;
    }

    /// Adds a separator and its right child to a branch.
    void insert_child(std::string separator, page_number child) {
        const auto position = std::ranges::upper_bound(
            branch_entries, std::string_view{separator}, std::less<>{},
            [](const branch_entry& entry) { return std::string_view{entry.key}; });
        branch_entries.insert(position, branch_entry{std::move(separator), child});
    }

    /// Moves the upper half (by bytes) of this node into a new node and returns it
    /// with the separator the parent needs: the new node's smallest key. Both halves
    /// fit a page because no entry is larger than a quarter page plus a key.
    [[nodiscard]] std::pair<btree_node, std::string> split() {
        btree_node right;
        right.kind = kind;
        const auto half = encoded_size() / 2;
        std::size_t size = page_layout::header_size;
        if (is_leaf()) {
            std::size_t index = 0;
            while (index + 1 < leaf_entries.size() && size < half) {
                size += leaf_entry_overhead + leaf_entries[index].key.size() +
                        leaf_entries[index].value.size();
                ++index;
            }
            index = std::max<std::size_t>(index, 1);
            right.leaf_entries.assign(
                std::make_move_iterator(leaf_entries.begin() + static_cast<std::ptrdiff_t>(index)),
                std::make_move_iterator(leaf_entries.end()));
            leaf_entries.resize(index);
            return {std::move(right), right.leaf_entries.front().key};
        }
        std::size_t index = 0;
        while (index + 2 < branch_entries.size() && size < half) {
            size += branch_entry_overhead + branch_entries[index].key.size();
            ++index;
        }
        // The separator at `index` moves up: its child becomes the new node's leftmost.
        auto separator = std::move(branch_entries[index].key);
        right.leftmost_child = branch_entries[index].child;
        right.branch_entries.assign(std::make_move_iterator(branch_entries.begin() +
                                                            static_cast<std::ptrdiff_t>(index) + 1),
                                    std::make_move_iterator(branch_entries.end()));
        branch_entries.resize(index);
        return {std::move(right), std::move(separator)};
    }

    /// The sealed page image of this node as page `page`.
    void encode(std::span<std::byte> page, page_number number) const {
        std::ranges::fill(page, std::byte{0});
        page[page_layout::kind_offset] = static_cast<std::byte>(kind);
        const auto count = is_leaf() ? leaf_entries.size() : branch_entries.size();
        store_le(page, page_layout::count_offset, static_cast<std::uint16_t>(count));
        store_le(page, page_layout::dbtime_offset, dbtime);
        store_le(page, page_layout::extra_offset, leftmost_child);
        std::size_t offset = page_layout::header_size;
        const auto put_bytes = [&](std::string_view text) {
            std::ranges::copy(std::as_bytes(std::span{text}),
                              page.begin() + static_cast<std::ptrdiff_t>(offset));
            offset += text.size();
        };
        for (const auto& entry : leaf_entries) {
            page[offset] = static_cast<std::byte>(entry.key.size());
            store_le(page, offset + 1, static_cast<std::uint16_t>(entry.value.size()));
            offset += leaf_entry_overhead;
            put_bytes(entry.key);
            put_bytes(entry.value);
        }
        for (const auto& entry : branch_entries) {
            page[offset] = static_cast<std::byte>(entry.key.size());
            offset += 1;
            put_bytes(entry.key);
            store_le(page, offset, entry.child);
            offset += 4;
        }
        seal_page(page, number);
    }

    /// Decodes a verified leaf or branch page; nothing if its contents do not parse
    /// (the caller reports errc::database_corrupted).
    [[nodiscard]] static std::optional<btree_node> decode(std::span<const std::byte> page) {
        btree_node node;
        node.kind = kind_of(page);
        if (node.kind != page_kind::leaf && node.kind != page_kind::branch) {
            return std::nullopt;
        }
        node.dbtime = dbtime_of(page);
        node.leftmost_child = load_le<std::uint32_t>(page, page_layout::extra_offset);
        const auto count = load_le<std::uint16_t>(page, page_layout::count_offset);
        byte_reader reader{page.subspan(page_layout::header_size)};
        for (std::size_t index = 0; index < count && !reader.failed(); ++index) {
            const auto key_size = reader.get<std::uint8_t>();
            if (node.is_leaf()) {
                const auto value_size = reader.get<std::uint16_t>();
                auto key = reader.get_string(key_size);
                auto value = reader.get_string(value_size);
                node.leaf_entries.push_back({std::move(key), std::move(value)});
            } else {
                auto key = reader.get_string(key_size);
                const auto child = reader.get<std::uint32_t>();
                node.branch_entries.push_back({std::move(key), child});
            }
        }
        if (reader.failed()) {
            return std::nullopt;
        }
        return node;
    }
};

}  // namespace hotbackup::inline v1::detail
