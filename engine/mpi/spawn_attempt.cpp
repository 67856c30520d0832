// MPI_Comm_spawn with an end. Open MPI 4.1 with Debian's PMIx 4.2 can leave a spawned process waiting for
// ever in PMIx_Init, the others in MPI_Init's fence and the spawner in MPI_Comm_spawn, which nothing
// interrupts: ending the processes does not end the call. worker_exit.cpp removes the cause parlab can
// reach (the order in which workers leave); this file bounds the rest. Each attempt runs on a thread of its
// own while the caller waits, up to a deadline and interruptibly. An attempt that does not end in time is
// abandoned: its thread stays blocked inside MPI for the rest of the run (which then skips MPI_Finalize,
// which would wait for it), its processes are ended, and a new attempt starts, which Open MPI serves while
// the old call still waits (MPI_THREAD_MULTIPLE).
#include <dirent.h>
#include <unistd.h>

#include <atomic>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"

namespace parlab::mpi::detail {

namespace {

std::atomic<int> abandoned{0};
std::mutex known_mutex;
std::set<long> known;  // pids that answered a set-up: live or past workers, never strays

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

// The attempt's outcome, its workers known from now on; a failed set-up throws.
SpawnResult finish(Attempt& a) {
  if (!a.error.empty()) throw Error(a.error);
  std::lock_guard<std::mutex> lock(known_mutex);
  known.insert(a.result.pids.begin(), a.result.pids.end());
  return a.result;
}

// The parent pid in /proc/PID/stat (after the command's closing parenthesis), or -1.
long parent_of(const char* pid) {
  char path[64], buf[512];
  std::snprintf(path, sizeof path, "/proc/%s/stat", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return -1;
  size_t len = std::fread(buf, 1, sizeof buf - 1, f);
  std::fclose(f);
  buf[len] = 0;
  const char* close = std::strrchr(buf, ')');
  char state = 0;
  long ppid = -1;
  if (!close || std::sscanf(close + 1, " %c %ld", &state, &ppid) != 2) return -1;
  return ppid;
}

std::string exe_of(const char* pid) {
  char path[64], target[PATH_MAX];
  std::snprintf(path, sizeof path, "/proc/%s/exe", pid);
  ssize_t len = readlink(path, target, sizeof target - 1);
  return len > 0 ? std::string(target, size_t(len)) : std::string();
}

bool is_daemon(const char* pid) {
  char path[64], comm[32] = {0};
  std::snprintf(path, sizeof path, "/proc/%s/comm", pid);
  FILE* f = std::fopen(path, "r");
  if (!f) return false;
  bool yes = std::fgets(comm, sizeof comm, f) && std::strncmp(comm, "orted", 5) == 0;
  std::fclose(f);
  return yes;
}

// Processes running `command` that Open MPI started for this process (children of its orted, this
// process's child in a run of one process, or of the launcher that is this process's parent) and that no
// set-up ever heard from: an abandoned attempt's. Spawns are serialized, so no other attempt's are here.
std::vector<long> strays(const std::string& command, bool launched) {
  std::set<long> starters;
  if (launched) starters.insert(long(getppid()));
  std::vector<std::string> pids;
  if (DIR* d = opendir("/proc")) {
    while (dirent* e = readdir(d))
      if (e->d_name[0] >= '0' && e->d_name[0] <= '9') pids.emplace_back(e->d_name);
    closedir(d);
  }
  for (const std::string& p : pids)
    if (parent_of(p.c_str()) == long(getpid()) && is_daemon(p.c_str())) starters.insert(std::atol(p.c_str()));
  std::vector<long> out;
  std::lock_guard<std::mutex> lock(known_mutex);
  for (const std::string& p : pids) {
    long pid = std::atol(p.c_str());
    if (pid == long(getpid()) || known.count(pid) || !starters.count(parent_of(p.c_str()))) continue;
    if (exe_of(p.c_str()) == command) out.push_back(pid);
  }
  return out;
}

void abandon(const std::shared_ptr<Attempt>& a, bool launched) {
  abandoned.fetch_add(1);
  for (long pid : strays(a->command, launched)) end_worker(pid);
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
                          bool launched, const char* what) {
  static std::mutex serial;  // one spawn at a time: strays() tells attempts apart by that
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
      abandon(a, launched);  // Ctrl-C: the attempt's processes go; the call it waits in stays
      throw;
    }
    if (a->done.load(std::memory_order_acquire)) return finish(*a);
    abandon(a, launched);
    if (attempt == kAttempts) {
      char why[160];
      std::snprintf(why, sizeof why, "MPI_Comm_spawn of %d workers did not finish in %g s, %d times", n,
                    limit, kAttempts);
      throw Error(
          std::string(what) + ": " + why +
          " (Open MPI 4.1 with PMIx 4.2 can leave a starting process waiting for ever; "
          "PARLAB_MPI_SPAWN_TIMEOUT sets the seconds); start the run under a launcher instead (mpirun -n " +
          std::to_string(n + 1) + " parlab script.lua)");
    }
  }
}

bool spawn_abandoned() noexcept { return abandoned.load() > 0; }

}  // namespace parlab::mpi::detail
