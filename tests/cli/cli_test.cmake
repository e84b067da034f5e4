# The hotbackup command-line tool, end to end: every subcommand on a real instance
# directory, the data a restore brings back, and the exit code of each kind of
# failure. Run as
#   cmake -DHOTBACKUP_CLI=<hotbackup> -DMAKE_INSTANCE=<make_instance>
#         -DWORK_DIR=<scratch directory> -P cli_test.cmake
# WORK_DIR is emptied first. Each step prints what it runs; the first step whose exit
# code or output is not the expected one fails the script with its stdout and stderr.
cmake_minimum_required(VERSION 3.25)

foreach(variable IN ITEMS HOTBACKUP_CLI MAKE_INSTANCE WORK_DIR)
    if(NOT ${variable})
        message(FATAL_ERROR "cli_test.cmake needs -D${variable}=...")
    endif()
endforeach()

file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")

set(first_keys 500)
set(more_keys 300)
set(roll_forward_keys 200)
math(EXPR all_keys "${first_keys} + ${more_keys}")
math(EXPR rolled_keys "${all_keys} + ${roll_forward_keys}")

# run(<description> EXPECT <exit code> COMMAND <program> <arguments>...
#     [STDOUT_MATCHES <regex>] [STDERR_MATCHES <regex>] [OUTPUT_FILE <file>])
# Runs the program in WORK_DIR and checks its exit code and output.
function(run description)
    cmake_parse_arguments(PARSE_ARGV 1 step "" "EXPECT;STDOUT_MATCHES;STDERR_MATCHES;OUTPUT_FILE"
        "COMMAND")
    list(JOIN step_COMMAND " " command_line)
    message(STATUS "${description}: ${command_line}")
    set(output_options OUTPUT_VARIABLE stdout)
    if(step_OUTPUT_FILE)
        set(output_options OUTPUT_FILE "${step_OUTPUT_FILE}")
    endif()
    execute_process(COMMAND ${step_COMMAND}
        WORKING_DIRECTORY "${WORK_DIR}"
        RESULT_VARIABLE exit_code
        ${output_options}
        ERROR_VARIABLE stderr)
    set(failure "")
    if(NOT exit_code STREQUAL step_EXPECT)
        set(failure "exit code ${exit_code}, expected ${step_EXPECT}")
    elseif(DEFINED step_STDOUT_MATCHES AND NOT stdout MATCHES "${step_STDOUT_MATCHES}")
        set(failure "stdout does not match '${step_STDOUT_MATCHES}'")
    elseif(DEFINED step_STDERR_MATCHES AND NOT stderr MATCHES "${step_STDERR_MATCHES}")
        set(failure "stderr does not match '${step_STDERR_MATCHES}'")
    endif()
    if(failure)
        message(FATAL_ERROR "${description}: ${failure}\n"
            "--- stdout ---\n${stdout}\n--- stderr ---\n${stderr}")
    endif()
    set(stdout "${stdout}" PARENT_SCOPE)
endfunction()

set(cli "${HOTBACKUP_CLI}")
set(make_instance "${MAKE_INSTANCE}")

# --- a full and an incremental backup, verified and restored ----------------------
run("an instance with ${first_keys} keys" EXPECT 0
    COMMAND ${make_instance} inst ${first_keys})
run("full backup" EXPECT 0
    COMMAND ${cli} backup --instance inst --to full
    STDOUT_MATCHES "^full backup into full: 1 database, log generations [0-9]+\\.\\.[0-9]+")
run("${more_keys} more keys" EXPECT 0
    COMMAND ${make_instance} inst ${first_keys} --more ${more_keys})
run("incremental backup" EXPECT 0
    COMMAND ${cli} backup --instance inst --incremental --to inc
    STDOUT_MATCHES "^incremental backup into inc: logs only")
run("verify the chain" EXPECT 0
    COMMAND ${cli} verify full inc
    STDOUT_MATCHES "\\(full \\+ incremental\\).*1 database file.*every file matches")
run("info as text" EXPECT 0
    COMMAND ${cli} info full
    STDOUT_MATCHES "kind +full\n.*databases/orders\\.edb.*logs/edb[0-9A-F]+\\.log")
run("info as the stored manifest" EXPECT 0
    COMMAND ${cli} info full --json
    STDOUT_MATCHES "\"manifest_xxh3\": \"[0-9a-f]+\"")
file(READ "${WORK_DIR}/full/manifest.json" stored_manifest)
if(NOT stdout STREQUAL stored_manifest)
    message(FATAL_ERROR "info --json does not print manifest.json as stored")
endif()
run("restore the chain" EXPECT 0
    COMMAND ${cli} restore full inc --to restored
    STDOUT_MATCHES "orders\\.edb -> restored/orders\\.edb.*replayed [1-9][0-9]* log records")
run("the restored instance holds all ${all_keys} keys" EXPECT 0
    COMMAND ${make_instance} --check restored ${all_keys})
run("restore the full set alone" EXPECT 0
    COMMAND ${cli} restore full --to restored_full)
run("the full set alone holds the first ${first_keys} keys" EXPECT 0
    COMMAND ${make_instance} --check restored_full ${first_keys})

# --- roll forward with the instance's newer logs -----------------------------------
run("${roll_forward_keys} keys after the incremental backup" EXPECT 0
    COMMAND ${make_instance} inst ${all_keys} --more ${roll_forward_keys})
run("restore the chain and roll forward" EXPECT 0
    COMMAND ${cli} restore full inc --to rolled --roll-forward inst/logs)
run("the rolled-forward instance holds all ${rolled_keys} keys" EXPECT 0
    COMMAND ${make_instance} --check rolled ${rolled_keys})

# --- a set as a tar stream on standard output --------------------------------------
run("full backup as a tar stream" EXPECT 0
    COMMAND ${cli} backup --instance inst --to -
    OUTPUT_FILE "${WORK_DIR}/set.tar"
    STDERR_MATCHES "^full backup into standard output")
find_program(TAR_PROGRAM tar)
if(TAR_PROGRAM)
    set(tar_list ${TAR_PROGRAM} -tf set.tar)
    set(tar_extract ${TAR_PROGRAM} -xf ../set.tar)
else()
    set(tar_list ${CMAKE_COMMAND} -E tar tf set.tar)
    set(tar_extract ${CMAKE_COMMAND} -E tar xf ../set.tar)
endif()
run("the tar stream lists the manifest" EXPECT 0
    COMMAND ${tar_list}
    STDOUT_MATCHES "databases/orders\\.edb\nlogs/edb[0-9A-F]+\\.log\n.*manifest\\.json\n$")
file(MAKE_DIRECTORY "${WORK_DIR}/from_tar")
execute_process(COMMAND ${tar_extract} WORKING_DIRECTORY "${WORK_DIR}/from_tar"
    RESULT_VARIABLE extract_code)
if(NOT extract_code EQUAL 0)
    message(FATAL_ERROR "extracting set.tar failed: ${extract_code}")
endif()
run("the extracted tar stream verifies as a set" EXPECT 0
    COMMAND ${cli} verify from_tar)

# --- failures -----------------------------------------------------------------------
run("verify a directory that is no set" EXPECT 1
    COMMAND ${cli} verify missing_dir
    STDERR_MATCHES "^hotbackup: JET_errInvalidBackup \\(-526\\): .*no manifest")
run("restore over an existing restore" EXPECT 1
    COMMAND ${cli} restore full --to restored
    STDERR_MATCHES "^hotbackup: JET_errFileAlreadyExists \\(-1814\\): ")
run("back up into a directory that holds a set" EXPECT 1
    COMMAND ${cli} backup --instance inst --incremental --to inc
    STDERR_MATCHES "^hotbackup: JET_errBackupDirectoryNotEmpty \\(-504\\): inc: ")
run("back up a directory that is no instance" EXPECT 1
    COMMAND ${cli} backup --instance full --to never
    STDERR_MATCHES "JET_errFileNotFound \\(-1811\\): .*not an instance directory")
file(COPY "${WORK_DIR}/full/" DESTINATION "${WORK_DIR}/corrupt")
file(READ "${WORK_DIR}/corrupt/manifest.json" manifest_text)
string(REPLACE "\"page_size\": 4096" "\"page_size\": 4097" corrupt_text "${manifest_text}")
if(corrupt_text STREQUAL manifest_text)
    message(FATAL_ERROR "the test found no page_size of 4096 in the manifest to corrupt")
endif()
file(WRITE "${WORK_DIR}/corrupt/manifest.json" "${corrupt_text}")
run("info of a set whose manifest has a flipped byte" EXPECT 1
    COMMAND ${cli} info corrupt
    STDERR_MATCHES "JET_errInvalidBackup \\(-526\\): .*checksum")

# --- usage errors and help ----------------------------------------------------------
run("an unknown command" EXPECT 2
    COMMAND ${cli} frobnicate
    STDERR_MATCHES "unknown command frobnicate.*Usage:")
run("backup without --to" EXPECT 2
    COMMAND ${cli} backup --instance inst
    STDERR_MATCHES "backup needs --to")
run("an unknown option" EXPECT 2
    COMMAND ${cli} verify full --fast
    STDERR_MATCHES "unknown option --fast")
run("restore without a set" EXPECT 2
    COMMAND ${cli} restore --to somewhere
    STDERR_MATCHES "restore needs at least one SET")
run("no command" EXPECT 2
    COMMAND ${cli}
    STDERR_MATCHES "Usage:")
run("help" EXPECT 0
    COMMAND ${cli} --help
    STDOUT_MATCHES "Usage:.*Instance directory DIR:.*Exit codes:")

message(STATUS "every subcommand and exit code behaved as expected")
