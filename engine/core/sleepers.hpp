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

// A wait in poll() on descriptors (a child's exit, a socket) rather than on a futex word: registers an
// eventfd for the calling thread, which the wakers below write to, so that poll() on fd() beside the
// wait's own descriptor returns at once on Ctrl-C or a stop request. An eventfd stays readable until it is
// read, so unlike a futex no wake-up is lost between the wait's look at the flags and its poll(): such a
// wait needs no periodic look at all. Each slot keeps its eventfd for the life of the process, so a waker
// that read a slot's descriptor just before the wait ended writes into that eventfd (a spurious wake-up of
// the slot's next wait, which drains it), never into a reused descriptor number. fd() < 0 when no slot or
// no descriptor was free: the wait must then poll every interrupt::kPollSeconds.
class RegisteredFd {
 public:
  RegisteredFd() noexcept;
  ~RegisteredFd();
  int fd() const noexcept { return fd_; }
  // Reads the eventfd empty; call when poll() reported it readable.
  void drain() const noexcept;
  RegisteredFd(const RegisteredFd&) = delete;
  RegisteredFd& operator=(const RegisteredFd&) = delete;

 private:
  int slot_ = -1;
  int fd_ = -1;
};

// Wakes every registered sleeper (async-signal-safe: loads, futex and write system calls only).
void wake_all() noexcept;
// Wakes the registered sleepers whose thread watches `stop_flag` (after the flag was set).
void wake_watching(const std::atomic<bool>* stop_flag) noexcept;
// How many waits are registered now (for tests).
int count() noexcept;

}  // namespace parlab::sleepers
