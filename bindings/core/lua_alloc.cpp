// parlab's lua_Alloc (see lua_alloc.hpp): malloc for ordinary blocks, reusable huge-page mappings for big
// ones. A block is big exactly while its size is kBigBlock or more: a reallocation that crosses the line
// moves the block, so the size Lua passes back (osize) always says where a block lives.
#include "bindings/core/lua_alloc.hpp"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>

namespace parlab::lua {
namespace {

constexpr std::size_t kHuge = std::size_t(2) << 20;  // a transparent huge page
constexpr std::size_t kHeader = 64;                  // in front of a big block: its mapping's length
constexpr int kSlots = 4;

std::size_t round_up(std::size_t n, std::size_t to) { return (n + to - 1) / to * to; }
std::size_t& length_of(char* base) { return *reinterpret_cast<std::size_t*>(base); }

std::size_t cache_limit() {
  static const std::size_t limit =
      std::min(kCacheBytes, std::size_t(sysconf(_SC_PHYS_PAGES)) * std::size_t(sysconf(_SC_PAGE_SIZE)) / 8);
  return limit;
}

// A 2 MiB-aligned private mapping of len bytes (a multiple of 2 MiB), or nullptr.
char* map_aligned(std::size_t len) {
  void* p = mmap(nullptr, len + kHuge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return nullptr;
  auto start = reinterpret_cast<std::uintptr_t>(p);
  std::uintptr_t aligned = round_up(start, kHuge);
  if (aligned > start) munmap(p, aligned - start);
  std::uintptr_t end = start + len + kHuge;
  if (end > aligned + len) munmap(reinterpret_cast<void*>(aligned + len), end - aligned - len);
  madvise(reinterpret_cast<void*>(aligned), len, MADV_HUGEPAGE);  // ignored where THP is off
  return reinterpret_cast<char*>(aligned);
}

// Freed big mappings of this thread, oldest first. Unmapped when the thread ends; after that (a state
// closed by a static destructor) a freed mapping is unmapped at once.
struct Cache {
  char* base[kSlots] = {};
  int count = 0;
  std::size_t bytes = 0;
  bool gone = false;

  ~Cache() {
    while (count > 0) evict_oldest();
    gone = true;
  }
  void evict_oldest() {
    char* b = base[0];
    bytes -= length_of(b);
    std::memmove(base, base + 1, sizeof(char*) * std::size_t(--count));
    munmap(b, length_of(b));
  }
  // The smallest mapping that holds len bytes without holding more than 4 times that, or nullptr.
  char* take(std::size_t len) {
    int best = -1;
    for (int i = 0; i < count; ++i) {
      std::size_t l = length_of(base[i]);
      if (l >= len && l / 4 <= len && (best < 0 || l < length_of(base[best]))) best = i;
    }
    if (best < 0) return nullptr;
    char* b = base[best];
    bytes -= length_of(b);
    std::memmove(base + best, base + best + 1, sizeof(char*) * std::size_t(--count - best));
    return b;
  }
  void give(char* b) {
    std::size_t len = length_of(b);
    if (gone || len > cache_limit()) {
      munmap(b, len);
      return;
    }
    while (count > 0 && (count == kSlots || bytes + len > cache_limit())) evict_oldest();
    base[count++] = b;
    bytes += len;
  }
};
thread_local Cache cache;

void* big_alloc(std::size_t n) {
  std::size_t len = round_up(n + kHeader, kHuge);
  char* base = cache.gone ? nullptr : cache.take(len);
  if (!base) base = map_aligned(len);
  if (!base) return nullptr;
  length_of(base) = len;
  return base + kHeader;
}

char* base_of(void* p) { return static_cast<char*>(p) - kHeader; }
void big_free(void* p) { cache.give(base_of(p)); }

}  // namespace

void* state_alloc(void*, void* ptr, std::size_t osize, std::size_t nsize) {
  const bool was_big = ptr && osize >= kBigBlock;
  if (nsize == 0) {
    if (was_big)
      big_free(ptr);
    else
      std::free(ptr);
    return nullptr;
  }
  if (!was_big && nsize < kBigBlock) return std::realloc(ptr, nsize);
  if (was_big && nsize >= kBigBlock && nsize + kHeader <= length_of(base_of(ptr))) return ptr;
  void* moved = nsize >= kBigBlock ? big_alloc(nsize) : std::malloc(nsize);
  if (!moved) return nullptr;  // LuaJIT raises a memory error, even for a shrink
  if (ptr) {
    std::memcpy(moved, ptr, std::min(osize, nsize));
    if (was_big)
      big_free(ptr);
    else
      std::free(ptr);
  }
  return moved;
}

std::size_t big_cache_count() { return std::size_t(cache.count); }
std::size_t big_cache_bytes() { return cache.bytes; }

}  // namespace parlab::lua
