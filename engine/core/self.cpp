// The pid and thread-id caches (self.hpp). A fork child must never see its parent's values, and other
// after-fork handlers read them (the GIL's record of its holder): the handler that forgets them is
// registered by a constructor of the first priority, before any static initializer registers another,
// and pthread_atfork runs child handlers in the order they were registered.
#include "engine/core/self.hpp"

#include <dirent.h>
#include <pthread.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <atomic>

#include "engine/core/after_fork.hpp"

namespace parlab::self {
namespace {

std::atomic<pid_t> cached_pid{0};
thread_local std::uint64_t cached_tid = 0;

// The child has one thread, the one that forked: its cached id is the only one left to forget. Written
// only when set, so a child that never asked does not copy the page.
PARLAB_AFTER_FORK void forget() noexcept {
  if (cached_pid.load(std::memory_order_relaxed) != 0) cached_pid.store(0, std::memory_order_relaxed);
  if (cached_tid != 0) cached_tid = 0;
}

[[gnu::constructor(101)]] void install_forget() { pthread_atfork(nullptr, nullptr, forget); }

}  // namespace

pid_t pid() noexcept {
  pid_t p = cached_pid.load(std::memory_order_relaxed);
  if (p == 0) {
    p = getpid();
    cached_pid.store(p, std::memory_order_relaxed);
  }
  return p;
}

std::uint64_t tid() noexcept {
  if (cached_tid == 0) cached_tid = std::uint64_t(syscall(SYS_gettid));
  return cached_tid;
}

int thread_count() noexcept {
  struct stat st {};
  if (stat("/proc/self/task", &st) == 0 && st.st_nlink > 2) return int(st.st_nlink - 2);
  DIR* d = opendir("/proc/self/task");  // a /proc without the link count: count the entries
  if (!d) return -1;
  int n = 0;
  while (dirent* e = readdir(d))
    if (e->d_name[0] != '.') ++n;
  closedir(d);
  return n;
}

}  // namespace parlab::self
