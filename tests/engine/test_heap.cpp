// The arena's heap (engine/arena/heap.hpp) on a region of its own: blocks stay distinct and aligned
// under random use from threads and processes, and a process killed at any step of a change (forced
// with die_at_step, and at random moments from outside) leaves the heap consistent for the others.
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "engine/arena/heap.hpp"

using parlab::shm::Heap;

namespace {

// A fresh zero-filled shared region (children of fork see it at the same address) with a heap on it.
struct Region {
  std::size_t size;
  char* base;
  Heap* heap;
  explicit Region(std::size_t bytes = std::size_t(64) << 20)
      : size(bytes),
        base(static_cast<char*>(
            mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0))),
        heap(Heap::create(base, bytes)) {}
  ~Region() { munmap(base, size); }
};

// Random allocations and frees (sizes 1 B to 64 KiB, some aligned to 4 KiB, at most 300 held), each block
// filled with a byte of its own and checked before it is freed; false at the first overwritten block.
bool churn(Heap* heap, unsigned seed, int rounds) {
  std::mt19937 rng(seed);
  struct Held {
    unsigned char* p;
    std::size_t n;
    unsigned char mark;
  };
  std::vector<Held> held;
  for (int i = 0; i < rounds; ++i) {
    if (held.empty() || (held.size() < 300 && rng() % 3 != 0)) {
      std::size_t n = 1 + rng() % (rng() % 8 == 0 ? 65536 : 512);
      std::size_t align = rng() % 16 == 0 ? 4096 : 64;
      auto* p = static_cast<unsigned char*>(heap->allocate(n, align));
      if (!p || reinterpret_cast<std::uintptr_t>(p) % align) return false;
      auto mark = static_cast<unsigned char>(rng());
      std::memset(p, mark, n);
      held.push_back({p, n, mark});
    } else {
      std::size_t k = rng() % held.size();
      Held h = held[k];
      for (std::size_t j = 0; j < h.n; j += 61)
        if (h.p[j] != h.mark) return false;
      heap->deallocate(h.p);
      held[k] = held.back();
      held.pop_back();
    }
  }
  for (auto& h : held) heap->deallocate(h.p);
  return true;
}

// Runs op in a child that kills itself at step k; true when the child finished op instead of dying.
template <class Op>
bool run_dying_at(int k, Op op) {
  pid_t pid = fork();
  if (pid == 0) {
    Heap::die_at_step(k);
    op();
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
  REQUIRE((WIFEXITED(status) || (WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)));
  return WIFEXITED(status);
}

// For every step at which op can die: the next caller finds the heap as it was before op or as op
// leaves it, consistent, and usable. Returns how many steps op has.
template <class Setup, class Op>
int die_everywhere(Setup setup, Op op) {
  for (int k = 1;; ++k) {
    Region r;
    setup(r.heap);
    std::string before = r.heap->describe();
    bool finished = run_dying_at(k, [&] { op(r.heap); });
    std::string after = r.heap->describe();  // takes the lock: undoes a half-made change first
    INFO("died at step " << k << "\nbefore: " << before << "\nafter:  " << after);
    REQUIRE(r.heap->check());
    if (finished) return k;
    Region done;  // what op leaves when it runs to the end
    setup(done.heap);
    op(done.heap);
    bool undone = after == before, completed = after == done.heap->describe();
    CHECK((undone || completed));
    CHECK(churn(r.heap, unsigned(k), 300));
    CHECK(r.heap->check());
  }
}

}  // namespace

TEST_CASE("heap blocks are aligned, distinct, and merge back into one free region") {
  Region r;
  std::string empty = r.heap->describe();
  CHECK(churn(r.heap, 1, 20000));
  CHECK(r.heap->check());
  // Every block was freed: they merged and went back to the wilderness.
  CHECK(r.heap->describe() == empty);
  CHECK(r.heap->allocate(100, 3) == nullptr);                    // not a power of two
  CHECK(r.heap->allocate(r.size, 64) == nullptr);                // larger than the region
  CHECK(r.heap->allocate(~std::size_t(0) - 10, 64) == nullptr);  // no overflow into a small block
  void* a = r.heap->allocate(r.size / 2, 64);
  CHECK(a != nullptr);
  CHECK(r.heap->allocate(r.size / 2, 64) == nullptr);  // the rest is less than half: refused
  int local = 0;
  r.heap->deallocate(&local);  // not a block of this heap: ignored
  r.heap->deallocate(static_cast<char*>(a) + 64);
  r.heap->deallocate(a);
  r.heap->deallocate(a);  // a second free of the same block: ignored
  CHECK(r.heap->check());
  CHECK(r.heap->describe() == empty);
  // The same when the first free merged the block into the free one below it.
  void* below = r.heap->allocate(1000, 64);
  void* mid = r.heap->allocate(1000, 64);
  void* above = r.heap->allocate(1000, 64);
  r.heap->deallocate(below);
  r.heap->deallocate(mid);
  std::string merged = r.heap->describe();
  r.heap->deallocate(mid);
  CHECK(r.heap->describe() == merged);
  CHECK(r.heap->check());
  r.heap->deallocate(above);
  CHECK(r.heap->describe() == empty);
}

TEST_CASE("a freed block is reused by a request it fits, and split for a smaller one") {
  Region r;
  void* a = r.heap->allocate(4000, 64);
  void* b = r.heap->allocate(100, 64);  // keeps a's block from going back to the wilderness
  r.heap->deallocate(a);
  void* c = r.heap->allocate(1000, 64);
  CHECK(c == a);  // the front of a's block; the rest stays free
  void* d = r.heap->allocate(1000, 64);
  CHECK(d > c);
  CHECK(d < b);
  CHECK(r.heap->check());
}

TEST_CASE("threads and processes allocate and free at once") {
  Region r;
  std::vector<pid_t> kids;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = fork();
    if (pid == 0) _exit(churn(r.heap, 100 + unsigned(i), 20000) ? 0 : 1);
    kids.push_back(pid);
  }
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&, i] { bad += !churn(r.heap, 200 + unsigned(i), 20000); });
  for (auto& t : threads) t.join();
  for (pid_t pid : kids) {
    int status = 0;
    waitpid(pid, &status, 0);
    CHECK(WIFEXITED(status));
    CHECK(WEXITSTATUS(status) == 0);
  }
  CHECK(bad == 0);
  CHECK(r.heap->check());
}

TEST_CASE("a process that dies at any step of a change leaves the heap consistent") {
  std::vector<void*> held;  // blocks the setup made, in address order
  auto three_blocks = [&](Heap* h) {
    held = {h->allocate(1000, 64), h->allocate(1000, 64), h->allocate(1000, 64), h->allocate(1000, 64)};
  };
  SECTION("a block carved from the wilderness") {
    CHECK(die_everywhere([](Heap*) {}, [](Heap* h) { h->allocate(5000, 64); }) > 8);
  }
  SECTION("a listed block split for a smaller request") {
    auto setup = [&](Heap* h) {
      three_blocks(h);
      h->deallocate(held[1]);
    };
    CHECK(die_everywhere(setup, [](Heap* h) { h->allocate(100, 64); }) > 8);
  }
  SECTION("a listed block taken whole, aligned") {
    auto setup = [&](Heap* h) {
      three_blocks(h);
      h->deallocate(held[1]);
    };
    CHECK(die_everywhere(setup, [](Heap* h) { h->allocate(1000, 64); }) > 4);
  }
  SECTION("a freed block that merges with both neighbours") {
    auto setup = [&](Heap* h) {
      three_blocks(h);
      h->deallocate(held[0]);
      h->deallocate(held[2]);
    };
    CHECK(die_everywhere(setup, [&](Heap* h) { h->deallocate(held[1]); }) > 8);
  }
  SECTION("a freed block that goes back to the wilderness with the free one below it") {
    auto setup = [&](Heap* h) {
      three_blocks(h);
      h->deallocate(held[2]);
    };
    CHECK(die_everywhere(setup, [&](Heap* h) { h->deallocate(held[3]); }) > 4);
  }
  SECTION("a freed block between two in use") {
    CHECK(die_everywhere(three_blocks, [&](Heap* h) { h->deallocate(held[1]); }) > 4);
  }
}

TEST_CASE("processes SIGKILLed at random moments while they allocate leave the heap usable") {
  Region r;
  std::mt19937 rng(7);
  for (int round = 0; round < 20; ++round) {
    pid_t pid = fork();
    if (pid == 0) {
      for (unsigned s = 0;; ++s) churn(r.heap, s, 1000);
    }
    usleep(1000 + rng() % 5000);
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    REQUIRE(r.heap->check());
    REQUIRE(churn(r.heap, unsigned(round), 500));
  }
}
