// One include for Catch2 v2 (Debian's `catch2` package, single header) and
// v3 (vcpkg, Conan): the tests use only macros both versions spell the same, and
// contains_text() for the one string matcher v3 renamed.
#pragma once

#include <string>

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#define HOTBACKUP_CATCH2_V3 1
#else
#include <catch2/catch.hpp>
#define HOTBACKUP_CATCH2_V3 0
#endif

namespace hotbackup::test {

/// Matches a string that contains `text` (v2's Contains, v3's ContainsSubstring).
inline auto contains_text(const std::string& text) {
#if HOTBACKUP_CATCH2_V3
    return Catch::Matchers::ContainsSubstring(text);
#else
    return Catch::Matchers::Contains(text);
#endif
}

}  // namespace hotbackup::test
