// The engine's long waits outside futex::wait (a descriptor wait, Process join, a Queue get, a Pipe recv,
// a pool's result wait, parlab.sleep) end at once on Ctrl-C and on their thread's stop request, and do not
// wake every 20 ms meanwhile: the count of kernel sleeps (voluntary context switches) in half a second of
// waiting shows which (25 or more for a wait that polls every 20 ms). Every wait here is bounded (30 s).
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <functional>
#include <memory>
#include <string>
#include <thread>

#include "engine/arena/shm.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/fd_wait.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/pool.hpp"
#include "engine/exec/process.hpp"
#include "engine/queues/pipe.hpp"
#include "engine/queues/queue.hpp"
#include "tests/engine/test_wait_util.hpp"

using namespace parlab;
using namespace wait_util;

namespace {

// Runs wait() in a new thread watching `stop` (if any): half a second after the wait registered, `end`
// ends it. Returns how it ended and how often its thread slept.
void run_wait(const std::function<void()>& wait, Outcome& out, const std::function<void()>& end,
              std::atomic<bool>* stop = nullptr) {
  std::thread t([&] { observe(wait, out, stop); });
  REQUIRE(registered(1));
  sleep_seconds(0.5);
  end();
  t.join();
  interrupt::clear();
}

void ctrl_c() { interrupt::raise(); }

struct Pipe2 {
  int fd[2] = {-1, -1};
  Pipe2() { REQUIRE(pipe(fd) == 0); }
  ~Pipe2() { close(fd[0]), close(fd[1]); }
};

// Workers that never come: the pool's parent waits for results that never arrive.
class AbsentLauncher final : public pool::Launcher {
 public:
  const char* kind() const override { return "absent"; }
  void start(shm::Offset, int) override {}
  bool ended(int, std::string&) override { return false; }
  bool wait(int, double, std::string& how) override { return how = "never started", true; }
  void kill(int) override {}
};

int test_runner(std::string_view job, void*) {
  if (job == "sleep") pause();
  return 100;
}

}  // namespace

TEST_CASE("a descriptor wait sleeps until Ctrl-C, which ends it at once", "[waits]") {
  Pipe2 p;
  Outcome out;
  run_wait([&] { wait_readable(p.fd[0], 30); }, out, ctrl_c);
  CHECK(out.how.load() == 1);
  CHECK(out.sleeps.load() <= 4);
  CHECK(sleepers::count() == 0);
}

TEST_CASE("a stop request ends only its own thread's descriptor wait; data ends the other", "[waits]") {
  Pipe2 a, b;
  std::atomic<bool> stop_a{false}, stop_b{false};
  Outcome oa, ob;
  std::atomic<bool> b_ready{false};
  std::thread tb([&] {
    interrupt::watch_stop_flag(&stop_b);
    b_ready = wait_readable(b.fd[0], 30);
    ob.how = 3;
    interrupt::watch_stop_flag(nullptr);
  });
  REQUIRE(registered(1));
  std::thread ta([&] {
    interrupt::watch_stop_flag(&stop_a);
    try {
      wait_readable(a.fd[0], 30);
      oa.how = 3;
    } catch (const interrupt::Terminated&) {
      oa.how = 2;
    }
    interrupt::watch_stop_flag(nullptr);
  });
  REQUIRE(registered(2));
  stop_a.store(true);
  sleepers::wake_watching(&stop_a);
  ta.join();
  CHECK(oa.how.load() == 2);
  CHECK(ob.how.load() == 0);  // still waiting: its flag is not set and its pipe is empty
  REQUIRE(write(b.fd[1], "x", 1) == 1);
  tb.join();
  CHECK(b_ready.load());
  CHECK(ob.how.load() == 3);
}

TEST_CASE("a descriptor wait times out when nothing comes", "[waits]") {
  Pipe2 p;
  CHECK_FALSE(wait_readable(p.fd[0], 0.05));
  CHECK_FALSE(wait_readable(p.fd[0], 0));
  REQUIRE(write(p.fd[1], "x", 1) == 1);
  CHECK(wait_readable(p.fd[0], 0));
}

TEST_CASE("Process join on a sleeping child sleeps until Ctrl-C or a stop request", "[waits]") {
  process::set_job_runner(test_runner);
  forkserver::set_always_fork(true);  // this binary is not parlab: it cannot be spawned as one
  for (auto m : {process::Method::Fork, process::Method::Forkserver}) {
    process::Options o;
    o.method = m;
    auto c = process::start("sleep", o);
    Outcome out;
    run_wait([&] { c->wait(30); }, out, ctrl_c);
    CHECK(out.how.load() == 1);
    CHECK(out.sleeps.load() <= 4);
    std::atomic<bool> stop{false};
    Outcome st;
    run_wait([&] { c->wait(30); }, st, [&] { stop = true, sleepers::wake_watching(&stop); }, &stop);
    CHECK(st.how.load() == 2);
    CHECK(st.sleeps.load() <= 4);
    c->signal(SIGKILL);
    CHECK(c->wait(30));
    CHECK(c->exitcode() == -SIGKILL);
  }
}

TEST_CASE("a Queue get on an empty queue wakes only for its recovery look, and Ctrl-C ends it", "[waits]") {
  auto q = shm::Ref<queue::Queue>::create(0);
  queue::Message m;
  Outcome out;
  run_wait([&] { q->get(m, true, 30); }, out, ctrl_c);
  CHECK(out.how.load() == 1);
  CHECK(out.sleeps.load() <= 12);  // a look every 0.1 s for items of readers killed mid-get: 5
  std::atomic<bool> stop{false};
  Outcome st;
  auto full = shm::Ref<queue::Queue>::create(1);
  REQUIRE(full->put("a", 1) == queue::Status::ok);
  run_wait([&] { full->put("b", 1, true, 30); }, st, [&] { stop = true, sleepers::wake_watching(&stop); },
           &stop);
  CHECK(st.how.load() == 2);
  CHECK(st.sleeps.load() <= 4);
}

TEST_CASE("a Pipe recv wakes only for its peer checks, and a stop request ends it", "[waits]") {
  auto p = shm::Ref<queue::Pipe>::create(true);
  p->open_end(0);
  p->open_end(1);
  queue::Message m;
  std::atomic<bool> stop{false};
  Outcome st;
  run_wait([&] { p->recv(0, m, 30); }, st, [&] { stop = true, sleepers::wake_watching(&stop); }, &stop);
  CHECK(st.how.load() == 2);
  CHECK(st.sleeps.load() <= 16);  // a look at the peer's processes every 50 ms: 10
  p->close_end(0);
  p->close_end(1);
}

TEST_CASE("a pool's result wait ends at once on Ctrl-C and on a stop request", "[waits]") {
  pool::Pool p(2, std::make_unique<AbsentLauncher>());
  pool::Message m;
  Outcome out;
  run_wait([&] { p.next_result(m, 30); }, out, ctrl_c);
  CHECK(out.how.load() == 1);
  std::atomic<bool> stop{false};
  Outcome st;
  run_wait([&] { p.next_result(m, 30); }, st, [&] { stop = true, sleepers::wake_watching(&stop); }, &stop);
  CHECK(st.how.load() == 2);  // it still wakes every 20 ms to watch its workers (pool.cpp: kWatchSeconds)
  p.terminate();
  CHECK(p.join(10));
}

TEST_CASE("parlab.sleep's wait ends at once on Ctrl-C and on a stop request", "[waits]") {
  Outcome out;
  run_wait([] { futex::sleep_interruptible(30); }, out, ctrl_c);
  CHECK(out.how.load() == 1);
  CHECK(out.sleeps.load() <= 4);
  std::atomic<bool> stop{false};
  Outcome st;
  run_wait([] { futex::sleep_interruptible(30); }, st, [&] { stop = true, sleepers::wake_watching(&stop); },
           &stop);
  CHECK(st.how.load() == 2);
  CHECK(st.sleeps.load() <= 4);
  double t0 = clock_seconds();
  futex::sleep_interruptible(0.05);
  CHECK(clock_seconds() - t0 >= 0.05);
}
