#include "engine/sync/semaphore.hpp"

#include <string>

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/sync/lock.hpp"

namespace parlab::sync {
namespace {

bool try_take(std::atomic<std::uint32_t>& value) noexcept {
  std::uint32_t v = value.load(std::memory_order_relaxed);
  while (v > 0)
    if (value.compare_exchange_weak(v, v - 1, std::memory_order_acquire, std::memory_order_relaxed))
      return true;
  return false;
}

}  // namespace

bool SemaphoreObject::acquire(bool block, double timeout) {
  if (try_take(value)) return true;
  if (!block || timeout == 0) return false;
  gil::Release unlocked;
  const double deadline = deadline_after(timeout);
  futex::Sleeping counted(sleepers);
  while (!try_take(value)) {
    double left = seconds_left(deadline);
    if (left == 0) return false;
    futex::wait(value, 0, left);
  }
  return true;
}

void SemaphoreObject::release(std::uint32_t n) {
  if (n == 0) return;
  std::uint32_t v = value.load(std::memory_order_relaxed);
  for (;;) {
    if (bound && std::uint64_t(v) + n > bound)
      throw Error(std::string(type_name()) + ".release: released too many times");
    if (std::uint64_t(v) + n > 0xffffffffu)
      throw Error(std::string(type_name()) + ".release: value too large");
    if (value.compare_exchange_weak(v, v + n)) break;
  }
  if (sleepers.load() > 0) futex::wake(value, int(n > 0x7fffffffu ? 0x7fffffffu : n));
}

}  // namespace parlab::sync
