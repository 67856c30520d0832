#pragma once
// Helpers for the queue fault tests (test_queue_faults.cpp, test_queue_recover_faults.cpp): a child
// killed at a chosen moment (Fifo::test_hook), a child given a bounded time, a string get.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <string>

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

}  // namespace fault_util
