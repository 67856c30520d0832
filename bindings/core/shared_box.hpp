#pragma once
// The userdata behind every Lua face of a shared-arena object (Queue, Connection, Lock, Event, Value, ...):
// one reference to the object (shm::Ref) plus the process that took it. A forked child inherits its
// parent's userdata but no reference of its own. On its first use there the box adopts (takes its own
// reference); its __gc in a process that never adopted leaves the parent's reference alone, so a child
// that collects what it inherited cannot free an object its parent still uses.
#include <lua.hpp>

#include <cstdint>
#include <new>

#include "bindings/core/module.hpp"
#include "engine/arena/shared_object.hpp"
#include "engine/core/self.hpp"

namespace parlab::lua::shared_box {

// The process-local pid; cheap (cached, forgotten after fork).
inline std::int32_t my_pid() { return std::int32_t(self::pid()); }

// A box of object type T. Magic tells box kinds apart (test_box); a binding that needs more per-userdata
// state derives from it and adds fields with default initialisers.
template <class T, std::uint64_t Magic>
struct Box {
  static constexpr std::uint64_t kMagic = Magic;
  std::uint64_t magic = 0;
  shm::Ref<T> ref;
  std::int32_t owner = 0;  // the process whose reference ref is

  // Gives the box its own reference in this process (first use after fork); true when it had to.
  bool adopt() {
    std::int32_t me = my_pid();
    if (owner == me || !ref) return false;
    auto mine = shm::Ref<T>::attach(ref.offset());
    new (&ref) shm::Ref<T>(std::move(mine));  // the inherited Ref is the parent's: overwritten, not released
    owner = me;
    return true;
  }

  // For __gc: drops the reference if this process took it, and marks the box dead either way.
  void release() {
    if (owner == my_pid())
      ref.reset();
    else
      new (&ref) shm::Ref<T>();  // inherited and never adopted: the reference is the parent's
    magic = 0;
  }
};

// A userdata's box, when it is one of type B (checked by size and magic, so other userdata are never read).
template <class B>
B* test_box(lua_State* L, int idx) {
  if (lua_type(L, idx) != LUA_TUSERDATA || lua_objlen(L, idx) != sizeof(B)) return nullptr;
  auto* b = static_cast<B*>(lua_touserdata(L, idx));
  return b->magic == B::kMagic ? b : nullptr;
}

// Pushes a new box of type B holding ref, owned by this process, with the metatable registered as mt.
// Returns it so that the caller can fill in its own fields.
template <class B, class T>
B& push_box(lua_State* L, shm::Ref<T> ref, const char* mt) {
  auto* b = new (lua_newuserdata(L, sizeof(B))) B{};
  b->magic = B::kMagic;
  b->ref = std::move(ref);
  b->owner = my_pid();
  set_type(L, mt);
  return *b;
}

// __gc of a box type with no state of its own to tear down.
template <class B>
int gc(lua_State* L) {
  if (B* b = test_box<B>(L, 1)) b->release();
  return 0;
}

// __eq: two boxes of type B are equal when they name the same shared object.
template <class B>
int same_object(lua_State* L) {
  B* a = test_box<B>(L, 1);
  B* b = test_box<B>(L, 2);
  lua_pushboolean(L, a && b && a->ref.get() == b->ref.get());
  return 1;
}

}  // namespace parlab::lua::shared_box
