#pragma once
// Barrier for threads and processes, as Python's threading.Barrier: `parties` callers meet; the last to
// arrive may run an action (the binding runs it: the engine has no Lua) and then releases the rest.
// A timeout, an abort() or a failing action breaks the barrier: every waiter of that round and every
// later caller gets BrokenBarrier until reset(). The futex word is the round number.
#include <atomic>
#include <cstdint>

#include "engine/arena/shared_object.hpp"
#include "engine/core/error.hpp"
#include "engine/sync/lock.hpp"

namespace parlab::sync {

class BrokenBarrier : public Error {
 public:
  BrokenBarrier() : Error("Barrier.wait: the barrier is broken") {}
};

struct BarrierObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x42415252;  // "BARR"
  BarrierObject(std::uint32_t parties_, double timeout_) : parties(parties_), default_timeout(timeout_) {}

  const std::uint32_t parties;
  const double default_timeout;  // < 0: none
  WordLock mu;                   // guards arrived, broken, last_broken
  std::atomic<std::uint32_t> round{0};
  std::atomic<std::uint32_t> arrived{0};
  std::atomic<bool> broken{false};
  std::uint32_t last_broken = 0xffffffffu;  // the round that was broken last

  struct Arrival {
    std::uint32_t index;  // 0 .. parties-1, in arrival order
    std::uint32_t round;
    bool last;  // the caller completes the round: run the action, then finish_round / abort
  };
  // Throws BrokenBarrier when broken.
  Arrival arrive();
  // The last arrival releases everyone (after the action succeeded); nothing if the round was broken.
  void finish_round(std::uint32_t round);
  // The others wait for their round to end; timeout < 0 uses the default. A timeout breaks the barrier.
  // Throws BrokenBarrier when the round was broken.
  void wait_round(std::uint32_t round, double timeout);
  void abort();
  void reset();
  std::uint32_t n_waiting() const noexcept;
};

}  // namespace parlab::sync
