#pragma once
// Lock and RLock for threads and processes alike: a futex word in the shared arena (no pthread mutex in
// shared memory), held as shm::Ref<LockObject> by every holder. Python semantics: a Lock may be released
// by any thread; an RLock only by its owner (process id + thread id), as often as it was acquired.
// A process killed while it holds a Lock leaves it locked (as in Python): waiters use a timeout or Ctrl-C.
#include <atomic>
#include <cstdint>

#include "engine/arena/shared_object.hpp"

namespace parlab::sync {

// The futex mutex (Drepper's "mutex 2"): 0 free, 1 locked, 2 locked with possible sleepers.
// Embeddable in any shared object (Value, Array, Barrier use one).
struct WordLock {
  std::atomic<std::uint32_t> word{0};

  bool try_acquire() noexcept;
  // timeout: < 0 waits forever, 0 tries once. Spins briefly, then sleeps with the GIL released.
  // Returns false on timeout; throws interrupt::Interrupted on Ctrl-C.
  bool acquire(double timeout = -1);
  // Returns false when it was not locked (and leaves it unlocked).
  bool release() noexcept;
  bool locked() const noexcept { return word.load(std::memory_order_relaxed) != 0; }
};

// The calling thread as an owner id: process id in the high half, thread id in the low half.
std::uint64_t self_id() noexcept;

struct LockObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x4c4f434b;  // "LOCK"
  explicit LockObject(bool recursive_) : recursive(recursive_) {}

  WordLock core;
  const bool recursive;
  std::atomic<std::uint64_t> owner{0};  // RLock: who holds it; Lock: the last acquirer (diagnostics)
  std::uint32_t count = 0;              // RLock depth, touched only by the owner

  const char* type_name() const noexcept { return recursive ? "RLock" : "Lock"; }
  bool acquire(bool block = true, double timeout = -1);
  // acquire(false) without the dead-holder check and never throwing: true when the caller holds it now.
  bool try_acquire() noexcept;
  // release() where it is allowed; false where release() would throw (which then says why). release()
  // is this plus its errors.
  bool try_release() noexcept;
  // Throws parlab::Error "Lock.release: release unlocked lock" / "RLock.release: cannot release un-acquired
  // lock".
  void release();
  bool locked() const noexcept { return core.locked(); }
  // Whether the caller may notify/wait on a Condition built on it (RLock: owns it; Lock: it is held).
  bool owned_by_caller() const noexcept;
  // For Condition.wait: drop the lock completely (any RLock depth), and take it back at that depth.
  std::uint32_t release_save();
  void acquire_restore(std::uint32_t depth);
};

}  // namespace parlab::sync
