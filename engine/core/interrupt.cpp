#include "engine/core/interrupt.hpp"

#include <atomic>

namespace parlab::interrupt {
namespace {
std::atomic<bool> flag{false};
}

void raise() noexcept { flag.store(true, std::memory_order_relaxed); }
void clear() noexcept { flag.store(false, std::memory_order_relaxed); }
bool pending() noexcept { return flag.load(std::memory_order_relaxed); }
void check() {
  if (pending()) throw Interrupted();
}

}  // namespace parlab::interrupt
