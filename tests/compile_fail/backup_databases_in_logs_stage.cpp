// expected error: (for call to .*::databases\(\)|function 'databases': constraints not)
//
// The list of databases belongs to the databases stage; once logs() was called the database list is
// gone from the type. backup_session_sanity.cpp is this program without the illegal step and must
// compile.
#define HOTBACKUP_TEST_DATABASES_IN_LOGS_STAGE
#include "backup_session_sanity.cpp"  // NOLINT(bugprone-suspicious-include)
