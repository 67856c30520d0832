#pragma once
// An unbounded multi-producer multi-consumer FIFO of byte messages that lives in the shared arena and
// is used from threads and processes alike. Lock-free: the segmented design of crossbeam's SegQueue
// (blocks of 63 slots linked as the queue grows, each freed by its last reader). A message of up to
// 48 bytes is stored inline in its 64-byte slot; a larger one is copied into its own arena block that
// the reader decodes in place and then frees, so a message of any size costs one copy in, one out.
// (A process killed in the middle of a push leaves a slot that readers wait on: as with Python's
// queues, kill workers only between operations.)
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace parlab::queue {

constexpr std::size_t kInlineBytes = 48;

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
  void push(const char* data, std::size_t size);
  // Takes the oldest message into out (which is reset first); false when the FIFO is empty.
  bool pop(Message& out);
  bool empty() const noexcept;
  std::size_t size() const noexcept;  // a snapshot: pushes still in progress count

 private:
  struct Block;
  struct alignas(64) Position {
    std::atomic<std::uint64_t> index{0};
    std::atomic<Block*> block{nullptr};
  };
  char* block_for(std::size_t size);

  Position head_;
  Position tail_;
  // One freed large-message block kept for the next large push: a stream of big messages then reuses
  // the same pages instead of faulting fresh ones in (the arena gives big blocks' pages back on free).
  alignas(64) std::atomic<char*> spare_{nullptr};
};

}  // namespace parlab::queue
