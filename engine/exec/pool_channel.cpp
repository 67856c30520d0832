#include "engine/exec/pool_channel.hpp"

#include <pthread.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <utility>

#include "engine/core/error.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/liveness.hpp"
#include "engine/core/self.hpp"
#include "engine/core/sleepers.hpp"

namespace parlab::pool {

struct Node {
  Node* next;
  std::uint64_t id;
  std::uint32_t tag;
  std::int32_t worker;
  std::uint32_t size;
  std::uint32_t capacity;
  char* bytes() { return reinterpret_cast<char*>(this + 1); }
};

namespace {

// Small payloads (one task's arguments, one result) fit a recycled 256-byte node; small nodes come in
// slabs of kSlab (one arena allocation each) and go back to the channel's free list, never to the arena,
// until the channel is destroyed: the arena's allocator takes a lock, a free list does not. A slab's nodes
// are carved one at a time as they are first needed, so a short-lived channel touches one page of its
// slab, not five (a fresh page costs 10-30 us on a VM).
constexpr std::uint32_t kNodeBytes = 256;
constexpr std::uint32_t kSmall = kNodeBytes - sizeof(Node);
constexpr std::uint32_t kSlab = 64;

// The mutex needs the caller's pid on every lock: cached (engine/core/self), not a system call.
std::uint32_t my_pid() { return std::uint32_t(self::pid()); }

// Sleeps of about a millisecond between looks at the holder: a dead holder is noticed within ~0.1 s.
constexpr int kSpins = 200;
constexpr int kSleepsPerHolderCheck = 100;

void fill(Node* node, std::uint64_t id, Tag tag, std::int32_t worker, const Piece* pieces, std::size_t count,
          std::size_t size) noexcept {
  node->next = nullptr;
  node->id = id;
  node->tag = tag;
  node->worker = worker;
  node->size = std::uint32_t(size);
  copy_pieces(node->bytes(), pieces, count);
}

}  // namespace

bool SharedMutex::lock() noexcept {
  const std::uint32_t me = my_pid();
  for (int spins = 0;; ++spins) {
    std::uint32_t expected = 0;
    if (word_.compare_exchange_weak(expected, me, std::memory_order_acquire)) return false;
    if (spins < kSpins) {
      futex::cpu_relax();
      continue;
    }
    {
      futex::Sleeping counted(waiters_);
      futex::sleep_once(word_, expected, 0.001);
    }
    // A holder process that no longer exists (SIGKILLed inside the section) cannot unlock: take over.
    if ((spins - kSpins) % kSleepsPerHolderCheck == kSleepsPerHolderCheck - 1 && expected != 0 &&
        process_gone(pid_t(expected)) &&
        word_.compare_exchange_strong(expected, me, std::memory_order_acquire))
      return true;
  }
}

void SharedMutex::unlock() noexcept {
  word_.store(0, std::memory_order_release);
  if (waiters_.load() > 0) futex::wake(word_, 1);
}

void Channel::lock() noexcept {
  if (mu_.lock()) repair_locked();
}

// After a takeover from a dead holder. Every section below writes the list so that the links from head_
// are always whole: a push dies before or after linking its node (a node not yet linked is lost with the
// process that was sending it), a pop after unlinking. Only tail_ and the count can be stale, and both
// follow from the links. A small node the dead process held outside the list is not returned (256 bytes).
void Channel::repair_locked() noexcept {
  Node* last = nullptr;
  std::size_t count = 0;
  for (Node* n = head_; n; n = n->next) {
    last = n;
    ++count;
  }
  tail_ = last;
  size_.store(count, std::memory_order_relaxed);
}

Channel::~Channel() {
  for (Node* n = head_; n;) {
    Node* next = n->next;
    if (n->capacity != kSmall) shm::deallocate(n);
    n = next;
  }
  for (Node* slab = slabs_; slab;) {
    Node* next = slab->next;
    shm::deallocate(slab);
    slab = next;
  }
}

// Takes a small node from the free list, else carves the next one from the newest slab (a new slab when
// that one is used up). Called with mu_ held.
Node* Channel::take_small_locked() {
  if (Node* node = free_) {
    free_ = node->next;
    return node;
  }
  Node* slab = slabs_;
  if (!slab || slab->size == kSlab) {
    slab = static_cast<Node*>(shm::allocate(std::size_t(kNodeBytes) * (kSlab + 1), 64));
    slab->next = slabs_;
    slab->size = 0;  // nodes carved so far: the slab's first node only records the slab
    slabs_ = slab;
  }
  auto* node =
      reinterpret_cast<Node*>(reinterpret_cast<char*>(slab) + std::size_t(++slab->size) * kNodeBytes);
  node->capacity = kSmall;
  return node;
}

void Channel::push(std::uint64_t id, Tag tag, std::int32_t worker, const Piece* pieces, std::size_t count) {
  const std::size_t size = total_size(pieces, count);
  if (size > UINT32_MAX) throw Error("pool: a message over 4 GiB cannot travel");
  const bool small = size <= kSmall;
  Node* node = nullptr;
  if (!small) {  // filled outside the lock: a large copy is long, and a sender may die during it
    node = static_cast<Node*>(shm::allocate(sizeof(Node) + size, 64));
    node->capacity = std::uint32_t(size);
    fill(node, id, tag, worker, pieces, count, size);
  }
  lock();
  if (small) {
    try {
      node = take_small_locked();
    } catch (...) {
      mu_.unlock();
      throw;
    }
    fill(node, id, tag, worker, pieces, count, size);
  }
  if (tail_)
    tail_->next = node;
  else
    head_ = node;
  tail_ = node;
  size_.fetch_add(1, std::memory_order_relaxed);
  mu_.unlock();
  seq_.fetch_add(1, std::memory_order_seq_cst);
  if (sleepers_.load(std::memory_order_seq_cst) > 0) wake_one();
}

Message& Message::operator=(Message&& other) noexcept {
  if (this == &other) return *this;
  reset_held();
  id = other.id;
  tag = other.tag;
  worker = other.worker;
  bytes = std::move(other.bytes);
  held_node_ = std::exchange(other.held_node_, nullptr);
  held_ = std::exchange(other.held_, nullptr);
  held_size_ = std::exchange(other.held_size_, 0);
  return *this;
}

void Message::reset_held() noexcept {
  if (!held_node_) return;
  shm::deallocate(held_node_);  // a large node: its own arena block (Channel::push)
  held_node_ = nullptr;
  held_ = nullptr;
  held_size_ = 0;
}

bool Channel::pop(Message& out, std::atomic<std::uint64_t>* inflight, bool in_place) {
  out.reset_held();
  if (size_.load(std::memory_order_acquire) == 0) return false;
  lock();
  Node* node = head_;
  if (!node) {
    mu_.unlock();
    return false;
  }
  // On record before it leaves the list: a worker that dies in between has its task failed (and a copy
  // may still run elsewhere), never silently dropped.
  if (inflight) inflight->store(node->tag == kTask ? node->id : 0, std::memory_order_release);
  head_ = node->next;
  if (!head_) tail_ = nullptr;
  size_.fetch_sub(1, std::memory_order_relaxed);
  mu_.unlock();
  out.id = node->id;
  out.tag = Tag(node->tag);
  out.worker = node->worker;
  if (in_place && node->capacity != kSmall) {
    out.bytes.clear();
    out.held_node_ = node;
    out.held_ = node->bytes();
    out.held_size_ = node->size;
    return true;
  }
  out.bytes.assign(node->bytes(), node->size);
  release(node);
  return true;
}

bool Channel::remove(std::uint64_t id) {
  lock();
  Node* prev = nullptr;
  Node* node = head_;
  while (node && node->id != id) {
    prev = node;
    node = node->next;
  }
  if (node) {
    (prev ? prev->next : head_) = node->next;
    if (tail_ == node) tail_ = prev;
    size_.fetch_sub(1, std::memory_order_relaxed);
  }
  mu_.unlock();
  if (node) release(node);
  return node != nullptr;
}

void Channel::release(Node* node) noexcept {
  if (node->capacity != kSmall) {
    shm::deallocate(node);
    return;
  }
  lock();
  node->next = free_;
  free_ = node;
  mu_.unlock();
}

void Channel::sleep(std::uint32_t seen, double slice) noexcept {
  futex::Sleeping counted(sleepers_);
  futex::sleep_once(seq_, seen, slice);
}

void Channel::sleep_or_stop(std::uint32_t seen, double slice) noexcept {
  futex::Sleeping counted(sleepers_);
  sleepers::Registered on(seq_);  // Ctrl-C and a stop request wake it
  if (!on.registered() && slice > interrupt::kPollSeconds) slice = interrupt::kPollSeconds;
  // A flag set before the registration found no slot to wake: return for the caller's check.
  const std::atomic<bool>* stop = interrupt::watched_stop_flag();
  if (interrupt::pending() || (stop && stop->load(std::memory_order_relaxed))) return;
  futex::sleep_once(seq_, seen, slice);
}

void Channel::wake_one() noexcept { futex::wake(seq_, 1); }

void Channel::wake_all() noexcept {
  seq_.fetch_add(1, std::memory_order_seq_cst);
  futex::wake(seq_, -1);
}

}  // namespace parlab::pool
