#include "engine/core/library_threads.hpp"

#include <atomic>

namespace parlab::library_threads {
namespace {
std::atomic<int> started{0};
}  // namespace

void add(int n) noexcept {
  if (n > 0) started.fetch_add(n, std::memory_order_relaxed);
}

int count() noexcept { return started.load(std::memory_order_relaxed); }

}  // namespace parlab::library_threads
