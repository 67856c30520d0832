#pragma once
// An unbounded multi-producer multi-consumer FIFO of byte messages that lives in the shared arena and
// is used from threads and processes alike. Lock-free: the segmented design of crossbeam's SegQueue
// (blocks of 63 slots linked as the queue grows, each freed by its last reader). A message of up to
// 48 bytes is stored inline in its 64-byte slot; a larger one is copied into its own arena block that
// the reader decodes in place and then frees, so a message of any size costs one copy in, one out.
// Every push and pop holds a lease (queue_lease.hpp) so that a process killed in the middle of one
// neither loses an item silently nor leaves a slot that readers wait on for ever (recover()).
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "engine/core/pieces.hpp"
#include "engine/queues/queue_lease.hpp"

namespace parlab::queue {

// A message taken from a Fifo. Its bytes stay valid until reset() or destruction, which must come
// before the Fifo's (a large message's block goes back to its Fifo for reuse).
class Message {
 public:
  Message() = default;
  ~Message() { reset(); }
  Message(const Message&) = delete;
  Message& operator=(const Message&) = delete;
  const char* data() const { return block_ ? block_ + kBlockHeader : small_; }
  std::size_t size() const { return size_; }
  void reset() noexcept;

  static constexpr std::size_t kBlockHeader = 64;  // a large message's block: capacity, then the bytes

 private:
  friend class Fifo;
  char* block_ = nullptr;
  std::atomic<char*>* home_ = nullptr;  // the Fifo's spare-block slot
  Lease* lease_ = nullptr;              // held until the bytes are no longer needed
  std::size_t size_ = 0;
  char small_[kInlineBytes];
};

class Fifo {
 public:
  Fifo();   // throws Error when the arena is exhausted
  ~Fifo();  // frees the messages still queued; no other user may be left
  Fifo(const Fifo&) = delete;
  Fifo& operator=(const Fifo&) = delete;

  // Copies [data, data + size) in. Throws Error when the arena is exhausted (nothing is queued then).
  void push(const char* data, std::size_t size) {
    Piece whole{data, size};
    push(&whole, 1);
  }
  // Copies the pieces in, as one message.
  void push(const Piece* pieces, std::size_t count);
  // Takes the oldest message into out (which is reset first); false when the FIFO is empty. Slots that a
  // killed writer left unfilled are skipped, and counted in r->dropped_puts when r is given.
  bool pop(Message& out, Recovered* r = nullptr);
  bool empty() const noexcept;
  std::size_t size() const noexcept;  // a snapshot: pushes still in progress count

  // Acts on the leases of processes that died mid-operation: a message a dead reader held goes back to
  // the tail, a dead reader's unknown take is counted as maybe lost, a dead writer's block is freed.
  // At most once per 0.1 s across processes unless forced (it reads /proc).
  Recovered recover(bool force = false);
  Faults faults() const noexcept;

  // For the fault tests only (process-local, null in normal runs): called at the moments where a kill is
  // hardest to survive, so a test can kill there on purpose instead of hoping a random kill lands there.
  // writer_linking: it claimed a block's last slot, before the three stores that link the next block;
  // writer_linked_tail: after the tail's two stores, before the old block's link to the new one.
  // reader_moving_head: it claimed a block's last slot, before it looked for the next block and moved the
  // head there;
  // reader_moved_block: between those two stores; writer_claiming_last: before the claim of a block's last
  // slot (its lease says linking); writer_lost_last: another writer claimed that slot first.
  // The survivor's moments: recover_claimed: it recorded itself in a dead process's lease, before acting;
  // recover_put_back: it released the dead reader's slot, before putting the item back at the tail;
  // recover_moving / recover_moved_block: moving the head for a dead reader, before / between the head's
  // two stores; recover_linking / recover_linked: linking the next block for a dead writer, before / after
  // the link itself (before the tail moves).
  enum class Stage {
    writer_claimed,
    reader_claimed,
    reader_took,
    writer_linking,
    writer_linked_tail,
    reader_moving_head,
    reader_moved_block,
    writer_claiming_last,
    writer_lost_last,
    recover_claimed,
    recover_put_back,
    recover_moving,
    recover_moved_block,
    recover_linking,
    recover_linked
  };
  static void (*test_hook)(Stage);

 private:
  struct Block;
  struct Slot;
  struct alignas(64) Position {
    std::atomic<std::uint64_t> index{0};
    std::atomic<Block*> block{nullptr};
  };
  static constexpr int kLeases = 16;
  char* block_for(std::size_t size, Lease* lease);
  Lease* take_lease(Lease::State state);
  // Claims a slot at the tail and fills it with big, or with [data, data + size) inline.
  void claim_and_fill(Lease* lease, char* big, const char* data, std::size_t size);
  // A reader waiting on slot number `n`: when its writer died, marks it a hole; true if it did.
  bool resolve_unfilled(std::uint64_t n, Slot& slot);
  // Fills slot `n` with the item of a dead survivor's redelivery (kRedelivering) that had claimed it.
  void fill_from(Lease& dead, Slot& slot);
  void recover_lease(Lease& l, std::uint64_t head, Recovered& r);
  void take_from(Slot& slot, Message& out, Lease* lease);
  void wait_filled(Slot& slot, std::uint64_t n);
  // Marks slot `offset` of block read; the block's last reader frees it (crossbeam's rule).
  static void finish_slot(Block* block, std::uint64_t offset) noexcept;
  // A dead reader's claimed slot (Lease::at): its item is copied into the lease (now holding), or a hole is
  // released. False: the slot's writer is still at it.
  bool take_for(Lease& l);
  // A dead reader's item (holding) goes back to the tail: its slot is released, then the lease itself
  // becomes the put's (kRedelivering), so that a survivor killed in the put leaves the item to the next.
  void put_back(Lease& l, Recovered& r);
  // A dead writer's put that never arrives: its unlinked successor and its large block are freed.
  void drop_put(Lease& l, Recovered& r);
  // Links the block after a writer that died between claiming a block's last slot and storing the link
  // (Lease::linking), or frees the successor it had made when another writer linked one. The caller holds
  // the lease's recovery (claim_recovery).
  void repair_link(Lease& dead);
  // Looks for such dead linkers: those of the block at the tail's gap (tail_gap, a tail index) or of `at`.
  void repair_dead_linkers(std::uint64_t tail_gap, const void* at);
  // A reader that claimed a block's last slot died before the head moved to the next block (the head is
  // at the block's gap and no live reader may be the mover): moves it for it, and records the old block
  // in its lease, so its slot is released (and the old block freed) as any dead reader's is.
  // False: another survivor is at it, or this lease was not the mover.
  bool finish_dead_move(Lease& dead);
  // Whether a successor block a dead linker made is the one the tail moved into (its claim won): the
  // tail's block, or past it (linked on, or being linked by a lease of its own).
  bool successor_in_use(const Block* next);
  Block* next_of(Block* block);  // the block's successor, waited for (and repaired after 50 ms)
  // Moves the head from `from`, whose last slot was claimed at head index `index`, to its successor: the
  // block first, then the index; `between` is the test hook's stage between the two stores. Readers and
  // the survivor that moves for a dead reader do it the same way.
  void advance_head(Block* from, std::uint64_t index, Stage between);
  void report(const char* what, std::int32_t pid);

  Position head_;
  Position tail_;
  // One freed large-message block kept for the next large push: a stream of big messages then reuses
  // the same pages instead of faulting fresh ones in (the arena gives big blocks' pages back on free).
  alignas(64) std::atomic<char*> spare_{nullptr};
  std::atomic<std::int64_t> last_recover_us_{0};
  std::atomic<std::uint64_t> moving_{0};  // the survivor moving the head for a dead reader (packed_id)
  std::atomic<std::uint64_t> redelivered_{0}, maybe_lost_{0}, lost_puts_{0};
  Lease leases_[kLeases];
};

}  // namespace parlab::queue
