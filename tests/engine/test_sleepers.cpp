// engine/core/sleepers: waits on futex words are woken by Ctrl-C and by their thread's stop request instead
// of waking every 20 ms to look; the count of kernel sleeps (voluntary context switches) shows which.
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <thread>

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"
#include "tests/engine/test_wait_util.hpp"

using namespace parlab;
using namespace wait_util;

namespace {

void wait_on(std::atomic<std::uint32_t>& word, Outcome& out, const std::atomic<bool>* stop = nullptr) {
  observe([&] { futex::wait(word, 0, 30); }, out, stop);
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
