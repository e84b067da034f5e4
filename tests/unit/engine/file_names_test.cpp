// Log and checkpoint names as ESE writes and reads them (docs/protocol.md §8.4,
// §4.1 and the cases of ESE's own log-name unit test, §6).
#include <hotbackup/format/file_names.hpp>

#include "support/catch.hpp"

namespace hotbackup::test {

TEST_CASE("numbered logs are the base then 8 upper-case hex digits then .log", "[engine][names]") {
    REQUIRE(hotbackup::log_file_name("edb", 1) == "edb00000001.log");
    REQUIRE(hotbackup::log_file_name("edb", 26) == "edb0000001A.log");
    REQUIRE(hotbackup::log_file_name("abc", 0x123456AB) == "abc123456AB.log");
    REQUIRE(hotbackup::log_file_name("edb", hotbackup::max_log_generation) == "edb7FFFF800.log");
    REQUIRE(hotbackup::current_log_file_name("edb") == "edb.log");
    REQUIRE(hotbackup::checkpoint_file_name("edb") == "edb.chk");
}

TEST_CASE("a generation outside 1 to 0x7FFFF800 has no log name", "[engine][names]") {
    for (const log_generation generation : {log_generation{0}, log_generation{0x7FFFF801}}) {
        try {
            (void)hotbackup::log_file_name("edb", generation);
            FAIL("generation " << generation << " got a name");
        } catch (const backup_error& error) {
            REQUIRE(error.value() == errc::invalid_parameter);
            REQUIRE(error.context().generation == generation);
        }
    }
}

TEST_CASE("a base name must be exactly 3 letters or digits", "[engine][names]") {
    for (const char* bad : {"", "ed", "edbx", "e.b", "e/b", "e b"}) {
        CAPTURE(bad);
        try {
            hotbackup::validate_base_name(bad);
            FAIL("accepted");
        } catch (const backup_error& error) {
            REQUIRE(error.value() == errc::invalid_parameter);
            REQUIRE_THAT(error.what(), hotbackup::test::contains_text("JET_paramBaseName"));
        }
    }
    hotbackup::validate_base_name("E01");
}

TEST_CASE("parsing accepts 5 or 8 hex digits in any case", "[engine][names]") {
    REQUIRE(parse_log_file_name("edb123AB.log", "edb") == log_generation{0x123AB});
    REQUIRE(parse_log_file_name("edb123456AB.log", "edb") == log_generation{0x123456AB});
    REQUIRE(parse_log_file_name("edb0000001a.log", "edb") == log_generation{26});
    REQUIRE(parse_log_file_name("EdB00001.LOG", "edb") == log_generation{1});
    // A base name that is longer than 3 characters still parses (ESE's "edbres").
    REQUIRE(parse_log_file_name("edbresAB123.log", "edbres") == log_generation{0xAB123});
}

TEST_CASE("parsing rejects everything that is not a numbered log of the base", "[engine][names]") {
    for (const char* name : {"edb.log",           // the current log has no number
                             "edb1234.log",       // 4 digits
                             "edb123456.log",     // 6 digits
                             "edb123456789.log",  // 9 digits
                             "edb0000000G.log",   // not hex
                             "edb00000001.jtx",   // another extension
                             "edb00000001.log.tmp", "xyz00000001.log",
                             "edb00000000.log",  // generation 0
                             "edb7FFFF801.log",  // past the end of the sequence
                             "edb.chk", "ed"}) {
        CAPTURE(name);
        REQUIRE_FALSE(parse_log_file_name(name, "edb").has_value());
    }
}

TEST_CASE("every generation's name parses back to it", "[engine][names]") {
    for (const log_generation generation :
         {log_generation{1}, log_generation{0xF}, log_generation{0xFFFFF}, log_generation{0x100000},
          log_generation{0x12345678}, hotbackup::max_log_generation}) {
        REQUIRE(parse_log_file_name(hotbackup::log_file_name("edb", generation), "edb") ==
                generation);
    }
}

}  // namespace hotbackup::test
