// One include for Catch2 v2 (Debian's `catch2` package, single header) and
// v3 (vcpkg, Conan): the tests use only macros both versions spell the same.
#pragma once

#if __has_include(<catch2/catch_test_macros.hpp>)
#include <catch2/catch_template_test_macros.hpp>
#include <catch2/catch_test_macros.hpp>
#include <catch2/matchers/catch_matchers_string.hpp>
#else
#include <catch2/catch.hpp>
#endif
