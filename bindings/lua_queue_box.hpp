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
#include "bindings/timeout_args.hpp"
#include "engine/pipe_holders.hpp"
#include "engine/shared_object.hpp"

namespace parlab::lua::queue_box {

using parlab::lua::block_and_timeout;
using parlab::lua::opt_timeout;

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
