#include "engine/core/interrupt.hpp"

#include <atomic>

#include "engine/core/sleepers.hpp"

namespace parlab::interrupt {
namespace {
std::atomic<bool> flag{false};
thread_local const std::atomic<bool>* stop_flag = nullptr;
}  // namespace

void raise() noexcept {
  flag.store(true, std::memory_order_relaxed);
  sleepers::wake_all();  // its fence orders the store before the scan
}
void clear() noexcept { flag.store(false, std::memory_order_relaxed); }
bool pending() noexcept { return flag.load(std::memory_order_relaxed); }
void check() {
  if (pending()) throw Interrupted();
  if (stop_flag && stop_flag->load(std::memory_order_relaxed)) throw Terminated();
}

void watch_stop_flag(const std::atomic<bool>* f) noexcept { stop_flag = f; }
const std::atomic<bool>* watched_stop_flag() noexcept { return stop_flag; }

}  // namespace parlab::interrupt
