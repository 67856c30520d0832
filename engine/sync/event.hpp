#pragma once
// Event for threads and processes: one flag word that waiters sleep on.
#include <atomic>
#include <cstdint>

#include "engine/arena/shared_object.hpp"

namespace parlab::sync {

struct EventObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x45564e54;  // "EVNT"

  // Bit 0: the flag. Bits 1..31: how many times set() ran (wrapping), so that a waiter also sees a set()
  // that a clear() undid before it woke, as Python's waiters do (they return True).
  std::atomic<std::uint32_t> state{0};
  std::atomic<std::uint32_t> sleepers{0};

  void set() noexcept;
  void clear() noexcept { state.fetch_and(~1u, std::memory_order_acq_rel); }
  bool is_set() const noexcept { return (state.load(std::memory_order_acquire) & 1u) != 0; }
  // True once the flag is set, or was set at some moment during the wait; false only on timeout (< 0 waits
  // forever). Sleeps with the GIL released.
  bool wait(double timeout = -1);
};

}  // namespace parlab::sync
