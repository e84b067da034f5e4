// What posix_storage adds to the storage contract: descriptors closed on exec,
// the system's own error text in messages, symbolic links never followed.
#include <fcntl.h>
#include <unistd.h>

#include "support/catch.hpp"
#include "support/storage_fixture.hpp"

namespace hotbackup::test {

TEST_CASE("posix_storage opens every file with close-on-exec", "[storage][posix]") {
    storage_fixture<posix_storage> fixture;
    for (const auto mode : {open_mode::create, open_mode::read_only, open_mode::read_write,
                            open_mode::create_or_open}) {
        CAPTURE(static_cast<int>(mode));
        auto file = fixture.storage.open(fixture.root / "f", mode);
        const int flags = ::fcntl(file.native_handle(), F_GETFD);
        REQUIRE(flags >= 0);
        REQUIRE((flags & FD_CLOEXEC) != 0);
    }
}

TEST_CASE("posix_storage errors carry the errno's text, the operation and the path",
          "[storage][posix]") {
    storage_fixture<posix_storage> fixture;
    const auto missing = fixture.root / "missing.edb";
    try {
        (void)fixture.storage.open(missing, open_mode::read_only);
        FAIL("opening a missing file succeeded");
    } catch (const backup_error& error) {
        REQUIRE(error.value() == errc::file_not_found);
        REQUIRE(error.context().file == missing.string());
        const std::string what = error.what();
        REQUIRE_THAT(what, Catch::Matchers::StartsWith(missing.string() + ": open failed: "));
        REQUIRE_THAT(what, hotbackup::test::contains_text("No such file or directory"));
        REQUIRE_THAT(what, hotbackup::test::contains_text("-1811"));
    }
}

TEST_CASE("posix_storage lists symbolic links as other and does not follow them",
          "[storage][posix]") {
    storage_fixture<posix_storage> fixture;
    write_file(fixture.storage, fixture.root / "real", "x");
    REQUIRE(::symlink("/etc", (fixture.root / "escape").c_str()) == 0);
    REQUIRE(
        fixture.storage.list(fixture.root) ==
        std::vector<directory_entry>{{"escape", entry_kind::other}, {"real", entry_kind::file}});
    REQUIRE(fixture.storage.exists(fixture.root / "escape"));
}

}  // namespace hotbackup::test
