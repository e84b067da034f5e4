// expected error: (use of deleted function|call to deleted member function).*await_transform
//
// A generator body may not co_await: the promise deletes await_transform, because a
// generator is synchronous and a co_await would hand control back to the consumer in
// the middle of an increment. generator_sanity.cpp is this program without the
// co_await and must compile.
#define HOTBACKUP_TEST_CO_AWAIT
#include "generator_sanity.cpp"  // NOLINT(bugprone-suspicious-include)
