#pragma once
// The arena's allocator: blocks of one shared region, handed out and taken back by every thread and
// process of a run under one robust lock, and crash-consistent. Each change to the bookkeeping is first
// recorded in an undo log inside the region; when a process dies holding the lock (a pool worker
// SIGKILLed while it sends a result), the next process to take the lock undoes the half-made change and
// goes on with the heap exactly as it was before that call. Boost.Interprocess's allocator, used before,
// could only go on with its tree as the dead process left it (later allocations crashed).
//
// Good fit in O(1), as TLSF: free blocks sit in lists by size class (four classes per power of two),
// found through a bitmap; a freed block merges with free neighbours, and blocks are carved from the
// untouched end of the region (the wilderness) when no list has one. Every block starts with a 64-byte
// header, so payloads are 64-byte aligned and the region's pages are touched only as blocks reach them.
#include <cstddef>
#include <cstdint>
#include <string>

namespace parlab::shm {

class Heap {
 public:
  static constexpr std::size_t kGranule = 64;
  // Bytes at fixed() for the caller's own objects, found at the same place by every process.
  static constexpr std::size_t kFixedBytes = 8192;

  // Lays out an empty heap over [base, base + size); open finds the one another process laid out there
  // (nullptr when there is none). The region must be zero-filled when new, mapped at `base` everywhere.
  static Heap* create(char* base, std::size_t size) noexcept;
  static Heap* open(char* base) noexcept;

  // A block of at least `bytes` at a multiple of `align` (a power of two); nullptr when the region is full.
  void* allocate(std::size_t bytes, std::size_t align) noexcept;
  // Takes back a block from allocate; a pointer that is not one is ignored.
  void deallocate(void* p) noexcept;
  void* fixed() noexcept;

  // For tests. check: whether every block, free list and the bitmap agree (walks the whole heap under the
  // lock). die_at_step: this process SIGKILLs itself at the n-th step of its next changes (a logged write
  // is two steps: logged, then written; a commit two more), to prove that any such death is undone.
  bool check() noexcept;
  static void die_at_step(int n) noexcept;
  // For tests: every block as "offset+size" ("f" after a free one), then "top=offset".
  std::string describe();
};

}  // namespace parlab::shm
