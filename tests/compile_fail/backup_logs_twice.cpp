// expected error: (for call to .*::logs\(\)|function 'logs': constraints not)
//
// logs() moves the session from the databases stage to the logs stage once; the logs stage has no
// logs(). backup_session_sanity.cpp is this program without the illegal step and must compile.
#define HOTBACKUP_TEST_LOGS_TWICE
#include "backup_session_sanity.cpp"  // NOLINT(bugprone-suspicious-include)
