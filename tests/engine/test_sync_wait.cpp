// Condition and Barrier: semantics, timeouts, errors, and hammer tests from threads and processes.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/sync/barrier.hpp"
#include "engine/sync/condition.hpp"

using namespace parlab;
using sync::BarrierObject;
using sync::ConditionObject;
using sync::LockObject;

namespace {
struct Box : shm::Header {
  static constexpr std::uint32_t kKind = 0x424f5831;
  long items = 0, produced = 0, consumed = 0, sum = 0;
};
}  // namespace

TEST_CASE("Condition: wait and notify need the lock; timeout returns false") {
  auto c = shm::Ref<ConditionObject>::create(shm::Ref<LockObject>::create(true));
  CHECK_THROWS_WITH(c->wait(0.01), Catch::Contains("cannot wait on un-acquired lock"));
  CHECK_THROWS_WITH(c->notify(), Catch::Contains("cannot notify on un-acquired lock"));
  c->lock->acquire();
  c->lock->acquire();  // RLock depth 2 is restored after the wait
  double t0 = clock_seconds();
  CHECK_FALSE(c->wait(0.03));
  CHECK(clock_seconds() - t0 >= 0.025);
  CHECK(c->lock->count == 2);
  CHECK(c->waiting.load() == 0);
  c->notify();  // nobody waits: nothing happens
  c->lock->release();
  c->lock->release();
}

TEST_CASE("Condition over a plain Lock: notify wakes a waiter that then holds the lock") {
  auto c = shm::Ref<ConditionObject>::create(shm::Ref<LockObject>::create(false));
  bool ready = false;
  std::atomic<bool> woke{false};
  std::thread t([&] {
    c->lock->acquire();
    while (!ready) c->wait(5);
    woke = c->lock->locked();
    c->lock->release();
  });
  sleep_seconds(0.02);
  c->lock->acquire();
  ready = true;
  c->notify();
  c->lock->release();
  t.join();
  CHECK(woke.load());
}

TEST_CASE("Condition: notify(n) wakes at most n, notify_all the rest") {
  auto c = shm::Ref<ConditionObject>::create(shm::Ref<LockObject>::create(true));
  std::atomic<int> woke{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 5; ++i)
    ts.emplace_back([&] {
      c->lock->acquire();
      if (c->wait(10)) ++woke;
      c->lock->release();
    });
  while (true) {  // wait until all five wait
    c->lock->acquire();
    bool all = c->waiting.load() == 5;
    c->lock->release();
    if (all) break;
    sleep_seconds(0.001);
  }
  c->lock->acquire();
  c->notify(2);
  c->lock->release();
  for (double end = clock_seconds() + 5; woke.load() < 2 && clock_seconds() < end;) sleep_seconds(0.001);
  sleep_seconds(0.05);  // a third wake-up, if there were one, would show now
  CHECK(woke.load() == 2);
  c->lock->acquire();
  c->notify(-1);
  c->lock->release();
  for (auto& t : ts) t.join();
  CHECK(woke.load() == 5);
}

TEST_CASE("Condition hammer: bounded buffer, 3 producers and 3 consumers, exact totals") {
  auto c = shm::Ref<ConditionObject>::create(shm::Ref<LockObject>::create(false));
  auto b = shm::Ref<Box>::create();
  const long per = 20000;
  std::vector<std::thread> ts;
  for (int p = 0; p < 3; ++p)
    ts.emplace_back([&] {
      for (long i = 1; i <= per; ++i) {
        c->lock->acquire();
        while (b->items >= 8) c->wait(-1);
        ++b->items;
        b->sum += i;
        ++b->produced;
        c->notify(-1);
        c->lock->release();
      }
    });
  for (int q = 0; q < 3; ++q)
    ts.emplace_back([&] {
      for (long i = 0; i < per; ++i) {
        c->lock->acquire();
        while (b->items == 0) c->wait(-1);
        --b->items;
        ++b->consumed;
        c->notify(-1);
        c->lock->release();
      }
    });
  for (auto& t : ts) t.join();
  CHECK(b->produced == 3 * per);
  CHECK(b->consumed == 3 * per);
  CHECK(b->items == 0);
  CHECK(b->sum == 3 * per * (per + 1) / 2);
}

TEST_CASE("Barrier: rounds stay in step across 4 threads for 200 rounds") {
  auto bar = shm::Ref<BarrierObject>::create(4u, -1.0);
  std::atomic<int> arrived[200] = {};
  std::atomic<int> bad{0};
  std::atomic<int> lasts{0};
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int r = 0; r < 200; ++r) {
        ++arrived[r];
        auto a = bar->arrive();
        if (a.last) {
          ++lasts;
          bar->finish_round(a.round);
        } else {
          bar->wait_round(a.round, -1);
        }
        if (arrived[r].load() != 4) ++bad;  // nobody passes before all four arrived
      }
    });
  for (auto& t : ts) t.join();
  CHECK(bad.load() == 0);
  CHECK(lasts.load() == 200);
  CHECK(bar->n_waiting() == 0);
}

TEST_CASE("Barrier: a timeout breaks it, abort breaks it, reset mends it") {
  auto bar = shm::Ref<BarrierObject>::create(2u, 0.03);
  auto a = bar->arrive();
  CHECK_FALSE(a.last);
  CHECK(bar->n_waiting() == 1);
  CHECK_THROWS_AS(bar->wait_round(a.round, -1), sync::BrokenBarrier);  // default timeout
  CHECK(bar->broken.load());
  CHECK_THROWS_AS(bar->arrive(), sync::BrokenBarrier);
  bar->reset();
  CHECK_FALSE(bar->broken.load());
  // breaks(act): one thread waits at the barrier, act() runs, and the waiter must get BrokenBarrier
  auto breaks = [&](auto act) {
    bool broke = false;
    std::thread t([&] {
      try {
        auto x = bar->arrive();
        bar->wait_round(x.round, 10);
      } catch (const sync::BrokenBarrier&) {
        broke = true;
      }
    });
    while (bar->n_waiting() == 0) sleep_seconds(0.001);
    act();
    t.join();
    return broke;
  };
  CHECK(breaks([&] { bar->abort(); }));  // abort while one waits
  bar->reset();
  // reset while one waits also breaks that round, then the barrier works again
  CHECK(breaks([&] { bar->reset(); }));
  CHECK_FALSE(bar->broken.load());
  std::thread v([&] {
    auto x = bar->arrive();
    if (!x.last)
      bar->wait_round(x.round, 10);
    else
      bar->finish_round(x.round);
  });
  auto y = bar->arrive();
  if (!y.last)
    bar->wait_round(y.round, 10);
  else
    bar->finish_round(y.round);
  v.join();
  CHECK_FALSE(bar->broken.load());
}

TEST_CASE("Barrier across 3 forked processes and the parent, 50 rounds") {
  auto bar = shm::Ref<BarrierObject>::create(4u, 10.0);
  auto box = shm::Ref<Box>::create();
  auto run = [&] {
    for (int r = 0; r < 50; ++r) {
      __atomic_add_fetch(&box->sum, 1, __ATOMIC_SEQ_CST);
      auto a = bar->arrive();
      if (a.last)
        bar->finish_round(a.round);
      else
        bar->wait_round(a.round, -1);
      if (__atomic_load_n(&box->sum, __ATOMIC_SEQ_CST) < 4L * (r + 1)) return false;
    }
    return true;
  };
  std::vector<pid_t> kids;
  for (int i = 0; i < 3; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      bool ok = false;
      try {
        ok = run();
      } catch (...) {
      }
      _exit(ok ? 0 : 1);
    }
    kids.push_back(pid);
  }
  bool mine = run();
  int ok = 0;
  for (pid_t k : kids) {
    int st = 0;
    waitpid(k, &st, 0);
    ok += WIFEXITED(st) && WEXITSTATUS(st) == 0;
  }
  CHECK(mine);
  CHECK(ok == 3);
  CHECK(box->sum == 200);
}

TEST_CASE("Ctrl-C reaches blocked waits and a Condition wait takes its lock back first") {
  auto lk = shm::Ref<LockObject>::create(false);
  auto c = shm::Ref<ConditionObject>::create(shm::Ref<LockObject>::create(true));
  lk->acquire();
  std::atomic<int> interrupted{0};
  std::atomic<bool> held_after{false};
  std::thread a([&] {
    try {
      lk->acquire(true, 30);
    } catch (const interrupt::Interrupted&) {
      ++interrupted;
    }
  });
  std::thread b([&] {
    c->lock->acquire();
    try {
      c->wait(30);
    } catch (const interrupt::Interrupted&) {
      ++interrupted;
      held_after = c->lock->owned_by_caller();
    }
    c->lock->release();
  });
  sleep_seconds(0.05);
  interrupt::raise();
  for (double end = clock_seconds() + 10; interrupted.load() < 2 && clock_seconds() < end;)
    sleep_seconds(0.005);
  interrupt::clear();
  a.join();
  b.join();
  CHECK(interrupted.load() == 2);
  CHECK(held_after.load());
  CHECK(c->waiting.load() == 0);
  lk->release();
}
