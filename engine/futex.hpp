#pragma once
// Waiting on a 32-bit word in shared memory, across threads and processes: spin briefly (a spin round
// trip costs ~0.5 us, a kernel sleep+wake ~20 us), then sleep on a shared futex in slices short enough
// to notice Ctrl-C (engine/interrupt.hpp). Callers hold a gil::Release around waits that may sleep.
#include <atomic>
#include <cstdint>

namespace parlab::futex {

// Waits while *word == expected. Returns true when the word changed (or a wake-up came), false when
// `timeout` seconds passed (timeout < 0 waits forever). Throws interrupt::Interrupted on Ctrl-C.
bool wait(std::atomic<std::uint32_t>& word, std::uint32_t expected, double timeout = -1);

// Wakes up to n waiters (all when n < 0).
void wake(std::atomic<std::uint32_t>& word, int n = -1) noexcept;

// How long wait() spins before sleeping; tests set it to 0 to exercise the sleeping path.
void set_spin_iterations(int n) noexcept;

}  // namespace parlab::futex
