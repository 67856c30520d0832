// A Fifo after a process died in the middle of a push or pop: leases taken and given back, and what the
// survivors do with a dead holder's lease (queue_lease.hpp). Python's queues have no such record: a
// reader killed mid-get loses its item, a writer killed mid-put can leave a half-written pipe.
//  - a reader that had recorded the message it took (holding): the message goes back to the tail, so
//    another reader gets it, later than its place (redelivered);
//  - a reader killed in the few instructions between claiming a slot and recording what it took
//    (taking): whether it took an item cannot be told, so one item may be lost; it is counted and
//    reported on stderr, never silent;
//  - a writer that claimed a slot and never filled it: the reader that reaches the slot marks it a hole
//    after 50 ms and skips it; a writer killed before claiming: its block is freed. Either way its put
//    never arrives, and the owner is told once (Recovered::dropped_puts) to correct its counts.
//  - a reader that claimed a slot and had not marked it read: the item still in the slot goes back to the
//    tail, and the slot is marked read for it, so its 4 KiB slot block is freed as usual;
//  - a writer killed in the three stores that link the next slot block (Lease::linking): the writers and
//    readers waiting at the block's end make the link for it after 50 ms.
//  - a reader killed while it moves the head to the next slot block: the readers waiting at the block's
//    end make the move for it after 50 ms (finish_dead_move), then release its slot as above.
//    Two writers killed racing for the same last slot: only the winner's successor is linked.
// Not covered: a survivor killed while it recovers a lease.
#include <sched.h>

#include <cstdio>
#include <cstring>

#include "engine/core/clock.hpp"
#include "engine/queues/pipe_holders.hpp"
#include "engine/queues/queue_fifo_blocks.hpp"

namespace parlab::queue {

using namespace fifo;

namespace {
bool holder_alive(const Lease& l) {
  std::int32_t pid = l.pid.load(std::memory_order_acquire);
  return pid == 0 || process_alive(ProcessId{pid, l.start.load(std::memory_order_relaxed)});
}
thread_local unsigned lease_hint = 0;  // where this thread looks first: threads of one process spread out
}  // namespace

// Takes a free lease; when all are busy (more than 16 operations at once), yields and looks again, and
// every 64 rounds recovers the leases of dead holders, so the wait always ends.
Lease* Fifo::take_lease(Lease::State state) {
  const ProcessId& me = this_process();
  if (lease_hint == 0) lease_hint = unsigned(reinterpret_cast<std::uintptr_t>(&lease_hint) >> 6);
  for (unsigned round = 1;; ++round) {
    for (int k = 0; k < kLeases; ++k) {
      Lease& l = leases_[(lease_hint + k) % kLeases];
      std::int32_t none = 0;
      if (l.pid.load(std::memory_order_relaxed) != 0 ||
          !l.pid.compare_exchange_strong(none, me.pid, std::memory_order_acq_rel))
        continue;
      l.start.store(me.start, std::memory_order_relaxed);
      l.slot.store(Lease::kNoSlot, std::memory_order_relaxed);
      l.block = nullptr, l.at = nullptr, l.next_block = nullptr;
      l.linking.store(0, std::memory_order_relaxed);
      l.state.store(state, std::memory_order_release);
      lease_hint += k;
      return &l;
    }
    if (round % 64 == 0) {
      recover(true);
      for (Lease& l : leases_)  // a holder killed between taking pid and setting its state
        if (l.state.load(std::memory_order_acquire) == Lease::kFree && !holder_alive(l)) l.give_back();
    }
    sched_yield();
  }
}

// Slot n was claimed by a writer that has not filled it for 50 ms. When every lease that may have claimed
// it belongs to a dead process, nobody will: the slot becomes a hole that pop skips.
bool Fifo::resolve_unfilled(std::uint64_t n, Slot& slot) {
  Lease* dead = nullptr;
  for (Lease& l : leases_) {
    if (l.state.load(std::memory_order_acquire) != Lease::kPutting) continue;
    if (l.slot.load(std::memory_order_seq_cst) != n) continue;
    if (holder_alive(l)) return false;  // a live writer has it, or may have: it will fill it
    dead = &l;
  }
  std::uint32_t putting = Lease::kPutting;
  if (!dead || !dead->state.compare_exchange_strong(putting, Lease::kRecovering)) return false;
  std::int32_t pid = dead->pid.load(std::memory_order_acquire);
  if (dead->linking.load(std::memory_order_acquire) == 1) repair_link(*dead);
  char* big = dead->block;
  slot.size = 0;
  slot.is_inline = kHole;
  slot.state.fetch_or(kWrite, std::memory_order_release);
  if (big) shm::deallocate(big);
  dead->give_back();
  lost_puts_.fetch_add(1, std::memory_order_relaxed);
  report("was killed in the middle of a put: its item never arrived, and readers skip its slot", pid);
  return true;
}

Recovered Fifo::recover(bool force) {
  Recovered r;
  std::int64_t now = std::int64_t(clock_seconds() * 1e6);
  std::int64_t last = last_recover_us_.load(std::memory_order_relaxed);
  if (!force && (now - last < 100000 || !last_recover_us_.compare_exchange_strong(last, now))) return r;
  std::uint64_t head = head_.index.load(std::memory_order_seq_cst) >> kShift;
  for (Lease& l : leases_) {
    std::uint32_t st = l.state.load(std::memory_order_acquire);
    if (st == Lease::kFree || st == Lease::kRecovering || holder_alive(l)) continue;
    recover_lease(l, head, r);
  }
  return r;
}

namespace {
// A slot number some live reader is waiting on (its writer may be the dead one: leave it to that reader).
bool live_reader_on(Lease* leases, int count, std::uint64_t n) {
  for (int i = 0; i < count; ++i) {
    const Lease& l = leases[i];
    if (l.state.load(std::memory_order_acquire) == Lease::kTaking &&
        l.slot.load(std::memory_order_seq_cst) == n && holder_alive(l))
      return true;
  }
  return false;
}
}  // namespace

void Fifo::recover_lease(Lease& l, std::uint64_t head, Recovered& r) {
  std::uint32_t st = l.state.load(std::memory_order_acquire);
  std::uint64_t n = l.slot.load(std::memory_order_seq_cst);
  // A dead writer's slot not yet reached by any reader, or one a live reader waits on: the reader that
  // gets there resolves it (resolve_unfilled), since only it can tell whether the slot was claimed.
  if (st == Lease::kPutting && n != Lease::kNoSlot && (head <= n || live_reader_on(leases_, kLeases, n)))
    return;
  // A reader that may have claimed a block's last slot while the head still waits at that block's gap: it
  // may be the one moving the head (a live one with the same slot number may be it instead: leave it).
  const bool mover = st == Lease::kTaking && n != Lease::kNoSlot && n % kLap == kBlockCap - 1 &&
                     (head_.index.load(std::memory_order_seq_cst) >> kShift) == n + 1;
  if (mover && live_reader_on(leases_, kLeases, n)) return;
  if (!l.state.compare_exchange_strong(st, Lease::kRecovering)) return;
  if (mover && !finish_dead_move(l)) return l.state.store(st, std::memory_order_release);
  std::int32_t pid = l.pid.load(std::memory_order_acquire);
  if (st == Lease::kHolding) {
    redeliver(l.size > kInlineBytes ? l.block : nullptr, l.bytes, l.size, pid, r);
    if (l.at) release_claimed_slot(l, false, r);  // it took the item: the slot is filled, this cannot fail
  } else if (st == Lease::kTaking && l.at) {
    // It claimed slot n and had not taken the item: the item is still in the slot.
    if (!release_claimed_slot(l, true, r)) return l.state.store(st, std::memory_order_release);
  } else if (st == Lease::kTaking) {
    if (n != Lease::kNoSlot && head > n) {  // it may have claimed slot n: the item may be lost
      maybe_lost_.fetch_add(1, std::memory_order_relaxed);
      report("was killed as it took an item: that one item may be lost", pid);
    }
  } else {  // putting, and never claimed a slot (or its slot was filled by another): it never arrives
    // A successor it made was never linked: had it claimed the last slot and died linking, no reader could
    // be past that slot before a survivor linked for it (linking 0). Its old block may be freed: not read.
    std::uint32_t one = 1;
    if (l.linking.compare_exchange_strong(one, 2, std::memory_order_acq_rel) && l.next_block)
      Block::free(static_cast<Block*>(l.next_block));
    if (l.block) shm::deallocate(l.block);
    lost_puts_.fetch_add(1, std::memory_order_relaxed);
    r.dropped_puts++;
    report("was killed in the middle of a put: its item never arrived", pid);
  }
  l.give_back();
}

void Fifo::redeliver(char* big, const char* bytes, std::uint64_t size, std::int32_t pid, Recovered& r) {
  LeaseHeld mine{take_lease(Lease::kPutting)};
  claim_and_fill(mine.lease, big, bytes, size);
  redelivered_.fetch_add(1, std::memory_order_relaxed);
  r.redelivered++;
  report("was killed in the middle of a get: the item it had taken is back at the tail", pid);
}

bool Fifo::release_claimed_slot(Lease& l, bool redeliver_item, Recovered& r) {
  auto* block = static_cast<Block*>(l.at);
  const std::uint64_t n = l.slot.load(std::memory_order_seq_cst);
  Slot& slot = block->slots[n % kLap];
  if ((slot.state.load(std::memory_order_acquire) & kWrite) == 0 && !resolve_unfilled(n, slot)) return false;
  if (redeliver_item && slot.is_inline != kHole)
    redeliver(slot.is_inline == kInBlock ? slot.block : nullptr, slot.bytes, slot.size,
              l.pid.load(std::memory_order_acquire), r);
  l.at = nullptr;
  finish_slot(block, n % kLap);
  return true;
}

// The dead writer claimed its block's last slot (or tried to: another writer may have claimed it and
// linked a successor of its own). Idempotent across survivors: `linking` goes 1 -> 2 for the one that acts.
// Only called while the old block is certainly alive: a reader waits on its last slot or for its link, or
// the tail is at its end.
void Fifo::repair_link(Lease& dead) {
  std::uint32_t one = 1;
  if (!dead.linking.compare_exchange_strong(one, 2, std::memory_order_acq_rel)) return;
  const std::uint64_t n = dead.slot.load(std::memory_order_seq_cst);
  bool live_claimer = holder_alive(dead);  // the lease was given back and taken again since it was read
  for (Lease& l : leases_) {
    if (&l == &dead || l.state.load(std::memory_order_acquire) != Lease::kPutting) continue;
    if (l.slot.load(std::memory_order_seq_cst) == n && holder_alive(l)) live_claimer = true;
  }
  if (live_claimer) return dead.linking.store(1, std::memory_order_release);  // it links: look again later
  auto* old = static_cast<Block*>(dead.at);
  auto* next = static_cast<Block*>(dead.next_block);
  const std::uint64_t gap = (n + 1) << kShift;  // the tail index right after the claim
  const std::uint64_t tail = tail_.index.load(std::memory_order_seq_cst);
  const bool claimed = (tail >> kShift) > n;
  // Two writers may have raced for the last slot and both died with linking set: once the tail moved
  // past the gap, only the winner's successor may be linked (the loser's was never seen by anyone).
  const bool loser = claimed && tail != gap && !successor_in_use(next);
  if (claimed && !loser && !old->next.load(std::memory_order_acquire)) {
    if (tail_.index.load(std::memory_order_seq_cst) == gap) {
      tail_.block.store(next, std::memory_order_release);
      std::uint64_t expected = gap;
      tail_.index.compare_exchange_strong(expected, gap + (1 << kShift), std::memory_order_seq_cst);
    }
    old->next.store(next, std::memory_order_release);
    report("was killed while it linked the queue's next block: the link was made for it",
           dead.pid.load(std::memory_order_acquire));
  } else if (old->next.load(std::memory_order_acquire) != next && tail_.block.load() != next) {
    Block::free(next);  // another writer linked a successor of its own: this one was never used
  }
  dead.linking.store(0, std::memory_order_release);
}

bool Fifo::finish_dead_move(Lease& dead) {
  std::uint32_t idle = 0;
  if (!moving_.compare_exchange_strong(idle, 1, std::memory_order_acq_rel)) return false;
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
    Block* next = next_of(old);
    std::uint64_t next_index = (gap & ~kHasNext) + (1 << kShift);
    if (next->next.load(std::memory_order_acquire)) next_index |= kHasNext;
    head_.block.store(next, std::memory_order_release);
    head_.index.store(next_index, std::memory_order_release);
    dead.at = old;  // its slot is released as any dead reader's: the old block is freed once, there
    report("was killed while it moved the queue's head to the next block: the move was made for it",
           dead.pid.load(std::memory_order_acquire));
    acted = true;
  }
  moving_.store(0, std::memory_order_release);
  return acted;
}

bool Fifo::successor_in_use(const Block* next) {
  // In this order: a linker of next's own successor stores the tail's block, then next->next, and clears
  // its linking last, so one of the three is seen.
  if (tail_.block.load(std::memory_order_seq_cst) == next) return true;
  for (Lease& l : leases_)
    if (l.linking.load(std::memory_order_seq_cst) == 1 && l.at == next) return true;
  return next->next.load(std::memory_order_seq_cst) != nullptr;
}

void Fifo::repair_dead_linkers(std::uint64_t tail_gap, const void* at) {
  for (Lease& l : leases_) {
    if (l.state.load(std::memory_order_acquire) != Lease::kPutting) continue;
    if (l.linking.load(std::memory_order_acquire) != 1) continue;
    bool ours = at ? l.at == at : ((l.slot.load(std::memory_order_seq_cst) + 1) << kShift) == tail_gap;
    if (ours && !holder_alive(l)) repair_link(l);
  }
}

void Fifo::report(const char* what, std::int32_t pid) {
  std::fprintf(stderr, "parlab: a process (pid %d) %s\n", int(pid), what);
  std::fflush(stderr);
}

Faults Fifo::faults() const noexcept {
  return Faults{redelivered_.load(std::memory_order_relaxed), maybe_lost_.load(std::memory_order_relaxed),
                lost_puts_.load(std::memory_order_relaxed)};
}

}  // namespace parlab::queue
