// The warm shelf's slots: packing a block into one word, and the CAS loops that keep and take blocks.
#include "engine/arena/warm_shelf.hpp"

namespace parlab::shm {
namespace {

constexpr int kCapBits = 24;  // capacity in pages: up to 64 GiB; the offset / 64 gets 40 bits (64 TiB)
constexpr std::uint64_t kCapMask = (std::uint64_t(1) << kCapBits) - 1;

bool packable(std::uint64_t offset, std::size_t capacity) {
  return offset != 0 && offset % 64 == 0 && capacity % WarmShelf::kPage == 0 &&
         capacity / WarmShelf::kPage <= kCapMask && offset / 64 < (std::uint64_t(1) << (64 - kCapBits));
}
std::uint64_t pack(std::uint64_t offset, std::size_t capacity) {
  return (offset / 64) << kCapBits | (capacity / WarmShelf::kPage);
}
std::uint64_t offset_of(std::uint64_t slot) { return (slot >> kCapBits) * 64; }
std::size_t capacity_of(std::uint64_t slot) { return std::size_t(slot & kCapMask) * WarmShelf::kPage; }

}  // namespace

bool WarmShelf::keep(std::uint64_t offset, std::size_t capacity, std::size_t budget) noexcept {
  if (capacity < kMinBytes || capacity > budget || !packable(offset, capacity)) return false;
  const std::uint64_t packed = pack(offset, capacity);
  const std::size_t counted = capacity;
  if (bytes_.fetch_add(counted, std::memory_order_acq_rel) + counted > budget) {
    bytes_.fetch_sub(counted, std::memory_order_acq_rel);
    return false;
  }
  for (auto& slot : slots_) {
    std::uint64_t empty = 0;
    if (slot.compare_exchange_strong(empty, packed, std::memory_order_acq_rel)) return true;
  }
  bytes_.fetch_sub(counted, std::memory_order_acq_rel);
  return false;
}

std::uint64_t WarmShelf::take(std::size_t bytes, std::size_t align) noexcept {
  if (bytes < kMinBytes / 4) return 0;  // no kept block may serve it (the 4x rule below)
  for (auto& slot : slots_) {
    std::uint64_t v = slot.load(std::memory_order_acquire);
    if (v == 0) continue;
    std::size_t cap = capacity_of(v);
    if (cap < bytes || cap / 4 > bytes || offset_of(v) % align != 0) continue;
    if (slot.compare_exchange_strong(v, 0, std::memory_order_acq_rel)) {
      bytes_.fetch_sub(cap, std::memory_order_acq_rel);
      return offset_of(v);
    }
  }
  return 0;
}

}  // namespace parlab::shm
