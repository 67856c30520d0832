#include "engine/core/gil.hpp"

#include <pthread.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <list>
#include <mutex>
#include <new>

#include "engine/core/after_fork.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/self.hpp"

namespace parlab::gil {
namespace {

struct ThreadRecord {
  ThreadStats s;
  double acquired_at = 0;
  DropNotifier notify = nullptr;  // how to ask this thread to drop the GIL
  void* notify_ctx = nullptr;
};

// One per process; the mutex guards everything that is not atomic.
struct State {
  std::mutex mu;
  std::condition_variable released;  // the GIL became free
  std::condition_variable switched;  // another thread took it (FORCE_SWITCHING)
  bool locked = false;
  ThreadRecord* holder = nullptr;
  ThreadRecord* last_holder = nullptr;
  std::uint64_t switch_number = 0;  // counts acquisitions
  int waiters = 0;
  int registered = 0;
  std::uint64_t switches = 0, forced = 0, requests = 0;
  std::list<ThreadRecord> records;  // stable addresses; ended threads stay until reset_stats
};

bool env_enabled() {
  const char* v = std::getenv("PARLAB_GIL");
  return v && *v && std::strcmp(v, "0") != 0;
}

State* g_state = nullptr;  // set once, by the first state(): null in a process that never used the GIL
State& state() {
  static State* s = g_state = new State;  // never destroyed: threads may still touch it at exit
  return *s;
}
std::atomic<bool> g_enabled{env_enabled()};
std::atomic<bool> g_drop_request{false};
std::atomic<long> g_interval_ns{5'000'000};

thread_local bool t_holds = false;
thread_local bool t_registered = false;
thread_local ThreadRecord* t_record = nullptr;

long this_tid() { return static_cast<long>(self::tid()); }

// This thread's record, created on first use (threads that never registered get "thread <tid>").
ThreadRecord* record_locked(State& s) {
  if (!t_record) {
    s.records.emplace_back();
    t_record = &s.records.back();
    t_record->s.tid = this_tid();
    t_record->s.name = "thread " + std::to_string(t_record->s.tid);
  }
  return t_record;
}

// CPython's take_gil: wait in slices of the switch interval; a slice that ends with no switch in the
// meantime sets the drop request.
void take_locked(State& s, std::unique_lock<std::mutex>& lk) {
  ThreadRecord* me = record_locked(s);
  const double t0 = clock_seconds();
  if (s.locked) {
    ++s.waiters;
    while (s.locked) {
      const std::uint64_t seen = s.switch_number;
      auto interval = std::chrono::nanoseconds(g_interval_ns.load(std::memory_order_relaxed));
      bool freed = s.released.wait_for(lk, interval, [&] { return !s.locked; });
      if (!freed && s.switch_number == seen && s.locked) {
        if (!g_drop_request.load(std::memory_order_relaxed)) {
          g_drop_request.store(true, std::memory_order_release);
          ++s.requests;
        }
        // Every interval, not just once: a one-shot hook may have fired just before this request.
        if (s.holder && s.holder->notify) s.holder->notify(s.holder->notify_ctx, true);
      }
    }
    --s.waiters;
  }
  s.locked = true;
  s.holder = me;
  if (s.last_holder != me) ++s.switches;
  s.last_holder = me;
  ++s.switch_number;
  g_drop_request.store(false, std::memory_order_relaxed);
  t_holds = true;
  const double now = clock_seconds();
  me->s.wait_seconds += now - t0;
  me->acquired_at = now;
  ++me->s.acquisitions;
  s.switched.notify_all();
}

void drop_locked(State& s) {
  if (t_record) t_record->s.hold_seconds += clock_seconds() - t_record->acquired_at;
  s.locked = false;
  s.holder = nullptr;
  t_holds = false;
  s.released.notify_one();
}

// Whether the state holds nothing of a thread the fork left behind: no waiter, no thread registered or
// recorded but this one, no count to clear, its mutex free. Reads only, so a child that keeps the state as
// it is (every fork-server child) writes none of its pages: each page written after a fork costs a
// copy-on-write fault, and the rebuild below wrote a dozen.
bool only_this_thread(State& s) {
  return mutex_free(s.mu) && s.waiters == 0 && s.registered == (t_registered ? 1 : 0) &&
         s.records.size() == (t_record ? 1u : 0u) && (!s.locked || (t_holds && s.holder == t_record)) &&
         s.switch_number == 0 && s.switches == 0 && s.forced == 0 && s.requests == 0;
}

// After fork only the forking thread exists: keep the GIL if it held it, forget every waiter.
PARLAB_AFTER_FORK void after_fork_child() {
  if (!g_state) return;
  State& s = *g_state;
  if (only_this_thread(s)) {
    if (t_record) t_record->s.tid = this_tid();
    if (g_drop_request.load(std::memory_order_relaxed)) g_drop_request.store(false);
    return;
  }
  ThreadRecord mine;
  const bool had = t_record != nullptr;
  if (had) mine = *t_record;
  new (&s) State;  // the old mutex may be held by a thread that no longer exists: abandon it (leaked)
  s.registered = t_registered ? 1 : 0;
  if (had) {
    s.records.push_back(mine);
    t_record = &s.records.back();
    t_record->s.tid = this_tid();
  }
  s.locked = t_holds;
  s.holder = s.last_holder = t_holds ? t_record : nullptr;
  g_drop_request.store(false);
}

[[maybe_unused]] const bool atfork_installed = [] {
  pthread_atfork(nullptr, nullptr, after_fork_child);
  return true;
}();

}  // namespace

bool enabled() noexcept { return g_enabled.load(std::memory_order_relaxed); }

void set_enabled(bool on) {
  State& s = state();
  std::unique_lock lk(s.mu);
  if (on == g_enabled.load()) return;
  int others = s.registered - (t_registered ? 1 : 0);
  if (others > 0)
    throw Error(
        "gil.enable: " + std::to_string(others) +
        " other Lua thread(s) are running; switch the GIL before starting threads (or run with --gil)");
  if (!on && t_holds) drop_locked(s);
  g_enabled.store(on);
  // Spawned children run with the same setting (forked ones inherit the flag itself).
  setenv("PARLAB_GIL", on ? "1" : "0", 1);
}

bool held_by_this_thread() noexcept { return t_holds; }

void acquire() noexcept {
  if (t_holds || !g_enabled.load(std::memory_order_relaxed)) return;
  State& s = state();
  std::unique_lock lk(s.mu);
  take_locked(s, lk);
}

void release() noexcept {
  if (!t_holds) return;
  State& s = state();
  std::lock_guard lk(s.mu);
  drop_locked(s);
}

bool drop_requested() noexcept { return g_drop_request.load(std::memory_order_relaxed); }

bool check_drop_request() noexcept {
  if (!t_holds || !g_drop_request.load(std::memory_order_acquire)) return false;
  State& s = state();
  std::unique_lock lk(s.mu);
  if (!g_drop_request.load()) return false;
  drop_locked(s);
  ++s.forced;
  // FORCE_SWITCHING: do not race the waiter for the lock we just let go.
  const std::uint64_t seen = s.switch_number;
  s.switched.wait(lk, [&] { return s.switch_number != seen || s.waiters == 0; });
  take_locked(s, lk);
  return true;
}

Release::Release() noexcept : held_(t_holds) {
  if (held_) release();
}

Release::~Release() {
  if (held_) acquire();
}

void set_drop_notifier(DropNotifier fn, void* ctx) noexcept {
  if (!fn && !t_record) return;
  State& s = state();
  std::lock_guard lk(s.mu);
  ThreadRecord* r = record_locked(s);
  r->notify = fn;
  r->notify_ctx = ctx;
}

bool on_hook() noexcept {
  if (t_record && t_record->notify) {
    State& s = state();
    std::lock_guard lk(s.mu);
    if (t_record->notify) t_record->notify(t_record->notify_ctx, false);
  }
  return check_drop_request();
}

void set_switch_interval(double seconds) {
  if (!(seconds > 0) || seconds > 3600)
    throw Error("gil.setswitchinterval: the interval must be a positive number of seconds (at most 3600)");
  long ns = static_cast<long>(seconds * 1e9);
  g_interval_ns.store(ns < 1000 ? 1000 : ns);
}

double switch_interval() noexcept { return double(g_interval_ns.load()) * 1e-9; }

void register_thread(const std::string& name) {
  State& s = state();
  std::lock_guard lk(s.mu);
  if (t_registered) return;
  t_registered = true;
  ++s.registered;
  ThreadRecord* r = record_locked(s);
  r->s.name = name;
  r->s.alive = true;
}

void unregister_thread() noexcept {
  if (!t_registered) return;
  release();
  State& s = state();
  std::lock_guard lk(s.mu);
  t_registered = false;
  --s.registered;
  if (t_record && t_record->s.acquisitions == 0) {
    // Never took the GIL (it was off, or the thread never ran Lua): nothing for the statistics, and
    // keeping it would grow the list by one record per thread ever started.
    const ThreadRecord* gone = t_record;
    if (s.last_holder == gone) s.last_holder = nullptr;
    s.records.remove_if([gone](const ThreadRecord& r) { return &r == gone; });
  } else if (t_record) {
    t_record->s.alive = false;
    t_record->notify = nullptr;
  }
  t_record = nullptr;
}

int registered_threads() noexcept {
  State& s = state();
  std::lock_guard lk(s.mu);
  return s.registered;
}

bool this_thread_registered() noexcept { return t_registered; }

Stats stats() {
  State& s = state();
  std::lock_guard lk(s.mu);
  Stats out;
  out.switches = s.switches;
  out.forced_switches = s.forced;
  out.drop_requests = s.requests;
  const double now = clock_seconds();
  for (const ThreadRecord& r : s.records) {
    out.threads.push_back(r.s);
    if (s.holder == &r) out.threads.back().hold_seconds += now - r.acquired_at;
  }
  return out;
}

void reset_stats() {
  State& s = state();
  std::lock_guard lk(s.mu);
  s.switches = s.forced = s.requests = 0;
  const double now = clock_seconds();
  for (auto it = s.records.begin(); it != s.records.end();) {
    if (!it->s.alive && &*it != t_record && &*it != s.holder && &*it != s.last_holder) {
      it = s.records.erase(it);
      continue;
    }
    it->s.acquisitions = 0;
    it->s.wait_seconds = it->s.hold_seconds = 0;
    if (s.holder == &*it) it->acquired_at = now;
    ++it;
  }
}

}  // namespace parlab::gil
