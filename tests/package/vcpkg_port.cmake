# cmake -DSOURCE_DIR=<checkout> -DWORK_DIR=<scratch> -DGENERATOR=<generator>
#       -DCXX_COMPILER=<compiler> -P vcpkg_port.cmake
#
# Runs ports/hotbackup/portfile.cmake as vcpkg would, with stand-ins for the vcpkg
# helpers it calls (vcpkg itself cannot be fetched on CI machines), then applies
# vcpkg's post-build checks that matter for a header-only port. The stand-ins do what
# the helpers do for this port, and each fails on what the real helper would reject
# or silently repair: a configure or install that fails, a config directory that is
# not where PACKAGE_NAME says, a package file naming the build machine's paths, a
# pkg-config file outside lib/ or share/, a copyright file list that names no file.
foreach(var SOURCE_DIR WORK_DIR GENERATOR CXX_COMPILER)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "vcpkg_port.cmake needs -D${var}=...")
    endif()
endforeach()

set(PORT hotbackup)
set(port_dir "${SOURCE_DIR}/ports/${PORT}")
set(CURRENT_PACKAGES_DIR "${WORK_DIR}/packages/${PORT}_x64-linux")
set(CURRENT_BUILDTREES_DIR "${WORK_DIR}/buildtrees/${PORT}")
file(REMOVE_RECURSE "${WORK_DIR}/packages" "${WORK_DIR}/buildtrees")
file(READ "${port_dir}/vcpkg.json" port_manifest)
string(JSON VERSION GET "${port_manifest}" version)

function(port_fail message)
    message(FATAL_ERROR "ports/${PORT}: ${message}")
endfunction()

# A package file must not name where it was built or installed: vcpkg moves trees.
function(port_check_relocatable file)
    file(READ "${file}" content)
    foreach(path IN ITEMS "${CURRENT_PACKAGES_DIR}" "${CURRENT_BUILDTREES_DIR}")
        string(FIND "${content}" "${path}" position)
        if(NOT position EQUAL -1)
            port_fail("${file} names ${path}; the package is not relocatable")
        endif()
    endforeach()
endfunction()

function(vcpkg_cmake_configure)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "SOURCE_PATH" "OPTIONS;OPTIONS_RELEASE")
    if(NOT EXISTS "${arg_SOURCE_PATH}/CMakeLists.txt")
        port_fail("SOURCE_PATH ${arg_SOURCE_PATH} holds no CMakeLists.txt")
    endif()
    if(NOT VCPKG_BUILD_TYPE STREQUAL "release")
        port_fail("a header-only port sets VCPKG_BUILD_TYPE release (no debug tree)")
    endif()
    execute_process(
        COMMAND "${CMAKE_COMMAND}" -S "${arg_SOURCE_PATH}" -B "${CURRENT_BUILDTREES_DIR}/rel"
            -G "${GENERATOR}" "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}"
            -DCMAKE_BUILD_TYPE=Release "-DCMAKE_INSTALL_PREFIX=${CURRENT_PACKAGES_DIR}"
            ${arg_OPTIONS} ${arg_OPTIONS_RELEASE}
        RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        port_fail("configure failed (${result})")
    endif()
endfunction()

function(vcpkg_cmake_install)
    execute_process(COMMAND "${CMAKE_COMMAND}" --build "${CURRENT_BUILDTREES_DIR}/rel"
        --target install RESULT_VARIABLE result)
    if(NOT result EQUAL 0)
        port_fail("install failed (${result})")
    endif()
endfunction()

function(vcpkg_cmake_config_fixup)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "PACKAGE_NAME;CONFIG_PATH" "")
    if(NOT arg_PACKAGE_NAME)
        set(arg_PACKAGE_NAME "${PORT}")
    endif()
    if(NOT arg_CONFIG_PATH)
        set(arg_CONFIG_PATH "share/${arg_PACKAGE_NAME}")
    endif()
    set(config "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}/${arg_PACKAGE_NAME}Config.cmake")
    if(NOT EXISTS "${config}")
        port_fail("vcpkg_cmake_config_fixup: no ${config}")
    endif()
    if(NOT arg_CONFIG_PATH STREQUAL "share/${arg_PACKAGE_NAME}")
        port_fail("config in ${arg_CONFIG_PATH}: this stand-in only checks share/<name>")
    endif()
    file(GLOB config_files "${CURRENT_PACKAGES_DIR}/${arg_CONFIG_PATH}/*.cmake")
    foreach(file IN LISTS config_files)
        port_check_relocatable("${file}")
    endforeach()
endfunction()

function(vcpkg_fixup_pkgconfig)
    file(GLOB_RECURSE pc_files "${CURRENT_PACKAGES_DIR}/*.pc")
    foreach(file IN LISTS pc_files)
        file(RELATIVE_PATH relative "${CURRENT_PACKAGES_DIR}" "${file}")
        if(NOT relative MATCHES "^(lib|share)/pkgconfig/[^/]+\\.pc$")
            port_fail("pkg-config file ${relative} is not in lib/pkgconfig or share/pkgconfig")
        endif()
        port_check_relocatable("${file}")
    endforeach()
endfunction()

function(vcpkg_install_copyright)
    cmake_parse_arguments(PARSE_ARGV 0 arg "" "" "FILE_LIST")
    if(NOT arg_FILE_LIST)
        port_fail("vcpkg_install_copyright: empty FILE_LIST")
    endif()
    set(text "")
    foreach(file IN LISTS arg_FILE_LIST)
        if(NOT EXISTS "${file}")
            port_fail("vcpkg_install_copyright: no ${file}")
        endif()
        file(READ "${file}" content)
        string(APPEND text "${content}")
    endforeach()
    file(WRITE "${CURRENT_PACKAGES_DIR}/share/${PORT}/copyright" "${text}")
endfunction()

include("${port_dir}/portfile.cmake")

# ---- vcpkg's post-build checks, as they apply to a header-only port ----
foreach(forbidden IN ITEMS debug lib bin)
    if(EXISTS "${CURRENT_PACKAGES_DIR}/${forbidden}")
        port_fail("the package holds ${forbidden}/; a header-only port installs no such tree")
    endif()
endforeach()
foreach(required IN ITEMS include/hotbackup/hotbackup.hpp include/hotbackup/esent.hpp
        share/${PORT}/copyright share/${PORT}/usage share/${PORT}/hotbackupConfig.cmake
        share/${PORT}/hotbackupConfigVersion.cmake share/${PORT}/hotbackupTargets.cmake)
    if(NOT EXISTS "${CURRENT_PACKAGES_DIR}/${required}")
        port_fail("the package lacks ${required}")
    endif()
endforeach()
file(GLOB_RECURSE everything LIST_DIRECTORIES true "${CURRENT_PACKAGES_DIR}/*")
foreach(path IN LISTS everything)
    if(IS_DIRECTORY "${path}")
        file(GLOB children "${path}/*")
        if(NOT children)
            port_fail("empty directory ${path} (vcpkg rejects empty folders)")
        endif()
    endif()
endforeach()
file(READ "${CURRENT_PACKAGES_DIR}/share/${PORT}/usage" usage)
if(NOT usage MATCHES "find_package\\(hotbackup CONFIG REQUIRED\\)"
   OR NOT usage MATCHES "hotbackup::hotbackup")
    port_fail("usage does not show find_package(hotbackup ...) and hotbackup::hotbackup")
endif()
# The version the port declares is the one the package config answers to.
file(READ "${CURRENT_PACKAGES_DIR}/share/${PORT}/hotbackupConfigVersion.cmake" version_file)
if(NOT version_file MATCHES "PACKAGE_VERSION \"${VERSION}\"")
    port_fail("vcpkg.json says version ${VERSION}; hotbackupConfigVersion.cmake does not")
endif()
list(LENGTH everything entry_count)
message(STATUS "port ${PORT} ${VERSION}: ${entry_count} entries in ${CURRENT_PACKAGES_DIR}")
