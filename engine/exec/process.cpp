#include "engine/exec/process.hpp"

#include <pthread.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <vector>

#include <fmt/format.h>

#include "engine/arena/shm.hpp"
#include "engine/core/after_fork.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/fd_wait.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/library_threads.hpp"
#include "engine/core/os_error.hpp"
#include "engine/core/self.hpp"
#include "engine/core/thread_exits.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/process_spawn.hpp"

namespace parlab::process {
namespace {

std::atomic<Method> default_start{Method::Forkserver};
std::atomic<JobRunner> runner{nullptr};
std::atomic<Preparer> preparer{nullptr};
bool in_child = false;

// Children not yet reaped, so that exit can join or terminate them; leaked on purpose (no destruction
// order trouble at exit) and abandoned in a fork child, which must not touch its parent's children.
struct Registry {
  std::mutex mu;
  std::vector<std::shared_ptr<Child>> children;
};
std::atomic<Registry*> registry{nullptr};  // made by the first child this process starts
std::once_flag atexit_once;

Registry& the_registry() {
  Registry* r = registry.load(std::memory_order_acquire);
  if (r) return *r;
  auto* fresh = new Registry;
  if (registry.compare_exchange_strong(r, fresh, std::memory_order_acq_rel)) return *fresh;
  delete fresh;  // another thread made it first
  return *r;
}

// Any fork (a 'fork' Process, the fork server's children, a raw fork from Lua) starts with no registry,
// so none with a mutex that another thread of the parent held at the fork; the first child it starts makes
// one. A child that starts none (most) neither allocates nor writes here: each page written after a fork
// is a copy-on-write fault.
PARLAB_AFTER_FORK void drop_registry() {
  if (registry.load(std::memory_order_relaxed)) registry.store(nullptr, std::memory_order_relaxed);
}
[[maybe_unused]] const bool atfork_installed = [] {
  pthread_atfork(nullptr, nullptr, drop_registry);
  return true;
}();

void register_child(const std::shared_ptr<Child>& c) {
  std::call_once(atexit_once, [] { std::atexit(finish_children); });
  Registry& reg = the_registry();
  std::lock_guard<std::mutex> lock(reg.mu);
  auto& v = reg.children;
  // A child whose owner dropped it without join (only the registry holds it) is polled here, so that it
  // is reaped and its descriptors closed; else each such child kept its status socket until exit.
  auto done = [](const std::shared_ptr<Child>& x) { return x->ended() || (x.use_count() == 1 && x->poll()); };
  v.erase(std::remove_if(v.begin(), v.end(), done), v.end());
  v.push_back(c);
}

int pidfd_open(pid_t pid) { return int(syscall(SYS_pidfd_open, pid, 0)); }

const char* signal_name(int sig) {
  static const char* names[] = {"0",       "SIGHUP",  "SIGINT",  "SIGQUIT", "SIGILL",    "SIGTRAP",
                                "SIGABRT", "SIGBUS",  "SIGFPE",  "SIGKILL", "SIGUSR1",   "SIGSEGV",
                                "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
                                "SIGCONT", "SIGSTOP", "SIGTSTP"};
  return sig > 0 && sig < int(sizeof names / sizeof *names) ? names[sig] : "signal";
}

}  // namespace

// Builds Child objects; a friend so Child's fields stay private.
struct Starter {
  static std::shared_ptr<Child> make(pid_t pid, const Options& opts, int wait_fd, void* job) {
    std::shared_ptr<Child> c(new Child);
    c->pid_ = pid;
    c->method_ = opts.method;
    c->daemon_ = opts.daemon;
    c->wait_fd_ = wait_fd;
    c->job_ = job;
    c->owner_ = self::pid();
    register_child(c);
    return c;
  }
};

const char* method_name(Method m) noexcept {
  switch (m) {
    case Method::Fork: return "fork";
    case Method::Spawn: return "spawn";
    case Method::Forkserver: return "forkserver";
  }
  return "?";
}

Method parse_method(std::string_view name, const char* who) {
  if (name == "fork") return Method::Fork;
  if (name == "spawn") return Method::Spawn;
  if (name == "forkserver") return Method::Forkserver;
  throw Error(
      fmt::format("{}: unknown start method '{}' (expected 'fork', 'spawn' or 'forkserver')", who, name));
}

Method default_method() noexcept { return default_start.load(); }
void set_default_method(Method m) noexcept { default_start.store(m); }
void set_job_runner(JobRunner r) noexcept { runner.store(r); }
JobRunner job_runner() noexcept { return runner.load(); }
void set_server_preparer(Preparer p) noexcept { preparer.store(p); }
Preparer server_preparer() noexcept { return preparer.load(); }
bool is_child() noexcept { return in_child; }

namespace {
std::string& own_name_slot() {
  static std::string name = "MainProcess";
  return name;
}
}  // namespace

const std::string& own_name() noexcept { return own_name_slot(); }
void set_own_name(std::string name) { own_name_slot() = std::move(name); }

Child::~Child() {
  if (owner_ != self::pid()) return;  // an inherited copy in a fork child: the parent owns the resources
  if (wait_fd_ >= 0) close(wait_fd_);
  if (job_) shm::deallocate(job_);
}

void Child::finish(int status) noexcept {
  if (WIFEXITED(status))
    exitcode_ = WEXITSTATUS(status);
  else if (WIFSIGNALED(status))
    exitcode_ = -WTERMSIG(status);
  else
    exitcode_ = 255;
  if (wait_fd_ >= 0) close(wait_fd_);
  wait_fd_ = -1;
  if (job_) shm::deallocate(job_);
  job_ = nullptr;
  ended_.store(true, std::memory_order_release);
}

// The fork server sends the pid's wait status on the socket when it reaps the child; EOF without it
// means the server itself died, and its children with it (PR_SET_PDEATHSIG).
bool Child::poll_status_fd() {
  int status = 0;
  ssize_t n = recv(wait_fd_, &status, sizeof status, MSG_DONTWAIT);
  if (n == sizeof status) {
    finish(status);
    return true;
  }
  if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
    kill(pid_, SIGKILL);
    finish(SIGKILL);  // a wait status of "killed by SIGKILL"
    return true;
  }
  return false;
}

bool Child::poll() {
  if (ended_) return true;
  if (owner_ != self::pid()) return false;
  if (method_ == Method::Forkserver) return poll_status_fd();
  int status = 0;
  pid_t r = waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    finish(status);
    return true;
  }
  if (r < 0 && errno == ECHILD) {  // reaped behind our back (SIGCHLD ignored): the status is lost
    finish(255 << 8);
    return true;
  }
  return false;
}

bool Child::wait(double timeout) {
  if (owner_ != self::pid()) throw Error("Process.join: can only join a child of this process");
  if (poll()) return true;
  gil::Release unlocked;
  const double deadline = deadline_after(timeout);
  for (;;) {
    if (wait_fd_ >= 0) {  // sleeps until the child ends, Ctrl-C or a stop request (engine/core/fd_wait)
      wait_readable(wait_fd_, seconds_left(deadline));
    } else {  // a kernel without pidfds: look every kPollSeconds
      interrupt::check();
      sleep_seconds(next_slice(deadline, interrupt::kPollSeconds));
    }
    if (poll()) return true;
    if (seconds_left(deadline) == 0) return false;
  }
}

std::string Child::how() const {
  if (!ended_) return "running";
  if (exitcode_ >= 0) return fmt::format("exit status {}", exitcode_);
  return fmt::format("signal {} ({})", -exitcode_, signal_name(-exitcode_));
}

void Child::signal(int sig) noexcept {
  if (!ended_ && owner_ == self::pid()) kill(pid_, sig);
}

// Hot (PARLAB_AFTER_FORK): every child runs it first, from the code page its after-fork handlers share.
PARLAB_AFTER_FORK void setup_child(pid_t expected_parent, bool ignore_sigint, bool die_with_parent) noexcept {
  if (!in_child) in_child = true;  // a fork server's children inherit it set: no page written for it
  forkserver::forget_in_child();
  if (die_with_parent) {
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (getppid() != expected_parent) _exit(1);  // the parent died before the line above: do not linger
  }
  struct sigaction sa {};
  sa.sa_handler = ignore_sigint ? SIG_IGN : SIG_DFL;
  sigaction(SIGINT, &sa, nullptr);
  sa.sa_handler = SIG_DFL;  // terminate() must end the child whatever handler the parent had
  sigaction(SIGTERM, &sa, nullptr);
}

namespace {
std::atomic<void (*)()> child_exit_hooks[8];
}

void at_child_exit(void (*fn)()) noexcept {
  for (auto& h : child_exit_hooks) {
    void (*none)() = nullptr;
    if (h.compare_exchange_strong(none, fn) || none == fn) return;
  }
}

void exit_child(int code) noexcept {
  std::fflush(nullptr);
  for (auto& h : child_exit_hooks)
    if (auto fn = h.load()) fn();
  thread_exits::wait_all();  // threads it joined end before it does: _exit runs no destructor
  _exit(code);
}

// Python 3.12 warns too: a fork copies other threads' held locks (malloc's, the GIL, libgomp's) into a
// child that has none of those threads to release them.
static void warn_if_threaded() {
  static std::atomic<bool> warned{false};
  int threads = self::thread_count();
  if (!safe_to_fork() && !warned.exchange(true))
    std::fprintf(
        stderr,
        "parlab: warning: fork() of a process that runs %d threads: the child may deadlock on a lock "
        "another thread held, or crash in OpenMP; the 'forkserver' (default) and 'spawn' start "
        "methods are safe\n",
        threads);
}

std::shared_ptr<Child> start_fork(const std::function<int()>& body, const Options& opts) {
  shm::init();
  warn_if_threaded();
  std::fflush(nullptr);  // or the child would write the parent's buffered output again
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) throw Error(fmt::format("Process.start: fork failed: {}", os_error(errno)));
  if (pid == 0) {
    setup_child(parent, opts.ignore_sigint);
    int code = 1;
    try {
      code = body();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "parlab child %d: %s\n", int(getpid()), e.what());
    }
    exit_child(code);
  }
  Options o = opts;
  o.method = Method::Fork;
  return Starter::make(pid, o, pidfd_open(pid), nullptr);
}

std::shared_ptr<Child> start(std::string_view job, const Options& opts) {
  if (opts.method == Method::Fork) {
    std::string copy(job);
    return start_fork(
        [copy] {
          JobRunner r = job_runner();
          return r ? r(copy, nullptr) : 1;
        },
        opts);
  }
  shm::init();
  // The job travels in the arena: the child maps it at the same address and reads it in place.
  void* block = shm::allocate(job.size() ? job.size() : 1);
  std::memcpy(block, job.data(), job.size());
  try {
    if (opts.method == Method::Spawn) {
      pid_t pid = spawn::start(shm::offset_of(block), job.size(), opts.ignore_sigint);
      return Starter::make(pid, opts, pidfd_open(pid), block);
    }
    int status_fd = -1;
    pid_t pid = forkserver::start_child(shm::offset_of(block), job.size(), opts.ignore_sigint, status_fd);
    return Starter::make(pid, opts, status_fd, block);
  } catch (...) {
    shm::deallocate(block);
    throw;
  }
}

void finish_children() noexcept {
  std::vector<std::shared_ptr<Child>> list;
  if (Registry* reg = registry.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(reg->mu);
    list.swap(reg->children);
  }
  for (auto& c : list)
    if (c->daemon()) c->signal(SIGTERM);
  for (auto& c : list) {
    try {
      c->wait(-1);
    } catch (const std::exception&) {  // Ctrl-C while joining at exit: stop the rest
      for (auto& d : list) d->signal(SIGTERM);
      interrupt::clear();
      for (auto& d : list) {
        try {
          if (!d->wait(1)) d->signal(SIGKILL), d->wait(1);
        } catch (const std::exception&) {
        }
      }
      return;
    }
  }
}

// Counts without polling: a Child is driven by its owner's thread only (two waitpid calls would race).
int live_children() noexcept {
  Registry* reg = registry.load(std::memory_order_acquire);
  if (!reg) return 0;
  std::lock_guard<std::mutex> lock(reg->mu);
  int n = 0;
  for (auto& c : reg->children)
    if (!c->ended()) ++n;
  return n;
}

namespace {
// Libraries' constructors have run before the executable's static initializers; threads a library
// opened later starts and keeps fork-safe (OpenBLAS's pool) count as theirs.
const int startup_threads = self::thread_count();
}  // namespace

bool safe_to_fork() noexcept { return self::thread_count() <= startup_threads + library_threads::count(); }

}  // namespace parlab::process
