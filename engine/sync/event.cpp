#include "engine/sync/event.hpp"

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/sync/lock.hpp"

namespace parlab::sync {

void EventObject::set() noexcept {
  std::uint32_t old = state.load(std::memory_order_relaxed);
  while (!state.compare_exchange_weak(old, (old + 2u) | 1u, std::memory_order_acq_rel)) {
  }
  if (sleepers.load() > 0) futex::wake(state);
}

bool EventObject::wait(double timeout) {
  const std::uint32_t seen = state.load(std::memory_order_acquire);
  if (seen & 1u) return true;
  if (timeout == 0) return false;
  gil::Release unlocked;
  const double deadline = deadline_after(timeout);
  futex::Sleeping counted(sleepers);
  while (state.load(std::memory_order_acquire) == seen) {  // any change is a set(): clear() keeps it at seen
    double left = seconds_left(deadline);
    if (left == 0) return false;
    futex::wait(state, seen, left);
  }
  return true;
}

}  // namespace parlab::sync
