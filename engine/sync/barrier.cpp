#include "engine/sync/barrier.hpp"

#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"

namespace parlab::sync {
namespace {

struct Hold {
  WordLock& m;
  explicit Hold(WordLock& m_) : m(m_) { m.acquire(-1); }
  ~Hold() { m.release(); }
};

// Breaks the current round (caller holds mu): its waiters wake and see last_broken == their round.
void break_round(BarrierObject& b) noexcept {
  b.broken.store(true);
  if (b.arrived.load() > 0) {
    b.last_broken = b.round.load();
    b.arrived.store(0);
    b.round.fetch_add(1);
    futex::wake(b.round);
  }
}

}  // namespace

BarrierObject::Arrival BarrierObject::arrive() {
  Hold h(mu);
  if (broken.load()) throw BrokenBarrier();
  Arrival a{arrived.load(), round.load(), false};
  a.last = arrived.fetch_add(1) + 1 == parties;
  return a;
}

void BarrierObject::finish_round(std::uint32_t r) {
  Hold h(mu);
  if (round.load() != r) return;
  arrived.store(0);
  round.fetch_add(1);
  futex::wake(round);
}

void BarrierObject::wait_round(std::uint32_t r, double timeout) {
  if (timeout < 0) timeout = default_timeout;
  {
    gil::Release unlocked;
    const double deadline = deadline_after(timeout);
    while (round.load() == r) {
      double left = seconds_left(deadline);
      if (left == 0) break;
      futex::wait(round, r, left);
    }
  }
  Hold h(mu);
  if (round.load() == r) {  // timed out with the round still open: break it, as Python does
    break_round(*this);
    throw BrokenBarrier();
  }
  if (last_broken == r) throw BrokenBarrier();
}

void BarrierObject::abort() {
  Hold h(mu);
  break_round(*this);
}

void BarrierObject::reset() {
  Hold h(mu);
  break_round(*this);
  broken.store(false);
}

std::uint32_t BarrierObject::n_waiting() const noexcept { return broken.load() ? 0 : arrived.load(); }

}  // namespace parlab::sync
