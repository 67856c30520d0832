#pragma once
// Stopping a thread's Lua code from another thread (Thread:terminate(), ThreadPool:terminate()), also
// while it spins in a JIT-compiled loop that calls nothing. Three paths, whichever comes first:
//  - interpreted code: a count hook set on the thread's state raises "terminated";
//  - engine waits (queue get, lock acquire, sleep, join): the thread's stop flag makes them throw;
//  - JIT-compiled code, which never runs hooks: a signal (kStopSignal) sent to the thread; its handler,
//    on that thread, siglongjmps out of the compiled loop to the escape point set around the Lua call.
//    Only from compiled code (bindings/core/jitprobe.hpp), never from C code or the interpreter, so
//    no lock is ever abandoned held. The state is then in the middle of a trace and cannot be closed: it
//    is abandoned (its memory, and the references it held on shared objects, are not given back).
#include <pthread.h>
#include <lua.hpp>

#include <atomic>
#include <csetjmp>
#include <mutex>
#include <string>

namespace parlab::lua {

struct StopPoint {
  std::atomic<bool> requested{false};
  std::string message = "terminated";  // the error a stopped task raises
  // Set by the running thread:
  sigjmp_buf escape;
  std::atomic<int> armed{0};  // 1 while the escape point is valid
  pthread_t thread{};
  std::mutex mu;  // guards L against the thread closing it while stop() sets a hook
  lua_State* L = nullptr;
};

// On the thread, around the Lua call that may be stopped: attach(L) before arming, detach() after
// (before the state closes). The escape point itself must be set by the caller with sigsetjmp(p.escape, 1)
// in its own frame, then arm(); disarm() when the call returned.
void stop_attach(StopPoint& p, lua_State* L);
void stop_arm(StopPoint& p) noexcept;
void stop_disarm(StopPoint& p) noexcept;
void stop_detach(StopPoint& p);

// From another thread: asks the thread to stop (hook, flag, signal). Call again to resend the signal
// (a thread between two compiled loops may have missed it). Cheap; never waits.
void request_stop(StopPoint& p);

}  // namespace parlab::lua
