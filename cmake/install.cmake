# Install rules: headers, the exported target, a relocatable package config in
# share/hotbackup (architecture-independent, where vcpkg's config fix-up looks by
# default), and a pkg-config file.
include(CMakePackageConfigHelpers)

set(HOTBACKUP_CONFIG_DIR "${CMAKE_INSTALL_DATADIR}/hotbackup")

install(DIRECTORY "${PROJECT_SOURCE_DIR}/include/hotbackup"
    DESTINATION "${CMAKE_INSTALL_INCLUDEDIR}"
    FILES_MATCHING PATTERN "*.hpp")

install(TARGETS hotbackup EXPORT hotbackupTargets)
install(EXPORT hotbackupTargets
    NAMESPACE hotbackup::
    DESTINATION "${HOTBACKUP_CONFIG_DIR}")

configure_package_config_file(
    "${PROJECT_SOURCE_DIR}/cmake/hotbackupConfig.cmake.in"
    "${PROJECT_BINARY_DIR}/hotbackupConfig.cmake"
    INSTALL_DESTINATION "${HOTBACKUP_CONFIG_DIR}")
write_basic_package_version_file(
    "${PROJECT_BINARY_DIR}/hotbackupConfigVersion.cmake"
    COMPATIBILITY SameMajorVersion
    ARCH_INDEPENDENT)
install(FILES
    "${PROJECT_BINARY_DIR}/hotbackupConfig.cmake"
    "${PROJECT_BINARY_DIR}/hotbackupConfigVersion.cmake"
    "${PROJECT_SOURCE_DIR}/cmake/FindxxHash.cmake"
    DESTINATION "${HOTBACKUP_CONFIG_DIR}")

configure_file("${PROJECT_SOURCE_DIR}/cmake/hotbackup.pc.in"
    "${PROJECT_BINARY_DIR}/hotbackup.pc" @ONLY)
install(FILES "${PROJECT_BINARY_DIR}/hotbackup.pc"
    DESTINATION "${CMAKE_INSTALL_DATADIR}/pkgconfig")
