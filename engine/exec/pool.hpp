#pragma once
// The task pool engine shared by ThreadPool (thread workers) and Pool (process workers). Tasks are opaque
// byte payloads with ids; they reach workers through a channel in the shared arena (engine/arena/shm.hpp), so
// a worker in another process uses the very same channel as a thread does; results come back on a second
// channel tagged with the task id. The engine does not know what a worker is: a Launcher starts one given
// the pool's shared state (an arena offset) and a slot number, and tells the parent when it has ended.
// The interface, in short: the parent makes a Pool with a Launcher and drives it from one thread (submit,
// next_result, close/terminate, join); each worker, thread or process, builds a WorkerEndpoint on the
// offset and slot it was started with and loops on next()/reply(). A worker that ends without a clean
// exit has its in-flight task answered with kDied and is replaced. docs/threads.md describes the costs.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "engine/arena/shared_object.hpp"
#include "engine/arena/shm.hpp"
#include "engine/core/pieces.hpp"

namespace parlab::pool {

// What a message on a channel is.
enum Tag : std::uint32_t {
  kTask = 1,        // parent -> worker: run payload
  kStop = 2,        // parent -> worker: exit after the tasks queued before this message
  kOk = 3,          // worker -> parent: payload is the task's encoded results
  kError = 4,       // worker -> parent: payload is the error message (with traceback)
  kDied = 5,        // made by the parent: the worker running this task ended without answering
  kInitFailed = 6,  // worker -> parent: the initializer failed, payload is the message, id is 0
};

// A message taken from a channel. Its payload is in `bytes`, except a large result, which the parent reads
// in place in the arena (payload() covers both): a copy of a 64 MiB result into a std::string was fresh
// memory, about 16,000 page faults, for every task. A held payload's node is freed when the Message is
// reset, reused or destroyed.
class Message {
 public:
  std::uint64_t id = 0;
  Tag tag = kTask;
  std::int32_t worker = -1;  // slot of the worker that answered (results only)
  std::string bytes;

  Message() = default;
  ~Message() { reset_held(); }
  Message(Message&& other) noexcept { *this = std::move(other); }
  Message& operator=(Message&& other) noexcept;
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;

  std::string_view payload() const noexcept {
    return held_ ? std::string_view(held_, held_size_) : std::string_view(bytes);
  }
  void reset_held() noexcept;

 private:
  friend class Channel;
  void* held_node_ = nullptr;
  const char* held_ = nullptr;
  std::size_t held_size_ = 0;
};

struct Shared;  // lives in the arena; defined in pool.cpp

// The largest pool (the shared state holds one slot per worker).
constexpr int kMaxWorkers = 1024;

// Starts and watches workers of one kind (threads, fork, spawn, forkserver). Called only by the parent
// (the thread that owns the Pool). Each worker, wherever it runs, builds a WorkerEndpoint(pool, slot) and
// loops on next()/reply() (bindings/worker/worker.cpp: run_pool_worker does exactly that with a Lua state).
class Launcher {
 public:
  virtual ~Launcher() = default;
  // "thread", "fork", "spawn", ...: used in error messages.
  virtual const char* kind() const = 0;
  // Starts the worker for `slot` of the pool whose shared state is at `pool`; returns without waiting
  // for it to be ready. Throws parlab::Error when it cannot start one.
  virtual void start(shm::Offset pool, int slot) = 0;
  // Non-blocking: true once the worker for `slot` has ended (its OS resources are then released, e.g.
  // a process reaped); `how` says how ("exit status 1", "killed by signal 9"). A thread ends only by
  // returning from the worker loop.
  virtual bool ended(int slot, std::string& how) = 0;
  // Blocks up to `timeout` seconds (< 0: forever) for the worker to end; true when it has (and is
  // released), with `how` filled as by ended(). Must end at once on Ctrl-C and a stop request (throwing
  // as interrupt::check() does) and hold a gil::Release while it sleeps.
  virtual bool wait(int slot, double timeout, std::string& how) = 0;
  // Asks the worker to stop now, abandoning its task: a process gets SIGTERM, a thread's Lua state an
  // error at its next hook. Must not block; wait() follows.
  virtual void kill(int slot) = 0;
};

// The worker's side: attach to the pool, take tasks, answer. One per worker, in the worker's thread.
class WorkerEndpoint {
 public:
  struct Task {
    std::uint64_t id = 0;
    std::string payload;
  };
  // Attaches to the shared state at `pool` (taking a reference) and marks `slot` running.
  WorkerEndpoint(shm::Offset pool, int slot);
  // Marks the slot cleanly exited: the parent then knows this was not a death.
  ~WorkerEndpoint();
  WorkerEndpoint(const WorkerEndpoint&) = delete;
  WorkerEndpoint& operator=(const WorkerEndpoint&) = delete;

  // The initializer payload given to the Pool (empty when none).
  std::string_view init_payload() const;
  // Blocks for the next task (polls briefly, then sleeps). Returns false when this worker must exit
  // (a kStop message, or the pool was terminated). While a task is out, the slot records its id, so the
  // parent can fail it if this worker dies.
  bool next(Task& task);
  // Sends the result of the task last returned by next(); clears the slot's in-flight id.
  void reply(std::uint64_t id, bool ok, std::string_view bytes);
  // Reports that the initializer failed; the parent marks the pool broken.
  void init_failed(std::string_view message);
  // True once the pool was terminated: a long task may poll this to give up early.
  bool terminating() const noexcept;
  int slot() const noexcept { return slot_; }

 private:
  shm::Ref<Shared> shared_;
  int slot_;
  std::uint64_t done_ = 0;  // tasks taken, for max_tasks_per_child
  bool retired_ = false;    // stopped at max_tasks_per_child: the parent starts a successor
  // What next() pops into; its buffer and the Task's are swapped, so both stay warm from task to task
  // (a fresh 64 MiB buffer per task was ~16,000 page faults).
  Message scratch_;
};

// The parent's side. Not thread-safe: one thread (the one that made it) drives it.
class Pool {
 public:
  // Creates the shared state and starts `workers` workers through `launcher`.
  // max_tasks_per_child > 0: each worker takes that many tasks, then exits and is replaced (Python's
  // maxtasksperchild).
  Pool(int workers, std::unique_ptr<Launcher> launcher, std::string init_payload = {},
       std::uint32_t max_tasks_per_child = 0);
  // Terminates workers that are still running (a forgotten pool never hangs the program).
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  int size() const noexcept { return workers_; }
  shm::Offset offset() const { return shared_.offset(); }
  const char* kind() const { return launcher_->kind(); }

  // Queues a task; returns its id (ids start at 1 and never repeat). Throws after close/terminate.
  // `worker` >= 0 queues it for that worker only (static scheduling); -1 lets any worker take it.
  std::uint64_t submit(std::string_view payload, int worker = -1) {
    Piece whole{payload.data(), payload.size()};
    return submit(&whole, 1, worker);
  }
  // The same for a task in pieces (engine/core/pieces.hpp), copied into the channel once.
  std::uint64_t submit(const Piece* pieces, std::size_t count, int worker = -1);
  // Takes a task back if no worker has started it; true when it was still queued (it will never run).
  bool cancel(std::uint64_t id);
  // True while a worker holds the task (taken from the queue, its answer not yet handed back).
  bool running(std::uint64_t id) const;
  // Waits up to `timeout` seconds (< 0: forever) for the next result; false on timeout. Holds a
  // gil::Release while it sleeps; Ctrl-C and a stop request wake it and throw. While waiting it watches
  // the workers (every kWatchSeconds, 20 ms): a worker that ended without a clean exit has its in-flight
  // task answered with kDied and is replaced (unless the pool is terminating).
  bool next_result(Message& out, double timeout);
  // Non-blocking next_result.
  bool try_result(Message& out);

  // No more tasks: each worker exits after the tasks queued so far.
  void close();
  // Stops the workers now; queued tasks are dropped, running ones abandoned.
  void terminate();
  // Waits for every worker to end (after close or terminate). False on timeout.
  bool join(double timeout = -1);

  bool closed() const noexcept { return closed_; }
  bool terminated() const noexcept { return terminated_; }
  // Workers that died (and were replaced) so far.
  int deaths() const noexcept { return deaths_; }
  // Tasks queued but not yet taken by a worker.
  std::size_t queued() const;

 private:
  void watch_workers();
  void reap_slot(int slot, const std::string& how);

  int workers_;
  std::unique_ptr<Launcher> launcher_;
  shm::Ref<Shared> shared_;
  std::uint64_t next_id_ = 1;
  bool closed_ = false;
  bool terminated_ = false;
  bool joined_ = false;
  int deaths_ = 0;
  int start_failures_ = 0;
  double last_watch_ = 0;
  std::unique_ptr<bool[]> ended_;
};

}  // namespace parlab::pool
