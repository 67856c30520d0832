#include "engine/core/sleepers.hpp"

#include <linux/futex.h>
#include <pthread.h>
#include <sys/eventfd.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "engine/core/after_fork.hpp"
#include "engine/core/interrupt.hpp"

namespace parlab::sleepers {
namespace {

// One slot per sleeping wait; 4,096 covers the thread counts the stress tier reaches (5,000 threads fall
// back to polling for the rest). 96 KiB of zeroed memory, touched only as far as slots are used.
struct Slot {
  std::atomic<std::atomic<std::uint32_t>*> word{nullptr};
  std::atomic<const std::atomic<bool>*> stop{nullptr};
  std::atomic<int> fd{-1};  // the slot's eventfd, made by its first RegisteredFd and kept
};
constexpr int kSlots = 4096;
Slot slots[kSlots];
std::atomic<int> used_below{0};  // every slot ever taken is below this: the wakers scan no further
thread_local int hint = -1;      // the slot this thread took last: usually free again, so one CAS
thread_local int holding = -1;   // the slot this thread holds now (its waits do not nest), or -1
// The word a RegisteredFd's slot holds: it marks the slot as one whose eventfd is written to.
std::atomic<std::uint32_t> fd_marker{0};

void wake_slot(Slot& slot, std::atomic<std::uint32_t>* w) noexcept {
  if (w == &fd_marker) {
    std::uint64_t one = 1;
    [[maybe_unused]] ssize_t n = write(slot.fd.load(std::memory_order_acquire), &one, sizeof one);
    return;
  }
  // Not FUTEX_PRIVATE: the word may live in memory shared with other processes (their sleepers on it
  // wake too, see nothing changed and sleep again).
  syscall(SYS_futex, reinterpret_cast<std::uint32_t*>(w), FUTEX_WAKE, 0x7fffffff, nullptr, nullptr, 0);
}

int take(std::atomic<std::uint32_t>* word) noexcept {
  if (hint >= 0) {
    std::atomic<std::uint32_t>* none = nullptr;
    if (slots[hint].word.compare_exchange_strong(none, word, std::memory_order_seq_cst))
      return holding = hint;
  }
  for (int i = 0; i < kSlots; ++i) {
    std::atomic<std::uint32_t>* none = nullptr;
    if (slots[i].word.load(std::memory_order_relaxed) == nullptr &&
        slots[i].word.compare_exchange_strong(none, word, std::memory_order_seq_cst)) {
      int below = used_below.load(std::memory_order_relaxed);
      while (below <= i && !used_below.compare_exchange_weak(below, i + 1)) {
      }
      return holding = hint = i;
    }
  }
  return -1;
}

void release(int slot) noexcept {
  if (slot < 0) return;
  holding = -1;
  slots[slot].word.store(nullptr, std::memory_order_release);
}

// In a fork child only the forking thread lives on: the other threads' registrations are dropped. The
// eventfds are the parent's (a write here would wake the parent's waits): the child makes its own.
PARLAB_AFTER_FORK void fresh_after_fork() noexcept {
  int below = used_below.load(std::memory_order_relaxed);
  for (int i = 0; i < below; ++i) {
    if (i != holding) slots[i].word.store(nullptr, std::memory_order_relaxed);
    int fd = slots[i].fd.exchange(-1, std::memory_order_relaxed);
    if (fd >= 0) close(fd);
  }
}
[[maybe_unused]] const bool atfork_installed = [] {
  pthread_atfork(nullptr, nullptr, fresh_after_fork);
  return true;
}();

}  // namespace

Registered::Registered(std::atomic<std::uint32_t>& word) noexcept : slot_(take(&word)) {
  if (slot_ < 0) return;
  slots[slot_].stop.store(interrupt::watched_stop_flag(), std::memory_order_relaxed);
  // Pairs with the fence in wake_all/wake_watching: either the waker sees this slot, or the wait's next
  // look at the flags (after this) sees the flag the waker set before it scanned.
  std::atomic_thread_fence(std::memory_order_seq_cst);
}

Registered::~Registered() { release(slot_); }

RegisteredFd::RegisteredFd() noexcept : slot_(take(&fd_marker)) {
  if (slot_ < 0) return;
  Slot& s = slots[slot_];
  fd_ = s.fd.load(std::memory_order_relaxed);  // only the slot's holder stores it
  if (fd_ < 0) {
    fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (fd_ < 0) {  // out of descriptors: this wait polls
      release(slot_);
      slot_ = -1;
      return;
    }
    s.fd.store(fd_, std::memory_order_release);
  }
  s.stop.store(interrupt::watched_stop_flag(), std::memory_order_relaxed);
  std::atomic_thread_fence(std::memory_order_seq_cst);  // as in Registered: the flags or the slot is seen
}

RegisteredFd::~RegisteredFd() { release(slot_); }

void RegisteredFd::drain() const noexcept {
  std::uint64_t count;
  [[maybe_unused]] ssize_t n = read(fd_, &count, sizeof count);  // non-blocking: EAGAIN when empty
}

void wake_all() noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  int below = used_below.load(std::memory_order_acquire);
  for (int i = 0; i < below; ++i)
    if (auto* w = slots[i].word.load(std::memory_order_acquire)) wake_slot(slots[i], w);
}

void wake_watching(const std::atomic<bool>* stop_flag) noexcept {
  std::atomic_thread_fence(std::memory_order_seq_cst);
  int below = used_below.load(std::memory_order_acquire);
  for (int i = 0; i < below; ++i) {
    auto* w = slots[i].word.load(std::memory_order_acquire);
    if (w && slots[i].stop.load(std::memory_order_relaxed) == stop_flag) wake_slot(slots[i], w);
  }
}

int count() noexcept {
  int n = 0, below = used_below.load(std::memory_order_acquire);
  for (int i = 0; i < below; ++i) n += slots[i].word.load(std::memory_order_relaxed) != nullptr;
  return n;
}

}  // namespace parlab::sleepers
