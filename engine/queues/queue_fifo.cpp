#include "engine/queues/queue_fifo.hpp"

#include <sys/mman.h>

#include <cstdint>
#include <cstring>

#include "engine/arena/shm.hpp"
#include "engine/core/clock.hpp"
#include "engine/queues/queue_fifo_blocks.hpp"

namespace parlab::queue {

using namespace fifo;
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

void (*Fifo::test_hook)(Fifo::Stage) = nullptr;

void Message::reset() noexcept {
  if (lease_) lease_->give_back();  // first: a block already freed must never be delivered again
  lease_ = nullptr;
  if (block_) {
    char* expected = nullptr;
    if (!home_ || capacity_of(block_) > kSpareMax ||
        !home_->compare_exchange_strong(expected, block_, std::memory_order_acq_rel))
      shm::deallocate(block_);
  }
  block_ = nullptr;
  size_ = 0;
}

// A block for a message of `size` bytes: the spare one when it fits without wasting much, else new. Each
// block is recorded in the writer's lease as soon as it is had: a writer killed in the populate below (tens
// of milliseconds for 16 MiB) or in the copy after it leaves the block to the survivors.
char* Fifo::block_for(std::size_t size, Lease* lease) {
  if (char* spare = spare_.exchange(nullptr, std::memory_order_acq_rel)) {
    lease->block = spare;
    std::size_t cap = capacity_of(spare);
    if (cap >= size && cap / 4 <= size) return spare;
    lease->block = nullptr;  // before the free: a survivor must never free it twice
    shm::deallocate(spare);
  }
  char* block = static_cast<char*>(shm::allocate(Message::kBlockHeader + size, 64));
  lease->block = block;
  *reinterpret_cast<std::size_t*>(block) = size;
  if (size >= kPopulateBytes) populate(block, Message::kBlockHeader + size);
  return block;
}

Fifo::Fifo() {
  static_assert(sizeof(Slot) == 64, "a slot is one cache line");
  Block* first = Block::create();
  head_.block.store(first, std::memory_order_relaxed);
  tail_.block.store(first, std::memory_order_relaxed);
}

Fifo::~Fifo() {
  recover(true);  // what killed processes left in leases comes back first, to be freed below
  {
    Message m;
    while (pop(m)) m.reset();
  }
  Block::free(head_.block.load(std::memory_order_relaxed));
  if (char* spare = spare_.exchange(nullptr)) shm::deallocate(spare);
}

void Fifo::push(const Piece* pieces, std::size_t count) {
  LeaseHeld held{take_lease(Lease::kPutting)};
  const std::size_t size = total_size(pieces, count);
  // Everything that may fail happens before a slot is claimed, so a failure leaves no hole.
  char* big = nullptr;
  char small[kInlineBytes];
  const char* data = count == 1 ? pieces[0].data : small;
  if (size > kInlineBytes) {
    big = block_for(size, held.lease);
    copy_pieces(big + Message::kBlockHeader, pieces, count);
  } else if (count != 1) {
    copy_pieces(small, pieces, count);
  }
  try {
    claim_and_fill(held.lease, big, data, size);
  } catch (...) {
    if (big) shm::deallocate(big);
    throw;
  }
}

void Fifo::claim_and_fill(Lease* lease, char* big, const char* data, std::size_t size) {
  Block* spare = nullptr;  // the successor block, made by whoever claims a block's last slot
  Backoff backoff;
  Patience patience;
  std::uint64_t tail = tail_.index.load(std::memory_order_acquire);
  Block* block = tail_.block.load(std::memory_order_acquire);
  for (;;) {
    std::uint64_t offset = (tail >> kShift) % kLap;
    if (offset == kBlockCap) {  // another producer is installing the next block (or died doing it)
      backoff.snooze();
      if (patience.due()) repair_dead_linkers(tail, nullptr);
      tail = tail_.index.load(std::memory_order_acquire);
      block = tail_.block.load(std::memory_order_acquire);
      continue;
    }
    const bool last = offset + 1 == kBlockCap;
    if (last && !spare) spare = Block::create();
    std::uint64_t new_tail = tail + (1 << kShift);
    lease->at = block, lease->next_block = spare;
    lease->linking.store(last ? 1 : 0, std::memory_order_seq_cst);
    lease->slot.store(tail >> kShift, std::memory_order_seq_cst);  // before the claim: see resolve_unfilled
    if (last && test_hook) test_hook(Stage::writer_claiming_last);
    if (tail_.index.compare_exchange_weak(tail, new_tail, std::memory_order_seq_cst,
                                          std::memory_order_acquire)) {
      if (last) {
        if (test_hook) test_hook(Stage::writer_linking);
        tail_.block.store(spare, std::memory_order_release);
        tail_.index.store(new_tail + (1 << kShift), std::memory_order_release);
        if (test_hook) test_hook(Stage::writer_linked_tail);
        block->next.store(spare, std::memory_order_release);
        lease->linking.store(0, std::memory_order_release);
        spare = nullptr;
      }
      if (test_hook) test_hook(Stage::writer_claimed);
      Slot& slot = block->slots[offset];
      slot.size = size;
      slot.is_inline = big ? kInBlock : kInline;
      if (big)
        slot.block = big;
      else if (size)
        std::memcpy(slot.bytes, data, size);
      // The block is the slot's from here on: a writer killed after the store below must not have it freed
      // by its survivors (one killed just before leaks it instead: a few instructions' window).
      lease->block = nullptr;
      slot.state.fetch_or(kWrite, std::memory_order_release);
      if (spare) Block::free(spare);
      return;
    }
    if (last && test_hook) test_hook(Stage::writer_lost_last);
    block = tail_.block.load(std::memory_order_acquire);
  }
}

// Waits until the slot's writer has filled it; after 50 ms, asks whether the writer died (then the slot
// becomes a hole).
void Fifo::wait_filled(Slot& slot, std::uint64_t n) {
  Backoff writer;
  Patience patience;
  while ((slot.state.load(std::memory_order_acquire) & kWrite) == 0) {
    writer.snooze();
    if (patience.due()) resolve_unfilled(n, slot);
  }
}

void Fifo::advance_head(Block* from, std::uint64_t index, Stage between) {
  Block* next = next_of(from);
  std::uint64_t next_index = (index & ~kHasNext) + (1 << kShift);
  if (next->next.load(std::memory_order_acquire)) next_index |= kHasNext;
  head_.block.store(next, std::memory_order_release);
  if (test_hook) test_hook(between);
  head_.index.store(next_index, std::memory_order_release);
}

Fifo::Block* Fifo::next_of(Block* block) {
  Backoff backoff;
  Patience patience;
  for (;;) {
    if (Block* next = block->next.load(std::memory_order_acquire)) return next;
    backoff.snooze();
    if (patience.due()) repair_dead_linkers(0, block);
  }
}

void Fifo::finish_slot(Block* block, std::uint64_t offset) noexcept {
  if (offset + 1 == kBlockCap)
    Block::destroy(block, 0);
  else if (block->slots[offset].state.fetch_or(kRead, std::memory_order_acq_rel) & kDestroy)
    Block::destroy(block, offset + 1);
}

bool Fifo::pop(Message& out, Recovered* r) {
  out.reset();
  Lease* lease = nullptr;
  Backoff backoff;
  Patience patience;
  std::uint64_t head = head_.index.load(std::memory_order_acquire);
  Block* block = head_.block.load(std::memory_order_acquire);
  for (;;) {
    std::uint64_t offset = (head >> kShift) % kLap;
    if (offset == kBlockCap) {  // another consumer is moving to the next block (or died doing it)
      backoff.snooze();
      if (patience.due()) {
        if (lease) lease->slot.store(Lease::kNoSlot, std::memory_order_seq_cst);  // not the mover
        Recovered got = recover(true);  // a dead mover's move is completed there (finish_dead_move)
        if (r) r->redelivered += got.redelivered, r->dropped_puts += got.dropped_puts;
      }
      head = head_.index.load(std::memory_order_acquire);
      block = head_.block.load(std::memory_order_acquire);
      continue;
    }
    std::uint64_t new_head = head + (1 << kShift);
    if ((new_head & kHasNext) == 0) {
      std::atomic_thread_fence(std::memory_order_seq_cst);
      std::uint64_t tail = tail_.index.load(std::memory_order_relaxed);
      if ((head >> kShift) == (tail >> kShift)) {
        if (lease) lease->give_back();
        return false;
      }
      if ((head >> kShift) / kLap != (tail >> kShift) / kLap) new_head |= kHasNext;
    }
    if (!lease) lease = take_lease(Lease::kTaking);
    lease->slot.store(head >> kShift, std::memory_order_seq_cst);  // before the claim: see recover()
    if (!head_.index.compare_exchange_weak(head, new_head, std::memory_order_seq_cst,
                                           std::memory_order_acquire)) {
      block = head_.block.load(std::memory_order_acquire);
      continue;
    }
    lease->at = block;  // the claim is certain: a reader killed from here on has its slot released for it
    if (offset + 1 == kBlockCap) {
      if (test_hook) test_hook(Stage::reader_moving_head);
      advance_head(block, new_head, Stage::reader_moved_block);
    }
    if (test_hook) test_hook(Stage::reader_claimed);
    Slot& slot = block->slots[offset];
    const std::uint64_t n = head >> kShift;
    wait_filled(slot, n);
    const bool hole = slot.is_inline == kHole;
    if (!hole) take_from(slot, out, lease);
    if (!hole && test_hook) test_hook(Stage::reader_took);
    lease->at = nullptr;  // before the slot is marked read: the block may be freed from then on
    finish_slot(block, offset);
    if (!hole) return true;
    if (r) ++r->dropped_puts;
    head = head_.index.load(std::memory_order_acquire);
    block = head_.block.load(std::memory_order_acquire);
  }
}

// Copies the slot's message into out and records it in the lease (holding) before the slot is marked
// read: from here on a reader killed before it is done with the bytes has its item delivered again.
void Fifo::take_from(Slot& slot, Message& out, Lease* lease) {
  out.size_ = slot.size;
  lease->size = slot.size;
  if (slot.is_inline == kInline) {
    std::memcpy(out.small_, slot.bytes, slot.size);
    std::memcpy(lease->bytes, slot.bytes, slot.size);
  } else {
    out.block_ = slot.block, out.home_ = &spare_;
    lease->block = slot.block;
  }
  lease->state.store(Lease::kHolding, std::memory_order_release);
  out.lease_ = lease;
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
