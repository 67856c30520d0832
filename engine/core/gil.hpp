#pragma once
// The global interpreter lock, as CPython's "new GIL" (3.2+). Off unless switched on (PARLAB_GIL=1 in
// the environment, or enable(true) before other Lua threads run); while off every call here costs one
// thread-local load. A thread holds the GIL while it runs Lua; a thread that wants it waits up to the
// switch interval, then sets a drop request; the holder drops it at its next check (check_drop_request,
// called by the Lua count hook in bindings/modules/lua_gil.cpp) and, as CPython's FORCE_SWITCHING, waits
// until another thread has taken it before it asks again. Blocking engine calls and native kernels hold a
// gil::Release for their duration, exactly as NumPy and CPython's I/O release the GIL.
// The GIL is per process (threads of one process compete; processes never do).
#include <cstdint>
#include <string>
#include <vector>

namespace parlab::gil {

bool enabled() noexcept;
// Switches the GIL on or off for this process. Refused (parlab::Error) while Lua threads other than the
// caller are registered (register_thread): a lock cannot be imposed on threads already running.
// Switching off releases it if the caller holds it; switching on does not acquire (the caller does).
void set_enabled(bool on);

// Drops the GIL for this object's lifetime when the calling thread holds it; otherwise does nothing.
class Release {
 public:
  Release() noexcept;
  ~Release();
  Release(const Release&) = delete;
  Release& operator=(const Release&) = delete;

 private:
  bool held_;
};

bool held_by_this_thread() noexcept;
// Takes the GIL (blocking; never throws; does nothing when the GIL is off or already held here).
void acquire() noexcept;
// Lets it go (nothing when not held here).
void release() noexcept;

// True when a waiting thread asked the holder to drop the GIL (one relaxed atomic load).
bool drop_requested() noexcept;
// The holder's periodic check: when a drop was requested, drops the GIL, waits until another thread
// took it (FORCE_SWITCHING) and takes it back. Returns true when it switched.
bool check_drop_request() noexcept;

// How a holder learns that a waiter asked for the GIL: the Lua binding arms a one-shot count hook on the
// holder's state (a permanent hook would slow LuaJIT's interpreter ~2x). notifier(ctx, true) arms it:
// called from a waiting thread at each switch interval that passes without a switch. The hook calls
// on_hook(), which disarms it (notifier(ctx, false)) and honours the request. Both run under the GIL's
// internal mutex, so arming and disarming one state never race. set_drop_notifier sets the calling
// thread's notifier (nullptr clears it; do so before the state closes).
using DropNotifier = void (*)(void* ctx, bool arm);
void set_drop_notifier(DropNotifier fn, void* ctx) noexcept;
// The hook's entry: disarms this thread's notifier, then check_drop_request(). Returns true on a switch.
bool on_hook() noexcept;

// sys.setswitchinterval / getswitchinterval; seconds, must be > 0 (parlab::Error otherwise).
void set_switch_interval(double seconds);
double switch_interval() noexcept;

// Lua threads register so that set_enabled can refuse once others run, and stats can name them.
void register_thread(const std::string& name);
void unregister_thread() noexcept;
// Registered threads that are running now (the caller included when registered).
int registered_threads() noexcept;
bool this_thread_registered() noexcept;

struct ThreadStats {
  std::string name;
  long tid = 0;
  bool alive = true;
  std::uint64_t acquisitions = 0;
  double wait_seconds = 0;  // time spent waiting to take the GIL
  double hold_seconds = 0;  // time spent holding it
};
struct Stats {
  std::uint64_t switches = 0;         // the GIL passed from one thread to a different one
  std::uint64_t forced_switches = 0;  // the holder dropped it because a waiter asked (drop request)
  std::uint64_t drop_requests = 0;    // a waiter's switch interval ran out and it asked
  std::vector<ThreadStats> threads;
};
Stats stats();
// Zeroes the counters and forgets threads that have ended.
void reset_stats();

}  // namespace parlab::gil
