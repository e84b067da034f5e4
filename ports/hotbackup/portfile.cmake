# An overlay port that builds the checkout it lives in (ports/hotbackup is two levels
# below the repository root):
#   vcpkg install hotbackup --overlay-ports=<checkout>/ports
# A registry port would fetch a release instead, with
#   vcpkg_from_github(OUT_SOURCE_PATH SOURCE_PATH REPO <owner>/hotbackup
#       REF "v${VERSION}" SHA512 <of the tag's tarball> HEAD_REF main)
# and keep everything below unchanged. vcpkg hashes the port's files, not this
# checkout: pass --no-binarycaching (or bump port-version) after editing the sources.
get_filename_component(SOURCE_PATH "${CMAKE_CURRENT_LIST_DIR}/../.." ABSOLUTE)

# Header-only: one release configure, no debug tree (vcpkg's post-build checks reject
# debug/include and debug/share).
set(VCPKG_BUILD_TYPE release)

vcpkg_cmake_configure(
    SOURCE_PATH "${SOURCE_PATH}"
    OPTIONS
        -DHOTBACKUP_BUILD_TESTS=OFF
        -DHOTBACKUP_BUILD_EXAMPLES=OFF
        -DHOTBACKUP_BUILD_BENCHMARKS=OFF
        -DHOTBACKUP_INSTALL=ON
)
vcpkg_cmake_install()
# hotbackupConfig.cmake and friends are installed in share/hotbackup already, where
# the fix-up looks by default; it still repairs their paths for the package tree.
vcpkg_cmake_config_fixup(PACKAGE_NAME hotbackup)
vcpkg_fixup_pkgconfig()

vcpkg_install_copyright(FILE_LIST "${SOURCE_PATH}/LICENSE")
file(INSTALL "${CMAKE_CURRENT_LIST_DIR}/usage" DESTINATION "${CURRENT_PACKAGES_DIR}/share/${PORT}")
