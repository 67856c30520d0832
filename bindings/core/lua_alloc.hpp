#pragma once
// The memory allocator of every parlab Lua state (lua_newstate's lua_Alloc). Ordinary blocks come from
// malloc, whose freed memory stays warm in the process and is handed to the next state (a new thread's
// state starts on pages the last one used instead of faulting fresh ones in, as LuaJIT's own allocator
// does for each state). Big blocks (kBigBlock bytes and more: a message string, a long table's array, a
// string buffer) get their own 2 MiB-aligned anonymous mappings that ask for transparent huge pages, and a
// freed one is kept for the next big block of this thread (a few, bounded by kCacheBytes): a fresh 4 KiB
// page costs ~11 us to fault in on a VM (about 45 ms for a 16 MiB string), a huge page a 512th of the
// faults, a reused one none.
#include <cstddef>

namespace parlab::lua {

constexpr std::size_t kBigBlock = std::size_t(1) << 20;
constexpr std::size_t kCacheBytes = std::size_t(256) << 20;  // per thread, at most (and an eighth of RAM)

// lua_Alloc: ud unused. osize must be the block's size when ptr is not null (the Lua contract).
void* state_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize);

// Mappings this thread keeps for reuse, and their bytes (for tests).
std::size_t big_cache_count();
std::size_t big_cache_bytes();

}  // namespace parlab::lua
