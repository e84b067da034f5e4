# cmake -DTAR_STREAM=<example> -DHOTBACKUP_CLI=<hotbackup tool> -DWORK_DIR=<scratch>
#       -P tar_stream_check.cmake
#
# Runs examples/tar_stream.cpp as its comment shows: the archive it writes to standard
# output is listed with tar, extracted, and verified by the `hotbackup` tool, which
# reads every file against the manifest. Prints what each step printed.
foreach(var TAR_STREAM HOTBACKUP_CLI WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "tar_stream_check.cmake needs -D${var}=...")
    endif()
endforeach()
find_program(TAR_PROGRAM NAMES tar REQUIRED)

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}/set")
set(archive "${WORK_DIR}/orders.tar")

execute_process(COMMAND "${TAR_STREAM}" OUTPUT_FILE "${archive}"
    ERROR_VARIABLE summary RESULT_VARIABLE result)
message(STATUS "tar_stream: ${summary}")
if(NOT result EQUAL 0)
    message(FATAL_ERROR "tar_stream exited with ${result}")
endif()

execute_process(COMMAND "${TAR_PROGRAM}" -tf "${archive}"
    OUTPUT_VARIABLE listing RESULT_VARIABLE result)
message(STATUS "tar -tf:\n${listing}")
if(NOT result EQUAL 0 OR NOT listing MATCHES "^databases/orders\\.edb\n(logs/[^\n]+\\.log\n)+manifest\\.json\n$")
    message(FATAL_ERROR "the archive does not list the database, the logs and the manifest last")
endif()

execute_process(COMMAND "${TAR_PROGRAM}" -xf "${archive}" -C "${WORK_DIR}/set"
    RESULT_VARIABLE result)
if(NOT result EQUAL 0)
    message(FATAL_ERROR "tar -xf failed (${result})")
endif()
execute_process(COMMAND "${HOTBACKUP_CLI}" verify "${WORK_DIR}/set"
    OUTPUT_VARIABLE verified ERROR_VARIABLE verified RESULT_VARIABLE result)
message(STATUS "hotbackup verify: ${verified}")
if(NOT result EQUAL 0)
    message(FATAL_ERROR "hotbackup verify exited with ${result}")
endif()
message(STATUS "tar_stream: the archive is a complete, verified backup set")
