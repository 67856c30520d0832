#pragma once
// Helpers for the tests of how waits end (test_sleepers.cpp, test_waits_wake.cpp): how a wait ended and how
// often its thread slept in the kernel meanwhile (voluntary context switches: a wait that polls every
// 20 ms sleeps 25 times in half a second, a woken-on-demand one once or twice).
#include <sys/resource.h>

#include <atomic>
#include <catch2/catch.hpp>

#include "engine/core/clock.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"

namespace wait_util {

inline long voluntary_switches() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_nvcsw;
}

// Waits (bounded) until n waits are registered with sleepers.
inline bool registered(int n) {
  for (double end = parlab::clock_seconds() + 10; parlab::clock_seconds() < end; parlab::sleep_seconds(0.002))
    if (parlab::sleepers::count() == n) return true;
  return false;
}

struct Outcome {
  std::atomic<int> how{0};  // 1 interrupted, 2 terminated, 3 returned
  std::atomic<long> sleeps{-1};
};

// Runs wait() on this thread watching `stop` (if any), and records in `out` how it ended and how often
// the thread slept.
template <typename Wait>
void observe(Wait&& wait, Outcome& out, const std::atomic<bool>* stop = nullptr) {
  parlab::interrupt::watch_stop_flag(stop);
  long before = voluntary_switches();
  try {
    wait();
    out.how = 3;
  } catch (const parlab::interrupt::Interrupted&) {
    out.how = 1;
  } catch (const parlab::interrupt::Terminated&) {
    out.how = 2;
  }
  out.sleeps = voluntary_switches() - before;
  parlab::interrupt::watch_stop_flag(nullptr);
}

}  // namespace wait_util
