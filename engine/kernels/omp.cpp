#include "engine/kernels/omp.hpp"

#include <pthread.h>

#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <new>
#include <string>
#include <thread>
#include <utility>

#include <fmt/format.h>

#include "engine/core/after_fork.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/kernels/blas_lib.hpp"

namespace parlab::omp {
namespace {

struct State {
  std::atomic<int> threads{1};
  std::atomic<bool> blas_apart{false};
  std::string reason;
};

// A positive integer from the environment, or 0 when unset or malformed.
int env_count(const char* name) {
  const char* v = std::getenv(name);
  if (!v || !*v) return 0;
  char* end = nullptr;
  long n = std::strtol(v, &end, 10);  // OMP_NUM_THREADS may be a list "4,2": its first entry counts
  if (end == v || n < 1 || n > kMaxThreads) return 0;
  return int(n);
}

State& state() {
  static State s;
  static std::once_flag once;
  std::call_once(once, [] {
    int n = 0;
    if ((n = env_count("PARLAB_NUM_THREADS"))) {
      s.reason = fmt::format("PARLAB_NUM_THREADS={}", n);
    } else if ((n = env_count("OMP_NUM_THREADS"))) {
      s.reason = fmt::format("OMP_NUM_THREADS={}", n);
    } else {
      CpuBudget b = cpu_budget();
      n = b.count < 1 ? 1 : b.count;
      s.reason = "cpu budget: " + b.reason;
    }
    s.threads = n;
    // The lecture's OPENBLAS_NUM_THREADS check: keep what the user set (OpenBLAS reads it as it opens).
    if (env_count("OPENBLAS_NUM_THREADS")) s.blas_apart = true;
  });
  return s;
}

// The count BLAS takes as it opens: the kernels' count, or 0 (OpenBLAS's own) when the user set one
// apart (OPENBLAS_NUM_THREADS; set_blas_threads opens it first).
int blas_wanted() {
  State& s = state();
  return s.blas_apart ? 0 : s.threads.load();
}

const bool blas_source_registered = [] {
  blas::set_thread_count_source(blas_wanted);
  return true;
}();

void check_count(int n, const char* who) {
  if (n < 1 || n > kMaxThreads)
    throw Error(fmt::format("{}: thread count must be between 1 and {}, got {}", who, kMaxThreads, n));
}

// Whether this thread's OpenMP team is usable: a thread that ran a kernel has a team, whose threads a fork
// child does not have. The child's one thread (the one that forked) marks its own team as gone; per thread,
// so that the mark is written to the thread's block, which the child has copied already, not to a global
// page of its own (a copy-on-write fault in every child).
enum Team : unsigned char { kNoTeam, kTeam, kTeamLeftInParent };
thread_local Team team = kNoTeam;

// One helper thread per forked process that needs it; a job at a time.
struct Runner {
  std::mutex submit;  // callers queue here
  std::mutex m;
  std::condition_variable cv;
  const std::function<void()>* job = nullptr;
  std::exception_ptr error;
  bool done = false;

  void loop() {
    std::unique_lock lock(m);
    for (;;) {
      cv.wait(lock, [this] { return job != nullptr && !done; });
      try {
        team = kTeam;
        (*job)();
      } catch (...) {  // engine code, not a binding: carried back to the caller's thread
        error = std::current_exception();
      }
      done = true;
      cv.notify_all();
    }
  }

  void execute(const std::function<void()>& body) {
    std::lock_guard queue(submit);
    std::unique_lock lock(m);
    job = &body;
    done = false;
    error = nullptr;
    cv.notify_all();
    cv.wait(lock, [this] { return done; });
    job = nullptr;
    if (error) std::rethrow_exception(std::exchange(error, nullptr));
  }
};

std::atomic<Runner*> runner{nullptr};
std::mutex runner_start;

// Writes only what is not fresh already (as forkserver.cpp's handler): each page a child writes costs it a
// copy-on-write fault.
PARLAB_AFTER_FORK void after_fork_in_child() {
  if (team == kTeam) team = kTeamLeftInParent;
  // The parent's helper thread is not in this process (its memory is left).
  if (runner.load(std::memory_order_relaxed)) runner.store(nullptr);
  if (!mutex_free(runner_start)) new (&runner_start) std::mutex();
}

Runner& child_runner() {
  if (Runner* r = runner.load()) return *r;
  std::lock_guard lock(runner_start);
  if (Runner* r = runner.load()) return *r;
  auto* r = new Runner();  // lives as long as the process: the thread never ends
  std::thread(&Runner::loop, r).detach();
  runner.store(r);
  return *r;
}

const bool fork_handler_installed = [] {
  pthread_atfork(nullptr, nullptr, after_fork_in_child);
  return true;
}();

}  // namespace

void run(const std::function<void()>& body) {
  if (team != kTeamLeftInParent) {
    team = kTeam;
    body();
    return;
  }
  child_runner().execute(body);
}

int threads() { return state().threads.load(std::memory_order_relaxed); }

void set_threads(int n) {
  check_count(n, "omp.set_threads");
  State& s = state();
  s.threads = n;
  if (!s.blas_apart && blas::loaded()) blas::api().set_num_threads(n);
}

int resolve(int requested, const char* who) {
  if (requested == 0) return threads();
  check_count(requested, who);
  return requested;
}

int blas_threads() {
  state();
  return blas::api().get_num_threads();
}

void set_blas_threads(int n) {
  State& s = state();
  if (n == 0) {
    s.blas_apart = false;
    blas::api().set_num_threads(s.threads);
    return;
  }
  check_count(n, "omp.set_blas_threads");
  s.blas_apart = true;
  blas::api().set_num_threads(n);
}

bool blas_follows() { return !state().blas_apart; }

const char* threads_reason() { return state().reason.c_str(); }

}  // namespace parlab::omp
