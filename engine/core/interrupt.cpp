#include "engine/core/interrupt.hpp"

#include <atomic>

namespace parlab::interrupt {
namespace {
std::atomic<bool> flag{false};
thread_local const std::atomic<bool>* stop_flag = nullptr;
}  // namespace

void raise() noexcept { flag.store(true, std::memory_order_relaxed); }
void clear() noexcept { flag.store(false, std::memory_order_relaxed); }
bool pending() noexcept { return flag.load(std::memory_order_relaxed); }
void check() {
  if (pending()) throw Interrupted();
  if (stop_flag && stop_flag->load(std::memory_order_relaxed)) throw Terminated();
}

void watch_stop_flag(const std::atomic<bool>* f) noexcept { stop_flag = f; }

}  // namespace parlab::interrupt
