#pragma once
// Child processes of a parlab run (no Lua): start one by fork, spawn (fork+exec of /proc/self/exe) or
// through the fork server (engine/exec/forkserver.hpp), then poll, wait with a timeout, signal and reap it.
// Every child gets PR_SET_PDEATHSIG(SIGKILL), so none outlives its parent. A child runs a "job": an opaque
// byte string handed to the job runner the bindings register (a fresh Lua state runs it); a fork child
// may instead run a callback in the inherited state. See docs/processes.md.
#include <sys/types.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace parlab::process {

enum class Method { Fork, Spawn, Forkserver };

// "fork", "spawn", "forkserver"; parse_method throws parlab::Error naming the valid ones.
const char* method_name(Method m) noexcept;
Method parse_method(std::string_view name, const char* who);
// The start method used when none is given: forkserver unless set_default_method changed it.
Method default_method() noexcept;
void set_default_method(Method m) noexcept;

// Runs a job in a child and returns its exit code. Registered once by the bindings. `prepared` is what
// the preparer returned in the fork server (a Lua state opened once, inherited by every child: saves
// opening one per child), or nullptr in fork and spawn children.
using JobRunner = int (*)(std::string_view job, void* prepared);
void set_job_runner(JobRunner runner) noexcept;
JobRunner job_runner() noexcept;
using Preparer = void* (*)();
void set_server_preparer(Preparer prepare) noexcept;
Preparer server_preparer() noexcept;

struct Options {
  Method method = Method::Forkserver;
  bool daemon = false;         // at exit: terminated instead of joined
  bool ignore_sigint = false;  // pool workers: Ctrl-C goes to the parent, which stops them
};

// One started child. Not thread-safe: one thread drives it (the Lua object that owns it).
class Child {
 public:
  ~Child();
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;

  pid_t pid() const noexcept { return pid_; }
  Method method() const noexcept { return method_; }
  bool daemon() const noexcept { return daemon_; }
  // Non-blocking; true once the child has ended and was reaped (exitcode() is then valid).
  bool poll();
  // Waits up to timeout seconds (< 0: forever); Ctrl-C and a stop request end it at once (they throw).
  bool wait(double timeout);
  // Python's exitcode: the exit status, or -N when signal N ended the child.
  int exitcode() const noexcept { return exitcode_; }
  bool ended() const noexcept { return ended_.load(std::memory_order_acquire); }
  // "exit status 1", "signal 9 (SIGKILL)".
  std::string how() const;
  // Sends sig unless the child was already reaped (then does nothing).
  void signal(int sig) noexcept;

 private:
  friend struct Starter;
  Child() = default;
  void finish(int status) noexcept;
  bool poll_status_fd();

  pid_t pid_ = -1;
  Method method_ = Method::Fork;
  bool daemon_ = false;
  int wait_fd_ = -1;                // a pidfd (fork, spawn) or the fork server's status socket (forkserver)
  std::atomic<bool> ended_{false};  // read by the registry's sweep from other threads
  int exitcode_ = 0;
  void* job_ = nullptr;  // the job bytes in the arena (spawn, forkserver): freed once the child ended
  pid_t owner_ = -1;     // the process that started it; a fork child's inherited copy does nothing
};

// Starts a child that runs `job` through the job runner. Throws parlab::Error when it cannot.
std::shared_ptr<Child> start(std::string_view job, const Options& opts);
// fork only: the child runs body() in a copy of the caller (its Lua state included), then _exit()s
// with body's result. body must not return into the parent's code.
std::shared_ptr<Child> start_fork(const std::function<int()>& body, const Options& opts);

// In a child, right after fork: die with the parent (PR_SET_PDEATHSIG; exits at once when the parent is
// already gone), forget the parent's children, reset SIGINT/SIGTERM. The kernel sends the death signal
// when the parent *thread* ends, so a fork server spawned from a short-lived thread passes
// die_with_parent = false and watches its control socket instead.
void setup_child(pid_t expected_parent, bool ignore_sigint, bool die_with_parent = true) noexcept;
// Ends a child: flushes stdio, runs the at_child_exit hooks and _exit()s (no atexit handlers, no
// finalizers of inherited objects).
[[noreturn]] void exit_child(int code) noexcept;
// Registers fn to run in exit_child (at most 8; registering the same fn twice runs it once). For
// references a forked child holds on its parent's objects and must give back.
void at_child_exit(void (*fn)()) noexcept;
// True in a process started by parlab.Process or a pool (fork, spawn or forkserver).
bool is_child() noexcept;

// This process's multiprocessing name: "MainProcess", a Process's name, "PoolWorker-N". The jobs of the
// children it starts carry it as their parent's name.
const std::string& own_name() noexcept;
void set_own_name(std::string name);

// At exit of the program: terminates daemon children and joins the others (Python's behaviour).
// Registered with atexit on the first start; also callable directly.
void finish_children() noexcept;
// Children started by this process and not yet reaped (for tests: no zombies).
int live_children() noexcept;

// True while no thread runs beyond those the process had when it was loaded and those a library started
// that it stops around fork() itself (OpenBLAS's pool, opened on first use, engine/core/library_threads):
// no parlab thread, OpenMP team or user thread can hold a lock a forked child would inherit.
bool safe_to_fork() noexcept;

}  // namespace parlab::process
