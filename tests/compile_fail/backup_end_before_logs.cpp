// expected error: (for call to .*::end\(\)|function 'end': constraints not)
//
// end() needs the logs stage: a backup without its logs cannot be restored.
// backup_session_sanity.cpp is this program without the illegal step and must compile.
#define HOTBACKUP_TEST_END_BEFORE_LOGS
#include "backup_session_sanity.cpp"  // NOLINT(bugprone-suspicious-include)
