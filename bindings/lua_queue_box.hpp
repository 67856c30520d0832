#pragma once
// The userdata behind a Lua Queue or Connection: one reference to the shared object plus the process
// that owns that reference. A forked child inherits the parent's userdata without a reference of its
// own; on its first use there the box adopts (takes its own reference, and for a connection registers
// the child as a holder of its end), and its __gc in a child that never used it leaves the parent's
// reference alone.
#include <lua.hpp>

#include <cmath>
#include <cstdint>
#include <new>

#include "bindings/errors.hpp"
#include "engine/pipe_holders.hpp"
#include "engine/shared_object.hpp"

namespace parlab::lua::queue_box {

// Timeout argument: nil, -1 or math.huge = forever, else a non-negative number of seconds.
inline double opt_timeout(lua_State* L, int idx, const char* method) {
  if (lua_isnoneornil(L, idx)) return -1;
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: timeout must be a number of seconds, got %s", method, luaL_typename(L, idx));
  double t = lua_tonumber(L, idx);
  if (t == -1 || t == HUGE_VAL) return -1;
  if (!(t >= 0)) fail("%s: timeout must be a non-negative number, got %g", method, t);
  return t;
}

// Python's (block=True, timeout=None) pair; a number in the block position is taken as the timeout.
inline void block_and_timeout(lua_State* L, int idx, const char* method, bool& block, double& timeout) {
  block = true;
  timeout = -1;
  if (lua_type(L, idx) == LUA_TNUMBER) {
    timeout = opt_timeout(L, idx, method);
    return;
  }
  if (!lua_isnoneornil(L, idx)) {
    if (!lua_isboolean(L, idx)) fail("%s: block must be a boolean, got %s", method, luaL_typename(L, idx));
    block = lua_toboolean(L, idx);
  }
  timeout = opt_timeout(L, idx + 1, method);
}

// A userdata's box, when it is one of type Box (checked by size and a per-type magic number).
template <class Box>
Box* test_box(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TUSERDATA || lua_objlen(L, idx) != sizeof(Box)) return nullptr;
  auto* b = static_cast<Box*>(lua_touserdata(L, idx));
  return b->magic == Box::kMagic ? b : nullptr;
}

// The process-local pid; cheap (cached, refreshed after fork).
inline std::int32_t my_pid() { return queue::this_process().pid; }

// Gives the box its own reference in this process (after fork); returns true when it had to.
template <class T>
bool adopt(shm::Ref<T>& ref, std::int32_t& owner) {
  std::int32_t me = my_pid();
  if (owner == me) return false;
  auto mine = shm::Ref<T>::attach(ref.offset());
  new (&ref) shm::Ref<T>(std::move(mine));  // the inherited Ref belongs to the parent: not released
  owner = me;
  return true;
}

}  // namespace parlab::lua::queue_box
