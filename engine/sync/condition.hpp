#pragma once
// Condition for threads and processes, over a Lock or RLock (shared). notify(n) grants up to n wake-ups
// by advancing the sequence word that waiters sleep on; a waiter may only take a wake-up granted after
// it began to wait (so a later waiter cannot steal an earlier one's), and each is taken once.
// notify wakes at most n waiters, though not necessarily the longest-waiting ones (Python's is FIFO).
#include <atomic>
#include <cstdint>

#include "engine/arena/shared_object.hpp"
#include "engine/sync/lock.hpp"

namespace parlab::sync {

struct ConditionObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x434f4e44;  // "COND"
  explicit ConditionObject(shm::Ref<LockObject> lock_) : lock(std::move(lock_)) {}

  shm::Ref<LockObject> lock;
  std::atomic<std::uint32_t> granted{0};  // the futex word: wake-ups granted so far
  std::atomic<std::uint32_t> taken{0};    // wake-ups taken so far (taken <= granted)
  std::atomic<std::uint32_t> waiting{0};  // waiters not yet granted a wake-up (changed under the lock)

  // The caller must hold the lock (parlab::Error otherwise). Releases it, waits for a notify or the
  // timeout (< 0 forever) with the GIL released, takes the lock back; false on timeout.
  bool wait(double timeout = -1);
  // Wakes up to n waiters (all when n < 0). The caller must hold the lock.
  void notify(long n = 1);
};

}  // namespace parlab::sync
