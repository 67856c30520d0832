#pragma once
// Helpers for the queue fault tests (test_queue_faults.cpp, test_queue_recover_faults.cpp): a child
// killed at a chosen moment (Fifo::test_hook), a child given a bounded time, a string get, and flags that
// children racing at chosen moments meet on.
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <new>
#include <set>
#include <string>

#include "engine/core/clock.hpp"
#include "tests/engine/test_queue_util.hpp"

namespace fault_util {

inline Fifo::Stage kill_at;
inline void kill_me(Fifo::Stage s) {
  if (s == kill_at) raise(SIGKILL);
}

// Runs body in a forked child that SIGKILLs itself at `stage`; true when it died that way.
template <class Body>
bool child_killed_at(Fifo::Stage stage, Body body) {
  pid_t pid = fork();
  if (pid == 0) {
    kill_at = stage;
    Fifo::test_hook = kill_me;
    body();
    _exit(0);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL;
}

// Runs body in a forked child given `seconds` (SIGALRM ends it): true when body returned true in time. For
// waits that the old code made endless (a get spinning at a block's end does not watch its timeout).
template <class Body>
bool finishes_within(unsigned seconds, Body body) {
  pid_t pid = fork();
  if (pid == 0) {
    alarm(seconds);
    _exit(body() ? 0 : 1);
  }
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

// The next item as a string, "<none>" when none came within `timeout` seconds (< 0: waits for ever).
inline std::string get_str(Queue& q, double timeout) {
  Message m;
  if (q.get(m, true, timeout) != Status::ok) return "<none>";
  return std::string(m.data(), m.size());
}

// A fresh queue's first slot block holds 63 items: after kFirstBlock - 1 puts (or gets) the next one claims
// its last slot, where a writer links the next block and a reader moves the head to it.
constexpr int kFirstBlock = 63;

// Puts the items "0" .. "n-1".
inline bool put_numbers(Queue& q, int n) {
  for (int i = 0; i < n; ++i)
    if (put_str(q, std::to_string(i)) != Status::ok) return false;
  return true;
}

// True when the next n items are "0" .. "n-1", in order, each within `timeout` seconds (< 0: for ever).
inline bool got_numbers(Queue& q, int n, double timeout) {
  for (int i = 0; i < n; ++i)
    if (get_str(q, timeout) != std::to_string(i)) return false;
  return true;
}

// True when two gets return the items a and b once each (a dead reader's put back: either order) and a
// third finds nothing.
inline bool both_come_back_once(Queue& q, const std::string& a, const std::string& b, double timeout) {
  std::multiset<std::string> got{get_str(q, timeout), get_str(q, timeout)};
  return got == std::multiset<std::string>{a, b} && get_str(q, 0.3) == "<none>";
}

// Flags on a page shared with forked children, all 0: a race test's meeting points. One page per test.
inline std::atomic<int>* flags;
inline void map_flags(int n) {
  void* page = mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  flags = page == MAP_FAILED ? nullptr : new (page) std::atomic<int>[n] {};
}
inline void unmap_flags() { munmap(flags, 4096); }

// Waits until flags[i] >= value; false after 10 s, so that the test fails instead of hanging.
inline bool wait_flag(int i, int value = 1) {
  const double t0 = parlab::clock_seconds();
  while (flags[i].load() < value) {
    if (parlab::clock_seconds() - t0 > 10) return false;
    sched_yield();
  }
  return true;
}

// Forks a child that puts `item` with `hook` as the queue's test hook; it exits 0 when the put succeeded.
inline pid_t start_put(Queue& q, void (*hook)(Fifo::Stage), const char* item) {
  pid_t pid = fork();
  if (pid == 0) {
    Fifo::test_hook = hook;
    _exit(put_str(q, item) == Status::ok ? 0 : 1);
  }
  return pid;
}

// How a child ended: its exit status, or minus the signal that ended it.
inline int status_of(pid_t pid) {
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFSIGNALED(st) ? -WTERMSIG(st) : WEXITSTATUS(st);
}

}  // namespace fault_util
