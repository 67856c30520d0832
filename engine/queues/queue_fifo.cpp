#include "engine/queues/queue_fifo.hpp"

#include <sched.h>
#include <sys/mman.h>

#include <cstdint>
#include <cstring>
#include <new>

#include "engine/arena/shm.hpp"

namespace parlab::queue {
namespace {

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

}  // namespace

struct Slot {
  std::atomic<std::uint32_t> state{0};
  std::uint32_t is_inline = 0;
  std::uint64_t size = 0;
  union {
    char bytes[kInlineBytes];
    char* block;
  };
};
static_assert(sizeof(Slot) == 64, "a slot is one cache line");

struct alignas(64) Fifo::Block {
  std::atomic<Block*> next{nullptr};
  Slot slots[kBlockCap];

  static Block* create() { return new (shm::allocate(sizeof(Block), 64)) Block(); }
  static void free(Block* b) noexcept {
    b->~Block();
    shm::deallocate(b);
  }
  Block* wait_next() {
    Backoff backoff;
    for (;;) {
      Block* n = next.load(std::memory_order_acquire);
      if (n) return n;
      backoff.snooze();
    }
  }
  // Frees the block once every slot from `start` on has been read; a reader still busy on a slot
  // finds kDestroy set and continues the destruction itself.
  static void destroy(Block* b, std::uint64_t start) noexcept {
    for (std::uint64_t i = start; i < kBlockCap - 1; ++i) {
      Slot& s = b->slots[i];
      if ((s.state.load(std::memory_order_acquire) & kRead) == 0 &&
          (s.state.fetch_or(kDestroy, std::memory_order_acq_rel) & kRead) == 0)
        return;
    }
    free(b);
  }
};

namespace {
std::size_t capacity_of(const char* block) { return *reinterpret_cast<const std::size_t*>(block); }
// The largest block kept as the spare: reusing warm pages is what makes repeated large messages fast (a
// fresh page costs ~11 us to fault in), but a spare of a one-off 1 GiB message would hold a GiB of
// memory until the queue is closed. 64 MiB is the largest size the bandwidth experiment sends.
constexpr std::size_t kSpareMax = (std::size_t(64) << 20) + 4096;

// A big message's fresh block is mapped in with one call before the copy in: on a VM a page fault per
// 4 KiB page costs several times the kernel's own work (16 MiB: ~100 ms faulted, ~50 populated). Only a
// hint: kernels before 5.14 refuse it, and the copy then faults the pages in as before.
constexpr std::size_t kPopulateBytes = std::size_t(1) << 20;
void populate(char* from, std::size_t bytes) {
  constexpr int kPopulateWrite = 23;  // MADV_POPULATE_WRITE, not in older headers
  const auto page = std::uintptr_t(4096);
  std::uintptr_t start = reinterpret_cast<std::uintptr_t>(from) & ~(page - 1);
  madvise(reinterpret_cast<void*>(start), reinterpret_cast<std::uintptr_t>(from) + bytes - start,
          kPopulateWrite);
}
}  // namespace

void Message::reset() noexcept {
  if (block_) {
    char* expected = nullptr;
    if (!home_ || capacity_of(block_) > kSpareMax ||
        !home_->compare_exchange_strong(expected, block_, std::memory_order_acq_rel))
      shm::deallocate(block_);
  }
  block_ = nullptr;
  size_ = 0;
}

// A block for a message of `size` bytes: the spare one when it fits without wasting much, else new.
char* Fifo::block_for(std::size_t size) {
  if (char* spare = spare_.exchange(nullptr, std::memory_order_acq_rel)) {
    std::size_t cap = capacity_of(spare);
    if (cap >= size && cap / 4 <= size) return spare;
    shm::deallocate(spare);
  }
  char* block = static_cast<char*>(shm::allocate(Message::kBlockHeader + size, 64));
  *reinterpret_cast<std::size_t*>(block) = size;
  if (size >= kPopulateBytes) populate(block, Message::kBlockHeader + size);
  return block;
}

Fifo::Fifo() {
  Block* first = Block::create();
  head_.block.store(first, std::memory_order_relaxed);
  tail_.block.store(first, std::memory_order_relaxed);
}

Fifo::~Fifo() {
  {
    Message m;
    while (pop(m)) m.reset();
  }
  Block::free(head_.block.load(std::memory_order_relaxed));
  if (char* spare = spare_.exchange(nullptr)) shm::deallocate(spare);
}

void Fifo::push(const char* data, std::size_t size) {
  // Everything that may fail happens before a slot is claimed, so a failure leaves no hole.
  char* big = nullptr;
  if (size > kInlineBytes) {
    big = block_for(size);
    std::memcpy(big + Message::kBlockHeader, data, size);
  }
  Block* spare = nullptr;  // the successor block, made by whoever claims a block's last slot
  Backoff backoff;
  std::uint64_t tail = tail_.index.load(std::memory_order_acquire);
  Block* block = tail_.block.load(std::memory_order_acquire);
  for (;;) {
    std::uint64_t offset = (tail >> kShift) % kLap;
    if (offset == kBlockCap) {  // another producer is installing the next block
      backoff.snooze();
      tail = tail_.index.load(std::memory_order_acquire);
      block = tail_.block.load(std::memory_order_acquire);
      continue;
    }
    if (offset + 1 == kBlockCap && !spare) {
      try {
        spare = Block::create();
      } catch (...) {
        if (big) shm::deallocate(big);
        throw;
      }
    }
    std::uint64_t new_tail = tail + (1 << kShift);
    if (tail_.index.compare_exchange_weak(tail, new_tail, std::memory_order_seq_cst,
                                          std::memory_order_acquire)) {
      if (offset + 1 == kBlockCap) {
        tail_.block.store(spare, std::memory_order_release);
        tail_.index.store(new_tail + (1 << kShift), std::memory_order_release);
        block->next.store(spare, std::memory_order_release);
        spare = nullptr;
      }
      Slot& slot = block->slots[offset];
      slot.size = size;
      slot.is_inline = big ? 0 : 1;
      if (big)
        slot.block = big;
      else if (size)
        std::memcpy(slot.bytes, data, size);
      slot.state.fetch_or(kWrite, std::memory_order_release);
      if (spare) Block::free(spare);
      return;
    }
    block = tail_.block.load(std::memory_order_acquire);
  }
}

bool Fifo::pop(Message& out) {
  out.reset();
  Backoff backoff;
  std::uint64_t head = head_.index.load(std::memory_order_acquire);
  Block* block = head_.block.load(std::memory_order_acquire);
  for (;;) {
    std::uint64_t offset = (head >> kShift) % kLap;
    if (offset == kBlockCap) {  // another consumer is moving to the next block
      backoff.snooze();
      head = head_.index.load(std::memory_order_acquire);
      block = head_.block.load(std::memory_order_acquire);
      continue;
    }
    std::uint64_t new_head = head + (1 << kShift);
    if ((new_head & kHasNext) == 0) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      std::uint64_t tail = tail_.index.load(std::memory_order_relaxed);
      if ((head >> kShift) == (tail >> kShift)) return false;
      if ((head >> kShift) / kLap != (tail >> kShift) / kLap) new_head |= kHasNext;
    }
    if (!head_.index.compare_exchange_weak(head, new_head, std::memory_order_seq_cst,
                                           std::memory_order_acquire)) {
      block = head_.block.load(std::memory_order_acquire);
      continue;
    }
    if (offset + 1 == kBlockCap) {
      Block* next = block->wait_next();
      std::uint64_t next_index = (new_head & ~kHasNext) + (1 << kShift);
      if (next->next.load(std::memory_order_relaxed)) next_index |= kHasNext;
      head_.block.store(next, std::memory_order_release);
      head_.index.store(next_index, std::memory_order_release);
    }
    Slot& slot = block->slots[offset];
    Backoff writer;
    while ((slot.state.load(std::memory_order_acquire) & kWrite) == 0) writer.snooze();
    out.size_ = slot.size;
    if (slot.is_inline)
      std::memcpy(out.small_, slot.bytes, slot.size);
    else
      out.block_ = slot.block, out.home_ = &spare_;
    if (offset + 1 == kBlockCap)
      Block::destroy(block, 0);
    else if (slot.state.fetch_or(kRead, std::memory_order_acq_rel) & kDestroy)
      Block::destroy(block, offset + 1);
    return true;
  }
}

bool Fifo::empty() const noexcept {
  std::uint64_t head = head_.index.load(std::memory_order_seq_cst);
  std::uint64_t tail = tail_.index.load(std::memory_order_seq_cst);
  return (head >> kShift) == (tail >> kShift);
}

std::size_t Fifo::size() const noexcept {
  for (;;) {
    std::uint64_t tail = tail_.index.load(std::memory_order_seq_cst);
    std::uint64_t head = head_.index.load(std::memory_order_seq_cst);
    if (tail_.index.load(std::memory_order_seq_cst) != tail) continue;
    tail &= ~((std::uint64_t(1) << kShift) - 1);
    head &= ~((std::uint64_t(1) << kShift) - 1);
    // A gap slot counts as the start of the next block.
    if (((tail >> kShift) & (kLap - 1)) == kLap - 1) tail += 1 << kShift;
    if (((head >> kShift) & (kLap - 1)) == kLap - 1) head += 1 << kShift;
    std::uint64_t lap = (head >> kShift) / kLap;
    tail = (tail - ((lap * kLap) << kShift)) >> kShift;
    head = (head - ((lap * kLap) << kShift)) >> kShift;
    return std::size_t(tail - head - tail / kLap);
  }
}

}  // namespace parlab::queue
