#pragma once
// The Fifo's insides, shared by its push/pop (queue_fifo.cpp) and its recovery after a process died
// mid-operation (queue_fifo_recover.cpp, queue_fifo_repair.cpp). Not part of the engine's interface.
#include <sched.h>

#include <atomic>
#include <cstdint>
#include <new>

#include "engine/arena/shm.hpp"
#include "engine/core/clock.hpp"
#include "engine/queues/queue_fifo.hpp"

namespace parlab::queue {
namespace fifo {

// Index layout as in crossbeam: the low bit of head's index says "the head block has a successor";
// the slot number is index >> kShift; every kLap-th slot number is a gap that marks a block change.
constexpr std::uint64_t kShift = 1;
constexpr std::uint64_t kHasNext = 1;
constexpr std::uint64_t kLap = 64;
constexpr std::uint64_t kBlockCap = kLap - 1;

// Slot states.
constexpr std::uint32_t kWrite = 1;    // the message is in
constexpr std::uint32_t kRead = 2;     // the message was taken
constexpr std::uint32_t kDestroy = 4;  // the block's destroyer passed while the slot was still in use
// Slot kinds (is_inline).
constexpr std::uint32_t kInBlock = 0;  // the message is in its own arena block
constexpr std::uint32_t kInline = 1;   // the message is in the slot
constexpr std::uint32_t kHole = 2;     // a killed writer claimed the slot and never filled it: skip it

// Spins briefly, then yields: the thread we wait for may be descheduled (2 cores, many processes),
// and a pause costs ~220 ns on this project's VMs.
class Backoff {
 public:
  void snooze() {
    if (step_ < 4) {
      for (int i = 0; i < (1 << step_); ++i) __builtin_ia32_pause();
      ++step_;
    } else {
      sched_yield();
    }
  }

 private:
  int step_ = 0;
};

// A waiter's patience with a process that may have died: due() says, once 50 ms have passed and again
// every 50 ms, that it is time to ask (a /proc read). The clock is read once per 16 rounds, so a wait
// that ends at once costs a few instructions; not less often, since from the 5th round on each round is a
// sched_yield, which on a loaded machine (16 runnable threads on 2 vCPUs) can give the core away for
// milliseconds: once per 256 rounds made the 50 ms several seconds there.
class Patience {
 public:
  bool due() {
    if (++rounds_ % 16) return false;
    double now = clock_seconds();
    if (since_ < 0 || now - since_ <= 0.05) {
      if (since_ < 0) since_ = now;
      return false;
    }
    since_ = now;
    return true;
  }

 private:
  unsigned rounds_ = 0;
  double since_ = -1;
};

// Liveness of a lease and the survivors' hold on one (queue_fifo_recover.cpp).
bool holder_alive(const Lease& l);  // its holder runs (or it is free)
bool lease_live(const Lease& l);    // its holder, or a survivor acting on it, runs
// Records this process as the one acting on dead lease l (Lease::recoverer), taking over from a recoverer
// that died in turn; released when it goes out of scope. held is false when a live process has it, or
// the lease was given back (and maybe taken by a live holder) meanwhile.
class RecoveryHold {
 public:
  explicit RecoveryHold(Lease& l);
  ~RecoveryHold() { release(); }
  void release();
  RecoveryHold(const RecoveryHold&) = delete;
  RecoveryHold& operator=(const RecoveryHold&) = delete;
  bool held = false;

 private:
  Lease& lease_;
};
// The same hold on a word that names one process (Fifo::moving_): true when this process now has it.
bool take_over(std::atomic<std::uint64_t>& word);
void give_up(std::atomic<std::uint64_t>& word);

}  // namespace fifo

struct Fifo::Slot {
  std::atomic<std::uint32_t> state{0};
  std::uint32_t is_inline = 0;
  std::uint64_t size = 0;
  union {
    char bytes[kInlineBytes];
    char* block;
  };
};

struct alignas(64) Fifo::Block {
  std::atomic<Block*> next{nullptr};
  Slot slots[fifo::kBlockCap];

  static Block* create() { return new (shm::allocate(sizeof(Block), 64)) Block(); }
  static void free(Block* b) noexcept {
    b->~Block();
    shm::deallocate(b);
  }
  // Frees the block once every slot from `start` on has been read; a reader still busy on a slot
  // finds kDestroy set and continues the destruction itself.
  static void destroy(Block* b, std::uint64_t start) noexcept {
    for (std::uint64_t i = start; i < fifo::kBlockCap - 1; ++i) {
      Slot& s = b->slots[i];
      if ((s.state.load(std::memory_order_acquire) & fifo::kRead) == 0 &&
          (s.state.fetch_or(fifo::kDestroy, std::memory_order_acq_rel) & fifo::kRead) == 0)
        return;
    }
    free(b);
  }
};

}  // namespace parlab::queue
