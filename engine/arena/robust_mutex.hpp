#pragma once
// The arena allocator's lock, as a Boost.Interprocess mutex family. Boost's own process-shared mutex is
// not robust: a process SIGKILLed inside allocate() or deallocate() (a pool worker killed while it
// sends a result) left it locked, and every later allocation in every process of the run waited for
// ever. A robust pthread mutex is handed to the next waiter by the kernel when its holder dies
// (EOWNERDEAD); the waiter marks it consistent, warns on stderr and goes on with the tree as the dead
// process left it (shm::recoveries() counts this process's takeovers; see shm.cpp for the odds).
#include <pthread.h>

#include <cerrno>
#include <cstdint>

namespace parlab::shm {

namespace detail {
void note_recovery() noexcept;
}

template <bool Recursive>
class RobustMutex {
 public:
  RobustMutex() noexcept {
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_setpshared(&attr, PTHREAD_PROCESS_SHARED);
    pthread_mutexattr_setrobust(&attr, PTHREAD_MUTEX_ROBUST);
    if (Recursive) pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&m_, &attr);
    pthread_mutexattr_destroy(&attr);
  }
  ~RobustMutex() { pthread_mutex_destroy(&m_); }
  RobustMutex(const RobustMutex&) = delete;
  RobustMutex& operator=(const RobustMutex&) = delete;

  void lock() noexcept { settle(pthread_mutex_lock(&m_)); }
  bool try_lock() noexcept {
    int r = pthread_mutex_trylock(&m_);
    settle(r);
    return r == 0 || r == EOWNERDEAD;
  }
  void unlock() noexcept { pthread_mutex_unlock(&m_); }

 private:
  void settle(int r) noexcept {
    if (r != EOWNERDEAD) return;
    pthread_mutex_consistent(&m_);
    detail::note_recovery();
  }
  pthread_mutex_t m_;
};

struct RobustMutexFamily {
  using mutex_type = RobustMutex<false>;
  using recursive_mutex_type = RobustMutex<true>;
};

}  // namespace parlab::shm
