#pragma once
// The memory allocator of every parlab Lua state (lua_newstate's lua_Alloc). Ordinary blocks come from
// LuaJIT's own allocator, one memory space (mspace) per state as luaL_newstate makes them; a closed
// state's space, emptied, goes to the next new state (a few are kept), so a new thread's state starts on
// warm pages instead of faulting fresh ones in. Big blocks (kBigBlock bytes and more: a message string, a
// long table's array, a string buffer) get their own 2 MiB-aligned anonymous mappings that ask for
// transparent huge pages, and a freed one is kept for the next big block of this thread (a few, bounded
// by kCacheBytes): a fresh 4 KiB page costs ~11 us to fault in on a VM (about 45 ms for a 16 MiB
// string), a huge page a 512th of the faults, a reused one none.
#include <lua.hpp>

#include <cstddef>

namespace parlab::lua {

constexpr std::size_t kBigBlock = std::size_t(1) << 20;
constexpr std::size_t kCacheBytes = std::size_t(256) << 20;  // per thread, at most (and an eighth of RAM)

// A new state on state_alloc (nullptr when out of memory), and its end: close_lua_state keeps the
// state's emptied mspace for the next one. A state from open_lua_state must end in close_lua_state
// (lua_close alone would leak its mspace); one on any other allocator is just closed.
lua_State* open_lua_state();
void close_lua_state(lua_State* L);

// lua_Alloc: ud is the state's mspace. osize must be the block's size when ptr is not null (the Lua
// contract). Call only on states from open_lua_state (ordinary blocks go to LuaJIT's allocator).
void* state_alloc(void* ud, void* ptr, std::size_t osize, std::size_t nsize);

// In a forked child, on the state it inherited (from open_lua_state): its next small blocks are packed
// together instead of landing on as many inherited pages, each a copy-on-write fault.
void pack_child_allocations(lua_State* L);

// Mappings this thread keeps for reuse, and their bytes (for tests).
std::size_t big_cache_count();
std::size_t big_cache_bytes();

}  // namespace parlab::lua
