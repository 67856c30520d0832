#include "engine/exec/pool.hpp"

#include <unistd.h>

#include <cstring>
#include <new>

#include <fmt/format.h>

#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/exec/pool_channel.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::pool {

enum SlotState : std::uint32_t { kFree = 0, kStarting = 1, kRunning = 2, kExited = 3, kRetired = 4 };

struct Slot {
  std::atomic<std::uint32_t> state{kFree};
  std::atomic<std::int32_t> pid{0};
  std::atomic<std::uint64_t> inflight{0};  // id of the task this worker holds, 0 when idle
  Channel own;  // tasks for this worker only (static scheduling); checked before the shared channel
};

// The pool's shared state, followed in the same arena block by one Slot per worker (Shared::bytes sizes
// it): a pool of 2 takes its two slots' memory, not room for kMaxWorkers (64 KiB, 17 fresh pages to
// zero on every pool's start, at 10-30 us each on a VM).
struct alignas(64) Shared : shm::Header {
  static constexpr std::uint32_t kKind = 0x706f6f6c;  // "pool"
  Channel tasks;
  Channel results;
  std::atomic<std::uint32_t> terminating{0};
  char* init = nullptr;
  std::uint32_t init_size = 0;
  std::uint32_t max_tasks = 0;  // per worker; 0: unlimited
  const std::int32_t nslots;

  explicit Shared(int workers) : nslots(workers) {
    for (int i = 0; i < nslots; ++i) new (slot_memory(i)) Slot();
  }
  ~Shared() {
    for (int i = 0; i < nslots; ++i) slot(i).~Slot();
    if (init) shm::deallocate(init);
  }
  static std::size_t bytes(int workers) { return sizeof(Shared) + std::size_t(workers) * sizeof(Slot); }
  Slot& slot(int i) { return *std::launder(static_cast<Slot*>(slot_memory(i))); }

 private:
  void* slot_memory(int i) { return reinterpret_cast<char*>(this + 1) + std::size_t(i) * sizeof(Slot); }
};
static_assert(alignof(Slot) <= alignof(Shared), "slots follow Shared without padding");

namespace {

// Workers poll an empty channel this many times (~20 us) before sleeping; more would steal the CPU from
// the submitter on a small machine.
constexpr int kWorkerSpins = 200;
constexpr int kParentSpins = 2000;
// An idle worker's sleep: a task and terminate() wake it (push and wake_all), so this only bounds a
// wake-up lost by a bug; it costs an idle worker 4 wake-ups a second. (Not sleep_or_stop: a worker does
// not look at the Ctrl-C flag, which would make it return at once while the flag stays set.)
constexpr double kIdleWorkerSeconds = 0.25;
// A worker killed mid-task wakes nobody (results come on a futex word, deaths on descriptors, and one
// sleep cannot wait for both): the parent waiting for results looks at its workers this often
// (watch_workers), so a death fails its task within ~20 ms.
constexpr double kWatchSeconds = 0.02;
// A worker that dies before it ever ran is a start failure; this many in a row break the pool.
constexpr int kMaxStartFailures = 3;

}  // namespace

// ---- worker side ----

WorkerEndpoint::WorkerEndpoint(shm::Offset pool, int slot)
    : shared_(shm::Ref<Shared>::attach(pool)), slot_(slot) {
  if (slot < 0 || slot >= shared_->nslots) throw Error(fmt::format("pool worker: bad slot {}", slot));
  Slot& s = shared_->slot(slot);
  s.pid.store(std::int32_t(getpid()));
  s.inflight.store(0);
  s.state.store(kRunning, std::memory_order_release);
}

WorkerEndpoint::~WorkerEndpoint() {
  Slot& s = shared_->slot(slot_);
  s.inflight.store(0);
  s.state.store(retired_ ? kRetired : kExited, std::memory_order_release);
}

std::string_view WorkerEndpoint::init_payload() const { return {shared_->init, shared_->init_size}; }

bool WorkerEndpoint::terminating() const noexcept {
  return shared_->terminating.load(std::memory_order_relaxed) != 0;
}

bool WorkerEndpoint::next(Task& task) {
  Shared& s = *shared_;
  Slot& slot = s.slot(slot_);
  Message& m = scratch_;
  if (s.max_tasks && done_ >= s.max_tasks) {
    retired_ = true;
    return false;
  }
  for (int spins = 0;;) {
    if (s.terminating.load(std::memory_order_acquire)) return false;
    std::uint32_t seen = s.tasks.seq();
    if (slot.own.pop(m, &slot.inflight) || s.tasks.pop(m, &slot.inflight)) {
      if (m.tag == kStop) return false;
      ++done_;
      task.id = m.id;
      task.payload.swap(m.bytes);
      wire::keep_warm(m.bytes);  // the task before
      return true;
    }
    if (spins < kWorkerSpins) {
      ++spins;
      futex::cpu_relax();
      continue;
    }
    // A worker waits for work without the GIL, like CPython's pool threads blocked on their queue.
    gil::Release unlocked;
    s.tasks.sleep(seen, kIdleWorkerSeconds);
  }
}

void WorkerEndpoint::reply(std::uint64_t id, bool ok, std::string_view bytes) {
  shared_->results.push(id, ok ? kOk : kError, slot_, bytes);
  shared_->slot(slot_).inflight.store(0, std::memory_order_release);
}

void WorkerEndpoint::init_failed(std::string_view message) {
  shared_->results.push(0, kInitFailed, slot_, message);
}

// ---- parent side ----

Pool::Pool(int workers, std::unique_ptr<Launcher> launcher, std::string init_payload,
           std::uint32_t max_tasks_per_child)
    : workers_(workers), launcher_(std::move(launcher)) {
  if (workers < 1 || workers > kMaxWorkers)
    throw Error(fmt::format("pool: the number of workers must be 1..{}, got {}", kMaxWorkers, workers));
  shared_ = shm::Ref<Shared>::create_sized(Shared::bytes(workers), workers);
  shared_->max_tasks = max_tasks_per_child;
  if (!init_payload.empty()) {
    shared_->init = static_cast<char*>(shm::allocate(init_payload.size(), 64));
    std::memcpy(shared_->init, init_payload.data(), init_payload.size());
    shared_->init_size = std::uint32_t(init_payload.size());
  }
  ended_.reset(new bool[workers]);
  for (int i = 0; i < workers; ++i) ended_[i] = true;
  try {
    for (int i = 0; i < workers; ++i) {
      shared_->slot(i).state.store(kStarting);
      launcher_->start(shared_.offset(), i);
      ended_[i] = false;
    }
  } catch (...) {
    terminate();
    throw;
  }
  last_watch_ = clock_seconds();
}

Pool::~Pool() {
  if (joined_) return;
  // Uninterruptible: the workers use the launcher and must be gone before it is.
  for (;;) {
    try {
      terminate();
      join();
      return;
    } catch (const interrupt::Interrupted&) {
      sleep_seconds(interrupt::kPollSeconds);
    } catch (const std::exception&) {
      return;
    }
  }
}

std::uint64_t Pool::submit(const Piece* pieces, std::size_t count, int worker) {
  if (terminated_) throw Error("pool: submit after terminate()");
  if (closed_) throw Error("pool: submit after close()");
  if (worker >= workers_) throw Error(fmt::format("pool: no worker {} in a pool of {}", worker, workers_));
  std::uint64_t id = next_id_++;
  if (worker < 0) {
    shared_->tasks.push(id, kTask, -1, pieces, count);
  } else {
    // Workers sleep on the shared channel's word: bump it so the owner wakes up.
    shared_->slot(worker).own.push(id, kTask, -1, pieces, count);
    shared_->tasks.wake_all();
  }
  return id;
}

bool Pool::cancel(std::uint64_t id) {
  if (shared_->tasks.remove(id)) return true;
  for (int i = 0; i < workers_; ++i)
    if (shared_->slot(i).own.remove(id)) return true;
  return false;
}

bool Pool::running(std::uint64_t id) const {
  for (int i = 0; i < workers_; ++i)
    if (shared_->slot(i).inflight.load(std::memory_order_acquire) == id) return true;
  return false;
}

std::size_t Pool::queued() const {
  std::size_t n = shared_->tasks.size();
  for (int i = 0; i < workers_; ++i) n += shared_->slot(i).own.size();
  return n;
}

bool Pool::try_result(Message& out) {
  if (shared_->results.pop(out, nullptr, true)) return true;
  double now = clock_seconds();
  if (now - last_watch_ >= interrupt::kPollSeconds) {
    last_watch_ = now;
    watch_workers();
    return shared_->results.pop(out, nullptr, true);
  }
  return false;
}

bool Pool::next_result(Message& out, double timeout) {
  const double deadline = deadline_after(timeout);
  Channel& results = shared_->results;
  for (int spins = 0;;) {
    std::uint32_t seen = results.seq();
    if (try_result(out)) return true;
    if (spins < kParentSpins) {
      ++spins;
      futex::cpu_relax();
      continue;
    }
    interrupt::check();
    double slice = next_slice(deadline, kWatchSeconds);
    if (slice == 0) return false;
    gil::Release unlocked;
    results.sleep_or_stop(seen, slice);
  }
}

void Pool::watch_workers() {
  std::string how;
  for (int i = 0; i < workers_; ++i) {
    if (ended_[i]) continue;
    if (launcher_->ended(i, how)) reap_slot(i, how);
  }
}

// A worker ended: a clean exit is final; a death fails its task and, unless terminating, is replaced.
void Pool::reap_slot(int i, const std::string& how) {
  ended_[i] = true;
  Slot& slot = shared_->slot(i);
  std::uint32_t state = slot.state.load(std::memory_order_acquire);
  if (state == kExited) return;
  if (state ==
      kRetired) {  // done its max_tasks_per_child: a successor takes over (and, after close, its kStop)
    if (terminated_) return;
    slot.state.store(kStarting);
    launcher_->start(shared_.offset(), i);
    ended_[i] = false;
    return;
  }
  ++deaths_;
  // A worker that died after attaching (kRunning) never ran its endpoint's destructor: give its
  // reference on the shared block back for it, or every killed or terminated worker leaks the block.
  if (state == kRunning) shared_->refs.fetch_sub(1, std::memory_order_acq_rel);
  slot.state.store(kExited, std::memory_order_release);
  // After terminate() the front fails every pending task with "the pool was terminated".
  if (terminated_) return;
  std::uint64_t id = slot.inflight.exchange(0);
  if (id)
    shared_->results.push(id, kDied, i,
                          fmt::format("worker {} ({}, pid {}) died while running this task: {}", i,
                                      launcher_->kind(), slot.pid.load(), how));
  start_failures_ = state == kStarting ? start_failures_ + 1 : 0;
  if (start_failures_ >= kMaxStartFailures) {
    shared_->results.push(0, kInitFailed, i,
                          fmt::format("could not start a {} worker: {}", launcher_->kind(), how));
    return;
  }
  slot.state.store(kStarting);
  launcher_->start(shared_.offset(), i);
  ended_[i] = false;
}

void Pool::close() {
  if (closed_) return;
  closed_ = true;
  for (int i = 0; i < workers_; ++i) shared_->tasks.push(0, kStop, -1, {});
}

void Pool::terminate() {
  closed_ = true;
  if (terminated_) return;
  terminated_ = true;
  shared_->terminating.store(1, std::memory_order_release);
  shared_->tasks.wake_all();
  for (int i = 0; i < workers_; ++i)
    if (!ended_[i]) launcher_->kill(i);
}

bool Pool::join(double timeout) {
  if (!closed_) throw Error("pool: join() needs close() or terminate() first");
  const double deadline = deadline_after(timeout);
  for (int i = 0; i < workers_; ++i) {
    while (!ended_[i]) {
      double left = seconds_left(deadline);
      if (left == 0) return false;
      std::string how;
      if (launcher_->wait(i, left, how)) reap_slot(i, how);
    }
  }
  joined_ = true;
  return true;
}

}  // namespace parlab::pool
