#pragma once
// Event for threads and processes: one flag word that waiters sleep on.
#include <atomic>
#include <cstdint>

#include "engine/arena/shared_object.hpp"

namespace parlab::sync {

struct EventObject : shm::Header {
  static constexpr std::uint32_t kKind = 0x45564e54;  // "EVNT"

  std::atomic<std::uint32_t> flag{0};
  std::atomic<std::uint32_t> sleepers{0};

  void set() noexcept;
  void clear() noexcept { flag.store(0, std::memory_order_release); }
  bool is_set() const noexcept { return flag.load(std::memory_order_acquire) != 0; }
  // Returns the flag at the end: false only on timeout (< 0 waits forever). Sleeps with the GIL released.
  bool wait(double timeout = -1);
};

}  // namespace parlab::sync
