// MPI_Comm_spawn with an end. Open MPI 4.1 with Debian's PMIx 4.2 can leave a spawned process waiting for
// ever in PMIx_Init, the others in MPI_Init's fence and the spawner in MPI_Comm_spawn, which nothing
// interrupts: ending the processes does not end the call. worker_exit.cpp removes the cause parlab can
// reach (the order in which workers leave); this file bounds the rest. Each attempt runs on a thread of its
// own while the caller waits, up to a deadline and interruptibly. An attempt that does not end in time is
// abandoned: its thread stays blocked inside MPI for the rest of the run (which then skips MPI_Finalize,
// which would wait for it), and a new attempt starts, which Open MPI serves while the old call still waits
// (MPI_THREAD_MULTIPLE). The abandoned attempt's processes are left to end with the run: the stuck one
// holds the daemon's bad descriptor, so the next attempt's processes get good ones. Ending them instead
// freed that descriptor for the next attempt, which then hung the same way (workers killed from outside
// after each of 30 pools, under load: 6 and 0 spawns failed, 11 and 19 retried, against 0 and 1 each time).
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi::detail {

namespace {

std::atomic<int> abandoned{0};

// What one attempt needs and leaves; shared with its thread, which may outlive the caller's interest.
struct Attempt {
  std::string command;
  std::vector<std::string> args;
  int n = 0;
  SpawnResult result;
  std::string error;  // a failed set-up's message
  std::atomic<bool> done{false};
};

void run(Attempt& a) {
  std::vector<char*> argv;
  for (const std::string& s : a.args) argv.push_back(const_cast<char*>(s.c_str()));
  argv.push_back(nullptr);
  std::vector<int> codes(size_t(a.n), MPI_SUCCESS);
  SpawnResult& r = a.result;
  r.rc = MPI_Comm_spawn(a.command.c_str(), argv.data(), a.n, MPI_INFO_NULL, 0, MPI_COMM_SELF, &r.inter,
                        codes.data());
  for (int c : codes)
    if (r.rc == MPI_SUCCESS && c != MPI_SUCCESS) r.rc = c;
  if (r.rc == MPI_SUCCESS) {
    try {
      greet(r.inter, a.n, r);
    } catch (const std::exception& e) {
      a.error = e.what();
    }
  }
  a.done.store(true, std::memory_order_release);
}

// The attempt's outcome; a failed set-up throws.
SpawnResult finish(Attempt& a) {
  if (!a.error.empty()) throw Error(a.error);
  return a.result;
}

// Seconds an attempt may take: PARLAB_MPI_SPAWN_TIMEOUT, else 15 plus half a second per process (a spawn of
// 2 took 0.2-2 s on the 2-core development VM, quiet or under a compile's load; larger ones start more).
double attempt_seconds(int n) {
  const char* v = std::getenv("PARLAB_MPI_SPAWN_TIMEOUT");
  double s = v ? std::atof(v) : 0;
  return s > 0 ? s : 15 + 0.5 * n;
}

constexpr int kAttempts = 3;

}  // namespace

SpawnResult spawn_bounded(const std::string& command, const std::vector<std::string>& args, int n,
                          const char* what) {
  static std::mutex serial;  // one spawn at a time: a second would only queue inside Open MPI
  gil::Release unlocked;     // start-up takes a second or more
  std::lock_guard<std::mutex> one(serial);
  int level = MPI_THREAD_SINGLE;
  MPI_Query_thread(&level);
  const double limit = attempt_seconds(n);
  for (int attempt = 1;; ++attempt) {
    auto a = std::make_shared<Attempt>();
    a->command = command;
    a->args = args;
    a->n = n;
    if (level != MPI_THREAD_MULTIPLE) {  // no second thread may call MPI: unbounded, as MPI itself
      run(*a);
      return finish(*a);
    }
    std::thread([a] { run(*a); }).detach();
    const double deadline = clock_seconds() + limit;
    try {
      while (!a->done.load(std::memory_order_acquire) && clock_seconds() < deadline) {
        interrupt::check();
        usleep(2000);  // a spawn takes 0.2 s or more: 2 ms of lag is noise
      }
    } catch (...) {
      abandoned.fetch_add(1);  // Ctrl-C: the call it waits in stays
      throw;
    }
    if (a->done.load(std::memory_order_acquire)) return finish(*a);
    abandoned.fetch_add(1);
    if (attempt == kAttempts) {
      char why[160];
      std::snprintf(why, sizeof why, "MPI_Comm_spawn of %d workers did not finish in %g s, %d times", n,
                    limit, kAttempts);
      throw Error(std::string(what) + ": " + why +
                  " (Open MPI 4.1 with PMIx 4.2 can leave a starting process waiting for ever; "
                  "PARLAB_MPI_SPAWN_TIMEOUT sets the seconds); " +
                  launcher_hint(n));
    }
  }
}

bool spawn_abandoned() noexcept { return abandoned.load() > 0; }

}  // namespace parlab::mpi::detail
