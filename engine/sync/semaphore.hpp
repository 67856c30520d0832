#pragma once
// Semaphore and BoundedSemaphore for threads and processes: a counter that is itself the futex word.
#include <atomic>
#include <cstdint>

#include "engine/arena/shared_object.hpp"

namespace parlab::sync {

struct SemaphoreObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x53454d41;  // "SEMA"
  // bound = 0: unbounded; otherwise release may not raise the value above bound.
  SemaphoreObject(std::uint32_t initial, std::uint32_t bound_) : value(initial), bound(bound_) {}

  std::atomic<std::uint32_t> value;
  std::atomic<std::uint32_t> sleepers{0};
  const std::uint32_t bound;

  const char* type_name() const noexcept { return bound ? "BoundedSemaphore" : "Semaphore"; }
  // timeout < 0 waits forever; block = false or timeout = 0 tries once. Sleeps with the GIL released.
  bool acquire(bool block = true, double timeout = -1);
  // Throws parlab::Error "BoundedSemaphore.release: released too many times" past the bound, and on
  // an overflow of the 32-bit counter.
  void release(std::uint32_t n = 1);
  std::uint32_t get_value() const noexcept { return value.load(std::memory_order_relaxed); }
};

}  // namespace parlab::sync
