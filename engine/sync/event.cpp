#include "engine/sync/event.hpp"

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/sync/lock.hpp"

namespace parlab::sync {

void EventObject::set() noexcept {
  flag.store(1);
  if (sleepers.load() > 0) futex::wake(flag);
}

bool EventObject::wait(double timeout) {
  if (is_set()) return true;
  if (timeout == 0) return false;
  gil::Release unlocked;
  const double deadline = deadline_after(timeout);
  futex::Sleeping counted(sleepers);
  while (!is_set()) {
    double left = seconds_left(deadline);
    if (left == 0) return false;
    futex::wait(flag, 0, left);
  }
  return true;
}

}  // namespace parlab::sync
