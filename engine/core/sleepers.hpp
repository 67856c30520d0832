#pragma once
// The words that threads of this process sleep on in long waits, so that Ctrl-C (interrupt::raise) and a
// thread's stop request wake them at once. Without it, every blocked wait had to wake every 20 ms to look
// at the flags: 1,000 threads blocked in Event:wait took 0.65 CPU-seconds per second between them.
// A registered wait still wakes every kRegisteredPollSeconds: a wake-up sent in the instant between its
// look at the flags and its kernel sleep is lost (a futex wakes only sleepers already asleep), and that is
// the longest such a miss can delay it.
#include <atomic>
#include <cstdint>

namespace parlab::sleepers {

constexpr double kRegisteredPollSeconds = 0.25;

// Registers the calling thread as sleeping on `word` (with its stop flag, if it watches one) for its
// lifetime. Costs one CAS and a fence. When all slots are taken, registered() is false and the wait must
// keep polling every interrupt::kPollSeconds.
class Registered {
 public:
  explicit Registered(std::atomic<std::uint32_t>& word) noexcept;
  ~Registered();
  bool registered() const noexcept { return slot_ >= 0; }
  Registered(const Registered&) = delete;
  Registered& operator=(const Registered&) = delete;

 private:
  int slot_ = -1;
};

// Wakes every registered sleeper (async-signal-safe: loads and futex system calls only).
void wake_all() noexcept;
// Wakes the registered sleepers whose thread watches `stop_flag` (after the flag was set).
void wake_watching(const std::atomic<bool>* stop_flag) noexcept;
// How many waits are registered now (for tests).
int count() noexcept;

}  // namespace parlab::sleepers
