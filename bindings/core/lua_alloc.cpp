// parlab's lua_Alloc (see lua_alloc.hpp): malloc for ordinary blocks, reusable huge-page mappings for big
// ones. A block is big exactly while its size is kBigBlock or more: a reallocation that crosses the line
// moves the block, so the size Lua passes back (osize) always says where a block lives.
#include "bindings/core/lua_alloc.hpp"

#include <pthread.h>
#include <sched.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <lua.hpp>

#include "engine/core/after_fork.hpp"

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

// LuaJIT's own lua_Alloc (a static function of the library), taken from the first luaL_newstate.
std::atomic<lua_Alloc> luajit{nullptr};
void* luajit_alloc(void* msp, void* ptr, std::size_t osize, std::size_t nsize) {
  return luajit.load(std::memory_order_relaxed)(msp, ptr, osize, nsize);
}

int panic(lua_State* L) {  // what luaL_newstate installs
  std::fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n", lua_tostring(L, -1));
  return 0;
}

// Gives an mspace back to the system: a state made on LuaJIT's allocator itself destroys its mspace
// when it closes.
void destroy_space(void* msp) {
  if (lua_State* L = lua_newstate(luajit.load(), msp)) lua_close(L);
}

// Emptied mspaces of closed states, for the next new ones; shared by the threads of this process. The
// lock is a flag that a forked child clears (a fork may catch another thread holding it).
std::atomic<bool> spaces_busy{false};
PARLAB_AFTER_FORK void free_spaces_lock() { spaces_busy.store(false); }
class Spaces {
 public:
  void* take() {
    lock();
    void* msp = count_ > 0 ? slot_[--count_] : nullptr;
    unlock();
    return msp;
  }
  bool give(void* msp) {
    lock();
    bool kept = count_ < kSpaces;
    if (kept) slot_[count_++] = msp;
    unlock();
    return kept;
  }

 private:
  static constexpr int kSpaces = 4;
  void lock() {
    static const int registered = pthread_atfork(nullptr, nullptr, free_spaces_lock);
    (void)registered;
    while (spaces_busy.exchange(true, std::memory_order_acquire)) sched_yield();
  }
  void unlock() { spaces_busy.store(false, std::memory_order_release); }

  void* slot_[kSpaces] = {};
  int count_ = 0;
} spaces;

// A forked child's first small blocks, packed into one run of pages. The state it inherits has its free
// chunks scattered over the heap, so each new block would land on another page that the child must copy
// (a copy-on-write fault each: 10-30 us on a VM, and a Process start makes ~20 such blocks). Untouched
// .bss, never used before a fork, so the pages are fresh in every child; a child that forks again hands
// on what is left. Blocks freed here are dropped, not reused: a long-lived child wastes at most this much.
constexpr std::size_t kNurseryBytes = std::size_t(64) << 10;
alignas(4096) char nursery[kNurseryBytes];
std::size_t nursery_used = 0;

bool in_nursery(const void* p) {
  auto c = static_cast<const char*>(p);
  return c >= nursery && c < nursery + kNurseryBytes;
}

void* nursery_take(std::size_t n) {
  n = round_up(n, 16);  // the alignment LuaJIT's allocator gives
  if (n > kNurseryBytes - nursery_used) return nullptr;
  void* p = nursery + nursery_used;
  nursery_used += n;
  return p;
}

// A new block of n bytes: from the nursery while a small one fits there, else as state_alloc makes it.
void* child_block(void* msp, std::size_t n) {
  if (n < kBigBlock)
    if (void* p = nursery_take(n)) return p;
  return state_alloc(msp, nullptr, 0, n);
}

// lua_Alloc of a forked child's inherited state: new blocks from child_block, a nursery block that
// grows moved there, everything else as state_alloc.
void* child_alloc(void* msp, void* ptr, std::size_t osize, std::size_t nsize) {
  if (!ptr) return child_block(msp, nsize);
  if (!in_nursery(ptr)) return state_alloc(msp, ptr, osize, nsize);
  if (nsize <= osize) return nsize == 0 ? nullptr : ptr;  // freed (dropped) or shrunk in place
  void* moved = child_block(msp, nsize);
  if (moved) std::memcpy(moved, ptr, osize);
  return moved;
}

}  // namespace

void* state_alloc(void* msp, void* ptr, std::size_t osize, std::size_t nsize) {
  const bool was_big = ptr && osize >= kBigBlock;
  if (nsize == 0) {
    if (was_big)
      big_free(ptr);
    else
      luajit_alloc(msp, ptr, osize, 0);
    return nullptr;
  }
  if (!was_big && nsize < kBigBlock) return luajit_alloc(msp, ptr, osize, nsize);
  if (was_big && nsize >= kBigBlock && nsize + kHeader <= length_of(base_of(ptr))) return ptr;
  void* moved = nsize >= kBigBlock ? big_alloc(nsize) : luajit_alloc(msp, nullptr, 0, nsize);
  if (!moved) return nullptr;  // LuaJIT raises a memory error, even for a shrink
  if (ptr) {
    std::memcpy(moved, ptr, std::min(osize, nsize));
    if (was_big)
      big_free(ptr);
    else
      luajit_alloc(msp, ptr, osize, 0);
  }
  return moved;
}

lua_State* open_lua_state() {
  if (void* msp = spaces.take()) {
    lua_State* L = lua_newstate(state_alloc, msp);
    if (L) {
      lua_atpanic(L, panic);
      return L;
    }
    destroy_space(msp);
  }
  lua_State* L = luaL_newstate();  // a fresh mspace, and LuaJIT's allocator to find
  if (!L) return nullptr;
  void* msp = nullptr;
  luajit.store(lua_getallocf(L, &msp));
  lua_setallocf(L, state_alloc, msp);
  return L;
}

void close_lua_state(lua_State* L) {
  void* msp = nullptr;
  lua_Alloc f = lua_getallocf(L, &msp);
  lua_close(L);  // on state_alloc: every block goes back, the mspace stays
  if ((f == state_alloc || f == child_alloc) && !spaces.give(msp)) destroy_space(msp);
}

void pack_child_allocations(lua_State* L) {
  void* msp = nullptr;
  if (lua_getallocf(L, &msp) == state_alloc) lua_setallocf(L, child_alloc, msp);
}

std::size_t big_cache_count() { return std::size_t(cache.count); }
std::size_t big_cache_bytes() { return cache.bytes; }

}  // namespace parlab::lua
