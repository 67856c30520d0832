// engine/core/self: the cached pid and thread id are the kernel's in every thread and in a fork child,
// including inside other after-fork handlers (the GIL's record of a thread), and the thread count
// follows threads as they start and end.
#include <dirent.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "engine/core/gil.hpp"
#include "engine/core/self.hpp"
#include "engine/sync/lock.hpp"

using namespace parlab;

namespace {

std::uint64_t kernel_tid() { return std::uint64_t(syscall(SYS_gettid)); }

// Exits the child 0 when check() holds there, 1 when not; returns the child's status to the parent.
template <class Check>
int in_fork_child(Check check) {
  pid_t pid = fork();
  if (pid == 0) _exit(check() ? 0 : 1);
  int st = 0;
  waitpid(pid, &st, 0);
  return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

}  // namespace

TEST_CASE("self: pid and thread id are the kernel's, in each thread") {
  CHECK(self::pid() == getpid());
  CHECK(self::tid() == kernel_tid());
  CHECK(self::is_main_thread() == (kernel_tid() == std::uint64_t(getpid())));
  std::atomic<bool> ok{false};
  std::thread([&] {
    ok = self::tid() == kernel_tid() && self::pid() == getpid() && !self::is_main_thread();
  }).join();
  CHECK(ok);
  CHECK(self::tid() == kernel_tid());  // the other thread's id did not leak into this one's cache
}

TEST_CASE("self: a fork child sees its own pid and thread id, never its parent's cached ones") {
  const pid_t parent = self::pid();
  const std::uint64_t parent_tid = self::tid();
  CHECK(in_fork_child([&] {
          return self::pid() == getpid() && self::pid() != parent && self::tid() == kernel_tid() &&
                 self::tid() != parent_tid;
        }) == 0);
  // From a thread other than the main one: the child's only thread is the one that forked.
  int status = -1;
  std::thread([&] {
    status = in_fork_child([] { return self::tid() == kernel_tid() && self::is_main_thread(); });
  }).join();
  CHECK(status == 0);
  // Grandchildren too: each fork forgets again.
  CHECK(in_fork_child([] {
          return in_fork_child([] { return self::pid() == getpid() && self::tid() == kernel_tid(); }) == 0 &&
                 self::pid() == getpid();
        }) == 0);
}

TEST_CASE("self: other after-fork handlers already read the child's ids (the GIL's record, a lock owner)") {
  // From a thread of its own, registered under a name no other test uses, then forked from there.
  int status = -1;
  std::thread([&] {
    gil::register_thread("self-test forker");
    (void)self::tid();
    status = in_fork_child([] {
      for (const auto& t : gil::stats().threads)
        if (t.name == "self-test forker") return t.tid == long(kernel_tid());
      return false;
    });
    gil::unregister_thread();
  }).join();
  CHECK(status == 0);
  // An RLock's owner id names the process and thread: the child's differs from the parent's.
  const std::uint64_t parent_owner = sync::self_id();
  CHECK(in_fork_child([&] {
          const std::uint64_t expected =
              (std::uint64_t(std::uint32_t(getpid())) << 32) | std::uint32_t(kernel_tid());
          return sync::self_id() != parent_owner && sync::self_id() == expected;
        }) == 0);
}

TEST_CASE("self: the thread count is /proc's, as threads start and end") {
  // Counted against the folder's entries at the same moment: a sanitizer may start threads of its own.
  auto listed = [] {
    int n = 0;
    if (DIR* d = opendir("/proc/self/task")) {
      while (dirent* e = readdir(d))
        if (e->d_name[0] != '.') ++n;
      closedir(d);
    }
    return n;
  };
  REQUIRE(self::thread_count() >= 1);
  CHECK(self::thread_count() == listed());
  std::atomic<bool> go{false};
  std::vector<std::thread> threads;
  for (int i = 0; i < 3; ++i)
    threads.emplace_back([&] {
      while (!go) std::this_thread::yield();
    });
  const int running = self::thread_count();
  CHECK(running == listed());
  go = true;
  for (auto& t : threads) t.join();
  CHECK(self::thread_count() == listed());
  CHECK(self::thread_count() <= running - 3);
}
