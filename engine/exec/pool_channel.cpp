#include "engine/exec/pool_channel.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "engine/core/futex.hpp"

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
// until the channel is destroyed: the arena's allocator takes a lock and walks a tree, a free list does not.
constexpr std::uint32_t kNodeBytes = 256;
constexpr std::uint32_t kSmall = kNodeBytes - sizeof(Node);
constexpr std::uint32_t kSlab = 64;

// getpid() is a system call; the mutex needs it on every lock. Refreshed in a forked child.
std::atomic<std::uint32_t> cached_pid{0};
void refresh_pid() { cached_pid.store(std::uint32_t(getpid()), std::memory_order_relaxed); }
std::uint32_t my_pid() {
  std::uint32_t p = cached_pid.load(std::memory_order_relaxed);
  if (p == 0) {
    static const int registered = pthread_atfork(nullptr, nullptr, refresh_pid);
    (void)registered;
    refresh_pid();
    p = cached_pid.load(std::memory_order_relaxed);
  }
  return p;
}

bool process_gone(std::uint32_t pid) { return pid != 0 && kill(pid_t(pid), 0) == -1 && errno == ESRCH; }

}  // namespace

void SharedMutex::lock() noexcept {
  const std::uint32_t me = my_pid();
  for (int spins = 0;; ++spins) {
    std::uint32_t expected = 0;
    if (word_.compare_exchange_weak(expected, me, std::memory_order_acquire)) return;
    if (spins < 200) {
      futex::cpu_relax();
      continue;
    }
    {
      futex::Sleeping counted(waiters_);
      futex::sleep_once(word_, expected, 0.001);
    }
    // After a long wait, a holder process that no longer exists cannot unlock: take the lock over.
    if (spins % 1000 == 999 && expected != 0 && process_gone(expected) &&
        word_.compare_exchange_strong(expected, me, std::memory_order_acquire))
      return;
  }
}

void SharedMutex::unlock() noexcept {
  word_.store(0, std::memory_order_release);
  if (waiters_.load() > 0) futex::wake(word_, 1);
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

// Takes a small node from the free list, carving a new slab when it is empty. Called with mu_ held.
Node* Channel::take_small_locked() {
  if (!free_) {
    auto* slab = static_cast<Node*>(shm::allocate(std::size_t(kNodeBytes) * (kSlab + 1), 64));
    slab->next = slabs_;  // the slab's first node only records the slab
    slabs_ = slab;
    for (std::uint32_t i = 1; i <= kSlab; ++i) {
      auto* n = reinterpret_cast<Node*>(reinterpret_cast<char*>(slab) + std::size_t(i) * kNodeBytes);
      n->capacity = kSmall;
      n->next = free_;
      free_ = n;
    }
  }
  Node* node = free_;
  free_ = node->next;
  return node;
}

void Channel::push(std::uint64_t id, Tag tag, std::int32_t worker, std::string_view bytes) {
  const bool small = bytes.size() <= kSmall;
  Node* node = nullptr;
  if (!small) {
    node = static_cast<Node*>(shm::allocate(sizeof(Node) + bytes.size(), 64));
    node->capacity = std::uint32_t(bytes.size());
  }
  mu_.lock();
  if (small) {
    try {
      node = take_small_locked();
    } catch (...) {
      mu_.unlock();
      throw;
    }
  }
  node->next = nullptr;
  node->id = id;
  node->tag = tag;
  node->worker = worker;
  node->size = std::uint32_t(bytes.size());
  if (!bytes.empty()) std::memcpy(node->bytes(), bytes.data(), bytes.size());
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

bool Channel::pop(Message& out, std::atomic<std::uint64_t>* inflight) {
  if (size_.load(std::memory_order_acquire) == 0) return false;
  mu_.lock();
  Node* node = head_;
  if (!node) {
    mu_.unlock();
    return false;
  }
  head_ = node->next;
  if (!head_) tail_ = nullptr;
  size_.fetch_sub(1, std::memory_order_relaxed);
  if (inflight) inflight->store(node->tag == kTask ? node->id : 0, std::memory_order_release);
  mu_.unlock();
  out.id = node->id;
  out.tag = Tag(node->tag);
  out.worker = node->worker;
  out.bytes.assign(node->bytes(), node->size);
  release(node);
  return true;
}

bool Channel::remove(std::uint64_t id) {
  mu_.lock();
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
  mu_.lock();
  node->next = free_;
  free_ = node;
  mu_.unlock();
}

void Channel::sleep(std::uint32_t seen, double slice) noexcept {
  futex::Sleeping counted(sleepers_);
  futex::sleep_once(seq_, seen, slice);
}

void Channel::wake_one() noexcept { futex::wake(seq_, 1); }

void Channel::wake_all() noexcept {
  seq_.fetch_add(1, std::memory_order_seq_cst);
  futex::wake(seq_, -1);
}

}  // namespace parlab::pool
