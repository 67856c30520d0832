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
//  - a reader that claimed a slot and had not marked it read: the item still in the slot is copied into
//    its lease (now holding) and goes back to the tail as above; the slot is marked read for it, so its
//    4 KiB slot block is freed as usual;
//  - writers killed while linking the next slot block, readers killed while moving the head to it: the
//    survivors waiting at the block's end finish for them after 50 ms (queue_fifo_repair.cpp).
// A survivor records itself in the dead lease before it acts (RecoveryHold), and each step leaves the lease
// saying what is left to do: a survivor killed in turn leaves the lease to the next one, which goes on.
// The item a dead reader had is put back through the lease itself (kRedelivering), so it is in one place
// at every moment: the lease, or the slot it fills.
#include <sched.h>

#include <cstdio>
#include <cstring>

#include "engine/core/clock.hpp"
#include "engine/queues/pipe_holders.hpp"
#include "engine/queues/queue_fifo_blocks.hpp"

namespace parlab::queue {

using namespace fifo;

namespace {
// A redelivering lease's block while its small item is not yet in a slot (never dereferenced).
char* const kUnplaced = reinterpret_cast<char*>(std::uintptr_t(1));
thread_local unsigned lease_hint = 0;  // where this thread looks first: threads of one process spread out

std::uint64_t packed_me() {
  const ProcessId& me = this_process();
  return packed_id(me.pid, me.start);
}
bool packed_alive(std::uint64_t id) {
  return id != 0 && process_alive(ProcessId{packed_pid(id), packed_start(id)});
}
}  // namespace

namespace fifo {
bool holder_alive(const Lease& l) {
  std::int32_t pid = l.pid.load(std::memory_order_acquire);
  return pid == 0 || process_alive(ProcessId{pid, l.start.load(std::memory_order_relaxed)});
}

bool lease_live(const Lease& l) {
  return holder_alive(l) || packed_alive(l.recoverer.load(std::memory_order_acquire));
}

bool take_over(std::atomic<std::uint64_t>& word) {
  const std::uint64_t me = packed_me();
  std::uint64_t was = word.load(std::memory_order_acquire);
  if (was == me || packed_alive(was)) return false;  // another thread of this process counts as live
  return word.compare_exchange_strong(was, me, std::memory_order_acq_rel);
}

void give_up(std::atomic<std::uint64_t>& word) {
  std::uint64_t me = packed_me();  // a CAS: a later holder's mark (after the lease was given back) stays
  word.compare_exchange_strong(me, 0, std::memory_order_acq_rel);
}

RecoveryHold::RecoveryHold(Lease& l) : lease_(l) {
  if (!take_over(l.recoverer)) return;
  held = true;
  // Given back since it was looked at (and maybe taken by a live holder): not ours to act on.
  if (l.state.load(std::memory_order_acquire) == Lease::kFree || holder_alive(l)) release();
}

void RecoveryHold::release() {
  if (held) give_up(lease_.recoverer);
  held = false;
}
}  // namespace fifo

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
// it belongs to a dead process (and no survivor acts for it), nobody will: the slot becomes a hole that pop
// skips, or, when one of them was a survivor putting a dead reader's item back, it gets that item.
bool Fifo::resolve_unfilled(std::uint64_t n, Slot& slot) {
  Lease* dead = nullptr;
  for (Lease& l : leases_) {
    std::uint32_t st = l.state.load(std::memory_order_acquire);
    if (st != Lease::kPutting && st != Lease::kRedelivering) continue;
    if (l.slot.load(std::memory_order_seq_cst) != n) continue;
    if (lease_live(l)) return false;                     // a live writer has it, or may have: it will fill it
    if (!dead || st == Lease::kRedelivering) dead = &l;  // one whose item can fill the slot comes first
  }
  if (!dead) return false;
  RecoveryHold hold(*dead);
  const std::uint32_t st = dead->state.load(std::memory_order_acquire);
  if (!hold.held || (st != Lease::kPutting && st != Lease::kRedelivering) ||
      dead->slot.load(std::memory_order_seq_cst) != n)
    return false;
  if (test_hook) test_hook(Stage::recover_claimed);
  if (dead->linking.load(std::memory_order_acquire) != 0) repair_link(*dead);
  if (st == Lease::kRedelivering) return fill_from(*dead, slot), true;
  std::int32_t pid = dead->pid.load(std::memory_order_acquire);
  slot.size = 0;
  slot.is_inline = kHole;
  slot.state.fetch_or(kWrite, std::memory_order_release);
  if (char* big = dead->block) {
    dead->block = nullptr;  // first: a survivor killed here leaks the block rather than freeing it twice
    shm::deallocate(big);
  }
  dead->give_back();
  lost_puts_.fetch_add(1, std::memory_order_relaxed);
  report("was killed in the middle of a put: its item never arrived, and readers skip its slot", pid);
  return true;
}

void Fifo::fill_from(Lease& dead, Slot& slot) {
  std::int32_t pid = dead.pid.load(std::memory_order_acquire);
  slot.size = dead.size;
  if (dead.size > kInlineBytes) {
    slot.is_inline = kInBlock;
    if (dead.block) slot.block = dead.block;  // else it had stored it, and given it to the slot
  } else {
    slot.is_inline = kInline;
    std::memcpy(slot.bytes, dead.bytes, dead.size);
  }
  dead.block = nullptr;  // as claim_and_fill does: the block is the slot's
  slot.state.fetch_or(kWrite, std::memory_order_release);
  dead.give_back();
  redelivered_.fetch_add(1, std::memory_order_relaxed);
  report("was killed in the middle of a get: the item it had taken is back at the tail", pid);
}

Recovered Fifo::recover(bool force) {
  Recovered r;
  std::int64_t now = std::int64_t(clock_seconds() * 1e6);
  std::int64_t last = last_recover_us_.load(std::memory_order_relaxed);
  if (!force && (now - last < 100000 || !last_recover_us_.compare_exchange_strong(last, now))) return r;
  std::uint64_t head = head_.index.load(std::memory_order_seq_cst) >> kShift;
  for (Lease& l : leases_) {
    if (l.state.load(std::memory_order_acquire) == Lease::kFree || lease_live(l)) continue;
    recover_lease(l, head, r);
  }
  return r;
}

namespace {
// A reader on slot number n: a live one (its writer may be the dead one: leave the slot to that reader),
// or, with `claimed_too`, a dead one that recorded its claim (its recovery resolves the slot).
// The lease being recovered (self) is left out: its recoverer, this process, makes it look live.
bool reader_on(Lease* leases, int count, std::uint64_t n, bool claimed_too, const Lease& self) {
  for (int i = 0; i < count; ++i) {
    const Lease& l = leases[i];
    if (&l != &self && l.state.load(std::memory_order_acquire) == Lease::kTaking &&
        l.slot.load(std::memory_order_seq_cst) == n && ((claimed_too && l.at) || lease_live(l)))
      return true;
  }
  return false;
}
}  // namespace

void Fifo::recover_lease(Lease& l, std::uint64_t head, Recovered& r) {
  RecoveryHold hold(l);
  if (!hold.held) return;
  const std::uint32_t st = l.state.load(std::memory_order_acquire);
  const std::uint64_t n = l.slot.load(std::memory_order_seq_cst);
  const bool writer = st == Lease::kPutting || st == Lease::kRedelivering;
  // A dead writer's slot not yet reached by any reader, or one a reader is on: the reader that gets there
  // resolves it (resolve_unfilled), since only it can tell whether the slot was claimed.
  if (writer && n != Lease::kNoSlot && (head <= n || reader_on(leases_, kLeases, n, true, l))) return;
  // A reader that may have claimed a block's last slot while the head still waits at that block's gap: it
  // may be the one moving the head (a live one with the same slot number may be it instead: leave it).
  const bool mover = st == Lease::kTaking && n != Lease::kNoSlot && n % kLap == kBlockCap - 1 &&
                     (head_.index.load(std::memory_order_seq_cst) >> kShift) == n + 1;
  if (mover && reader_on(leases_, kLeases, n, false, l)) return;
  if (test_hook) test_hook(Stage::recover_claimed);
  if (mover && !finish_dead_move(l)) return;
  std::int32_t pid = l.pid.load(std::memory_order_acquire);
  if (st == Lease::kTaking && l.at) {  // it claimed slot n: the item (or a hole) is still in the slot
    if (!take_for(l)) return;          // its writer is still at it
    if (l.state.load(std::memory_order_acquire) != Lease::kHolding) {  // a hole it had not counted
      r.dropped_puts++;
      return l.give_back();
    }
  }
  if (st == Lease::kTaking && l.state.load(std::memory_order_acquire) == Lease::kTaking) {
    if (n != Lease::kNoSlot && head > n) {  // it may have claimed slot n: the item may be lost
      maybe_lost_.fetch_add(1, std::memory_order_relaxed);
      report("was killed as it took an item: that one item may be lost", pid);
    }
    return l.give_back();
  }
  if (st == Lease::kPutting) return drop_put(l, r);
  if (st == Lease::kRedelivering && n != Lease::kNoSlot) {
    // The survivor putting the item back tried slot n, and readers are past it: it filled it and was killed
    // before it gave the lease back (its block was cleared, as the slot has the item), or its claim failed
    // and it was killed before its next try (the item is still only here: it is put back again).
    if (!l.block) return l.give_back();
    l.slot.store(Lease::kNoSlot, std::memory_order_seq_cst);
  }
  put_back(l, r);
}

bool Fifo::take_for(Lease& l) {
  auto* block = static_cast<Block*>(l.at);
  const std::uint64_t n = l.slot.load(std::memory_order_seq_cst);
  Slot& slot = block->slots[n % kLap];
  if ((slot.state.load(std::memory_order_acquire) & kWrite) == 0 && !resolve_unfilled(n, slot)) return false;
  if (slot.is_inline == kHole) {  // its writer was killed: nothing to put back
    l.at = nullptr;  // first: released once, even when this survivor is killed and another goes on
    finish_slot(block, n % kLap);
    return true;
  }
  l.size = slot.size;
  if (slot.is_inline == kInline)
    std::memcpy(l.bytes, slot.bytes, slot.size);
  else
    l.block = slot.block;
  l.state.store(Lease::kHolding, std::memory_order_release);
  return true;
}

void Fifo::put_back(Lease& l, Recovered& r) {
  if (l.state.load(std::memory_order_acquire) == Lease::kHolding) {
    if (auto* block = static_cast<Block*>(l.at)) {  // it took the item and had not marked the slot read
      const std::uint64_t offset = l.slot.load(std::memory_order_seq_cst) % kLap;
      l.at = nullptr;  // first: released once, even when this survivor is killed and another goes on
      finish_slot(block, offset);
    }
    // block stays set until the item is in a slot (claim_and_fill and fill_from clear it as they fill).
    if (l.size <= kInlineBytes) l.block = kUnplaced;
    l.slot.store(Lease::kNoSlot, std::memory_order_seq_cst);  // before the state: no claim of a writer's yet
    l.state.store(Lease::kRedelivering, std::memory_order_seq_cst);
  }
  if (test_hook) test_hook(Stage::recover_put_back);
  std::int32_t pid = l.pid.load(std::memory_order_acquire);
  claim_and_fill(&l, l.size > kInlineBytes ? l.block : nullptr, l.bytes, l.size);
  l.give_back();
  redelivered_.fetch_add(1, std::memory_order_relaxed);
  r.redelivered++;
  report("was killed in the middle of a get: the item it had taken is back at the tail", pid);
}

void Fifo::drop_put(Lease& l, Recovered& r) {
  // A successor it made was never linked while linking is 1: had it claimed the last slot and died linking,
  // no reader could be past that slot before a survivor linked for it (2, then 0). At 2 a survivor killed in
  // the repair may have linked it: it is left (4 KiB). Its old block may be freed: not read.
  if (l.linking.load(std::memory_order_acquire) == 1 && l.next_block) {
    void* next = l.next_block;
    l.next_block = nullptr;  // first: freed once, even when this survivor is killed and another goes on
    Block::free(static_cast<Block*>(next));
  }
  if (char* big = l.block) {
    l.block = nullptr;
    shm::deallocate(big);
  }
  std::int32_t pid = l.pid.load(std::memory_order_acquire);
  l.give_back();
  lost_puts_.fetch_add(1, std::memory_order_relaxed);
  r.dropped_puts++;
  report("was killed in the middle of a put: its item never arrived", pid);
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
