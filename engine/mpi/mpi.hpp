#pragma once
// MPI for parlab: the C++ face of parlab.mpi (no Lua, no <mpi.h> here, so the CLI and tests can include it
// in any build). Semantics follow mpi4py's COMM_WORLD. Built from engine/mpi/*.cpp when CMake finds MPI
// (cmake/feature-mpi.cmake defines PARLAB_HAVE_MPI); without MPI only abort_on_error, finalize,
// initialized and launched_by_env exist (engine/mpi/stub/no_mpi.cpp), so a caller needs no #ifdef.
//
// Start-up is lazy: the first call that needs the world initialises it. Under a launcher (mpirun, srun;
// detected from OMPI_COMM_WORLD_SIZE, PMIX_RANK, PMI_SIZE) that is MPI_Init_thread; otherwise parlab runs as
// a built-in single rank (size 1, messages to self kept in a mailbox) and never touches MPI, so a plain
// `parlab script.lua` pays nothing and prints no launcher warnings. Every blocking call polls with
// MPI_Test/MPI_Iprobe, releases the GIL and checks interrupt::check() while it waits.
#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "engine/kernels/array.hpp"  // DType

namespace parlab::mpi {

// MPI's thread levels, in MPI's order (single < funneled < serialized < multiple).
enum class ThreadLevel { single = 0, funneled = 1, serialized = 2, multiple = 3 };
const char* thread_level_name(ThreadLevel level);
// Parses "single" | "funneled" | "serialized" | "multiple"; throws parlab::Error otherwise.
ThreadLevel parse_thread_level(const std::string& name);

struct World {
  int rank = 0;
  int size = 1;
  bool launched = false;  // true: real MPI under a launcher; false: the built-in single rank
  ThreadLevel requested = ThreadLevel::multiple;
  ThreadLevel provided = ThreadLevel::multiple;
  std::string library;  // MPI_Get_library_version's first line, or "parlab single rank (no launcher)"
};

// Initialises on first use with the level from PARLAB_MPI_THREAD_LEVEL (default "multiple", as mpi4py).
const World& world();
// Initialises with an explicit level; throws when the world is already initialised with another one.
const World& init(ThreadLevel requested);
bool initialized() noexcept;
// True when a launcher started this process (the environment says so); does not initialise.
bool launched_by_env() noexcept;

double wtime();
double wtick();

// Called by the CLI's top-level error handler after it printed the traceback: when this process is one
// rank of several, prints which rank failed and calls MPI_Abort so the other ranks do not stay blocked.
// Does nothing when MPI was never initialised or the run is a single rank. Safe in every build.
void abort_on_error(const char* msg) noexcept;
// MPI_Abort(code) on a launched run; exit(code) otherwise.
[[noreturn]] void abort(int code);

constexpr int kAnySource = -1;
constexpr int kAnyTag = -1;

struct Status {
  int source = -1;
  int tag = -1;
  size_t bytes = 0;
};

// Point to point on bytes. Both block until done (send: until MPI may reuse the buffer, as MPI_Send).
// recv returns the whole message whatever its size (mpi4py's recv); recv_into refuses messages larger
// than the capacity with an error instead of truncating them.
void send(const void* data, size_t bytes, int dest, int tag);
std::string recv(int source, int tag, Status* status);
void recv_into(void* data, size_t capacity, int source, int tag, Status* status);
// Non-blocking probe: true and the status when a matching message is waiting.
bool iprobe(int source, int tag, Status* status);

// A non-blocking operation in flight. Dropping one that has not finished hands its MPI request, its buffer
// and its keepalive to an orphan list that later calls and finalize complete, so MPI never touches freed
// memory.
class Request {
 public:
  virtual ~Request() = default;
  virtual bool test() = 0;  // true once complete; never blocks
  void wait();              // polls test() with the GIL released, interruptible
  bool done() const { return done_; }
  const Status& status() const { return status_; }
  // The received message (irecv only).
  std::string take_bytes() { return std::move(bytes_); }
  // Whatever must outlive the operation (an array's storage): kept until the request completes, even
  // when the request itself is dropped first.
  std::shared_ptr<void> keepalive;

 protected:
  bool done_ = false;
  Status status_;
  std::string bytes_;
};
// `what` names the Lua call in error messages.
std::unique_ptr<Request> isend(std::string bytes, int dest, int tag, const char* what = "mpi.isend");
std::unique_ptr<Request> irecv(int source, int tag);
// Buffer versions: the caller keeps `data` alive until the request completes.
std::unique_ptr<Request> isend_buffer(const void* data, size_t bytes, int dest, int tag,
                                      const char* what = "mpi.Isend");
std::unique_ptr<Request> irecv_buffer(void* data, size_t capacity, int source, int tag);

// Collectives on whole messages (the object path): each rank's bytes may differ in size.
void barrier();
std::string bcast(std::string bytes, int root);
std::vector<std::string> gather(const std::string& mine, int root);  // empty except at root
std::vector<std::string> allgather(const std::string& mine);
std::string scatter(const std::vector<std::string>& parts, int root);  // parts used at root only

// Collectives on typed buffers (the array path: no copies). sendbuf == recvbuf means in place.
enum class Op { sum, prod, max, min };
// Parses "sum" | "prod" | "max" | "min"; false otherwise.
bool op_from_name(const std::string& name, Op& out) noexcept;
void bcast_buffer(void* data, size_t bytes, int root);
void reduce_buffer(const void* send, void* recv, size_t count, DType type, Op op, int root);
void allreduce_buffer(const void* send, void* recv, size_t count, DType type, Op op);
// Each rank sends `bytes`; at root recv holds size * bytes in rank order.
void gather_buffer(const void* send, void* recv, size_t bytes, int root);
// At root send holds size * bytes; each rank receives its `bytes`.
void scatter_buffer(const void* send, void* recv, size_t bytes, int root);

// Spawned workers (engine/mpi/spawn.cpp): MPI_Comm_spawn of n new processes running `command args`, joined
// to this process by an intercommunicator, a "link" named by a small positive id. A run without a launcher
// starts MPI for it (Open MPI's singleton mode); this process's world stays what it was. Every spawned
// process learns the run's transport key from its parent and reports its pid and host name.
struct Spawned {
  int link = 0;
  std::vector<long> pids;
  std::vector<std::string> hosts;
};
// `what` names the Lua call in errors (a failed spawn says how to run under mpirun instead).
Spawned spawn(const std::string& command, const std::vector<std::string>& args, int n, const char* what);
// The link to the parent in a spawned process, 0 elsewhere (initialises the world).
int parent_link();
// Point to point over a link: ranks are the other side's (the parent is rank 0 seen from a spawned process).
std::unique_ptr<Request> link_isend(int link, std::string bytes, int dest, int tag);
std::string link_recv(int link, int source, int tag, Status* status);
bool link_iprobe(int link, int source, int tag, Status* status);
// Ends a link on this side (MPI_Comm_free: it waits for nobody, so it serves after a clean stop and after
// a kill alike; MPI_Comm_disconnect would wait for a dead peer forever).
void link_close(int link);
// Leaving in the order Open MPI's daemon needs (worker_exit.cpp): a worker installs the SIGTERM handler
// before MPI starts; end_worker asks a spawned worker to end (SIGTERM); a worker lingers after
// MPI_Finalize.
void leave_in_order_on_sigterm();
void end_worker(long pid);
void linger_after_finalize();
// This host's name (where spawned processes report theirs).
std::string host_name();

// Finalizes MPI when it was initialised (waits for orphaned requests first). Registered to run at exit.
void finalize() noexcept;

}  // namespace parlab::mpi
