#include "engine/queues/pipe_holders.hpp"

#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <mutex>

#include "engine/core/clock.hpp"

namespace parlab::queue {
namespace {

// Reads state and start time of /proc/<pid>/stat; false when the process does not exist.
bool read_stat(std::int32_t pid, char& state, std::uint64_t& start) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/%d/stat", int(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  char buf[1024];
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return false;
  buf[n] = 0;
  const char* p = std::strrchr(buf, ')');  // the command name may hold spaces and parentheses
  if (!p) return false;
  // After ") ": field 3 (state), then fields 4..22; starttime is field 22.
  unsigned long long st = 0;
  char s = 0;
  if (std::sscanf(p + 2, "%c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d %llu",
                  &s, &st) != 2)
    return false;
  state = s;
  start = st;
  return true;
}

ProcessId current;
std::once_flag current_once;

void refresh_current() noexcept {
  current.pid = getpid();
  char state = 0;
  if (!read_stat(current.pid, state, current.start)) current.start = 0;
}

}  // namespace

const ProcessId& this_process() {
  std::call_once(current_once, [] {
    refresh_current();
    pthread_atfork(nullptr, nullptr, [] { refresh_current(); });
  });
  return current;
}

bool process_alive(const ProcessId& p) {
  char state = 0;
  std::uint64_t start = 0;
  if (!read_stat(p.pid, state, start)) return false;
  if (state == 'Z' || state == 'X' || state == 'x') return false;
  return p.start == 0 || start == p.start;
}

// The lock word holds its holder's pid: a holder SIGKILLed inside (a few instructions, or the /proc reads of
// a prune) never unlocks, so a waiter that has yielded a while checks that pid and takes the lock over.
void Holders::lock() noexcept {
  const auto me = std::uint32_t(this_process().pid);
  for (int spins = 0;; ++spins) {
    std::uint32_t holder = 0;
    if (lock_.compare_exchange_weak(holder, me, std::memory_order_acquire)) return;
    if (spins > 64) sched_yield();
    if (spins % 4096 == 4095 && holder != 0 && !process_alive(ProcessId{std::int32_t(holder), 0}) &&
        lock_.compare_exchange_strong(holder, me, std::memory_order_acquire))
      return;
  }
}

void Holders::add_for(const ProcessId& me) {
  lock();
  Entry* mine = nullptr;
  for (int pass = 0; pass < 2 && !mine; ++pass) {
    if (pass == 1) prune_locked();  // the table is full: make room by dropping dead processes
    Entry* free_entry = nullptr;
    for (Entry& e : entries_) {
      if (e.count > 0 && e.id.pid == me.pid && e.id.start == me.start) mine = &e;
      if (e.count == 0 && !free_entry) free_entry = &e;
    }
    if (!mine && free_entry) {
      mine = free_entry;
      mine->id = me;
    }
  }
  if (mine)
    mine->count++;
  else
    untracked_++;
  open_.fetch_add(1, std::memory_order_acq_rel);
  unlock();
}

void Holders::remove_for(const ProcessId& me) {
  lock();
  bool found = false;
  for (Entry& e : entries_) {
    if (e.count > 0 && e.id.pid == me.pid && e.id.start == me.start) {
      e.count--;
      found = true;
      break;
    }
  }
  if (!found && untracked_ > 0) untracked_--, found = true;
  if (found) open_.fetch_sub(1, std::memory_order_acq_rel);
  unlock();
}

std::int32_t Holders::prune_locked(bool skip_self) {
  const ProcessId& me = this_process();
  std::int32_t pruned = 0;
  for (Entry& e : entries_) {
    if (e.count <= 0 || (skip_self && e.id.pid == me.pid && e.id.start == me.start)) continue;
    if (!process_alive(e.id)) {
      open_.fetch_sub(e.count, std::memory_order_acq_rel);
      pruned += e.count;
      e.count = 0;
      died_ = true;
    }
  }
  return pruned;
}

std::int32_t Holders::reclaim_dead() {
  lock();
  std::int32_t pruned = prune_locked(true);
  unlock();
  return pruned;
}

Holders::State Holders::check(std::int32_t unused_here) {
  if (open_.load(std::memory_order_acquire) == 0) return died_ ? State::died : State::closed;
  lock();
  prune_locked();
  std::int32_t open = open_.load(std::memory_order_acquire);
  if (unused_here > 0) {
    const ProcessId& me = this_process();
    for (Entry& e : entries_)
      if (e.count > 0 && e.id.pid == me.pid && e.id.start == me.start) open -= std::min(e.count, unused_here);
  }
  State s = open > 0 ? State::open : died_ ? State::died : State::closed;
  unlock();
  return s;
}

bool Holders::check_due(double seconds) {
  auto now = std::int64_t(clock_seconds() * 1e6);
  std::int64_t last = last_check_us_.load(std::memory_order_relaxed);
  return now - last >= std::int64_t(seconds * 1e6) && last_check_us_.compare_exchange_strong(last, now);
}

}  // namespace parlab::queue
