#include "engine/queues/queue.hpp"

#include "engine/core/clock.hpp"
#include "engine/core/error.hpp"

namespace parlab::queue {

Queue::Queue(std::int64_t maxsize, bool joinable)
    : maxsize_(maxsize > 0 ? maxsize : 0), joinable_(joinable) {}

// Reserves room for one item in a bounded queue (a no-op for unbounded ones).
bool Queue::admit(bool block, double deadline, Status& why) {
  if (maxsize_ == 0) return true;
  for (;;) {
    std::int64_t c = count_.load(std::memory_order_acquire);
    while (c < maxsize_) {
      if (count_.compare_exchange_weak(c, c + 1, std::memory_order_acq_rel)) return true;
    }
    if (closed()) return why = Status::closed, false;
    if (!block) return why = Status::timeout, false;
    auto room = [&] { return count_.load(std::memory_order_acquire) < maxsize_ || closed(); };
    if (!wait_until(not_full_, room, deadline)) return why = Status::timeout, false;
    if (closed()) return why = Status::closed, false;
  }
}

// Counted in putting_ around the closed check and the push (seq_cst on both sides: a put either sees the
// close, or the reader that sees the close sees the put in flight).
Status Queue::put(const Piece* pieces, std::size_t count, bool block, double timeout) {
  putting_.fetch_add(1, std::memory_order_seq_cst);
  Status s = Status::closed;
  try {
    if (!closed()) s = push(pieces, count, block, timeout);
  } catch (...) {
    putting_.fetch_sub(1, std::memory_order_seq_cst);
    throw;
  }
  putting_.fetch_sub(1, std::memory_order_seq_cst);
  if (closed()) not_empty_.wake_all();  // readers waiting in wait_for_puts look again
  return s;
}

Status Queue::push(const Piece* pieces, std::size_t count, bool block, double timeout) {
  Status why = Status::ok;
  if (!admit(block, deadline_after(timeout), why)) return why;
  if (joinable_) unfinished_.fetch_add(1, std::memory_order_acq_rel);
  try {
    fifo_.push(pieces, count);
  } catch (...) {  // the arena is full: give the reservation back
    if (joinable_) unfinished_.fetch_sub(1, std::memory_order_acq_rel);
    if (maxsize_) count_.fetch_sub(1, std::memory_order_acq_rel);
    throw;
  }
  not_empty_.notify();
  return Status::ok;
}

void Queue::after_get() noexcept {
  if (maxsize_ == 0) return;
  count_.fetch_sub(1, std::memory_order_acq_rel);
  not_full_.notify();
}

// Corrects the counts after the Fifo acted on processes killed mid-operation: an item put back is in the
// queue again; a put that never arrives gives its room, its unfinished task and its putting_ mark back.
void Queue::account(const Recovered& r) noexcept {
  for (int i = 0; i < r.redelivered; ++i) {
    if (maxsize_) count_.fetch_add(1, std::memory_order_acq_rel);
    not_empty_.notify();
  }
  for (int i = 0; i < r.dropped_puts; ++i) {
    putting_.fetch_sub(1, std::memory_order_seq_cst);
    if (maxsize_) after_get();
    if (joinable_ && unfinished_.fetch_sub(1, std::memory_order_acq_rel) == 1) all_done_.notify();
  }
}

bool Queue::take(Message& out) {
  Recovered r;
  bool got = fifo_.pop(out, &r);
  if (r.redelivered || r.dropped_puts) account(r);  // pop recovers a dead mover at a block's end
  return got;
}

// A blocked get wakes every kRecoverSeconds to look for items that readers killed mid-get had taken: a
// killed reader wakes nobody, so this is the one periodic look an idle get keeps (Ctrl-C and a stop
// request wake it at once, see sleep_on; the recovery scan itself runs once per kRecoverSeconds per queue).
Status Queue::get(Message& out, bool block, double timeout) {
  constexpr double kRecoverSeconds = 0.1;
  const double deadline = block ? deadline_after(timeout) : -1;
  for (;;) {
    if (closed_.load(std::memory_order_acquire) == 2) return Status::closed;  // closed immediately
    if (take(out)) return after_get(), Status::ok;
    Recovered r = fifo_.recover();
    if (r.redelivered || r.dropped_puts) {
      account(r);
      continue;
    }
    if (closed()) {  // look once more, after the puts that were under way when it closed
      if (take(out) || wait_for_puts(out)) return after_get(), Status::ok;
      return Status::closed;
    }
    if (!block) return Status::timeout;
    auto ready = [&] { return !fifo_.empty() || closed(); };
    double slice = deadline_after(kRecoverSeconds);
    if (wait_until(not_empty_, ready, deadline >= 0 && deadline < slice ? deadline : slice)) continue;
    if (deadline >= 0 && seconds_left(deadline) == 0) return Status::timeout;
  }
}

// The queue is closed and was empty: waits while puts that passed their closed check are still pushing;
// true with an item when one lands. A put takes microseconds (a large message's copy, milliseconds), so the
// wait is bounded by kPutWaitSeconds; a count that does not drop in that time (a putter killed mid-put) is
// remembered as stuck and not waited for again.
bool Queue::wait_for_puts(Message& out) {
  constexpr double kPutWaitSeconds = 2.0;
  const double deadline = deadline_after(kPutWaitSeconds);
  for (;;) {
    std::int32_t n = putting_.load(std::memory_order_seq_cst);
    if (n <= putting_stuck_.load(std::memory_order_acquire)) return take(out);
    if (take(out)) return true;
    if (seconds_left(deadline) == 0) {
      putting_stuck_.store(n, std::memory_order_release);
      return take(out);
    }
    auto changed = [&] { return !fifo_.empty() || putting_.load(std::memory_order_seq_cst) != n; };
    wait_until(not_empty_, changed, deadline_after(0.001));
  }
}

std::size_t Queue::qsize() const noexcept {
  if (maxsize_ == 0) return fifo_.size();
  std::int64_t c = count_.load(std::memory_order_acquire);
  return c < 0 ? 0 : std::size_t(c);
}

bool Queue::full() const noexcept {
  return maxsize_ > 0 && count_.load(std::memory_order_acquire) >= maxsize_;
}

std::size_t Queue::close(bool immediate) noexcept {
  std::uint32_t want = immediate ? 2 : 1;
  std::uint32_t was = closed_.load(std::memory_order_acquire);
  while (was < want && !closed_.compare_exchange_weak(was, want, std::memory_order_acq_rel)) {
  }
  std::size_t dropped = 0;
  if (immediate) {
    Message m;
    while (take(m)) {
      m.reset();
      after_get();
      ++dropped;
      if (joinable_ && unfinished_.fetch_sub(1, std::memory_order_acq_rel) == 1) all_done_.notify();
    }
  }
  not_empty_.wake_all();
  not_full_.wake_all();
  return dropped;
}

void Queue::task_done() {
  std::int64_t left = unfinished_.fetch_sub(1, std::memory_order_acq_rel) - 1;
  if (left < 0) {
    unfinished_.fetch_add(1, std::memory_order_acq_rel);
    throw Error("task_done() called more times than there were items");
  }
  if (left == 0) all_done_.notify();
}

bool Queue::join(double timeout) {
  auto done = [&] { return unfinished_.load(std::memory_order_acquire) == 0; };
  return wait_until(all_done_, done, deadline_after(timeout));
}

// The caller's own reference keeps the count above zero: the queue is never destroyed here.
void Queue::reclaim_dead() {
  if (std::int32_t dead = holders_.reclaim_dead()) refs.fetch_sub(dead, std::memory_order_acq_rel);
}

void Queue::send_handle() noexcept {
  refs.fetch_add(1, std::memory_order_acq_rel);
  in_flight_.fetch_add(1, std::memory_order_acq_rel);
}

void Queue::receive_handle() noexcept {
  std::int32_t n = in_flight_.load(std::memory_order_acquire);
  while (n > 0) {
    if (in_flight_.compare_exchange_weak(n, n - 1, std::memory_order_acq_rel)) {
      refs.fetch_sub(1, std::memory_order_acq_rel);
      return;
    }
  }
}

}  // namespace parlab::queue
