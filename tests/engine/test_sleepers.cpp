// engine/core/sleepers: waits on futex words are woken by Ctrl-C and by their thread's stop request instead
// of waking every 20 ms to look; the count of kernel sleeps (voluntary context switches) shows which.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"

using namespace parlab;

namespace {

long voluntary_switches() {
  rusage u{};
  getrusage(RUSAGE_THREAD, &u);
  return u.ru_nvcsw;
}

// Waits (bounded) until n waits are registered.
bool registered(int n) {
  for (double end = clock_seconds() + 10; clock_seconds() < end; sleep_seconds(0.002))
    if (sleepers::count() == n) return true;
  return false;
}

struct Outcome {
  std::atomic<int> how{0};  // 1 interrupted, 2 terminated, 3 returned
  std::atomic<long> sleeps{-1};
};

void wait_on(std::atomic<std::uint32_t>& word, Outcome& out, const std::atomic<bool>* stop = nullptr) {
  interrupt::watch_stop_flag(stop);
  long before = voluntary_switches();
  try {
    futex::wait(word, 0, 30);
    out.how = 3;
  } catch (const interrupt::Interrupted&) {
    out.how = 1;
  } catch (const interrupt::Terminated&) {
    out.how = 2;
  }
  out.sleeps = voluntary_switches() - before;
  interrupt::watch_stop_flag(nullptr);
}

}  // namespace

TEST_CASE("Ctrl-C wakes a registered wait at once; it does not poll every 20 ms meanwhile", "[sleepers]") {
  futex::set_spin_iterations(0);
  std::atomic<std::uint32_t> word{0};
  Outcome out;
  std::thread t([&] { wait_on(word, out); });
  REQUIRE(registered(1));
  sleep_seconds(0.5);  // 25 sleeps for a wait that polls every 20 ms; at most 2 for a registered one
  interrupt::raise();
  t.join();
  interrupt::clear();
  futex::set_spin_iterations(4000);
  CHECK(out.how.load() == 1);
  CHECK(out.sleeps.load() <= 6);
  CHECK(sleepers::count() == 0);
}

TEST_CASE("a stop request wakes only the waits of the thread it stops", "[sleepers]") {
  futex::set_spin_iterations(0);
  std::atomic<std::uint32_t> word_a{0}, word{0};   // one word each: a futex wake-up wakes all of a word's
  std::atomic<bool> stop_a{false}, stop_b{false};  // sleepers, and futex::wait returns on any wake-up
  Outcome a, b;
  std::thread ta([&] { wait_on(word_a, a, &stop_a); });
  std::thread tb([&] { wait_on(word, b, &stop_b); });
  REQUIRE(registered(2));
  sleep_seconds(0.3);
  stop_a.store(true);
  sleepers::wake_watching(&stop_a);
  ta.join();
  CHECK(a.how.load() == 2);
  CHECK(a.sleeps.load() <= 6);
  CHECK(b.how.load() == 0);  // still waiting: the word did not change and its flag is not set
  word.store(1);
  futex::wake(word);
  tb.join();
  futex::set_spin_iterations(4000);
  CHECK(b.how.load() == 3);
  CHECK(sleepers::count() == 0);
}

TEST_CASE("a fork child keeps no registration of the threads it did not inherit", "[sleepers]") {
  futex::set_spin_iterations(0);
  std::atomic<std::uint32_t> word{0};
  Outcome out;
  std::thread t([&] { wait_on(word, out); });
  REQUIRE(registered(1));
  pid_t pid = fork();
  if (pid == 0) _exit(sleepers::count() == 0 ? 0 : 1);
  int status = -1;
  REQUIRE(waitpid(pid, &status, 0) == pid);
  word.store(1);
  futex::wake(word);
  t.join();
  futex::set_spin_iterations(4000);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
  CHECK(out.how.load() == 3);
}
