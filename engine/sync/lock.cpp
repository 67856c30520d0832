#include "engine/sync/lock.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/liveness.hpp"
#include "engine/core/self.hpp"

namespace parlab::sync {

bool WordLock::try_acquire() noexcept {
  std::uint32_t c = 0;
  return word.compare_exchange_strong(c, 1, std::memory_order_acquire, std::memory_order_relaxed);
}

bool WordLock::acquire(double timeout) {
  if (try_acquire()) return true;
  if (timeout == 0) return false;
  for (int i = 0; i < 64; ++i) {  // a short spin: most critical sections are shorter than a futex sleep
    __builtin_ia32_pause();
    if (word.load(std::memory_order_relaxed) == 0 && try_acquire()) return true;
  }
  gil::Release unlocked;
  const double deadline = deadline_after(timeout);
  while (word.exchange(2, std::memory_order_acquire) != 0) {
    double left = seconds_left(deadline);
    if (left == 0) return false;
    futex::wait(word, 2, left);
  }
  return true;
}

bool WordLock::release() noexcept {
  std::uint32_t prev = word.exchange(0, std::memory_order_release);
  if (prev == 2) futex::wake(word, 1);
  return prev != 0;
}

std::uint64_t self_id() noexcept {
  return (std::uint64_t(std::uint32_t(self::pid())) << 32) | std::uint32_t(self::tid());
}

namespace {

constexpr double kHolderCheckSeconds = 0.1;

}  // namespace

bool LockObject::try_acquire() noexcept {
  const std::uint64_t me = self_id();
  if (recursive && owner.load(std::memory_order_relaxed) == me) {
    ++count;
    return true;
  }
  if (!core.try_acquire()) return false;
  owner.store(me, std::memory_order_relaxed);
  count = 1;
  return true;
}

bool LockObject::try_release() noexcept {
  if (recursive) {
    if (owner.load(std::memory_order_relaxed) != self_id()) return false;
    if (count > 1) {
      --count;
      return true;
    }
  } else if (!core.locked()) {
    return false;
  }
  count = 0;
  owner.store(0, std::memory_order_relaxed);
  return core.release();  // false only when another thread released it in between: release() reports it
}

bool LockObject::acquire(bool block, double timeout) {
  if (try_acquire()) return true;
  const std::uint64_t me = self_id();
  if (!block) timeout = 0;
  // Wait in slices, and between slices look at the holder: a process killed while holding the lock
  // would otherwise keep every waiter waiting for ever (Python's multiprocessing.Lock does).
  const double deadline = deadline_after(timeout);
  for (;;) {
    double left = seconds_left(deadline);
    double slice = (left < 0 || left > kHolderCheckSeconds) ? kHolderCheckSeconds : left;
    if (core.acquire(slice)) break;
    if (seconds_left(deadline) == 0) return false;
    pid_t holder = pid_t(owner.load(std::memory_order_relaxed) >> 32);
    if (process_gone(holder))
      throw Error(std::string(type_name()) + ".acquire: the lock's holder (process " +
                  std::to_string(holder) + ") ended without releasing it");
  }
  owner.store(me, std::memory_order_relaxed);
  count = 1;
  return true;
}

void LockObject::release() {
  if (recursive && owner.load(std::memory_order_relaxed) != self_id())
    throw Error("RLock.release: cannot release un-acquired lock");
  if (!try_release()) throw Error("Lock.release: release unlocked lock");
}

bool LockObject::owned_by_caller() const noexcept {
  return recursive ? owner.load(std::memory_order_relaxed) == self_id() : core.locked();
}

std::uint32_t LockObject::release_save() {
  std::uint32_t depth = recursive ? count : 1;
  if (recursive) count = 1;
  release();
  return depth;
}

void LockObject::acquire_restore(std::uint32_t depth) {
  acquire(true, -1);
  if (recursive) count = depth;
}

}  // namespace parlab::sync
