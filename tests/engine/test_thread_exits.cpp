// engine/core/thread_exits: Thread::join returns once the body has returned and hands the OS thread's exit
// over; the thread count and a fork wait for those exits, and joins from many threads at once leave nothing
// pending or running.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/self.hpp"
#include "engine/core/thread_exits.hpp"
#include "engine/exec/thread.hpp"

using namespace parlab;

namespace {

// A thread_local whose destructor runs in the thread's exit, after its body: slow, then it says so.
std::atomic<bool> slow_exit_done{false};
struct SlowExit {
  ~SlowExit() {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    slow_exit_done = true;
  }
};
thread_local SlowExit* slow_exit_anchor = nullptr;

// The thread count with nothing of ours running. A sanitizer starts a thread of its own after the first
// thread is made (TSan's background thread): make one first, so that the count is stable.
int settled_thread_count() {
  std::thread([] {}).join();
  thread_exits::wait_all();
  return self::thread_count();
}

void exit_slowly() {
  thread_local SlowExit slow;
  slow_exit_anchor = &slow;  // used, so it is made (and destroyed at the exit)
}

}  // namespace

TEST_CASE("thread_exits: a joined thread is handed over, and the thread count waits for its exit") {
  const int before = settled_thread_count();
  slow_exit_done = false;
  Thread t(exit_slowly);
  t.start();
  REQUIRE(t.join());
  CHECK(t.finished());
  CHECK(thread_exits::pending() == 1);
  CHECK(self::thread_count() == before);  // waited for the exit: the destructor has run
  CHECK(slow_exit_done);
  CHECK(thread_exits::pending() == 0);
}

TEST_CASE("thread_exits: the next hand-over joins the earlier ones") {
  thread_exits::wait_all();
  for (int i = 0; i < 5; ++i) {
    Thread t([] {});
    t.start();
    REQUIRE(t.join());
    CHECK(thread_exits::pending() == 1);
  }
  thread_exits::wait_all();
  CHECK(thread_exits::pending() == 0);
}

TEST_CASE("thread_exits: a fork waits for the pending exits, so a child never inherits one") {
  thread_exits::wait_all();
  slow_exit_done = false;
  Thread t(exit_slowly);
  t.start();
  REQUIRE(t.join());
  REQUIRE(thread_exits::pending() == 1);  // still exiting: its destructor sleeps for 0.1 s
  pid_t pid = fork();
  if (pid == 0) {
    // A join here would wait for a thread this process does not have, for ever.
    const bool ok = thread_exits::pending() == 0 && slow_exit_done;
    thread_exits::wait_all();
    _exit(ok ? 0 : 1);
  }
  CHECK(slow_exit_done);  // joined before the fork
  CHECK(thread_exits::pending() == 0);
  int st = -1;
  REQUIRE(waitpid(pid, &st, 0) == pid);
  CHECK((WIFEXITED(st) && WEXITSTATUS(st) == 0));
}

TEST_CASE("thread_exits: joins from many threads at once while others count, then nothing is left") {
  const int before = settled_thread_count();
  std::atomic<bool> stop{false};
  std::atomic<int> bad_counts{0};  // Catch2's CHECK is for the test's own thread only
  std::thread counter([&] {
    while (!stop)
      if (self::thread_count() < 1) ++bad_counts;
  });
  std::vector<std::thread> joiners;
  for (int j = 0; j < 4; ++j)
    joiners.emplace_back([] {
      for (int i = 0; i < 100; ++i) {
        Thread t([] {});
        t.start();
        t.join();
      }
    });
  for (auto& j : joiners) j.join();
  stop = true;
  counter.join();
  CHECK(bad_counts == 0);
  CHECK(self::thread_count() == before);
  CHECK(thread_exits::pending() == 0);
}
