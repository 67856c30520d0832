// The shared arena's allocator (engine/arena/heap.hpp, under shm::allocate and shm::deallocate): time per
// call, steady state (the arena's pages are warm after the first round; each round is printed).
// Built as build/bench_arena; run it with no arguments. Three loads:
//   pair: allocate 256 bytes and free them again, 1,000,000 times;
//   churn: 1,000 slots, each call frees a random slot's block and puts a new one of 64 B to 8 KiB there;
//   2 threads: the pair loop in two threads at once (500,000 each), time per pair overall.
#include <chrono>
#include <cstdio>
#include <random>
#include <thread>
#include <vector>

#include "engine/arena/shm.hpp"

namespace shm = parlab::shm;

namespace {

double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double pair_ns(int n) {
  double t = now();
  for (int i = 0; i < n; ++i) shm::deallocate(shm::allocate(256));
  return (now() - t) / n * 1e9;
}

double churn_ns() {
  std::mt19937 rng(1);
  std::vector<void*> slots(1000, nullptr);
  long calls = 0;
  double t = now();
  for (int i = 0; i < 1000000; ++i) {
    void*& slot = slots[rng() % slots.size()];
    if (slot) shm::deallocate(slot), ++calls;
    slot = shm::allocate(64 + rng() % 8192), ++calls;
  }
  double ns = (now() - t) / double(calls) * 1e9;
  for (void* p : slots) shm::deallocate(p);
  return ns;
}

double two_threads_ns() {
  double t = now();
  std::vector<std::thread> threads;
  for (int k = 0; k < 2; ++k) threads.emplace_back([] { pair_ns(500000); });
  for (auto& th : threads) th.join();
  return (now() - t) / 1e6 * 1e9;
}

}  // namespace

int main() {
  shm::init();
  for (int round = 1; round <= 3; ++round)
    std::printf("round %d: pair %.0f ns, churn %.0f ns per call, 2 threads %.0f ns per pair\n", round,
                pair_ns(1000000), churn_ns(), two_threads_ns());
}
