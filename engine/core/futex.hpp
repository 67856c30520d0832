#pragma once
// Waiting on a 32-bit word in shared memory, across threads and processes: spin briefly (a spin round
// trip costs ~0.5 us, a kernel sleep+wake ~20 us), then sleep on a shared futex, registered so that Ctrl-C
// and a stop request wake it (engine/core/sleepers.hpp). Callers hold a gil::Release around waits that may
// sleep.
// Across fork: every futex word (Lock, Semaphore, Event, Condition, Barrier, queue and pool channel
// words, pipe holder lists) lives in the shared arena, so a word a parent's thread held at a fork is
// released for the child too by that thread; such words need no reset (one would break the parent). The
// process-local locks that can be held across a fork get fresh state in the child instead, by
// pthread_atfork handlers (marked PARLAB_AFTER_FORK, engine/core/after_fork.hpp): the GIL (gil.cpp), the
// fork server client (forkserver.cpp), the child registry (process.cpp), the OpenMP runner (omp.cpp), pipe
// ends (lua_pipe.cpp), mpi init and gpu choice; the parent's threads count as stopped in a fork child
// (thread.hpp), so nothing waits on their record locks.
#include <atomic>
#include <cstdint>

namespace parlab::futex {

// Waits while *word == expected. Returns true when the word changed (or a wake-up came), false when
// `timeout` seconds passed (timeout < 0 waits forever). Throws interrupt::Interrupted on Ctrl-C.
bool wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, double timeout = -1);

// Wakes up to n waiters (all when n < 0).
void wake(std::atomic<std::uint32_t>& word, int n = -1) noexcept;

// One kernel sleep while *word == expected, for at most `seconds` (no spin, no Ctrl-C check; for the
// engine's own loops): true when woken or the word had already changed, false after the time (or at
// once for seconds <= 0) or a signal.
bool sleep_once(std::atomic<std::uint32_t>& word, std::uint32_t expected, double seconds) noexcept;

// Sleeps `seconds` (parlab.sleep; <= 0 returns at once). Ctrl-C and a stop request end it at once
// (Interrupted, Terminated): it sleeps on a registered word of its own that nothing else changes, so it
// wakes every sleepers::kRegisteredPollSeconds rather than every interrupt::kPollSeconds to look.
void sleep_interruptible(double seconds);

// A CPU hint that this is a spin-wait loop (x86 PAUSE, Arm YIELD); nothing elsewhere.
inline void cpu_relax() noexcept {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__) || defined(__arm__)
  __asm__ __volatile__("yield");
#endif
}

// How long wait() spins before sleeping; tests set it to 0 to exercise the sleeping path.
void set_spin_iterations(int n) noexcept;

// Counts the calling thread among a word's sleepers while it lives, also when a wait throws
// (Interrupted), so that a waker may skip the wake-up system call when the count is 0.
class Sleeping {
 public:
  explicit Sleeping(std::atomic<std::uint32_t>& count) : count_(count) {
    count_.fetch_add(1, std::memory_order_seq_cst);
  }
  ~Sleeping() { count_.fetch_sub(1, std::memory_order_seq_cst); }
  Sleeping(const Sleeping&) = delete;
  Sleeping& operator=(const Sleeping&) = delete;

 private:
  std::atomic<std::uint32_t>& count_;
};

}  // namespace parlab::futex
