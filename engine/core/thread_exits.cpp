// The threads handed over by Thread::join, joined later (thread_exits.hpp). A fork waits for them first
// (its prepare handler joins them): a child that inherited a record of a finished, unjoined thread could
// never join it (the thread is not there), and a sanitizer would report it leaked at the child's exit. A
// hand-over that races with the fork, from another thread, is forgotten in the child without a join.
#include "engine/core/thread_exits.hpp"

#include <pthread.h>
#include <sched.h>

#include <atomic>
#include <new>
#include <system_error>
#include <vector>

#include "engine/core/after_fork.hpp"

namespace parlab::thread_exits {
namespace {

// A spin flag rather than a mutex: held for a push or a swap only, and a fork child can see at a glance
// whether it was held (reading costs no copy-on-write fault; resetting it would).
std::atomic<bool> busy{false};
std::atomic<int> count{0};
std::vector<std::thread>* handed = nullptr;  // made on the first hand-over, never freed (see Reaper)

void lock() noexcept {
  while (busy.exchange(true, std::memory_order_acquire)) sched_yield();
}
void unlock() noexcept { busy.store(false, std::memory_order_release); }

// Writes only when there is something to forget: each page a fork child writes costs it a fault.
PARLAB_AFTER_FORK void forget_in_child() noexcept {
  if (busy.load(std::memory_order_relaxed)) busy.store(false, std::memory_order_relaxed);
  if (count.load(std::memory_order_relaxed) == 0) return;
  for (std::thread& t : *handed) new (&t) std::thread;  // the parent's: no longer joinable, never joined
  handed->clear();
  count.store(0, std::memory_order_relaxed);
}

std::vector<std::thread> take_all() noexcept {
  std::vector<std::thread> out;
  lock();
  if (handed) out.swap(*handed);
  count.store(0, std::memory_order_relaxed);
  unlock();
  return out;
}

// Joins what is left when the program ends, and before each fork. Made on the first hand-over, so it is
// destroyed before the statics made earlier, which a thread's thread_local destructors may still use while
// it exits.
struct Reaper {
  Reaper() { pthread_atfork(wait_all, nullptr, forget_in_child); }
  ~Reaper() { wait_all(); }
};

}  // namespace

void hand_over(std::thread t) {
  static Reaper reaper;
  wait_all();  // the ones handed over before: long gone, as a rule, so each join is one system call
  lock();
  if (!handed) handed = new std::vector<std::thread>;
  try {
    handed->push_back(std::move(t));
  } catch (...) {  // out of memory: wait for this one here instead
    unlock();
    t.join();
    return;
  }
  count.store(int(handed->size()), std::memory_order_relaxed);
  unlock();
}

void wait_all() noexcept {
  if (count.load(std::memory_order_relaxed) == 0) return;
  for (std::thread& t : take_all()) {
    try {
      t.join();
    } catch (const std::system_error&) {  // not joinable after all: nothing to wait for
    }
  }
}

int pending() noexcept { return count.load(std::memory_order_relaxed); }

}  // namespace parlab::thread_exits
