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

#include "engine/core/after_fork.hpp"
#include "engine/core/thread_exits.hpp"

namespace parlab::self {
namespace {

// Both per thread: the pid is the same in every thread, but a thread's own block is the page its fork
// child writes anyway (the kernel stores the child's thread id next to it), where a global would cost each
// fork child a copy-on-write fault of its own (~30 us on a VM). A thread asks getpid once.
thread_local pid_t cached_pid = 0;
thread_local std::uint64_t cached_tid = 0;

// The child has one thread, the one that forked: its cached ids are the only ones left to forget.
PARLAB_AFTER_FORK void forget() noexcept {
  cached_pid = 0;
  cached_tid = 0;
}

[[gnu::constructor(101)]] void install_forget() { pthread_atfork(nullptr, nullptr, forget); }

}  // namespace

// Hot (PARLAB_AFTER_FORK's section): other after-fork handlers call them, from the same code page.
PARLAB_AFTER_FORK pid_t pid() noexcept {
  if (cached_pid == 0) cached_pid = getpid();
  return cached_pid;
}

PARLAB_AFTER_FORK std::uint64_t tid() noexcept {
  if (cached_tid == 0) cached_tid = std::uint64_t(syscall(SYS_gettid));
  return cached_tid;
}

int thread_count() noexcept {
  thread_exits::wait_all();  // a joined thread counts as gone, also while its OS thread still exits
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
