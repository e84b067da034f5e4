// The engine's on-disk formats, byte by byte: pages (page.hpp), the database header
// (database_header.hpp), log file headers and redo records (log_format.hpp), B+tree
// pages (btree_node.hpp) and the checkpoint (checkpoint.hpp). Each must read back
// exactly what was written, and must refuse what a torn write, a flipped bit or a
// page at the wrong place leaves behind, since recovery and backup verification
// trust nothing else.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <hotbackup/engine/detail/btree_node.hpp>
#include <hotbackup/format/checkpoint.hpp>
#include <hotbackup/format/database_header.hpp>
#include <hotbackup/format/log_format.hpp>
#include <hotbackup/format/page.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "support/catch.hpp"

namespace hotbackup::test {

using detail::btree_node;

namespace {

constexpr std::uint32_t small_page = 4096;

/// A page of `size` bytes with recognisable contents, sealed as page `number`.
std::vector<std::byte> sealed_page(page_number number, std::uint32_t size = small_page) {
    std::vector<std::byte> page(size);
    page[page_layout::kind_offset] = static_cast<std::byte>(page_kind::leaf);
    for (std::size_t index = page_layout::header_size; index < page.size(); ++index) {
        page[index] = static_cast<std::byte>(index * 7 + 3);
    }
    seal_page(page, number);
    return page;
}

void flip_bit(std::span<std::byte> bytes, std::size_t offset, int bit = 0) {
    bytes[offset] ^= static_cast<std::byte>(1U << static_cast<unsigned>(bit));
}

/// A header with every field set to a distinct value.
database_header sample_header(std::uint32_t page_size) {
    database_header header;
    header.page_size = page_size;
    header.state = database_state::dirty;
    header.database_signature = {0x1122'3344'5566'7788, 1'700'000'000'000'001};
    header.log_signature = {0x99AA'BBCC'DDEE'FF00, 1'700'000'000'000'002};
    header.dbtime = 0x0102'0304'0506'0708;
    header.page_count = 4242;
    header.slot(backup_slot::full) = {{7, 4096}, 1'700'000'000'000'100, 3, 7};
    header.slot(backup_slot::copy) = {{9, 8192}, 1'700'000'000'000'200, 5, 9};
    header.slot(backup_slot::incremental) = {{11, 12288}, 1'700'000'000'000'300, 8, 11};
    header.slot(backup_slot::differential) = {{13, 16384}, 1'700'000'000'000'400, 8, 13};
    header.current_full = {{0x7FFF'F800, 0xFFFF'F000}, 1'700'000'000'000'500, 14, 0x7FFF'F800};
    return header;
}

void require_same_header(const database_header& read, const database_header& written) {
    REQUIRE(read.page_size == written.page_size);
    REQUIRE(read.state == written.state);
    REQUIRE(read.database_signature == written.database_signature);
    REQUIRE(read.log_signature == written.log_signature);
    REQUIRE(read.dbtime == written.dbtime);
    REQUIRE(read.page_count == written.page_count);
    for (const auto slot : {backup_slot::full, backup_slot::copy, backup_slot::incremental,
                            backup_slot::differential}) {
        CAPTURE(static_cast<int>(slot));
        REQUIRE(read.slot(slot) == written.slot(slot));
    }
    REQUIRE(read.current_full == written.current_full);
}

/// Encodes a record, checks its 5-byte prefix (type, body length) and decodes the
/// body again.
log_record round_trip(const log_record& record) {
    std::vector<std::byte> encoded{std::byte{0xEE}};  // a record is appended, not written over
    hotbackup::detail::encode_record(record, encoded);
    REQUIRE(encoded.front() == std::byte{0xEE});
    const auto bytes = std::span{encoded}.subspan(1);
    REQUIRE(bytes.size() >= log_layout::record_prefix_size);
    const auto type = std::to_integer<std::uint8_t>(bytes[0]);
    REQUIRE(type == record.index() + 1);
    const auto length = hotbackup::detail::load_le<std::uint32_t>(bytes, 1);
    REQUIRE(length == bytes.size() - log_layout::record_prefix_size);
    auto decoded =
        hotbackup::detail::decode_record(type, bytes.subspan(log_layout::record_prefix_size));
    REQUIRE(decoded.has_value());
    REQUIRE(decoded->index() == record.index());
    return std::move(*decoded);
}

/// The encoded body of a record, without its prefix.
std::vector<std::byte> body_of(const log_record& record) {
    std::vector<std::byte> encoded;
    hotbackup::detail::encode_record(record, encoded);
    encoded.erase(encoded.begin(), encoded.begin() + log_layout::record_prefix_size);
    return encoded;
}

std::vector<std::byte> some_bytes(std::size_t count) {
    std::vector<std::byte> bytes(count);
    for (std::size_t index = 0; index < count; ++index) {
        bytes[index] = static_cast<std::byte>(index * 31 + 1);
    }
    return bytes;
}

std::vector<std::string> keys_of(const btree_node& node) {
    std::vector<std::string> keys;
    for (const auto& entry : node.leaf_entries) {
        keys.push_back(entry.key);
    }
    for (const auto& entry : node.branch_entries) {
        keys.push_back(entry.key);
    }
    return keys;
}

void require_same_node(const btree_node& read, const btree_node& written) {
    REQUIRE(read.kind == written.kind);
    REQUIRE(read.dbtime == written.dbtime);
    REQUIRE(read.leaf_entries.size() == written.leaf_entries.size());
    for (std::size_t index = 0; index < written.leaf_entries.size(); ++index) {
        REQUIRE(read.leaf_entries[index].key == written.leaf_entries[index].key);
        REQUIRE(read.leaf_entries[index].value == written.leaf_entries[index].value);
    }
    REQUIRE(read.branch_entries.size() == written.branch_entries.size());
    for (std::size_t index = 0; index < written.branch_entries.size(); ++index) {
        REQUIRE(read.branch_entries[index].key == written.branch_entries[index].key);
        REQUIRE(read.branch_entries[index].child == written.branch_entries[index].child);
    }
    if (!written.is_leaf()) {
        REQUIRE(read.leftmost_child == written.leftmost_child);
    }
}

/// A key of exactly `size` bytes that sorts by `number`.
std::string sized_key(int number, std::size_t size) {
    auto key = std::to_string(1'000'000 + number);
    key.resize(std::max(size, key.size()), 'k');
    return key;
}

/// Fills a leaf the way the database does, one put at a time, until it is just
/// over a page: the state in which the database splits it.
btree_node overfull_leaf(std::size_t key_size, std::size_t value_size, std::uint32_t page_size) {
    btree_node leaf;
    for (int number = 0; leaf.encoded_size() <= page_size; ++number) {
        // Insert out of order so put() has to keep the entries sorted.
        const int scrambled = (number * 37) % 1000;
        const auto size = std::min(key_size + static_cast<std::size_t>(number % 3),
                                   hotbackup::detail::max_key_size);
        leaf.put(sized_key(scrambled, size),
                 std::string(value_size, static_cast<char>('a' + number % 26)));
    }
    return leaf;
}

btree_node overfull_branch(std::size_t key_size, std::uint32_t page_size) {
    btree_node branch;
    branch.kind = page_kind::branch;
    branch.leftmost_child = 2;
    for (int number = 0; branch.encoded_size() <= page_size; ++number) {
        branch.insert_child(sized_key((number * 37) % 1000, key_size),
                            static_cast<page_number>(100 + number));
    }
    return branch;
}

}  // namespace

// ---- pages ------------------------------------------------------------------------

TEST_CASE("a sealed page verifies at its own number", "[engine][format]") {
    for (const page_number number : {page_number{0}, page_number{1}, page_number{77}}) {
        const auto page = sealed_page(number);
        REQUIRE(check_page(page, number) == page_check::valid);
        REQUIRE(hotbackup::detail::load_le<std::uint32_t>(page, page_layout::number_offset) ==
                number);
        REQUIRE_NOTHROW(hotbackup::require_page(check_page(page, number), "data.edb", number));
    }
}

TEST_CASE("an all-zero page is an unused page and passes verification", "[engine][format]") {
    const std::vector<std::byte> page(small_page);
    REQUIRE(check_page(page, 5) == page_check::unused);
    REQUIRE(hotbackup::kind_of(page) == page_kind::unused);
    REQUIRE(hotbackup::dbtime_of(page) == 0);
    REQUIRE_NOTHROW(hotbackup::require_page(page_check::unused, "data.edb", 5));
}

TEST_CASE("one flipped bit anywhere in a page fails its checksum", "[engine][format]") {
    const auto original = sealed_page(9);
    // The checksum itself, the page number, the kind, the body and the last byte.
    for (const std::size_t offset :
         {std::size_t{0}, std::size_t{7}, page_layout::number_offset, page_layout::kind_offset,
          std::size_t{2000}, std::size_t{small_page - 1}}) {
        for (const int bit : {0, 7}) {
            CAPTURE(offset, bit);
            auto page = original;
            flip_bit(page, offset, bit);
            REQUIRE(check_page(page, 9) == page_check::bad_checksum);
        }
    }
}

TEST_CASE("a page that is valid for another number is a wrong page", "[engine][format]") {
    const auto page = sealed_page(12);
    REQUIRE(check_page(page, 13) == page_check::wrong_page);
    REQUIRE(check_page(page, 0) == page_check::wrong_page);
}

TEST_CASE("require_page throws read_verify_failure for a bad checksum, naming file and page",
          "[engine][format]") {
    auto page = sealed_page(3);
    flip_bit(page, 100);
    try {
        hotbackup::require_page(check_page(page, 3), "/db/data.edb", 3);
        FAIL("a damaged page passed");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::read_verify_failure);
        REQUIRE(error.context().file == "/db/data.edb");
        REQUIRE(error.context().page == page_number{3});
        REQUIRE_THAT(error.what(), contains_text("/db/data.edb"));
        REQUIRE_THAT(error.what(), contains_text("page 3"));
    }
}

TEST_CASE("require_page throws read_pgno_verify_failure for a page at the wrong place",
          "[engine][format]") {
    const auto page = sealed_page(3);
    try {
        hotbackup::require_page(check_page(page, 4), "/db/data.edb", 4);
        FAIL("a misplaced page passed");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::read_pgno_verify_failure);
        REQUIRE(error.context().page == page_number{4});
        REQUIRE_THAT(error.what(), contains_text("/db/data.edb"));
        REQUIRE_THAT(error.what(), contains_text("page 4"));
    }
}

TEST_CASE("page 1 starts after the two header pages", "[engine][format]") {
    REQUIRE(hotbackup::page_offset(1, 4096) == 8192);
    REQUIRE(hotbackup::page_offset(1, 32768) == 65536);
    REQUIRE(hotbackup::page_offset(10, 8192) == 11 * 8192);
}

// ---- database header --------------------------------------------------------------

TEST_CASE("a database header reads back every field, the four backup slots included",
          "[engine][format]") {
    for (const std::uint32_t page_size : {4096U, 8192U, 16384U, 32768U}) {
        CAPTURE(page_size);
        const auto written = sample_header(page_size);
        const auto page = written.encode();
        REQUIRE(page.size() == page_size);
        REQUIRE(check_page(page, 0) == page_check::valid);
        REQUIRE(hotbackup::kind_of(page) == page_kind::header);
        const auto read = database_header::decode(page);
        REQUIRE(read.has_value());
        require_same_header(*read, written);
    }
}

TEST_CASE("an empty header (no backups yet) reads back empty slots", "[engine][format]") {
    database_header written;
    written.page_size = small_page;
    const auto read = database_header::decode(written.encode());
    REQUIRE(read.has_value());
    REQUIRE(read->state == database_state::just_created);
    for (const auto& info : read->backups) {
        REQUIRE(info.empty());
    }
    REQUIRE(read->current_full.empty());
}

TEST_CASE("a database header with one flipped bit does not decode", "[engine][format]") {
    const auto original = sample_header(small_page).encode();
    // A field of the header, a backup slot, and a byte past the used part.
    for (const std::size_t offset : {std::size_t{60}, std::size_t{130}, std::size_t{3000}}) {
        CAPTURE(offset);
        auto page = original;
        flip_bit(page, offset, 3);
        REQUIRE_FALSE(database_header::decode(page).has_value());
    }
}

TEST_CASE("a database header does not decode from a page of another size", "[engine][format]") {
    const auto header = sample_header(small_page);
    // Sealed again at twice the size: the checksum holds, the page size does not.
    auto larger = header.encode();
    larger.resize(2 * small_page);
    seal_page(larger, 0);
    REQUIRE(check_page(larger, 0) == page_check::valid);
    REQUIRE_FALSE(database_header::decode(larger).has_value());

    // The first 4 KiB of an 8 KiB header: torn, so the checksum fails.
    const auto eight_kib = sample_header(2 * small_page).encode();
    REQUIRE_FALSE(database_header::decode(std::span{eight_kib}.first(small_page)).has_value());
}

TEST_CASE("a valid page that is not a header does not decode as one", "[engine][format]") {
    REQUIRE_FALSE(database_header::decode(sealed_page(0)).has_value());
    REQUIRE_FALSE(database_header::decode(std::vector<std::byte>(small_page)).has_value());
}

// ---- log file header --------------------------------------------------------------

TEST_CASE("a log file header reads back with its attachments", "[engine][format]") {
    log_file_header written;
    written.generation = 0x1234;
    written.segment_count = 1280;
    written.page_size = 8192;
    written.created = 1'700'000'000'123'456;
    written.previous_created = 1'700'000'000'000'001;
    written.log_signature = {0xABCD'EF01'2345'6789, 1'699'999'999'000'000};
    SECTION("no database attached") {
        CHECK(written.attachments.empty());
    }
    SECTION("several databases, the longest path included") {
        written.attachments.push_back({0, {11, 12}, "/data/first.edb"});
        written.attachments.push_back({3, {13, 14}, "relative/second.edb"});
        written.attachments.push_back(
            {5, {15, 16}, "/" + std::string(hotbackup::max_database_path_size - 1, 'p')});
        CHECK(written.attachments.back().path.size() == hotbackup::max_database_path_size);
    }
    SECTION("six databases with the longest paths still fit the 4 KiB block") {
        for (std::uint8_t slot = 0; slot < 6; ++slot) {
            written.attachments.push_back(
                {slot,
                 {slot, slot + 1U},
                 std::string(hotbackup::max_database_path_size, static_cast<char>('a' + slot))});
        }
        CHECK(written.attachments.size() == 6);
    }
    const auto block = written.encode();
    REQUIRE(block.size() == log_layout::block_size);
    REQUIRE(check_page(block, 0) == page_check::valid);
    const auto read = log_file_header::decode(block);
    REQUIRE(read.has_value());
    REQUIRE(*read == written);
}

TEST_CASE("a damaged log file header does not decode", "[engine][format]") {
    log_file_header written;
    written.generation = 7;
    written.segment_count = 16;
    written.page_size = small_page;
    written.attachments.push_back({1, {1, 2}, "/db/data.edb"});
    const auto original = written.encode();
    for (const std::size_t offset : {std::size_t{44}, std::size_t{120}, std::size_t{4000}}) {
        CAPTURE(offset);
        auto block = original;
        flip_bit(block, offset);
        REQUIRE_FALSE(log_file_header::decode(block).has_value());
    }
    REQUIRE_FALSE(log_file_header::decode(std::span{original}.first(2048)).has_value());
    REQUIRE_FALSE(
        log_file_header::decode(std::vector<std::byte>(log_layout::block_size)).has_value());
    // A database header is a valid page 0 too, but not a log header.
    REQUIRE_FALSE(log_file_header::decode(sample_header(small_page).encode()).has_value());
}

// ---- log records ------------------------------------------------------------------

TEST_CASE("every log record type reads back what was written", "[engine][format]") {
    SECTION("page image") {
        const log_records::page_image written{2, 4711, 0xDEAD'BEEF'0000'0001, some_bytes(3000)};
        const auto read = std::get<log_records::page_image>(round_trip(written));
        REQUIRE(read.database == written.database);
        REQUIRE(read.page == written.page);
        REQUIRE(read.dbtime == written.dbtime);
        REQUIRE(read.bytes == written.bytes);
    }
    SECTION("page image of a whole 32 KiB page") {
        const log_records::page_image written{5, 1, 1, some_bytes(32768)};
        REQUIRE(std::get<log_records::page_image>(round_trip(written)).bytes == written.bytes);
    }
    SECTION("leaf put") {
        const log_records::leaf_put written{1, 99, 123'456, "key-1", "a value"};
        const auto read = std::get<log_records::leaf_put>(round_trip(written));
        REQUIRE(read.database == written.database);
        REQUIRE(read.page == written.page);
        REQUIRE(read.dbtime == written.dbtime);
        REQUIRE(read.key == written.key);
        REQUIRE(read.value == written.value);
    }
    SECTION("leaf put of the longest key and value, and of an empty value") {
        const log_records::leaf_put longest{0, 3, 4, std::string(255, 'k'), std::string(8192, 'v')};
        const auto read = std::get<log_records::leaf_put>(round_trip(longest));
        REQUIRE(read.key == longest.key);
        REQUIRE(read.value == longest.value);
        const log_records::leaf_put empty_value{0, 3, 5, "k", ""};
        REQUIRE(std::get<log_records::leaf_put>(round_trip(empty_value)).value.empty());
    }
    SECTION("leaf erase") {
        const log_records::leaf_erase written{4, 17, 99, "gone"};
        const auto read = std::get<log_records::leaf_erase>(round_trip(written));
        REQUIRE(read.database == written.database);
        REQUIRE(read.page == written.page);
        REQUIRE(read.dbtime == written.dbtime);
        REQUIRE(read.key == written.key);
    }
    SECTION("commit") {
        const log_records::commit written{1'700'000'000'654'321};
        REQUIRE(std::get<log_records::commit>(round_trip(written)).time == written.time);
    }
    SECTION("attach") {
        const log_records::attach written{3, {0x5555, 0x6666}, 777, "/db/data.edb"};
        const auto read = std::get<log_records::attach>(round_trip(written));
        REQUIRE(read.database == written.database);
        REQUIRE(read.database_signature == written.database_signature);
        REQUIRE(read.dbtime == written.dbtime);
        REQUIRE(read.path == written.path);
    }
    SECTION("detach") {
        const log_records::detach written{5};
        REQUIRE(std::get<log_records::detach>(round_trip(written)).database == 5);
    }
}

TEST_CASE("records appended one after another keep their boundaries", "[engine][format]") {
    const std::vector<log_record> records{log_records::leaf_put{0, 1, 1, "a", "1"},
                                          log_records::leaf_erase{0, 1, 2, "b"},
                                          log_records::commit{42}};
    std::vector<std::byte> encoded;
    for (const auto& record : records) {
        hotbackup::detail::encode_record(record, encoded);
    }
    std::size_t position = 0;
    for (const auto& record : records) {
        const auto type = std::to_integer<std::uint8_t>(encoded.at(position));
        const auto length = hotbackup::detail::load_le<std::uint32_t>(encoded, position + 1);
        const auto decoded = hotbackup::detail::decode_record(
            type, std::span{encoded}.subspan(position + log_layout::record_prefix_size, length));
        REQUIRE(decoded.has_value());
        REQUIRE(decoded->index() == record.index());
        position += log_layout::record_prefix_size + length;
    }
    REQUIRE(position == encoded.size());
}

TEST_CASE("a truncated record body does not decode", "[engine][format]") {
    const std::vector<log_record> records{
        log_records::page_image{1, 2, 3, {}},  // fixed fields only: the image may be empty
        log_records::leaf_put{1, 2, 3, "key", "value"},
        log_records::leaf_erase{1, 2, 3, "key"},
        log_records::commit{4},
        log_records::attach{1, {5, 6}, 7, "/db/data.edb"},
        log_records::detach{1}};
    for (const auto& record : records) {
        const auto type = static_cast<std::uint8_t>(record.index() + 1);
        const auto body = body_of(record);
        CAPTURE(type, body.size());
        REQUIRE(hotbackup::detail::decode_record(type, body).has_value());
        for (std::size_t cut = 1; cut <= body.size(); ++cut) {
            CAPTURE(cut);
            REQUIRE_FALSE(
                hotbackup::detail::decode_record(type, std::span{body}.first(body.size() - cut))
                    .has_value());
        }
    }
}

TEST_CASE("a record body with bytes left over does not decode", "[engine][format]") {
    // Not for page images: their image runs to the end of the body by design.
    const std::vector<log_record> records{
        log_records::leaf_put{1, 2, 3, "key", "value"}, log_records::leaf_erase{1, 2, 3, "key"},
        log_records::commit{4}, log_records::attach{1, {5, 6}, 7, "/db/data.edb"},
        log_records::detach{1}};
    for (const auto& record : records) {
        const auto type = static_cast<std::uint8_t>(record.index() + 1);
        auto body = body_of(record);
        body.push_back(std::byte{0});
        CAPTURE(type);
        REQUIRE_FALSE(hotbackup::detail::decode_record(type, body).has_value());
    }
}

TEST_CASE("a record of an unknown type does not decode", "[engine][format]") {
    const auto body = body_of(log_records::commit{4});
    for (const std::uint8_t type : {0, 7, 8, 255}) {
        CAPTURE(type);
        REQUIRE_FALSE(hotbackup::detail::decode_record(type, body).has_value());
    }
}

// ---- B+tree pages -----------------------------------------------------------------

TEST_CASE("a leaf page reads back its keys, values and database time", "[engine][format]") {
    btree_node written;
    written.dbtime = 0x0A0B'0C0D'0E0F;
    written.put("m", "middle");
    written.put("a", "");
    written.put(std::string(255, 'z'), std::string(1024, 'v'));
    written.put("b", "bee");
    REQUIRE(keys_of(written) == std::vector<std::string>{"a", "b", "m", std::string(255, 'z')});

    std::vector<std::byte> page(small_page);
    written.encode(page, 7);
    REQUIRE(check_page(page, 7) == page_check::valid);
    REQUIRE(hotbackup::kind_of(page) == page_kind::leaf);
    REQUIRE(hotbackup::dbtime_of(page) == written.dbtime);
    const auto read = btree_node::decode(page);
    REQUIRE(read.has_value());
    require_same_node(*read, written);
    REQUIRE(read->get("b") == "bee");
    REQUIRE_FALSE(read->get("c").has_value());
}

TEST_CASE("a branch page reads back its separators and children", "[engine][format]") {
    btree_node written;
    written.kind = page_kind::branch;
    written.dbtime = 55;
    written.leftmost_child = 2;
    written.insert_child("m", 4);
    written.insert_child("f", 3);
    written.insert_child("t", 5);
    REQUIRE(keys_of(written) == std::vector<std::string>{"f", "m", "t"});

    std::vector<std::byte> page(8192);
    written.encode(page, 1);
    REQUIRE(check_page(page, 1) == page_check::valid);
    REQUIRE(hotbackup::kind_of(page) == page_kind::branch);
    const auto read = btree_node::decode(page);
    REQUIRE(read.has_value());
    require_same_node(*read, written);
}

TEST_CASE("an empty leaf page reads back empty", "[engine][format]") {
    std::vector<std::byte> page(small_page);
    btree_node{}.encode(page, 1);
    const auto read = btree_node::decode(page);
    REQUIRE(read.has_value());
    REQUIRE(read->is_leaf());
    REQUIRE(read->leaf_entries.empty());
}

TEST_CASE("a page whose entry count overstates its entries does not decode", "[engine][format]") {
    btree_node written;
    written.put("only", std::string(100, 'x'));
    std::vector<std::byte> page(small_page);
    written.encode(page, 3);
    // 2000 entries cannot fit a 4 KiB page: the reader runs out of bytes.
    hotbackup::detail::store_le(std::span{page}, page_layout::count_offset, std::uint16_t{2000});
    // Bytes past the used part are zero and parse as empty entries, so give the
    // reader real garbage to run into.
    std::ranges::fill(std::span{page}.subspan(200), std::byte{0xFF});
    REQUIRE_FALSE(btree_node::decode(page).has_value());
    REQUIRE_FALSE(btree_node::decode(sample_header(small_page).encode()).has_value());
}

TEST_CASE("splitting a full leaf keeps every key in order and both halves fit a page",
          "[engine][format]") {
    struct shape {
        std::size_t key_size;
        std::size_t value_size;
        std::uint32_t page_size;
    };
    for (const auto [key_size, value_size, page_size] :
         {shape{4, 10, 4096}, shape{16, 100, 4096}, shape{255, 1024, 4096}, shape{255, 8192, 32768},
          shape{40, 2048, 8192}}) {
        CAPTURE(key_size, value_size, page_size);
        auto left = overfull_leaf(key_size, value_size, page_size);
        REQUIRE(left.encoded_size() > page_size);
        const auto original = left;

        auto [right, separator] = left.split();

        REQUIRE_FALSE(left.leaf_entries.empty());
        REQUIRE_FALSE(right.leaf_entries.empty());
        REQUIRE(right.is_leaf());
        REQUIRE(left.encoded_size() <= page_size);
        REQUIRE(right.encoded_size() <= page_size);
        REQUIRE(separator == right.leaf_entries.front().key);
        REQUIRE(left.leaf_entries.back().key < separator);
        auto joined = keys_of(left);
        const auto upper = keys_of(right);
        joined.insert(joined.end(), upper.begin(), upper.end());
        REQUIRE(joined == keys_of(original));
        REQUIRE(std::ranges::is_sorted(joined));
        for (const auto& entry : original.leaf_entries) {
            const auto& half = entry.key < separator ? left : right;
            REQUIRE(half.get(entry.key) == entry.value);
        }
        // Encoding proves the fit: a page that did not fit would be written past
        // the end of the buffer (AddressSanitizer).
        std::vector<std::byte> page(page_size);
        left.encode(page, 2);
        REQUIRE(btree_node::decode(page).has_value());
        right.encode(page, 3);
        REQUIRE(btree_node::decode(page).has_value());
    }
}

TEST_CASE("splitting a full branch moves one separator up and keeps every child",
          "[engine][format]") {
    for (const std::size_t key_size : {std::size_t{8}, std::size_t{255}}) {
        CAPTURE(key_size);
        auto left = overfull_branch(key_size, small_page);
        REQUIRE(left.encoded_size() > small_page);
        const auto original = left;

        auto [right, separator] = left.split();

        REQUIRE(right.kind == page_kind::branch);
        REQUIRE(left.encoded_size() <= small_page);
        REQUIRE(right.encoded_size() <= small_page);
        REQUIRE(left.leftmost_child == original.leftmost_child);
        // The separator's child becomes the right node's leftmost child; the
        // separator itself lives on only in the parent.
        auto joined = keys_of(left);
        joined.push_back(separator);
        const auto upper = keys_of(right);
        joined.insert(joined.end(), upper.begin(), upper.end());
        REQUIRE(joined == keys_of(original));
        REQUIRE(right.leftmost_child == original.child_for(separator));
        // Every key still reaches the same child through the new pair of nodes.
        for (const auto& entry : original.branch_entries) {
            const auto& half = entry.key < separator ? left : right;
            REQUIRE(half.child_for(entry.key) == entry.child);
        }
    }
}

TEST_CASE("a branch sends a key to the child whose range holds it", "[engine][format]") {
    btree_node branch;
    branch.kind = page_kind::branch;
    branch.leftmost_child = 10;
    branch.insert_child("g", 11);
    branch.insert_child("p", 12);
    REQUIRE(branch.child_for("") == 10);
    REQUIRE(branch.child_for("a") == 10);
    REQUIRE(branch.child_for("fzzz") == 10);
    REQUIRE(branch.child_for("g") == 11);  // a separator is the smallest key of its child
    REQUIRE(branch.child_for("g0") == 11);
    REQUIRE(branch.child_for("ozz") == 11);
    REQUIRE(branch.child_for("p") == 12);
    REQUIRE(branch.child_for("zzz") == 12);
}

// ---- checkpoint -------------------------------------------------------------------

namespace {

struct checkpoint_fixture {
    checkpoint_fixture() { storage.create_directories("/system"); }

    /// Writes the two copies of the checkpoint file as given (zero bytes for none).
    void write_copies(const std::vector<std::byte>& first, const std::vector<std::byte>& second) {
        auto file = storage.open(path, open_mode::create_or_open);
        file.write_at(0, first);
        file.write_at(log_layout::block_size, second);
        file.sync();
        file.close();
    }

    memory_storage storage;
    std::filesystem::path path{"/system/edb.chk"};
};

checkpoint_state state_at(std::uint64_t sequence, hotbackup::log_generation generation) {
    return {.sequence = sequence,
            .generation = generation,
            .offset = 4096 * generation + 32,
            .log_signature = {0x1234, 0x5678}};
}

std::vector<std::byte> damaged(std::vector<std::byte> block) {
    flip_bit(block, 50);
    return block;
}

}  // namespace

TEST_CASE("a checkpoint copy reads back what was written", "[engine][format][checkpoint]") {
    const checkpoint_state written{.sequence = 0xFFFF'0000'1111,
                                   .generation = 0x7FFF'F800,
                                   .offset = 0x0140'0020,
                                   .log_signature = {0xAAAA, 0xBBBB}};
    REQUIRE(written.position() == hotbackup::log_position{0x7FFF'F800, 0x0140'0020});
    const auto block = written.encode();
    REQUIRE(block.size() == log_layout::block_size);
    REQUIRE(check_page(block, 0) == page_check::valid);
    REQUIRE(checkpoint_state::decode(block) == written);
    REQUIRE_FALSE(checkpoint_state::decode(damaged(block)).has_value());
    REQUIRE_FALSE(checkpoint_state::decode(std::span{block}.first(100)).has_value());
    log_file_header log_header;
    log_header.segment_count = 16;
    REQUIRE_FALSE(checkpoint_state::decode(log_header.encode()).has_value());
}

TEST_CASE_METHOD(checkpoint_fixture, "write_checkpoint writes both copies and reads back",
                 "[engine][format][checkpoint]") {
    hotbackup::write_checkpoint(storage, path, state_at(3, 2));
    auto file = storage.open(path, open_mode::read_only);
    REQUIRE(file.size() == 2 * log_layout::block_size);
    std::vector<std::byte> bytes(2 * log_layout::block_size);
    REQUIRE(file.read_at(0, bytes) == bytes.size());
    REQUIRE(checkpoint_state::decode(std::span{bytes}.first(log_layout::block_size)) ==
            state_at(3, 2));
    REQUIRE(checkpoint_state::decode(std::span{bytes}.last(log_layout::block_size)) ==
            state_at(3, 2));
    REQUIRE(hotbackup::read_checkpoint(storage, path) == state_at(3, 2));
}

TEST_CASE_METHOD(checkpoint_fixture, "read_checkpoint takes the copy with the higher sequence",
                 "[engine][format][checkpoint]") {
    SECTION("the first copy is newer") {
        write_copies(state_at(8, 5).encode(), state_at(7, 4).encode());
        REQUIRE(hotbackup::read_checkpoint(storage, path) == state_at(8, 5));
    }
    SECTION("the second copy is newer") {
        write_copies(state_at(7, 4).encode(), state_at(8, 5).encode());
        REQUIRE(hotbackup::read_checkpoint(storage, path) == state_at(8, 5));
    }
}

TEST_CASE_METHOD(checkpoint_fixture, "read_checkpoint falls back to the valid copy",
                 "[engine][format][checkpoint]") {
    SECTION("the first copy is damaged") {
        write_copies(damaged(state_at(9, 6).encode()), state_at(8, 5).encode());
        REQUIRE(hotbackup::read_checkpoint(storage, path) == state_at(8, 5));
    }
    SECTION("the second copy is damaged") {
        write_copies(state_at(8, 5).encode(), damaged(state_at(9, 6).encode()));
        REQUIRE(hotbackup::read_checkpoint(storage, path) == state_at(8, 5));
    }
    SECTION("the second copy was never written (a crash before it)") {
        auto file = storage.open(path, open_mode::create);
        file.write_at(0, state_at(8, 5).encode());
        file.sync();
        file.close();
        REQUIRE(hotbackup::read_checkpoint(storage, path) == state_at(8, 5));
    }
}

TEST_CASE_METHOD(checkpoint_fixture,
                 "read_checkpoint throws checkpoint_corrupt when both copies are damaged",
                 "[engine][format][checkpoint]") {
    write_copies(damaged(state_at(9, 6).encode()), damaged(state_at(8, 5).encode()));
    try {
        (void)hotbackup::read_checkpoint(storage, path);
        FAIL("a damaged checkpoint was read");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::checkpoint_corrupt);
        REQUIRE_THAT(error.what(), contains_text("/system/edb.chk"));
    }
}

TEST_CASE_METHOD(checkpoint_fixture,
                 "read_checkpoint finds nothing in a missing, empty or all-zero file",
                 "[engine][format][checkpoint]") {
    SECTION("missing") {
        CHECK_FALSE(storage.exists(path));
    }
    SECTION("empty") {
        auto file = storage.open(path, open_mode::create);
        file.sync();
        CHECK(file.size() == 0);
    }
    SECTION("all zero") {
        write_copies(std::vector<std::byte>(log_layout::block_size),
                     std::vector<std::byte>(log_layout::block_size));
        CHECK(storage.open(path, open_mode::read_only).size() == 2 * log_layout::block_size);
    }
    REQUIRE_FALSE(hotbackup::read_checkpoint(storage, path).has_value());
}

}  // namespace hotbackup::test
