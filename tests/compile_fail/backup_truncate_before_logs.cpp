// expected error: (for call to .*::truncate\(\)|function 'truncate': constraints not)
//
// truncate() is a step of the logs stage: ESE truncates only after the logs were read
// (JetTruncateLog before JetGetLogInfo is JET_errBackupNotAllowedYet). backup_session_sanity.cpp is
// this program without the illegal step and must compile.
#define HOTBACKUP_TEST_TRUNCATE_BEFORE_LOGS
#include "backup_session_sanity.cpp"  // NOLINT(bugprone-suspicious-include)
