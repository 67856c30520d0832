#pragma once
// The arena allocator's lock: a process-shared pthread mutex that lives in the arena. Robust, because a
// process SIGKILLed while it holds the lock (a pool worker killed while it sends a result) would
// otherwise leave it locked, and every later allocation in every process of the run would wait for ever:
// the kernel hands a robust mutex to the next waiter with EOWNERDEAD. lock() reports that, so the caller
// can repair what the lock guards (heap.cpp undoes the dead holder's half-made change) before
// consistent() makes the lock usable again.
#include <pthread.h>

#include <cerrno>

namespace parlab::shm {

namespace detail {
// Counts and reports a takeover (shm::recoveries(), a line on stderr).
void note_recovery() noexcept;
}  // namespace detail

// Trivially constructible, so that it can sit in zero-filled shared memory: init() once, by the process
// that lays the memory out.
struct RobustMutex {
  void init() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    pthread_mutex_init(&m, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  // True when the previous holder died holding it: repair, then call consistent().
  bool lock() noexcept { return pthread_mutex_lock(&m) == EOWNERDEAD; }
  void consistent() noexcept {
    pthread_mutex_consistent(&m);
    detail::note_recovery();
  }
  void unlock() noexcept { pthread_mutex_unlock(&m); }

  pthread_mutex_t m;
};

}  // namespace parlab::shm
