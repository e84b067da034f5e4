// expected error: (::read\(hotbackup::v1::database_file\)|member function for call to 'read')
//
// Reading a database is a step of the databases stage: in the logs stage only the
// log overload of read() is viable, so passing a database_file does not compile.
// backup_session_sanity.cpp is this program without the illegal step and must compile.
#define HOTBACKUP_TEST_READ_DATABASE_IN_LOGS_STAGE
#include "backup_session_sanity.cpp"  // NOLINT(bugprone-suspicious-include)
