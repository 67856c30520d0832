#pragma once
// Threads whose work is over but whose OS thread may still be exiting (its thread_local destructors, the
// kernel's teardown, then the wake-up that pthread_join sleeps for). Waiting for all that took ~20 us of
// every Thread join on the development VM, a fifth of a thread's start + join; Python's join does not
// wait for it either (it returns once the thread's state is released). So Thread::join hands a finished
// thread over here and returns, and the exit is waited for where it can matter: before the threads are
// counted (self::thread_count, which decides whether a fork is safe and how many threads BLAS started),
// at the next hand-over (so at most a few are ever pending), before a fork, and at the program's end.
#include <thread>

namespace parlab::thread_exits {

// Takes a thread whose body has returned, or is returning; first joins those handed over before.
void hand_over(std::thread t);

// Returns once every thread handed over has exited (joins them).
void wait_all() noexcept;

// How many are handed over and not yet joined (for tests).
int pending() noexcept;

}  // namespace parlab::thread_exits
