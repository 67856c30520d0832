#pragma once
// parlab.Queue, JoinableQueue and SimpleQueue: one shared object for all three (the Lua side picks
// the methods). A queue of byte messages in the shared arena, usable from any thread or process that
// holds it. Python's multiprocessing.Queue semantics, plus close(): after close, put fails and get
// fails once the queue is drained (instead of hanging), in every process at once.
#include <atomic>
#include <cstddef>
#include <cstdint>

#include "engine/arena/shared_object.hpp"
#include "engine/queues/pipe_holders.hpp"
#include "engine/queues/queue_fifo.hpp"
#include "engine/queues/queue_signal.hpp"

namespace parlab::queue {

enum class Status {
  ok,
  timeout,  // get: no item (empty); put: no room (full) within the time given, or at once when not blocking
  closed,   // put: the queue is closed; get: the queue is closed and empty
};

class Queue : public shm::Header {
 public:
  static constexpr std::uint32_t kKind = 0x51554555;  // "QUEU"

  // maxsize <= 0: unbounded. Joinable queues count unfinished tasks for task_done/join.
  explicit Queue(std::int64_t maxsize = 0, bool joinable = false);

  // timeout < 0 waits forever; block == false never waits.
  Status put(const char* data, std::size_t size, bool block = true, double timeout = -1) {
    Piece whole{data, size};
    return put(&whole, 1, block, timeout);
  }
  // The same for a message in pieces (engine/core/pieces.hpp), copied in once.
  Status put(const Piece* pieces, std::size_t count, bool block = true, double timeout = -1);
  Status get(Message& out, bool block = true, double timeout = -1);

  std::size_t qsize() const noexcept;
  bool empty() const noexcept { return fifo_.empty(); }
  bool full() const noexcept;
  std::int64_t maxsize() const noexcept { return maxsize_; }
  bool joinable() const noexcept { return joinable_; }

  // Wakes every waiter: blocked puts fail, blocked gets drain what is left and then fail. `immediate`
  // (Python 3.13's shutdown(immediate=True)): gets fail at once too, and the items left are dropped (each
  // counted done for join()). Returns how many items were dropped.
  std::size_t close(bool immediate = false) noexcept;
  bool closed() const noexcept { return closed_.load(std::memory_order_acquire) != 0; }

  // One item put earlier is fully processed. Throws Error when called more often than items were put.
  void task_done();
  // Waits until every item put has been marked done; false on timeout.
  bool join(double timeout = -1);
  // A handle on its way to another thread or process keeps the queue alive until a receiver takes
  // it over (once): the sender may drop its own reference right after sending.
  void send_handle() noexcept;
  void receive_handle() noexcept;  // call after taking a reference of one's own

  // Which processes hold references (pipe_holders.hpp), so that those of a process that died holding some
  // (SIGKILL mid-get) are given back instead of keeping the queue, its items and its spare block for the
  // rest of the run. A holder in a process calls hold() after taking its reference and let_go() before
  // dropping it; reclaim_dead() gives back the references of dead holders (the caller must hold one).
  void hold() { holders_.add(); }
  void let_go() { holders_.remove(); }
  void reclaim_dead();

  std::int64_t unfinished() const noexcept { return unfinished_.load(std::memory_order_acquire); }
  // What was done about processes killed in the middle of a put or get (docs/reliability.md).
  Faults faults() const noexcept { return fifo_.faults(); }

 private:
  bool admit(bool block, double deadline, Status& why);
  Status push(const Piece* pieces, std::size_t count, bool block, double timeout);
  bool wait_for_puts(Message& out);
  bool take(Message& out);  // fifo_.pop, with the counts corrected for holes skipped
  void account(const Recovered& r) noexcept;
  void after_get() noexcept;

  Fifo fifo_;
  const std::int64_t maxsize_;
  const bool joinable_;
  alignas(64) std::atomic<std::int64_t> count_{0};  // admitted items, kept for bounded queues only
  alignas(64) std::atomic<std::int64_t> unfinished_{0};
  std::atomic<std::uint32_t> closed_{0};
  // Puts between their closed check and their push. A get that finds the queue closed and empty waits for
  // them (bounded: a putter killed mid-put would hold it up for ever), so an item whose put succeeded before
  // or while the queue closed is never left behind by every reader.
  alignas(64) std::atomic<std::int32_t> putting_{0};
  std::atomic<std::int32_t> putting_stuck_{0};  // putting_ seen not to drop for kPutWaitSeconds
  std::atomic<std::int32_t> in_flight_{0};
  alignas(64) Signal not_empty_;
  alignas(64) Signal not_full_;
  Signal all_done_;
  Holders holders_;
};

}  // namespace parlab::queue
