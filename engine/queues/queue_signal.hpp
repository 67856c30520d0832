#pragma once
// A wake-up word for waiters on a condition in shared memory (queue not empty, pipe readable, all
// tasks done): notifying costs one fence and one load while nobody sleeps, so the hot path of a queue
// pays for wake-ups only when a consumer actually waits.
#include <atomic>
#include <cstdint>

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"

namespace parlab::queue {

struct Signal {
  std::atomic<std::uint32_t> seq{0};       // the futex word: bumped on every wake-up
  std::atomic<std::uint32_t> sleepers{0};  // waiters registered for a wake-up

  // Call after making the condition true: wakes the waiters, if there are any.
  void notify() noexcept {
    std::atomic_thread_fence(std::memory_order_seq_cst);  // pairs with the waiter's sleepers increment
    if (sleepers.load(std::memory_order_relaxed) != 0) wake_all();
  }
  void wake_all() noexcept {
    seq.fetch_add(1, std::memory_order_seq_cst);
    futex::wake(seq);
  }
};

// How long a waiter polls the condition before it sleeps in the kernel. Time-bounded rather than a
// count of pause instructions: on this project's VMs one pause costs ~220 ns, and futex::wait's own
// 4000-pause spin (~0.9 ms of burnt CPU per sleep) made ping-pongs slow on a busy machine.
// The poll adapts per thread between kMinPollSeconds and kPollSeconds: it doubles when polling caught
// the event and halves when the thread had to sleep anyway (a busy machine, a slow peer), so a waiter
// does not burn the CPU its peer is about to be woken on.
constexpr double kPollSeconds = 20e-6;
constexpr double kMinPollSeconds = 1e-6;
double& poll_budget() noexcept;  // this thread's current poll length

// Sleeps on s.seq while it equals `seen`, at most `timeout` seconds (< 0: no limit) and at most
// sleepers::kRegisteredPollSeconds (interrupt::kPollSeconds when no sleepers slot was free); throws
// interrupt::Interrupted on Ctrl-C, Terminated on the thread's stop request, both of which wake it at once.
// No spinning.
void sleep_on(Signal& s, std::uint32_t seen, double timeout);

// Waits until ready() is true or the absolute deadline (clock_seconds(); < 0: none) passes.
// Polls briefly with the GIL held, then sleeps with it released. Returns ready()'s final value.
// Throws interrupt::Interrupted on Ctrl-C.
template <class Ready>
bool wait_until(Signal& s, Ready&& ready, double deadline) {
  if (ready()) return true;
  double& budget = poll_budget();
  const double poll_end = clock_seconds() + budget;
  for (int i = 1;; ++i) {
    if (ready()) {
      budget = budget * 2 < kPollSeconds ? budget * 2 : kPollSeconds;
      return true;
    }
    if ((i & 15) == 0 && clock_seconds() > poll_end) break;
  }
  budget = budget / 2 > kMinPollSeconds ? budget / 2 : kMinPollSeconds;
  gil::Release unlocked;
  futex::Sleeping registered(s.sleepers);  // exact also when sleep_on throws Interrupted
  for (;;) {
    std::uint32_t seen = s.seq.load(std::memory_order_seq_cst);
    if (ready()) return true;
    double timeout = seconds_left(deadline);
    if (timeout == 0) return false;
    sleep_on(s, seen, timeout);
  }
}

}  // namespace parlab::queue
