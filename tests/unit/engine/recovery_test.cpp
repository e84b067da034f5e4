// Recovery cases found in review: a torn log write whose first segment is lost but
// whose later segments reached the disk, a checkpoint file whose very first write
// tore, and a commit that fails halfway through applying its changes.
#include <hotbackup/engine/detail/btree_node.hpp>
#include <hotbackup/engine/instance.hpp>
#include <hotbackup/storage/memory_storage.hpp>
#include <string>
#include <vector>

#include "support/catch.hpp"
#include "support/engine_fixture.hpp"

namespace hotbackup::test {

namespace {

constexpr std::size_t block = 4096;

std::vector<std::byte> read_file(memory_storage& storage, const std::filesystem::path& path) {
    auto file = storage.open(path, open_mode::read_only);
    std::vector<std::byte> bytes(static_cast<std::size_t>(file.size()));
    bytes.resize(file.read_at(0, bytes));
    return bytes;
}

}  // namespace

TEST_CASE("engine recovery: a torn write that lost only its first segment is cleared",
          "[engine][recovery]") {
    memory_storage storage;
    const auto options = small_options();
    {
        instance<memory_storage> engine{storage, options};
        const auto database = engine.create_database("/inst/data.edb");
        auto transaction = engine.begin_transaction();
        for (int index = 0; index < 12; ++index) {  // one write of several segments
            transaction.put(database, "big" + std::to_string(index), std::string(1000, 'b'));
        }
        transaction.commit();
        storage.crash();
    }
    // Drop the first segment of the last write, as a disk that reorders a write's
    // blocks may: its later segments stay.
    const std::filesystem::path log = "/inst/logs/edb.log";
    auto bytes = read_file(storage, log);
    std::size_t last = bytes.size() / block - 1;
    while (hotbackup::detail::all_zero(std::span{bytes}.subspan(last * block, block))) {
        --last;
    }
    const auto first_of_write =
        hotbackup::detail::load_le<std::uint32_t>(std::span{bytes}, last * block + 20);
    REQUIRE(first_of_write < last);  // the write spans several segments
    {
        auto file = storage.open(log, open_mode::read_write);
        file.write_at(std::uint64_t{first_of_write} * block, std::vector<std::byte>(block));
        file.sync();
    }
    // Recovery accepts the torn tail and clears it; the log then goes on and is closed
    // and read again without the stale segments being taken for corruption.
    {
        instance<memory_storage> engine{storage, options};
        const auto database = engine.attach_database("/inst/data.edb");
        CHECK(committed_contents(engine, database).empty());
        auto transaction = engine.begin_transaction();
        transaction.put(database, "after", "the tear");
        transaction.commit();
        engine.force_new_log();
        storage.crash();
    }
    instance<memory_storage> engine{storage, options};
    const auto database = engine.attach_database("/inst/data.edb");
    CHECK(committed_contents(engine, database) ==
          std::map<std::string, std::string>{{"after", "the tear"}});
}

TEST_CASE("engine recovery: a checkpoint whose first write tore is no checkpoint",
          "[engine][recovery]") {
    memory_storage storage;
    const auto options = small_options();
    { instance<memory_storage> engine{storage, options}; }
    {
        // Garbage where the first copy was being written; the second never written.
        auto file = storage.open("/inst/edb.chk", open_mode::read_write);
        file.write_at(0, std::vector<std::byte>(100, std::byte{0x77}));
        file.write_at(block, std::vector<std::byte>(block));
        file.sync();
    }
    CHECK_FALSE(hotbackup::read_checkpoint(storage, "/inst/edb.chk").has_value());
    instance<memory_storage> engine{storage, options};  // recovers from the logs
    CHECK(engine.checkpoint_generation() >= 1);
}

TEST_CASE("engine recovery: a commit that fails halfway never reaches the database file",
          "[engine][recovery]") {
    memory_storage storage;
    const auto options = small_options();
    {
        instance<memory_storage> engine{storage, options};
        const auto database = engine.create_database("/inst/data.edb");
        auto transaction = engine.begin_transaction();
        for (int index = 0; index < 100; ++index) {
            transaction.put(database, "a" + std::to_string(100 + index), std::string(100, 'a'));
            transaction.put(database, "z" + std::to_string(100 + index), std::string(100, 'z'));
        }
        transaction.commit();
    }
    // Damage the leaf that holds "z150" on disk.
    {
        auto bytes = read_file(storage, "/inst/data.edb");
        bool damaged = false;
        for (hotbackup::page_number page = 1; (page + 2) * block <= bytes.size(); ++page) {
            const auto node = hotbackup::detail::btree_node::decode(
                std::span{bytes}.subspan(hotbackup::page_offset(page, block), block));
            if (node && node->is_leaf() && node->get("z150")) {
                auto file = storage.open("/inst/data.edb", open_mode::read_write);
                file.write_at(hotbackup::page_offset(page, block) + 200,
                              std::vector<std::byte>(8, std::byte{0xEE}));
                file.sync();
                damaged = true;
            }
        }
        REQUIRE(damaged);
    }
    {
        instance<memory_storage> engine{storage, options};
        const auto database = engine.attach_database("/inst/data.edb");
        auto transaction = engine.begin_transaction();
        transaction.put(database, "a150x", "half");   // a healthy leaf: applied first
        transaction.put(database, "z150x", "other");  // the damaged leaf: fails
        try {
            transaction.commit();
            FAIL("a commit into a damaged page succeeded");
        } catch (const backup_error& error) {
            CHECK(error.value() == errc::read_verify_failure);
        }
        try {
            (void)engine.begin_transaction();
            FAIL("the instance stayed available after a half-applied commit");
        } catch (const backup_error& error) {
            CHECK(error.value() == errc::instance_unavailable);
        }
    }  // term() must not flush the half-applied page
    instance<memory_storage> engine{storage, options};
    const auto database = engine.attach_database("/inst/data.edb");
    auto reader = engine.begin_transaction();
    CHECK_FALSE(reader.get(database, "a150x").has_value());
    CHECK(reader.get(database, "a150") == std::string(100, 'a'));
}

}  // namespace hotbackup::test
