// The world: lazy start-up (MPI_Init_thread under a launcher, the built-in single rank otherwise), the
// thread level, clocks, abort and finalize at exit.
#include <pthread.h>  // pthread_atfork
#include <stdlib.h>   // on_exit (glibc)
#include <unistd.h>   // getpid

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>

#include "engine/core/error.hpp"
#include "engine/mpi/internal.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::mpi {
namespace {

std::mutex init_mutex;
std::atomic<bool> ready{false};
std::atomic<bool> finalized{false};
std::atomic<bool> mpi_up{false};  // MPI_Init ran: under a launcher, or for spawning (detail::ensure_mpi)
pid_t spawner_pid = 0;            // the process that started MPI without a launcher, to spawn
bool spawned = false;             // this process was started by MPI_Comm_spawn
World the_world;
pid_t init_pid = 0;  // a process forked after init (a pool worker) must not touch its parent's MPI

// A thread may hold init_mutex (inside MPI_Init) while another forks: the child gets a fresh one. The other
// mutexes of parlab::mpi (the mailbox, the orphan list) are taken only after world() passed, which a
// process forked after init refuses (refuse_child), so no child ever waits on a copy of them.
[[maybe_unused]] const bool init_atfork_installed = [] {
  pthread_atfork(nullptr, nullptr, [] { new (&init_mutex) std::mutex; });
  return true;
}();

pthread_t init_thread;  // the thread that started MPI (the only one allowed below thread level multiple)
std::atomic<bool> forked{false};  // set in the child by a pthread_atfork handler (no getpid per call)

// True in a process a rank started: forked after init, or started by fork+exec (spawn, forkserver) and so
// holding the launcher's environment, where an MPI_Init would claim the rank a second time (OpenMPI then
// aborts the job).
bool forked_child() {
  if (forked.load(std::memory_order_relaxed)) return true;
  if (init_pid != 0) return false;
  const char* owner = std::getenv("PARLAB_MPI_RANK_PID");
  return owner && *owner && std::atol(owner) != long(getpid());
}

[[noreturn]] void refuse_child() {
  throw Error(
      "mpi: this process was started by an MPI rank (a Process or pool worker) and cannot use "
      "the rank's MPI connection; call parlab.mpi in the rank itself, or use threads");
}

int to_mpi_level(ThreadLevel l) {
  switch (l) {
    case ThreadLevel::single: return MPI_THREAD_SINGLE;
    case ThreadLevel::funneled: return MPI_THREAD_FUNNELED;
    case ThreadLevel::serialized: return MPI_THREAD_SERIALIZED;
    case ThreadLevel::multiple: return MPI_THREAD_MULTIPLE;
  }
  return MPI_THREAD_MULTIPLE;
}

ThreadLevel from_mpi_level(int l) {
  if (l >= MPI_THREAD_MULTIPLE) return ThreadLevel::multiple;
  if (l >= MPI_THREAD_SERIALIZED) return ThreadLevel::serialized;
  if (l >= MPI_THREAD_FUNNELED) return ThreadLevel::funneled;
  return ThreadLevel::single;
}

// At exit: a failed rank (non-zero status) aborts the job so the other ranks do not wait for it forever;
// a clean exit finalizes. on_exit sees the status that exit() and main's return pass.
void abort_job(const char* msg, int code) noexcept;

void at_exit(int status, void*) {
  if (forked_child()) return;  // the handler was inherited through fork: the rank is the parent
  if (spawner_pid != 0 && getpid() != spawner_pid) return;
  if (status != 0) {
    abort_job(nullptr, status);
    return;
  }
  finalize();
}

// Functions travel as signed bytecode; ranks started by a launcher do not inherit the parent's key, so
// rank 0's key is broadcast (one collective at start-up, which MPI_Init already is).
void share_transport_key(int rank) {
  char hex[33] = {0};
  if (rank == 0) std::snprintf(hex, sizeof hex, "%s", wire::key_hex().c_str());
  detail::check(MPI_Bcast(hex, 32, MPI_CHAR, 0, MPI_COMM_WORLD), "mpi.init (transport key)");
  if (rank != 0) wire::set_key_hex(std::string(hex, 32));
  setenv("PARLAB_TRANSPORT_KEY", hex, 1);  // processes this rank starts inherit the run's key
}

World start(ThreadLevel requested) {
  World w;
  w.requested = requested;
  if (!launched_by_env()) {
    w.provided = requested;
    w.library = "parlab single rank (no MPI launcher in the environment)";
    return w;
  }
  int provided = 0;
  detail::check(MPI_Init_thread(nullptr, nullptr, to_mpi_level(requested), &provided), "mpi.init");
  // Errors come back as codes (then parlab::Error) rather than aborting inside MPI.
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_rank(MPI_COMM_WORLD, &w.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &w.size);
  w.launched = true;
  w.provided = from_mpi_level(provided);
  char version[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(version, &len);
  w.library.assign(version, strnlen(version, sizeof version));
  if (auto nl = w.library.find_first_of("\n,"); nl != std::string::npos) w.library.resize(nl);
  // A spawned process takes its parent's key (its world's rank 0 is another spawned process).
  spawned = detail::join_parent();
  if (!spawned) share_transport_key(w.rank);
  mpi_up.store(true);
  init_pid = getpid();
  pthread_atfork(nullptr, nullptr, [] { forked.store(true, std::memory_order_relaxed); });
  setenv("PARLAB_MPI_RANK_PID", std::to_string(long(init_pid)).c_str(), 1);
  on_exit(at_exit, nullptr);
  return w;
}

}  // namespace

const char* thread_level_name(ThreadLevel level) {
  switch (level) {
    case ThreadLevel::single: return "single";
    case ThreadLevel::funneled: return "funneled";
    case ThreadLevel::serialized: return "serialized";
    case ThreadLevel::multiple: return "multiple";
  }
  return "?";
}

ThreadLevel parse_thread_level(const std::string& name) {
  for (auto l : {ThreadLevel::single, ThreadLevel::funneled, ThreadLevel::serialized, ThreadLevel::multiple})
    if (name == thread_level_name(l)) return l;
  throw Error("mpi.init: unknown thread level '" + name +
              "' (expected single, funneled, serialized or multiple)");
}

bool launched_by_env() noexcept {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK", "MPI_LOCALNRANKS"})
    if (std::getenv(v)) return true;
  return false;
}

const World& init(ThreadLevel requested) {
  std::lock_guard<std::mutex> lock(init_mutex);
  if (ready.load(std::memory_order_acquire)) {
    if (the_world.requested != requested)
      throw Error(std::string("mpi.init: already initialised with thread level ") +
                  thread_level_name(the_world.requested));
    return the_world;
  }
  if (finalized.load()) throw Error("mpi.init: MPI was already finalized");
  init_thread = pthread_self();
  the_world = start(requested);
  ready.store(true, std::memory_order_release);
  return the_world;
}

// Below MPI_THREAD_MULTIPLE only the thread that started MPI may call it (parlab does not serialize).
static void check_thread() {
  if (!the_world.launched || the_world.provided == ThreadLevel::multiple) return;
  if (pthread_equal(pthread_self(), init_thread)) return;
  throw Error(std::string("mpi: only the thread that started MPI may call it at thread level ") +
              thread_level_name(the_world.provided) +
              "; start the run with PARLAB_MPI_THREAD_LEVEL=multiple to call parlab.mpi from threads");
}

const World& world() {
  if (ready.load(std::memory_order_acquire)) {
    if (forked_child()) refuse_child();
    check_thread();
    return the_world;
  }
  if (forked_child()) refuse_child();
  const char* env = std::getenv("PARLAB_MPI_THREAD_LEVEL");
  return init(env && *env ? parse_thread_level(env) : ThreadLevel::multiple);
}

bool initialized() noexcept { return ready.load(std::memory_order_acquire); }

double wtime() {
  if (world().launched) return MPI_Wtime();
  return clock_seconds();
}

double wtick() {
  if (world().launched) return MPI_Wtick();
  return 1e-9;
}

namespace {
void abort_job(const char* msg, int code) noexcept {
  // A spawned worker that fails ends alone: its parent notices (the pid is gone) and its siblings serve on.
  if (!initialized() || finalized.load() || !the_world.launched || the_world.size < 2 || forked_child() ||
      spawned)
    return;
  if (msg) std::fprintf(stderr, "%s\n", msg);
  std::fprintf(stderr, "parlab.mpi: rank %d of %d failed; aborting the job (MPI_Abort)\n", the_world.rank,
               the_world.size);
  std::fflush(stderr);
  std::fflush(stdout);
  MPI_Abort(MPI_COMM_WORLD, code);
}
}  // namespace

void abort_on_error(const char* msg) noexcept { abort_job(msg, 1); }

void abort(int code) {
  std::fflush(stdout);
  std::fflush(stderr);
  if (initialized() && the_world.launched && !finalized.load()) MPI_Abort(MPI_COMM_WORLD, code);
  std::_Exit(code);
}

void finalize() noexcept {
  if (!mpi_up.load() || forked_child() || finalized.exchange(true)) return;
  if (spawner_pid != 0 && getpid() != spawner_pid) return;
  std::fflush(stdout);
  try {
    detail::drain_orphans();
  } catch (const std::exception&) {
    // Finalizing anyway: an orphaned request that failed has nothing left to report to.
  }
  // Workers of a pool that was never joined may still run a task: MPI_Finalize would wait for them. This
  // process ends without it, and Open MPI ends them with it (its orted watches this process).
  if (detail::close_links() > 0) return;
  // An abandoned spawn's thread still waits inside MPI (spawn_attempt.cpp): MPI_Finalize would wait for it.
  if (detail::spawn_abandoned()) return;
  // A spawned worker whose sibling was killed can wait in MPI_Finalize's fence for ever: Open MPI 4.1 does
  // not end it for a dead member (seen in about 1 run in 6 of tests/mpi/spawn_pool.lua's killed-worker
  // case, under load). Its pool has closed by then, so after kWorkerFinalizeSeconds SIGALRM (default
  // action) ends it instead.
  constexpr unsigned kWorkerFinalizeSeconds = 5;
  bool worker = parent_link() != 0;
  if (worker) alarm(kWorkerFinalizeSeconds);
  MPI_Finalize();
  if (worker) linger_after_finalize();
}

namespace detail {

bool local() { return !world().launched; }

void ensure_mpi(const char* what) {
  const World& w = world();
  if (w.launched) return;
  std::lock_guard<std::mutex> lock(init_mutex);
  if (mpi_up.load()) {
    if (getpid() != spawner_pid) refuse_child();
    return;
  }
  if (finalized.load()) throw Error(std::string(what) + ": MPI was already finalized");
  // The pool asks for n workers whatever the cores, as parlab.Pool does; Open MPI's singleton would refuse
  // more processes than cores ("not enough slots"). Its orted, started now, reads these; settings of the
  // user's own are kept.
  setenv("OMPI_MCA_rmaps_base_oversubscribe", "1", 0);
  // A worker that dies (killed at terminate, crashed) is the pool's business: without these the orted
  // aborts the workers' whole job, and a later spawn can hang behind that abort.
  setenv("OMPI_MCA_orte_enable_recovery", "1", 0);
  setenv("OMPI_MCA_orte_abort_on_non_zero_status", "0", 0);
  int provided = 0, rc;
  {
    SingletonSession session;
    rc = MPI_Init_thread(nullptr, nullptr, to_mpi_level(w.requested), &provided);
  }
  check(rc, what);
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
  spawner_pid = getpid();
  mpi_up.store(true);
  on_exit(at_exit, nullptr);  // a clean exit finalizes; any other lets Open MPI end the spawned processes
}

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = std::snprintf(text, sizeof text, "code %d", rc);
  throw Error(std::string(what) + ": MPI error: " + std::string(text, len));
}

int to_count(size_t n, const char* what) {
  if (n > size_t(INT32_MAX))
    throw Error(std::string(what) + ": message of " + std::to_string(n) +
                " bytes is over MPI's 2 GiB limit per message; send it in parts");
  return int(n);
}

void check_rank(int rank, const char* what, const char* role, bool allow_any) {
  if (allow_any && rank == kAnySource) return;
  int size = world().size;
  if (rank < 0 || rank >= size)
    throw Error(std::string(what) + ": " + role + " " + std::to_string(rank) + " is not a rank (size is " +
                std::to_string(size) + ")");
}

void check_tag(int tag, const char* what, bool allow_any) {
  if (allow_any && tag == kAnyTag) return;
  // MPI guarantees tags up to 32767; OpenMPI allows up to INT_MAX. Read once.
  static const int ub = [] {
    int v = 32767;
    if (!local()) {
      void* attr = nullptr;
      int flag = 0;
      MPI_Comm_get_attr(MPI_COMM_WORLD, MPI_TAG_UB, &attr, &flag);
      if (flag) v = *static_cast<int*>(attr);
    }
    return v;
  }();
  if (tag < 0 || tag > ub)
    throw Error(std::string(what) + ": tag " + std::to_string(tag) + " is outside 0.." + std::to_string(ub));
}

}  // namespace detail
}  // namespace parlab::mpi
