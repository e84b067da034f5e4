// Must compile: the twin of generator_co_await.cpp, which includes this file with
// HOTBACKUP_TEST_CO_AWAIT defined. A harness that failed every translation unit (a
// wrong include path, a broken header) would fail here instead of passing there.
#include <coroutine>
#include <hotbackup/generator.hpp>

namespace {

hotbackup::generator<int> page_numbers() {
#ifdef HOTBACKUP_TEST_CO_AWAIT
    co_await std::suspend_never{};
#endif
    co_yield 1;
    co_yield 2;
}

}  // namespace

int main() {
    int sum = 0;
    for (int page : page_numbers()) {
        sum += page;
    }
    return sum == 3 ? 0 : 1;
}
