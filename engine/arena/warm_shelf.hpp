#pragma once
// A shelf of large freed blocks whose pages stay in memory, shared by every process of the run. On this
// project's VMs the first touch of a fresh 4 KiB page costs ~11 us (the kernel zeroes it, the host backs
// it): a 64 MiB block costs ~180 ms the first time and ~5 ms to fill when warm. Freed blocks of 1 MiB and
// more used to give their pages back at once (so a one-off 1 GiB message holds nothing after it), so a
// Queue's or Pipe's first big message, a pool task's big argument and a new large array each paid for
// fresh pages although a block just as large had been freed a moment before. The shelf keeps a few of
// them, bounded in bytes, for the next allocation of a similar size; what does not fit is given back.
//
// Lock-free: each slot is one 64-bit word (the block's arena offset and its capacity in MiB), taken and
// filled with a CAS, so any thread or process may use it without the allocator's lock. A process killed
// between a take and its use loses that one block, as it would lose any block it had allocated.
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace parlab::shm {

class WarmShelf {
 public:
  static constexpr int kSlots = 8;
  // Smaller blocks are left to the allocator, which reuses them without giving their pages back.
  static constexpr std::size_t kMinBytes = std::size_t(1) << 20;
  static constexpr std::size_t kPage = 4096;  // capacities are whole pages (the arena rounds large blocks)

  // Offers a freed block at arena `offset` with `capacity` usable bytes (a multiple of kPage). True when
  // the shelf kept it (the caller must then not free it); false when it is too small, or the shelf is
  // full or would hold more than `budget` bytes.
  bool keep(std::uint64_t offset, std::size_t capacity, std::size_t budget) noexcept;

  // Takes a kept block that holds `bytes` at an offset aligned to `align`, and whose capacity is at most
  // four times `bytes` (so a small request does not take a huge block); its offset, or 0 when none fits.
  std::uint64_t take(std::size_t bytes, std::size_t align) noexcept;

  // Bytes kept now.
  std::size_t bytes() const noexcept { return bytes_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> slots_[kSlots]{};  // 0, or (offset / 64) << 24 | capacity in pages
  std::atomic<std::size_t> bytes_{0};
};

}  // namespace parlab::shm
