#pragma once
// Who the caller is: this process's pid and the calling thread's kernel id, without a system call, and
// how many threads the process runs.
// getpid and gettid cost ~1 us each on a VM, and hot paths asked for them on every call (a Lock's
// acquire, a thread's start and join: eight calls). Both are cached per thread and forgotten in a fork child.
#include <sys/types.h>

#include <cstdint>

namespace parlab::self {

// This process's pid (getpid()).
pid_t pid() noexcept;
// The calling thread's kernel id (gettid(); threading.get_native_id in Python).
std::uint64_t tid() noexcept;
// True in the process's first thread, whose kernel id is the pid.
inline bool is_main_thread() noexcept { return tid() == std::uint64_t(pid()); }
// The number of threads this process runs now; -1 when /proc cannot tell. One stat() call: the kernel
// gives /proc/self/task two links more than it has threads (reading the folder took five calls). A thread
// that was joined is not counted: its exit is waited for first (engine/core/thread_exits.hpp).
int thread_count() noexcept;

}  // namespace parlab::self
