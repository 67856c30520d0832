// The warm shelf on its own: fit rules, its byte budget, and many threads keeping and taking blocks at
// once (every block comes back exactly once).
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "engine/arena/warm_shelf.hpp"

using parlab::shm::WarmShelf;

namespace {
constexpr std::size_t MiB = std::size_t(1) << 20;
}

TEST_CASE("the warm shelf keeps large blocks within its budget and serves the ones that fit") {
  WarmShelf shelf;
  CHECK_FALSE(shelf.keep(64 * 100, MiB / 2, 64 * MiB));   // under 1 MiB: the allocator reuses it
  CHECK_FALSE(shelf.keep(64 * 100, 80 * MiB, 64 * MiB));  // over the budget
  CHECK(shelf.keep(64 * 100, 16 * MiB, 64 * MiB));
  CHECK(shelf.keep(4096 * 200, 32 * MiB, 64 * MiB));
  CHECK_FALSE(shelf.keep(64 * 900, 32 * MiB, 64 * MiB));  // 16 + 32 + 32 > 64
  CHECK(shelf.bytes() == 48 * MiB);
  CHECK(shelf.take(2 * MiB, 64) == 0);              // both are over 4x too large
  CHECK(shelf.take(20 * MiB, 4096) == 4096 * 200);  // the aligned one
  CHECK(shelf.take(20 * MiB, 64) == 0);             // 16 MiB is too small
  CHECK(shelf.take(16 * MiB, 64) == 64 * 100);
  CHECK(shelf.bytes() == 0);
  CHECK(shelf.take(16 * MiB, 64) == 0);
}

TEST_CASE("the warm shelf has a fixed number of slots") {
  WarmShelf shelf;
  for (int i = 0; i < WarmShelf::kSlots; ++i) CHECK(shelf.keep(64 * (i + 1), MiB, 1024 * MiB));
  CHECK_FALSE(shelf.keep(64 * 100, MiB, 1024 * MiB));
  CHECK(shelf.bytes() == WarmShelf::kSlots * MiB);
}

TEST_CASE("many threads keep and take warm blocks: each block is taken by one thread at a time") {
  WarmShelf shelf;
  constexpr int kThreads = 8, kBlocks = 6, kRounds = 20000;
  std::vector<std::atomic<int>> owners(kBlocks);
  std::atomic<int> bad{0};
  for (int b = 0; b < kBlocks; ++b) REQUIRE(shelf.keep(64 * (b + 1), MiB, 1024 * MiB));
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&] {
      for (int r = 0; r < kRounds; ++r) {
        std::uint64_t off = shelf.take(MiB, 64);
        if (off == 0) continue;
        int b = int(off / 64) - 1;
        if (owners[b].fetch_add(1) != 0) bad++;  // another thread holds it too
        owners[b].fetch_sub(1);
        if (!shelf.keep(off, MiB, 1024 * MiB)) bad++;  // a slot is always free for it
      }
    });
  for (auto& th : threads) th.join();
  CHECK(bad == 0);
  CHECK(shelf.bytes() == kBlocks * MiB);
  int back = 0;
  while (shelf.take(MiB, 64) != 0) back++;
  CHECK(back == kBlocks);
}
