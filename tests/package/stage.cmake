# cmake -DBUILD_DIR=<build tree> -DWORK_DIR=<scratch> -P stage.cmake
#
# Installs hotbackup into WORK_DIR/stage, checks that the tree holds exactly the
# headers and the package files (nothing in lib/: a header-only port must not ship
# one), moves it to WORK_DIR/moved and checks that no installed CMake or pkg-config
# file names the old prefix, so the package works wherever a package manager puts it.
foreach(var BUILD_DIR WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "stage.cmake needs -D${var}=...")
    endif()
endforeach()

set(stage "${WORK_DIR}/stage")
set(moved "${WORK_DIR}/moved")
file(REMOVE_RECURSE "${stage}" "${moved}")

execute_process(COMMAND "${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${stage}"
    RESULT_VARIABLE install_result)
if(NOT install_result EQUAL 0)
    message(FATAL_ERROR "cmake --install failed (${install_result})")
endif()

file(GLOB_RECURSE installed RELATIVE "${stage}" "${stage}/*")
set(unexpected "")
foreach(path IN LISTS installed)
    if(NOT path MATCHES "^include/hotbackup/.+\\.hpp$"
       AND NOT path MATCHES "^share/hotbackup/(hotbackupConfig|hotbackupConfigVersion|hotbackupTargets|FindxxHash)\\.cmake$"
       AND NOT path STREQUAL "share/pkgconfig/hotbackup.pc")
        list(APPEND unexpected "${path}")
    endif()
endforeach()
if(unexpected)
    message(FATAL_ERROR "unexpected installed files: ${unexpected}")
endif()
foreach(required IN ITEMS include/hotbackup/hotbackup.hpp share/hotbackup/hotbackupConfig.cmake
        share/hotbackup/hotbackupConfigVersion.cmake share/hotbackup/hotbackupTargets.cmake
        share/pkgconfig/hotbackup.pc)
    if(NOT EXISTS "${stage}/${required}")
        message(FATAL_ERROR "missing from the installed tree: ${required}")
    endif()
endforeach()

file(RENAME "${stage}" "${moved}")
file(GLOB package_files "${moved}/share/hotbackup/*" "${moved}/share/pkgconfig/*")
foreach(file IN LISTS package_files)
    file(READ "${file}" content)
    string(FIND "${content}" "${stage}" position)
    if(NOT position EQUAL -1)
        message(FATAL_ERROR "${file} names the install prefix ${stage}; the package is not relocatable")
    endif()
endforeach()
list(LENGTH installed installed_count)
message(STATUS "installed ${installed_count} files; relocated to ${moved}")
