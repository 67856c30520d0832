#include "bindings/worker/thread_stop.hpp"

#include <signal.h>

#include <cerrno>

#include "bindings/core/jitprobe.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/sleepers.hpp"

namespace parlab::lua {
namespace {

// A real-time signal above the few glibc keeps for itself; used by nothing else in parlab.
int stop_signal() { return SIGRTMIN + 4; }

thread_local StopPoint* current = nullptr;

void on_stop_signal(int, siginfo_t*, void* ucontext) {
  int saved = errno;
  StopPoint* p = current;
  if (p && p->armed.load(std::memory_order_acquire) && p->requested.load(std::memory_order_acquire) &&
      in_anonymous_code(interrupted_pc(ucontext))) {
    p->armed.store(0, std::memory_order_release);
    siglongjmp(p->escape, 1);
  }
  errno = saved;
}

void install_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    prepare_jitprobe();
    struct sigaction sa {};
    sa.sa_sigaction = on_stop_signal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(stop_signal(), &sa, nullptr);
  });
}

// Calls of C functions are let through, as the CLI's Ctrl-C hook does: one of them is the message
// handler of the error this hook (or a stopped wait) already raised.
void terminate_hook(lua_State* L, lua_Debug* ar) {
  lua_getinfo(L, "S", ar);
  if (ar->event == LUA_HOOKCALL && ar->what && ar->what[0] == 'C') return;
  StopPoint* p = current;
  luaL_error(L, "%s", p ? p->message.c_str() : "terminated");
}

}  // namespace

void stop_attach(StopPoint& p, lua_State* L) {
  install_once();
  current = &p;
  p.thread = pthread_self();
  interrupt::watch_stop_flag(&p.requested);
  std::lock_guard<std::mutex> hold(p.mu);
  p.L = L;
  if (p.requested.load()) lua_sethook(L, terminate_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 100);
}

void stop_arm(StopPoint& p) noexcept { p.armed.store(1, std::memory_order_release); }
void stop_disarm(StopPoint& p) noexcept { p.armed.store(0, std::memory_order_release); }

void stop_detach(StopPoint& p) {
  stop_disarm(p);
  {
    std::lock_guard<std::mutex> hold(p.mu);
    p.L = nullptr;
  }
  interrupt::watch_stop_flag(nullptr);
  current = nullptr;
}

void request_stop(StopPoint& p) {
  install_once();
  p.requested.store(true, std::memory_order_release);
  sleepers::wake_watching(&p.requested);  // a wait asleep on a futex word sees the flag now
  std::lock_guard<std::mutex> hold(p.mu);
  if (!p.L) return;  // not running Lua (yet, or any more): the flag is enough
  lua_sethook(p.L, terminate_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 100);
  pthread_kill(p.thread, stop_signal());
}

}  // namespace parlab::lua
