#pragma once
// Leases: what each process in the middle of a Fifo push or pop is doing, recorded in the Fifo itself, so
// that a process killed mid-operation leaves a record the survivors can act on (engine/queues/queue_fifo
// _recover.cpp). A writer records the slot number it is claiming and its large message's block (and, when
// it claims a block's last slot, the block and the successor it links); a reader records the slot number
// it is claiming and the block of the slot it claimed, then the message it took, until it has decoded it.
// Costs one CAS to take a lease and two stores to give it back per push or pop; 16 leases (2 KiB) per Fifo.
// A survivor that acts on a dead holder's lease records itself in it first (recoverer), so that a survivor
// killed in turn leaves the lease to the next one, in a state it can go on from.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace parlab::queue {

constexpr std::size_t kInlineBytes = 48;

struct alignas(64) Lease {
  // kRedelivering: a survivor puts a dead reader's item back at the tail; a writer whose item is in the
  // lease (size, bytes or block), so that whoever finds it dead can finish the put; its block stays set
  // (a small item's to a mark) until the item is in a slot.
  enum State : std::uint32_t { kFree = 0, kPutting, kTaking, kHolding, kRedelivering };
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
  std::atomic<std::uint32_t> linking{0};    // 1: claiming a block's last slot, until the link is stored;
                                            // 2: a survivor is past the point of linking next_block for it
  std::atomic<std::uint64_t> recoverer{0};  // the survivor acting on it once its holder died (packed_id)
  char bytes[kInlineBytes];                 // holding: a small message's bytes

  void give_back() noexcept {
    state.store(kFree, std::memory_order_release);
    pid.store(0, std::memory_order_release);
  }
};

// A process's pid and start time in one word, so that it can be compared and swapped at once: pids are
// below 2^22 (Linux's limit), start times (clock ticks since boot) below 2^42. Never 0.
inline std::uint64_t packed_id(std::int32_t pid, std::uint64_t start) noexcept {
  return start << 22 | std::uint64_t(std::uint32_t(pid));
}
inline std::int32_t packed_pid(std::uint64_t id) noexcept { return std::int32_t(id & ((1u << 22) - 1)); }
inline std::uint64_t packed_start(std::uint64_t id) noexcept { return id >> 22; }

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
