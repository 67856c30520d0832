// A Fifo's block changes after the process making one died: the survivors waiting at a slot block's end
// link the next block for a dead writer (repair_link) or move the head to it for a dead reader
// (finish_dead_move). Each is done under a mark that names the survivor (the dead lease's recoverer,
// Fifo::moving_), taken over by the next survivor when that one dies too, and each step is a
// compare-and-swap or a store of the same value, so it can be done again from any point: a survivor
// killed in the middle leaves the job to the next, and two survivors at it at once agree on the result.
#include <cstdint>

#include "engine/queues/queue_fifo_blocks.hpp"

namespace parlab::queue {

using namespace fifo;

namespace {
// Whether the lease's writer (or the survivor putting an item back with it) runs: it links for itself.
bool writer_alive(const Lease& l) {
  return l.state.load(std::memory_order_acquire) == Lease::kPutting ? holder_alive(l) : lease_live(l);
}
}  // namespace

// The dead writer claimed its block's last slot (or tried to: another writer may have claimed it and
// linked a successor of its own). The tail is moved as a writer moves it (its block, then its index) and
// the block linked after; which successor both get is decided once, by the compare-and-swap of the tail's
// block away from the old block: a dead winner that stored its successor there, or the first survivor's.
// Only called while the old block is certainly alive: a reader waits on its last slot or for its link, or
// the tail is at its end.
void Fifo::repair_link(Lease& dead) {
  const std::uint64_t n = dead.slot.load(std::memory_order_seq_cst);
  for (Lease& l : leases_) {  // a live writer that claimed the slot, or may have, links it itself
    std::uint32_t st = l.state.load(std::memory_order_acquire);
    if (&l == &dead || (st != Lease::kPutting && st != Lease::kRedelivering)) continue;
    if (l.slot.load(std::memory_order_seq_cst) == n && writer_alive(l)) return;
  }
  dead.linking.store(2, std::memory_order_seq_cst);  // from here on its successor may be in use
  auto* old = static_cast<Block*>(dead.at);
  auto* next = static_cast<Block*>(dead.next_block);
  const std::uint64_t gap = (n + 1) << kShift;  // the tail index right after the claim
  const std::uint64_t tail = tail_.index.load(std::memory_order_seq_cst);
  Block* winner = nullptr;  // the successor the tail moved, or moves, into
  if (test_hook) test_hook(Stage::recover_linking);
  if (tail == gap) {
    Block* at = old;  // stays old when this CAS set the block; else the block some other one set
    tail_.block.compare_exchange_strong(at, next, std::memory_order_seq_cst);
    // Still at the gap after the CAS: the tail's block is this gap's successor (the index moves past the
    // gap only after it is set, and the block changes again only after the index moved).
    if (tail_.index.load(std::memory_order_seq_cst) == gap) {
      winner = at == old ? next : at;
      std::uint64_t expected = gap;
      tail_.index.compare_exchange_strong(expected, gap + (1 << kShift), std::memory_order_seq_cst);
    }
  }
  // Two writers may have raced for the last slot and both died with linking set: once the tail moved past
  // the gap, only the winner's successor may be linked (the loser's was never seen by anyone).
  if (!winner && (tail >> kShift) > n && successor_in_use(next)) winner = next;
  if (test_hook) test_hook(Stage::recover_linked);
  Block* none = nullptr;
  if (winner && old->next.compare_exchange_strong(none, winner, std::memory_order_seq_cst))
    report("was killed while it linked the queue's next block: the link was made for it",
           dead.pid.load(std::memory_order_acquire));
  if (next && next != winner && old->next.load(std::memory_order_acquire) != next &&
      tail_.block.load(std::memory_order_seq_cst) != next) {
    dead.next_block = nullptr;  // first: freed once, even when this survivor is killed and another goes on
    Block::free(next);          // another writer's successor was linked: this one was never used
  }
  dead.linking.store(0, std::memory_order_release);
}

bool Fifo::finish_dead_move(Lease& dead) {
  if (!take_over(moving_)) return false;
  const std::uint64_t n = dead.slot.load(std::memory_order_seq_cst);
  const std::uint64_t gap = head_.index.load(std::memory_order_seq_cst);
  bool acted = false;
  // Two dead readers with this slot number: only one claimed it. One that recorded the block (after its
  // claim) is the one; if neither did, either is taken and the other is counted as maybe lost.
  bool other_claimed = false;
  for (Lease& l : leases_)
    if (&l != &dead && l.state.load(std::memory_order_acquire) == Lease::kTaking &&
        l.slot.load(std::memory_order_seq_cst) == n && l.at)
      other_claimed = true;
  if ((gap >> kShift) == n + 1 && (dead.at || !other_claimed)) {
    // at is recorded right after the claim, before the head's block store: without it the head's block is
    // still the old one. The old block lives until its last slot (the dead reader's, unread) is marked read.
    auto* old = dead.at ? static_cast<Block*>(dead.at) : head_.block.load(std::memory_order_acquire);
    dead.at = old;  // first: a survivor killed below is followed by one that moves from the same block
    if (test_hook) test_hook(Stage::recover_moving);
    advance_head(old, gap, Stage::recover_moved_block);
    report("was killed while it moved the queue's head to the next block: the move was made for it",
           dead.pid.load(std::memory_order_acquire));
    acted = true;
  }
  give_up(moving_);
  return acted;
}

bool Fifo::successor_in_use(const Block* next) {
  // In this order: a linker of next's own successor stores the tail's block, then next->next, and clears
  // its linking last, so one of the three is seen.
  if (tail_.block.load(std::memory_order_seq_cst) == next) return true;
  for (Lease& l : leases_)
    if (l.linking.load(std::memory_order_seq_cst) != 0 && l.at == next) return true;
  return next->next.load(std::memory_order_seq_cst) != nullptr;
}

void Fifo::repair_dead_linkers(std::uint64_t tail_gap, const void* at) {
  for (Lease& l : leases_) {
    std::uint32_t st = l.state.load(std::memory_order_acquire);
    if (st != Lease::kPutting && st != Lease::kRedelivering) continue;
    if (l.linking.load(std::memory_order_acquire) == 0) continue;
    bool ours = at ? l.at == at : ((l.slot.load(std::memory_order_seq_cst) + 1) << kShift) == tail_gap;
    if (!ours || lease_live(l)) continue;
    RecoveryHold hold(l);
    if (!hold.held || l.linking.load(std::memory_order_acquire) == 0) continue;
    if (test_hook) test_hook(Stage::recover_claimed);
    repair_link(l);
  }
}

}  // namespace parlab::queue
