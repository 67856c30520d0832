#include "engine/queues/pipe.hpp"

#include "engine/core/clock.hpp"

namespace parlab::queue {

namespace {
std::atomic<Pipe::UnusedHoldsHook> unused_holds_hook{nullptr};
}

void Pipe::set_unused_holds_hook(UnusedHoldsHook hook) noexcept { unused_holds_hook.store(hook); }

Holders::State Pipe::peer_state(int end) {
  Pipe::UnusedHoldsHook hook = unused_holds_hook.load(std::memory_order_acquire);
  return holders_[1 - end].check(hook ? hook(this, 1 - end) : 0);
}

void Pipe::close_end(int end) {
  holders_[end].remove();
  if (holders_[end].open_count() == 0) arrived_[1 - end].wake_all();  // the peer's readers see EOF
}

void Pipe::send_handle(int end) {
  refs.fetch_add(1, std::memory_order_acq_rel);
  holders_[end].add();
  in_flight_[end].fetch_add(1, std::memory_order_acq_rel);
}

void Pipe::receive_handle(int end, const ProcessId& sender) {
  std::int32_t n = in_flight_[end].load(std::memory_order_acquire);
  while (n > 0) {
    if (in_flight_[end].compare_exchange_weak(n, n - 1, std::memory_order_acq_rel)) {
      holders_[end].remove_for(sender);
      refs.fetch_sub(1, std::memory_order_acq_rel);  // the receiver already holds its own
      return;
    }
  }
}

PipeStatus Pipe::send(int end, const Piece* pieces, std::size_t count) {
  const int to = 1 - end;
  if (holders_[to].open_count() == 0) return PipeStatus::closed;
  // A reader killed without closing: noticed here too (at most one /proc look per kPeerCheckSeconds),
  // so a sender does not pile messages up for nobody.
  if (holders_[to].check_due(kPeerCheckSeconds) && peer_state(end) != Holders::State::open)
    return PipeStatus::closed;
  inbox_[to].push(pieces, count);
  arrived_[to].notify();
  return PipeStatus::ok;
}

PipeStatus Pipe::wait_readable(int end, double deadline) {
  Fifo& in = inbox_[end];
  Holders& peer = holders_[1 - end];
  for (;;) {
    if (!in.empty()) return PipeStatus::ok;
    if (peer.open_count() == 0) {
      if (!in.empty()) return PipeStatus::ok;  // a last message sent just before the close
      return peer.check() == Holders::State::died ? PipeStatus::peer_died : PipeStatus::closed;
    }
    double now = clock_seconds();
    if (deadline >= 0 && now >= deadline) return PipeStatus::timeout;
    // A peer killed without closing wakes nobody: the one periodic look an idle recv keeps (Ctrl-C and
    // a stop request wake it at once, see sleep_on).
    double slice = now + kPeerCheckSeconds;
    if (deadline >= 0 && deadline < slice) slice = deadline;
    auto ready = [&] { return !in.empty() || peer.open_count() == 0; };
    if (!wait_until(arrived_[end], ready, slice)) {
      Holders::State st = peer_state(end);
      if (st == Holders::State::open) continue;
      if (!in.empty()) return PipeStatus::ok;
      return st == Holders::State::died ? PipeStatus::peer_died : PipeStatus::closed;
    }
  }
}

PipeStatus Pipe::recv(int end, Message& out, double timeout) {
  const double deadline = deadline_after(timeout);
  for (;;) {
    if (inbox_[end].pop(out)) return PipeStatus::ok;
    if (inbox_[end].recover().redelivered) continue;  // a reader of this end killed mid-recv
    PipeStatus s = wait_readable(end, deadline);
    if (s != PipeStatus::ok) {
      if (inbox_[end].pop(out)) return PipeStatus::ok;
      return s;
    }
  }
}

PipeStatus Pipe::poll(int end, double timeout) {
  if (!inbox_[end].empty()) return PipeStatus::ok;
  if (timeout == 0) {
    Holders& peer = holders_[1 - end];
    Holders::State st = Holders::State::open;
    if (peer.open_count() == 0 || peer.check_due(kPeerCheckSeconds)) st = peer_state(end);
    switch (st) {
      case Holders::State::open: return inbox_[end].empty() ? PipeStatus::timeout : PipeStatus::ok;
      case Holders::State::closed: return inbox_[end].empty() ? PipeStatus::closed : PipeStatus::ok;
      case Holders::State::died: return inbox_[end].empty() ? PipeStatus::peer_died : PipeStatus::ok;
    }
  }
  return wait_readable(end, deadline_after(timeout));
}

}  // namespace parlab::queue
