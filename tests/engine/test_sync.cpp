// Lock, RLock, Semaphore, BoundedSemaphore, Event: every method and timeout, and hammer tests with exact
// totals from many threads and from forked processes (the objects live in the shared arena).
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "engine/arena/shared_object.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/sync/event.hpp"
#include "engine/sync/lock.hpp"
#include "engine/sync/semaphore.hpp"

using namespace parlab;
using sync::EventObject;
using sync::LockObject;
using sync::SemaphoreObject;

namespace {

// Runs body(i) in n forked children and returns how many exited with status 0.
template <class F>
int in_processes(int n, F body) {
  std::vector<pid_t> kids;
  for (int i = 0; i < n; ++i) {
    pid_t pid = fork();
    if (pid == 0) {
      int rc = 1;
      try {
        rc = body(i) ? 0 : 1;
      } catch (...) {
      }
      _exit(rc);
    }
    kids.push_back(pid);
  }
  int ok = 0;
  for (pid_t k : kids) {
    int status = 0;
    waitpid(k, &status, 0);
    ok += WIFEXITED(status) && WEXITSTATUS(status) == 0;
  }
  return ok;
}

// A counter in the arena that processes see too.
struct Counter : shm::Header {
  static constexpr std::uint32_t kKind = 0x434e5452;
  long value = 0;
};

}  // namespace

TEST_CASE("Lock: acquire, release, locked, non-blocking and timeout") {
  auto lk = shm::Ref<LockObject>::create(false);
  CHECK_FALSE(lk->locked());
  CHECK(lk->acquire());
  CHECK(lk->locked());
  CHECK_FALSE(lk->acquire(false));
  double t0 = clock_seconds();
  CHECK_FALSE(lk->acquire(true, 0.05));
  CHECK(clock_seconds() - t0 >= 0.045);
  lk->release();
  CHECK_FALSE(lk->locked());
  CHECK_THROWS_WITH(lk->release(), Catch::Contains("release unlocked lock"));
  // Another thread may release a Lock (Python allows it).
  CHECK(lk->acquire());
  std::thread([&] { lk->release(); }).join();
  CHECK_FALSE(lk->locked());
}

TEST_CASE("Lock: a waiter wakes when the holder releases") {
  auto lk = shm::Ref<LockObject>::create(false);
  lk->acquire();
  std::atomic<bool> got{false};
  std::thread t([&] { got = lk->acquire(true, 5); });
  sleep_seconds(0.05);
  CHECK_FALSE(got.load());
  lk->release();
  t.join();
  CHECK(got.load());
  lk->release();
}

TEST_CASE("RLock: recursion, ownership and depth") {
  auto r = shm::Ref<LockObject>::create(true);
  CHECK(r->acquire());
  CHECK(r->acquire());
  CHECK(r->count == 2);
  bool other = true;
  std::thread([&] { other = r->acquire(false); }).join();
  CHECK_FALSE(other);
  std::string err;
  std::thread([&] {
    try {
      r->release();
    } catch (const Error& e) {
      err = e.what();
    }
  }).join();
  CHECK(err.find("cannot release un-acquired lock") != std::string::npos);
  r->release();
  CHECK(r->locked());
  r->release();
  CHECK_FALSE(r->locked());
  CHECK_THROWS_WITH(r->release(), Catch::Contains("un-acquired"));
}

TEST_CASE("Lock hammer: 8 threads x 100k increments, exact total") {
  auto lk = shm::Ref<LockObject>::create(false);
  long counter = 0;
  std::vector<std::thread> ts;
  for (int t = 0; t < 8; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 100000; ++i) {
        lk->acquire();
        ++counter;
        lk->release();
      }
    });
  for (auto& t : ts) t.join();
  CHECK(counter == 800000);
  CHECK_FALSE(lk->locked());
}

TEST_CASE("RLock hammer: nested acquisitions from 4 threads, exact total") {
  auto r = shm::Ref<LockObject>::create(true);
  long counter = 0;
  std::vector<std::thread> ts;
  for (int t = 0; t < 4; ++t)
    ts.emplace_back([&] {
      for (int i = 0; i < 50000; ++i) {
        r->acquire();
        r->acquire();
        ++counter;
        r->release();
        r->release();
      }
    });
  for (auto& t : ts) t.join();
  CHECK(counter == 200000);
}

TEST_CASE("Lock across 4 forked processes: exact total in shared memory") {
  auto lk = shm::Ref<LockObject>::create(false);
  auto c = shm::Ref<Counter>::create();
  int ok = in_processes(4, [&](int) {
    for (int i = 0; i < 50000; ++i) {
      lk->acquire();
      ++c->value;
      lk->release();
    }
    return true;
  });
  CHECK(ok == 4);
  CHECK(c->value == 200000);
}

TEST_CASE("Semaphore: counts, non-blocking, timeout, release(n)") {
  auto s = shm::Ref<SemaphoreObject>::create(2u, 0u);
  CHECK(s->acquire());
  CHECK(s->acquire());
  CHECK_FALSE(s->acquire(false));
  CHECK_FALSE(s->acquire(true, 0.02));
  s->release(3);
  CHECK(s->get_value() == 3);
  std::atomic<int> got{0};
  auto z = shm::Ref<SemaphoreObject>::create(0u, 0u);
  std::vector<std::thread> ts;
  for (int i = 0; i < 3; ++i) ts.emplace_back([&] { got += z->acquire(true, 5); });
  sleep_seconds(0.02);
  z->release(3);
  for (auto& t : ts) t.join();
  CHECK(got == 3);
}

TEST_CASE("BoundedSemaphore refuses releases past its bound") {
  auto s = shm::Ref<SemaphoreObject>::create(2u, 2u);
  CHECK_THROWS_WITH(s->release(), Catch::Contains("BoundedSemaphore.release: released too many times"));
  s->acquire();
  s->release();
  CHECK(s->get_value() == 2);
  s->acquire();
  CHECK_THROWS(s->release(2));
  CHECK(s->get_value() == 1);
}

TEST_CASE("Semaphore hammer: never more than n inside, from threads and processes") {
  auto s = shm::Ref<SemaphoreObject>::create(3u, 3u);
  auto inside = shm::Ref<Counter>::create();
  auto worst = shm::Ref<Counter>::create();
  auto body = [&] {
    for (int i = 0; i < 20000; ++i) {
      s->acquire();
      long now = __atomic_add_fetch(&inside->value, 1, __ATOMIC_SEQ_CST);
      long w = __atomic_load_n(&worst->value, __ATOMIC_SEQ_CST);
      while (now > w && !__atomic_compare_exchange_n(&worst->value, &w, now, false, __ATOMIC_SEQ_CST,
                                                     __ATOMIC_SEQ_CST)) {
      }
      __atomic_sub_fetch(&inside->value, 1, __ATOMIC_SEQ_CST);
      s->release();
    }
    return true;
  };
  std::vector<std::thread> ts;
  for (int t = 0; t < 6; ++t) ts.emplace_back(body);
  for (auto& t : ts) t.join();
  CHECK(in_processes(3, [&](int) { return body(); }) == 3);
  CHECK(worst->value <= 3);
  CHECK(worst->value >= 1);
  CHECK(s->get_value() == 3);
}

TEST_CASE("Event: set, clear, is_set, wait with and without timeout") {
  auto e = shm::Ref<EventObject>::create();
  CHECK_FALSE(e->is_set());
  CHECK_FALSE(e->wait(0));
  CHECK_FALSE(e->wait(0.02));
  std::atomic<int> woke{0};
  std::vector<std::thread> ts;
  for (int i = 0; i < 4; ++i) ts.emplace_back([&] { woke += e->wait(5); });
  sleep_seconds(0.02);
  e->set();
  for (auto& t : ts) t.join();
  CHECK(woke == 4);
  CHECK(e->is_set());
  CHECK(e->wait());
  e->clear();
  CHECK_FALSE(e->is_set());
}

TEST_CASE("Event across processes: children wait for the parent's set") {
  auto e = shm::Ref<EventObject>::create();
  auto c = shm::Ref<Counter>::create();
  std::thread setter([&] {
    sleep_seconds(0.05);
    e->set();
  });
  int ok = in_processes(3, [&](int) {
    bool r = e->wait(10);
    __atomic_add_fetch(&c->value, 1, __ATOMIC_SEQ_CST);
    return r;
  });
  setter.join();
  CHECK(ok == 3);
  CHECK(c->value == 3);
}

TEST_CASE("sync objects are freed when the last holder lets go") {
  std::size_t before = shm::used_bytes();
  {
    auto a = shm::Ref<LockObject>::create(false);
    auto b = shm::Ref<LockObject>::attach(a.offset());
    CHECK(a->refs.load() == 2);
    CHECK_THROWS(shm::Ref<EventObject>::attach(a.offset()));
  }
  CHECK(shm::used_bytes() == before);
}

TEST_CASE("Lock: a waiter is told when the holder process ended without releasing") {
  for (bool reaped : {false, true}) {
    auto lk = shm::Ref<LockObject>::create(reaped);  // a Lock, then an RLock
    pid_t pid = fork();
    if (pid == 0) {
      lk->acquire();
      _exit(0);  // dies holding it
    }
    if (reaped)
      waitpid(pid, nullptr, 0);
    else
      while (!lk->locked()) sleep_seconds(0.001);  // a zombie until the end of this case
    std::string err;
    try {
      lk->acquire(true, 30);
    } catch (const Error& e) {
      err = e.what();
    }
    CHECK(err.find("holder (process " + std::to_string(pid) + ") ended without releasing it") !=
          std::string::npos);
    CHECK_FALSE(lk->acquire(true, 0.01));  // still locked: the error does not take the lock over
    if (!reaped) waitpid(pid, nullptr, 0);
  }
}
