#pragma once
// Shared by engine/mpi/*.cpp only: MPI error checks, argument checks, the polling wait and the orphan
// list. Includes <mpi.h>, so nothing outside engine/mpi includes it.
// The C API only: OpenMPI's and MPICH's deprecated C++ bindings would need libmpi_cxx.
#ifndef OMPI_SKIP_MPICXX
#define OMPI_SKIP_MPICXX 1
#endif
#ifndef MPICH_SKIP_MPICXX
#define MPICH_SKIP_MPICXX 1
#endif
#include <mpi.h>

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/core/clock.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/mpi/mpi.hpp"

namespace parlab::mpi::detail {

// Throws parlab::Error("what: <MPI's error string>") when rc is not MPI_SUCCESS.
void check(int rc, const char* what);
// MPI counts are int: larger messages are refused by name instead of truncated.
int to_count(size_t n, const char* what);
// Throws unless 0 <= rank < size (or rank is kAnySource where allowed).
void check_rank(int rank, const char* what, const char* role, bool allow_any);
void check_tag(int tag, const char* what, bool allow_any);
// Held across MPI_Init in a run of one process (ensure_mpi; session_guard.cpp): Open MPI's session files go
// to a new folder of this run's own, which a guard removes when the run ends, however it ends, after
// stopping Open MPI's daemon if it has not left by itself; the daemon's stderr passes through the guard's
// filter. The destructor restores stderr and the environment (without the PMIx identity MPI_Init put there,
// which a program this run starts would take as its own). Without the folder or the guard (mkdtemp or
// fork failed) Open MPI runs as it would without parlab.
class SingletonSession {
 public:
  SingletonSession() noexcept;
  ~SingletonSession();
  SingletonSession(const SingletonSession&) = delete;
  SingletonSession& operator=(const SingletonSession&) = delete;

 private:
  int saved_stderr_ = -1;
  int watch_ = -1;  // the write end of the guard's watch pipe
  bool changed_env_ = false, had_base_ = false;
  std::string old_base_;
  std::vector<std::string> before_;  // the OMPI_* and PMIX_* variables set before MPI_Init
};

// True when this run is the built-in single rank (no launcher): no MPI call may be made.
bool local();

// What MPI says of a matched or received message, as parlab's Status (bytes: its size in bytes).
Status from_mpi(const MPI_Status& st);
// The next message matching source and tag (kAnySource, kAnyTag allowed) on comm, the world's or a
// spawned link's: probed and received with Improbe/Imrecv and the polling wait, so a long transfer also
// releases the GIL and sees Ctrl-C. `what` names the call in errors.
std::string recv_on(MPI_Comm comm, int source, int tag, Status* status, const char* what);
// Whether a message matching source and tag waits on comm (status filled when one does); never waits.
bool iprobe_on(MPI_Comm comm, int source, int tag, Status* status, const char* what);

MPI_Datatype mpi_type(DType t);
MPI_Op mpi_op(Op op);
size_t type_size(DType t);

// Completes what dropped requests left behind; called before each new operation and at finalize.
void reap_orphans();
// The buffers must not move while MPI holds them: callers pass them as shared_ptr (heap, stable address,
// also for short strings whose bytes live inside the std::string object).
void orphan(MPI_Request request, std::shared_ptr<void> buffer, std::shared_ptr<void> keepalive);
// At finalize: waits a moment for orphans, then cancels what never completed.
void drain_orphans();

// The built-in single rank's mailbox (messages a rank sends to itself without a launcher).
void mailbox_put(std::string bytes, int tag);
// Removes and returns the first message matching tag (kAnyTag: any); false when none is queued.
bool mailbox_take(int tag, std::string& bytes, Status* status);
bool mailbox_peek(int tag, Status* status);

// MPI itself for a run that spawns: a launched world already has it; the built-in single rank starts it
// now (Open MPI's singleton mode), its world unchanged. Idempotent.
void ensure_mpi(const char* what);
// In a process MPI_Comm_spawn started (at MPI_Init): the parent's key and this process's pid go over the
// parent link; false when this process has no parent.
bool join_parent();
// At finalize: frees the links still open (the parent's included); returns how many led to spawned
// processes (a pool that was never joined: its workers may still run a task).
size_t close_links() noexcept;
// One spawn's outcome: MPI's code, then the intercommunicator and each process's pid and host name.
struct SpawnResult {
  int rc = MPI_SUCCESS;
  MPI_Comm inter = MPI_COMM_NULL;
  std::vector<long> pids;
  std::vector<std::string> hosts;
};
// What a failed spawn of n workers suggests instead: "start the run under a launcher instead (mpirun -n
// n+1 parlab script.lua: ...)" (spawn.cpp).
std::string launcher_hint(int n);
// The parent's half of a link's set-up (spawn.cpp): the run's key to each process, its "pid host" back.
void greet(MPI_Comm inter, int n, SpawnResult& out);
// MPI_Comm_spawn and the set-up, each attempt bounded in time and interruptible, retried where Open MPI
// left one waiting (spawn_attempt.cpp); unbounded where MPI runs without MPI_THREAD_MULTIPLE. `what` names
// the call in errors.
SpawnResult spawn_bounded(const std::string& command, const std::vector<std::string>& args, int n,
                          const char* what);
// True once an attempt was abandoned: its thread waits inside MPI, so MPI_Finalize would too.
bool spawn_abandoned() noexcept;
// The tag of the set-up exchange on a new link (before any pool message).
constexpr int kSetupTag = 32000;

struct Backoff {
  double start = clock_seconds();
  double sleep = 0;
  // Spins while young (MPI makes progress only inside its calls), then sleeps 10 us .. 1 ms.
  void pause();
};

// Calls done() until it returns true: the GIL released, interrupt::check() between tries.
template <class Done>
void poll(Done&& done) {
  if (done()) return;
  gil::Release unlocked;
  Backoff backoff;
  for (;;) {
    interrupt::check();
    if (done()) return;
    backoff.pause();
  }
}

// Waits for one MPI request (polling, interruptible); on interrupt the request is orphaned with `keep`
// (the buffers it uses) so they stay valid.
void wait(MPI_Request& request, MPI_Status* status, std::shared_ptr<void> keep);

}  // namespace parlab::mpi::detail
