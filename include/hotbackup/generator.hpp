/// \file
/// hotbackup::generator<Ref> is a lazy, synchronous sequence produced by a coroutine. The backup
/// engine uses it to hand a file over as a series of chunks read into one reused buffer, so a
/// consumer sees every page without the library allocating per chunk.
///
/// Where the standard library has std::generator (__cpp_lib_generator), generator<Ref> is an
/// alias for std::generator<Ref>. Elsewhere (GCC 12 and Clang 14 in C++20 mode) it is the class
/// below, which has the reference semantics of C++23 std::generator<Ref> (P2502): the same
/// range_reference_t, the same yielded type and the same rules about when a yielded value is
/// copied. Code that works with one works the same with the other. This class has no
/// std::ranges::elements_of support and no allocator parameter, so code that uses either compiles
/// only against std::generator.
///
/// Thread safety: none. The body runs on the thread that calls begin() or operator++, and only
/// one thread at a time may use a generator and its iterator.
///
/// Lifetimes: a value or reference obtained from the iterator is valid until the next increment
/// or until the generator is destroyed, whichever comes first. A chunk must be consumed or copied
/// before the iterator advances. An iterator is usable only while its generator lives. Destroying
/// the generator destroys the coroutine frame, and with it every local of the body, even when
/// iteration stopped early or never started.
///
/// Copies: `co_yield` of an rvalue (a temporary, or `std::move(x)`) stores only the address of
/// the yielded object. In generator<T> with T not a reference, `co_yield x` of an lvalue copies x
/// once, as std::generator does: the consumer receives T&& and may move from it, which must not
/// empty the body's variable behind its back. Yield `std::move(x)` or a temporary to avoid the
/// copy; generator<const T&> never copies.
///
///     hotbackup::generator<int> log_generations(int first, int last) {
///         for (int generation = first; generation <= last; ++generation) co_yield generation;
///     }
///
/// Ranges: a generator is a std::ranges::view and input_range, so std::ranges algorithms and
/// std::views accept it, also as a temporary (`log_generations(1, 9) | std::views::take(3)`);
/// Clang before 16 with libstdc++ cannot compile std::views at all (llvm/llvm-project#52696),
/// whatever the range, so there only the std::ranges algorithms are usable.
/// range-v3 0.12 accepts it in no form, not even as a named variable: its iterator concepts
/// require copyable iterators, and a generator's iterator is move-only, as std::generator's is.
#pragma once

#include <version>

#if defined(__cpp_lib_generator)

#include <generator>

namespace hotbackup::inline v1 {

/// The standard generator; see the comment at the top of this file.
template <class Ref>
using generator = std::generator<Ref>;

}  // namespace hotbackup::inline v1

#else

#include <cassert>
#include <concepts>
#include <coroutine>
#include <cstddef>
#include <exception>
#include <iterator>
#include <memory>
#include <ranges>
#include <type_traits>
#include <utility>

namespace hotbackup::inline v1 {

namespace detail {

// P2502's `const remove_reference_t<yielded>&`, named so that clang-format 14 can read the
// concept below.
template <class Yielded>
using const_lvalue_of = const std::remove_reference_t<Yielded>&;

// Whether `co_yield` of an lvalue copies it, in a generator whose `yielded` type is Yielded:
// only when the consumer receives an rvalue reference, which it may move from (P2502).
template <class Yielded>
concept copies_yielded_lvalues = std::is_rvalue_reference_v<Yielded> &&
    std::constructible_from<std::remove_cvref_t<Yielded>, const_lvalue_of<Yielded>>;

}  // namespace detail

// std::generator derives from std::ranges::view_interface; this one derives from view_base
// instead, which makes it a view just the same. Clang before 16 checks the constraints of
// view_interface's members while the derived class is still incomplete and rejects it with
// libstdc++ 12 (llvm/llvm-project#52696). For a range that is only an input range,
// view_interface would add no member anyway: all of them need a forward or sized range.

/// A coroutine that yields values of type `Ref` on demand; an input range and a view.
///
/// Write a function returning `generator<Ref>` whose body uses `co_yield`; `co_await` does not
/// compile in it. The body starts at `begin()` and runs up to each `co_yield` on `operator++`.
/// `std::ranges::range_reference_t<generator<Ref>>` is `Ref` if `Ref` is a reference and
/// `Ref&&` otherwise, as in std::generator.
template <class Ref>
class [[nodiscard]] generator : public std::ranges::view_base {
    // Private, as in std::generator: users name them through std::ranges::range_value_t and
    // range_reference_t, which keep working when the alias to std::generator switches on.
    using value = std::remove_cvref_t<Ref>;
    using reference = std::conditional_t<std::is_reference_v<Ref>, Ref, Ref&&>;

    class iterator;

  public:
    /// The parameter type of `co_yield`: `reference` if that is a reference, else `const
    /// reference&`.
    using yielded = std::conditional_t<std::is_reference_v<reference>, reference, const reference&>;

    /// The coroutine promise; the compiler uses it, users never do.
    class promise_type {
      public:
        /// Wraps the new coroutine frame in the generator that will own it.
        generator get_return_object() noexcept {
            return generator{std::coroutine_handle<promise_type>::from_promise(*this)};
        }

        /// Suspends before the body runs: nothing happens until `begin()`.
        [[nodiscard]] std::suspend_always initial_suspend() const noexcept { return {}; }

        /// Suspends at the end so the frame lives until the generator destroys it; the iterator
        /// reads `done()` from it.
        [[nodiscard]] std::suspend_always final_suspend() const noexcept { return {}; }

        /// Stores the address of the yielded object, which lives in the frame (or in the
        /// `co_yield` expression's temporaries) until the body resumes; nothing is copied.
        std::suspend_always yield_value(yielded element) noexcept {
            element_ = std::addressof(element);
            return {};
        }

        /// Copies a yielded lvalue when `yielded` is an rvalue reference, so that a consumer
        /// moving from the element cannot empty the body's variable; the copy lives in the
        /// returned awaiter until the body resumes. Throws what the copy constructor throws,
        /// into the body.
        auto yield_value(const std::remove_reference_t<yielded>& lvalue) requires
            detail::copies_yielded_lvalues<yielded> {
            return copy_awaiter{lvalue};
        }

        /// Ends the sequence; a generator returns nothing.
        void return_void() const noexcept {}

        /// Keeps what the body threw, to rethrow it from `begin()` or `operator++` on the
        /// consumer's side.
        void unhandled_exception() noexcept { exception_ = std::current_exception(); }

        /// Makes `co_await` in a generator body ill-formed. A generator is synchronous: the
        /// consumer's `begin()` or `++` resumes the body and expects it back at a `co_yield`
        /// or at its end. A `co_await` would suspend the body somewhere else and return to the
        /// consumer in the middle of an increment with no element to read.
        template <class U>
        void await_transform(U&&) = delete;

      private:
        friend generator;

        // Holds the copy made by the lvalue yield_value. The awaiter is a temporary of the
        // `co_yield` expression, so it lives until the body resumes: exactly as long as the
        // consumer may use the element.
        class copy_awaiter {
          public:
            // By const reference, not by value and move: exactly one copy and no move, as
            // std::generator makes, and the element type need not be movable.
            // NOLINTNEXTLINE(modernize-pass-by-value)
            explicit copy_awaiter(const std::remove_reference_t<yielded>& lvalue) : copy_(lvalue) {}

            [[nodiscard]] bool await_ready() const noexcept { return false; }

            void await_suspend(std::coroutine_handle<promise_type> body) noexcept {
                body.promise().element_ = std::addressof(copy_);
            }

            void await_resume() const noexcept {}

          private:
            std::remove_cvref_t<yielded> copy_;
        };

        // Resumes the body up to its next `co_yield` or its end, then rethrows what the body
        // threw, if anything. The exception is cleared so that it escapes once.
        void advance() {
            std::coroutine_handle<promise_type>::from_promise(*this).resume();
            if (exception_) {
                std::rethrow_exception(std::exchange(exception_, nullptr));
            }
        }

        std::add_pointer_t<yielded> element_ = nullptr;
        std::exception_ptr exception_;
    };

    generator(const generator&) = delete;
    generator& operator=(const generator&) = delete;

    /// Takes over `other`'s coroutine frame; `other` is left empty and may only be destroyed
    /// or assigned to. An iterator obtained from `other` keeps working.
    generator(generator&& other) noexcept : coroutine_(std::exchange(other.coroutine_, nullptr)) {}

    /// Destroys this generator's frame, then takes over `other`'s; `other` is left empty.
    generator& operator=(generator&& other) noexcept {
        if (this != &other) {
            destroy();
            coroutine_ = std::exchange(other.coroutine_, nullptr);
        }
        return *this;
    }

    /// Destroys the coroutine frame and the body's locals, whether or not the body finished.
    ~generator() { destroy(); }

    /// Runs the body up to its first `co_yield` and returns an iterator to that element, or
    /// one equal to `end()` if the body finished without yielding. Rethrows what the body
    /// threw. Requires: this generator is not moved-from and `begin()` was not called on it
    /// before (asserted): the body runs once, so there is only one pass.
    [[nodiscard]] iterator begin() {
        assert(coroutine_ && "begin() on a moved-from generator");
        // Before the first resume nothing was yielded and the body is not done; after it, the
        // body either is done or has stored an element, since yielded objects have addresses.
        assert(!coroutine_.done() && coroutine_.promise().element_ == nullptr &&
               "begin() called twice on one generator");
        coroutine_.promise().advance();
        return iterator{coroutine_};
    }

    /// The end of the sequence: an iterator compares equal to it once the body has finished.
    [[nodiscard]] std::default_sentinel_t end() const noexcept { return std::default_sentinel; }

  private:
    explicit generator(std::coroutine_handle<promise_type> coroutine) noexcept
        : coroutine_(coroutine) {}

    void destroy() noexcept {
        if (coroutine_) {
            coroutine_.destroy();
        }
    }

    std::coroutine_handle<promise_type> coroutine_;
};

/// The iterator of a generator: a move-only input iterator that resumes the body on `++`.
template <class Ref>
class generator<Ref>::iterator {
  public:
    /// An input iterator: one pass, because the body runs once.
    using iterator_concept = std::input_iterator_tag;
    /// Required by std::weakly_incrementable; iterators are never subtracted.
    using difference_type = std::ptrdiff_t;
    /// The element type with references and cv-qualifiers removed.
    using value_type = value;

    iterator(const iterator&) = delete;
    iterator& operator=(const iterator&) = delete;

    /// Takes over `other`'s position; `other` is left empty and may only be destroyed or
    /// assigned to.
    iterator(iterator&& other) noexcept : coroutine_(std::exchange(other.coroutine_, nullptr)) {}

    /// Takes over `other`'s position; `other` is left empty.
    iterator& operator=(iterator&& other) noexcept {
        coroutine_ = std::exchange(other.coroutine_, nullptr);
        return *this;
    }

    /// The current element. Requires: not at the end. Valid until the next increment or until
    /// the generator is destroyed.
    [[nodiscard]] reference operator*() const noexcept {
        assert(!coroutine_.done() && "dereferencing a generator iterator at its end");
        return static_cast<reference>(*coroutine_.promise().element_);
    }

    /// Runs the body up to its next `co_yield` or its end; rethrows what the body threw, after
    /// which the iterator equals `end()`. Requires: not at the end. Invalidates the previous
    /// element.
    iterator& operator++() {
        assert(!coroutine_.done() && "incrementing a generator iterator past its end");
        coroutine_.promise().advance();
        return *this;
    }

    /// Same as prefix `++`. Returns nothing, because the previous element no longer exists.
    void operator++(int) { ++*this; }

    /// True once the body has finished (returned or thrown).
    [[nodiscard]] friend bool operator==(const iterator& position,
                                         std::default_sentinel_t /*end*/) noexcept {
        return position.coroutine_.done();
    }

  private:
    friend generator;

    explicit iterator(std::coroutine_handle<promise_type> coroutine) noexcept
        : coroutine_(coroutine) {}

    std::coroutine_handle<promise_type> coroutine_;
};

}  // namespace hotbackup::inline v1

#endif  // defined(__cpp_lib_generator)
