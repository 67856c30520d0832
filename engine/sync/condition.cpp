#include "engine/sync/condition.hpp"

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/interrupt.hpp"

namespace parlab::sync {
namespace {

// Takes one wake-up if one was granted since `since` and is not taken yet.
bool take_wakeup(ConditionObject& c, std::uint32_t since) noexcept {
  std::uint32_t g = c.granted.load();
  if (g == since) return false;
  std::uint32_t t = c.taken.load();
  while (t != g)
    if (c.taken.compare_exchange_weak(t, t + 1)) return true;
  return false;
}

}  // namespace

bool ConditionObject::wait(double timeout) {
  if (!lock->owned_by_caller()) throw Error("Condition.wait: cannot wait on un-acquired lock");
  waiting.fetch_add(1);
  const std::uint32_t since = granted.load();  // read under the lock: later grants are ours to take
  const std::uint32_t depth = lock->release_save();
  bool notified = false;
  try {
    gil::Release unlocked;
    const double deadline = deadline_after(timeout);
    std::uint32_t seen = since;
    while (!(notified = take_wakeup(*this, since))) {
      double left = seconds_left(deadline);
      if (left == 0) break;
      futex::wait(granted, seen, left);
      seen = granted.load();
    }
  } catch (const interrupt::Interrupted&) {
    // Ctrl-C: stop waiting, take the lock back (as Python's finally does) and let it propagate.
    lock->acquire_restore(depth);
    if (!take_wakeup(*this, since)) waiting.fetch_sub(1);
    throw;
  }
  lock->acquire_restore(depth);
  // Timed out: under the lock again, either a wake-up arrived meanwhile or we stop being a waiter.
  if (!notified && !(notified = take_wakeup(*this, since))) waiting.fetch_sub(1);
  return notified;
}

void ConditionObject::notify(long n) {
  if (!lock->owned_by_caller()) throw Error("Condition.notify: cannot notify on un-acquired lock");
  std::uint32_t w = waiting.load();
  std::uint32_t k = (n < 0 || std::uint64_t(n) > w) ? w : std::uint32_t(n);
  if (k == 0) return;
  waiting.fetch_sub(k);
  granted.fetch_add(k);
  futex::wake(granted, int(k));
}

}  // namespace parlab::sync
