#pragma once
// Leases: what each process in the middle of a Fifo push or pop is doing, recorded in the Fifo itself, so
// that a process killed mid-operation leaves a record the survivors can act on (engine/queues/queue_fifo
// _recover.cpp). A writer records the slot number it is claiming and its large message's block (and, when
// it claims a block's last slot, the block and the successor it links); a reader records the slot number
// it is claiming and the block of the slot it claimed, then the message it took, until it has decoded it.
// Costs one CAS to take a lease and two stores to give it back per push or pop; 16 leases (2 KiB) per Fifo.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace parlab::queue {

constexpr std::size_t kInlineBytes = 48;

struct alignas(64) Lease {
  enum State : std::uint32_t { kFree = 0, kPutting, kTaking, kHolding, kRecovering };
  static constexpr std::uint64_t kNoSlot = ~std::uint64_t(0);

  std::atomic<std::int32_t> pid{0};  // the holder; 0 when free (state is set after pid and start)
  std::atomic<std::uint32_t> state{kFree};
  std::atomic<std::uint64_t> start{0};       // the holder's start time (pids are reused)
  std::atomic<std::uint64_t> slot{kNoSlot};  // putting/taking: the slot number it may have claimed
  std::uint64_t size = 0;                    // holding: the message's size
  char* block = nullptr;                     // putting/holding: a large message's block
  void* at = nullptr;          // taking/holding: the slot block of the slot it claimed, until marked read;
                               // putting with linking set: the block whose last slot it claims
  void* next_block = nullptr;  // putting with linking set: the successor block it links
  std::atomic<std::uint32_t> linking{0};  // 1: claiming a block's last slot, until the link is stored
  char bytes[kInlineBytes];               // holding: a small message's bytes

  void give_back() noexcept {
    state.store(kFree, std::memory_order_release);
    pid.store(0, std::memory_order_release);
  }
};

// Gives a writer's lease back however its push ends (returned or thrown).
struct LeaseHeld {
  Lease* const lease;
  explicit LeaseHeld(Lease* l) noexcept : lease(l) {}
  ~LeaseHeld() { lease->give_back(); }
  LeaseHeld(const LeaseHeld&) = delete;
  LeaseHeld& operator=(const LeaseHeld&) = delete;
};

// What one pop or recover() did about dead processes, for the owner's counts (Queue's size and tasks).
struct Recovered {
  int redelivered = 0;   // items put back at the tail
  int dropped_puts = 0;  // puts of dead writers that will never arrive (each counted once)
};

// What survivors found and did about processes killed mid-operation (counted since the Fifo was made).
struct Faults {
  std::uint64_t redelivered = 0;  // items a killed reader had taken, put back at the tail
  std::uint64_t maybe_lost = 0;   // readers killed between claiming a slot and recording the item
  std::uint64_t lost_puts = 0;    // slots a killed writer claimed and never filled (skipped)
};

}  // namespace parlab::queue
