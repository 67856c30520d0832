// The SIGINT handler and the statement bracket; see sigint.hpp for the escalation steps.
#include "cli/sigint.hpp"

#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <ctime>

#include "bindings/core/jitprobe.hpp"
#include "engine/core/interrupt.hpp"

namespace parlab::cli::sigint {

sigjmp_buf escape;

namespace {

volatile sig_atomic_t running = 0;
volatile sig_atomic_t press_count = 0;
volatile sig_atomic_t prompt_interrupted = 0;
volatile sig_atomic_t escape_after = 1;
volatile sig_atomic_t hinted = 0;
lua_State* volatile running_state = nullptr;
timespec first_press{};
timer_t probe_timer{};
bool have_timer = false;
pid_t main_pid = 0;
pid_t main_tid = 0;

pid_t current_tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

void write_stderr(const char* s) {
  std::size_t n = 0;
  while (s[n]) ++n;
  ssize_t ignored = write(STDERR_FILENO, s, n);
  (void)ignored;
}

void set_timer(double first, double interval) {
  if (!have_timer) return;
  auto spec = [](double s) {
    return timespec{static_cast<time_t>(s), static_cast<long>((s - static_cast<time_t>(s)) * 1e9)};
  };
  itimerspec its{spec(interval), spec(first)};
  timer_settime(probe_timer, 0, &its, nullptr);
}

double seconds_since(const timespec& t0) {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return static_cast<double>(now.tv_sec - t0.tv_sec) + (now.tv_nsec - t0.tv_nsec) * 1e-9;
}

// The hook the state had before Ctrl-C (the GIL's count hook, say): put back once ours is done.
struct Hook {
  lua_Hook fn = nullptr;
  int mask = 0;
  int count = 0;
};
Hook saved_hook;

void stop_hook(lua_State* L, lua_Debug* ar);

void restore_hook(lua_State* L) {
  if (lua_gethook(L) == stop_hook) lua_sethook(L, saved_hook.fn, saved_hook.mask, saved_hook.count);
}

void block_sigint(bool block) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  pthread_sigmask(block ? SIG_BLOCK : SIG_UNBLOCK, &set, nullptr);
}

// restore_hook outside the handler: a press in the middle of lua_sethook would mix two hooks.
void restore_hook_safely(lua_State* L) {
  sigset_t set, old;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  restore_hook(L);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
}

// lua.c's lstop: runs in the Lua thread at the next hook event, where raising an error is safe.
// Calls of C functions are let through: one of them is the traceback handler of the error that an
// interrupted engine call already raised, and an error there would be "error in error handling".
void stop_hook(lua_State* L, lua_Debug* ar) {
  lua_getinfo(L, "Sl", ar);
  if (ar->event == LUA_HOOKCALL && ar->what && ar->what[0] == 'C') return;
  restore_hook_safely(L);
  if (ar->currentline > 0) luaL_error(L, "%s:%d: interrupted", ar->short_src, ar->currentline);
  luaL_error(L, "interrupted");
}

// The statement ignored Ctrl-C for a second and three presses: end the process as SIGINT would.
[[noreturn]] void give_up() {
  write_stderr("\nparlab: the statement does not respond to Ctrl-C (stuck in C code); quitting\n");
  struct sigaction dfl {};
  dfl.sa_handler = SIG_DFL;
  sigaction(SIGINT, &dfl, nullptr);
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  kill(getpid(), SIGINT);
  pthread_sigmask(SIG_UNBLOCK, &set, nullptr);
  _exit(130);  // not reached: the pending SIGINT ends the process first
}

// Leaves a JIT-compiled loop, which never reaches the hook, once Ctrl-C was pressed often enough;
// before that, says once how to force it.
void maybe_escape(const void* ucontext) {
  if (!running || !lua::in_anonymous_code(lua::interrupted_pc(ucontext))) return;
  if (press_count >= escape_after) {
    running = 0;
    set_timer(0, 0);
    siglongjmp(escape, 1);
  }
  if (hinted) return;
  hinted = 1;
  write_stderr(
      "\nparlab: the running loop is JIT-compiled and only sees Ctrl-C when it leaves compiled code;\n"
      "        press Ctrl-C again to stop it now (the Lua state will be reset)\n");
}

void press(const void* ucontext) {
  interrupt::raise();
  lua_sethook(running_state, stop_hook, LUA_MASKCALL | LUA_MASKRET | LUA_MASKCOUNT, 1);
  press_count = press_count + 1;
  if (press_count == 1) {
    clock_gettime(CLOCK_MONOTONIC, &first_press);
    set_timer(kProbeDelay, kProbeInterval);
    return;
  }
  maybe_escape(ucontext);
  if (press_count >= 3 && seconds_since(first_press) >= 1.0) give_up();
}

void on_sigint(int, siginfo_t* info, void* ucontext) {
  int saved_errno = errno;
  if (getpid() != main_pid) {  // a forked child: its own code polls the engine's flag
    interrupt::raise();
  } else if (current_tid() != main_tid) {  // another thread caught it: the main thread handles it
    syscall(SYS_tgkill, main_pid, main_tid, SIGINT);
  } else if (info && info->si_code == SI_TIMER) {
    maybe_escape(ucontext);
  } else if (!running) {
    prompt_interrupted = 1;
  } else {
    press(ucontext);
  }
  errno = saved_errno;
}

}  // namespace

void install() {
  struct sigaction old {};
  sigaction(SIGINT, nullptr, &old);
  if (old.sa_handler == SIG_IGN) return;  // started in the background: leave it ignored
  main_pid = getpid();
  main_tid = current_tid();
  sigevent sev{};
  sev.sigev_notify = SIGEV_THREAD_ID;
  sev.sigev_signo = SIGINT;
#ifdef sigev_notify_thread_id
  sev.sigev_notify_thread_id = main_tid;
#else
  sev._sigev_un._tid = main_tid;
#endif
  have_timer = timer_create(CLOCK_MONOTONIC, &sev, &probe_timer) == 0;
  struct sigaction sa {};
  sa.sa_sigaction = on_sigint;
  sa.sa_flags = SA_SIGINFO;  // no SA_RESTART: readline and blocking reads return with EINTR
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
}

void begin(lua_State* L) {
  block_sigint(true);
  restore_hook(L);
  saved_hook = {lua_gethook(L), lua_gethookmask(L), lua_gethookcount(L)};
  interrupt::clear();
  press_count = 0;
  hinted = 0;
  running_state = L;
  running = 1;
  if (prompt_interrupted) {  // Ctrl-C just after Enter: it meant this statement
    prompt_interrupted = 0;
    press(nullptr);
  }
  block_sigint(false);
}

void disarm(lua_State* L) { restore_hook_safely(L); }

void end(lua_State* L) {
  block_sigint(true);
  running = 0;
  set_timer(0, 0);
  restore_hook(L);
  block_sigint(false);
}

bool take_prompt_interrupt() {
  bool was = prompt_interrupted != 0;
  prompt_interrupted = 0;
  return was;
}

bool prompt_interrupt_pending() { return prompt_interrupted != 0; }

int presses() { return press_count; }

void set_escape_presses(int presses) { escape_after = presses; }

}  // namespace parlab::cli::sigint
