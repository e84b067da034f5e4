# FindxxHash
# ----------
# hotbackup uses xxHash header-only (XXH_INLINE_ALL), so all it needs is xxhash.h.
# Upstream xxHash (vcpkg, Conan, a source build) installs a CMake config with the
# target xxHash::xxhash; Debian ships only the header and a pkg-config file. This
# module prefers the config and otherwise makes the same target name from the header,
# so hotbackup links `xxHash::xxhash` whichever way xxHash was installed.
#
# Result: the INTERFACE target xxHash::xxhash, xxHash_FOUND, xxHash_INCLUDE_DIR.

find_package(xxHash CONFIG QUIET)
if(TARGET xxHash::xxhash)
    set(xxHash_FOUND TRUE)
    return()
endif()

find_path(xxHash_INCLUDE_DIR NAMES xxhash.h PATH_SUFFIXES xxhash)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(xxHash REQUIRED_VARS xxHash_INCLUDE_DIR)

if(xxHash_FOUND AND NOT TARGET xxHash::xxhash)
    add_library(xxHash::xxhash INTERFACE IMPORTED)
    set_target_properties(xxHash::xxhash PROPERTIES
        INTERFACE_INCLUDE_DIRECTORIES "${xxHash_INCLUDE_DIR}")
endif()
mark_as_advanced(xxHash_INCLUDE_DIR)
