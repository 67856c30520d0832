#pragma once
// Objects that live in the shared arena (engine/arena/shm.hpp) and are held from many threads and processes:
// a Queue, a Lock, an array's storage. Each starts with a Header; every holder (a Lua userdata in any
// state of any process) owns one reference, and the last release destroys the object. A handle that
// travels between processes is {offset, kind, serial}; attach() checks the kind and the serial (a random
// 64-bit number each object gets when it is made), so a stale handle, whose object was freed and whose
// memory may now hold another object of the same kind, is refused instead of binding to that other one. (A
// process killed while holding references leaks them until the run ends; the arena itself always goes away
// with the last process. Queues count their references per process and give a dead one's back:
// Queue::hold.)
#include <atomic>
#include <cstdint>
#include <new>
#include <utility>

#include "engine/arena/shm.hpp"
#include "engine/core/error.hpp"

namespace parlab::shm {

struct Header {
  std::atomic<std::int64_t> refs{1};
  std::uint32_t kind = 0;  // a per-type constant, T::kKind
  std::uint32_t alive = 0x5a11ab1e;
  std::uint64_t serial = 0;  // new_serial(), set by Ref::create
};

// A process-local owning pointer to a shared object of type T (T derives from Header, has kKind).
template <class T>
class Ref {
 public:
  Ref() = default;
  ~Ref() { reset(); }
  Ref(const Ref& o) : p_(o.p_) { retain(); }
  Ref(Ref&& o) noexcept : p_(std::exchange(o.p_, nullptr)) {}
  Ref& operator=(Ref o) noexcept {
    std::swap(p_, o.p_);
    return *this;
  }

  // Allocates and constructs a new object in the arena, holding its first reference.
  template <class... Args>
  static Ref create(Args&&... args) {
    return create_sized(sizeof(T), std::forward<Args>(args)...);
  }

  // As create, in a block of `bytes` (at least sizeof(T)): for a T that keeps an array after itself.
  template <class... Args>
  static Ref create_sized(std::size_t bytes, Args&&... args) {
    void* mem = allocate(bytes < sizeof(T) ? sizeof(T) : bytes, alignof(T) > 64 ? alignof(T) : 64);
    Ref r;
    try {
      r.p_ = new (mem) T(std::forward<Args>(args)...);
    } catch (...) {
      deallocate(mem);
      throw;
    }
    r.p_->kind = T::kKind;
    r.p_->serial = new_serial();
    return r;
  }

  // As attach(offset), and the object must be the one the handle was made for (its serial).
  static Ref attach(Offset offset, std::uint64_t serial) {
    Ref r = attach(offset);
    if (r.p_->serial != serial)
      throw Error(
          "shared object handle: the object it named was freed before the handle was received (keep the "
          "object in a variable until the receiver has it)");
    return r;
  }

  // Takes a new reference to the object at offset, after checking it is a live T.
  static Ref attach(Offset offset) {
    auto* h = static_cast<Header*>(address_of(offset, sizeof(T)));
    if (h->kind != T::kKind || h->alive != 0x5a11ab1e || h->refs.load() <= 0)
      throw Error(
          "shared object handle: it names no live object of this kind (the object was freed before the "
          "handle was received, or the handle is forged)");
    Ref r;
    r.p_ = static_cast<T*>(h);
    r.retain();
    return r;
  }

  Offset offset() const { return offset_of(p_); }
  T* get() const { return p_; }
  T* operator->() const { return p_; }
  T& operator*() const { return *p_; }
  explicit operator bool() const { return p_ != nullptr; }

  void reset() {
    if (p_ && p_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      p_->alive = 0;
      p_->~T();
      deallocate(p_);
    }
    p_ = nullptr;
  }

 private:
  void retain() {
    if (!p_) return;
    p_->refs.fetch_add(1, std::memory_order_relaxed);
    note_taken();
  }
  T* p_ = nullptr;
};

}  // namespace parlab::shm
