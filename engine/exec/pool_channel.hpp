#pragma once
// The pool's message channel: an unbounded MPMC queue of byte blobs living in the shared arena, so thread
// and process workers use the same one. A short critical section under a pid-tagged mutex links or
// unlinks a node; consumers poll briefly, then sleep on a futex that every push bumps (pushes only make
// the wake-up system call when someone sleeps). The arena maps at the same address in every process of a
// run (engine/arena/shm.hpp), so nodes link with plain pointers.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "engine/core/pieces.hpp"
#include "engine/exec/pool.hpp"

namespace parlab::pool {

// A mutex in shared memory that does not die with its holder: the word holds the holder's pid, and a
// waiter that has slept on it for a tenth of a second takes it over when that process no longer exists
// (a zombie counts: the waiter may be the parent that would reap it). lock() returns true after such a
// takeover, when what the lock guards may be half-updated and needs repair.
class SharedMutex {
 public:
  [[nodiscard]] bool lock() noexcept;
  void unlock() noexcept;

 private:
  std::atomic<std::uint32_t> word_{0};
  std::atomic<std::uint32_t> waiters_{0};
};

struct Node;

class Channel {
 public:
  Channel() = default;
  ~Channel();
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  // Appends a message (copies the bytes into the arena). Throws parlab::Error when the arena is full.
  void push(std::uint64_t id, Tag tag, std::int32_t worker, std::string_view bytes) {
    Piece whole{bytes.data(), bytes.size()};
    push(id, tag, worker, &whole, 1);
  }
  // The same for a message in pieces (engine/core/pieces.hpp), copied in once.
  void push(std::uint64_t id, Tag tag, std::int32_t worker, const Piece* pieces, std::size_t count);
  // Takes the oldest message. When `inflight` is given it is set to the message's id before the lock is
  // released, so a worker that dies right after still has its task on record. With in_place, a large
  // payload stays in its node and `out` holds that (Message::payload); otherwise it is copied out.
  bool pop(Message& out, std::atomic<std::uint64_t>* inflight = nullptr, bool in_place = false);
  // Unlinks the queued message with this id; false when it is not queued (taken or never there).
  bool remove(std::uint64_t id);
  std::size_t size() const noexcept { return size_.load(std::memory_order_relaxed); }

  // Consumers: read seq() before trying pop(); when pop() fails, sleep(seen, slice) returns when a push
  // happened since (or after `slice` seconds, or spuriously). No Ctrl-C check: callers loop on it.
  std::uint32_t seq() const noexcept { return seq_.load(std::memory_order_seq_cst); }
  void sleep(std::uint32_t seen, double slice) noexcept;
  // As sleep, but Ctrl-C and the thread's stop request end it at once (engine/core/sleepers.hpp); it
  // throws nothing: the caller checks the flags (interrupt::check) before each call, which returns at
  // once while one is set. A slice over interrupt::kPollSeconds is cut to it when no slot was free.
  void sleep_or_stop(std::uint32_t seen, double slice) noexcept;
  // Wakes every sleeper (terminate).
  void wake_all() noexcept;

 private:
  void wake_one() noexcept;
  void lock() noexcept;
  void repair_locked() noexcept;
  Node* take_small_locked();
  void release(Node* node) noexcept;

  SharedMutex mu_;
  Node* head_ = nullptr;
  Node* tail_ = nullptr;
  Node* free_ = nullptr;   // small nodes ready for reuse
  Node* slabs_ = nullptr;  // every slab of small nodes, freed with the channel
  std::atomic<std::uint32_t> seq_{0};
  std::atomic<std::uint32_t> sleepers_{0};
  std::atomic<std::size_t> size_{0};
};

}  // namespace parlab::pool
