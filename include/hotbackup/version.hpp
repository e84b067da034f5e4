/// \file
/// The library's version, for manifests and for programs that print it. This header
/// is the one place the version is written: CMakeLists.txt reads it from here.
#pragma once

/// Major version: changes break the API or the on-disk formats.
#define HOTBACKUP_VERSION_MAJOR 0
/// Minor version: new features, compatible.
#define HOTBACKUP_VERSION_MINOR 1
/// Patch version: fixes only.
#define HOTBACKUP_VERSION_PATCH 0

/// \cond
#define HOTBACKUP_DETAIL_STRINGIFY_VALUE(value) #value
#define HOTBACKUP_DETAIL_STRINGIFY(value) HOTBACKUP_DETAIL_STRINGIFY_VALUE(value)
/// \endcond

namespace hotbackup::inline v1 {

/// The version as "major.minor.patch".
inline constexpr const char* version_string =
    HOTBACKUP_DETAIL_STRINGIFY(HOTBACKUP_VERSION_MAJOR) "." HOTBACKUP_DETAIL_STRINGIFY(
        HOTBACKUP_VERSION_MINOR) "." HOTBACKUP_DETAIL_STRINGIFY(HOTBACKUP_VERSION_PATCH);

}  // namespace hotbackup::inline v1
