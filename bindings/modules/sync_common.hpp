#pragma once
// Helpers for the sync and value bindings (Lock, RLock, Semaphore, Event, Condition, Barrier, Value, Array,
// ShareableList). Each userdata is a shared_box::Box (bindings/core/shared_box.hpp): one reference to the
// object in the arena, taken afresh on first use in a forked child, released by __gc only in the process that
// took it. Their type is told by metatable; handles travel as the object's arena offset.
#include <lua.hpp>

#include <cstdlib>
#include <string>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/shared_box.hpp"
#include "bindings/core/timeout_args.hpp"
#include "engine/arena/shared_object.hpp"

namespace parlab::lua::sync_detail {

// One magic for every sync and value kind: _sync.handle and _sync.refs take any of them.
constexpr std::uint64_t kSyncMagic = 0x7061726c61625359ull;  // "parlabSY"
template <class T>
using Box = shared_box::Box<T, kSyncMagic>;

// Pushes a new userdata holding ref, with the metatable registered under mt.
template <class T>
void push_ref(lua_State* L, shm::Ref<T> ref, const char* mt) {
  shared_box::push_box<Box<T>>(L, std::move(ref), mt);
}

// Whether a box holds a live T: the magic says it is a sync box, the shared object's kind (unique per
// type) which T. No registry look-up, whose string hashing (luaL_getmetatable, twice for a Lock or an
// RLock) cost several times the uncontended lock operation itself. Types that share a T (Lock and RLock,
// Semaphore and BoundedSemaphore) are accepted by the same methods. live_box: the box at idx when it does
// (test_box first checks that the userdata is a box's size); the FFI's Lock path gets the box itself.
template <class T>
bool holds_live(const Box<T>* box) {
  return box && box->magic == kSyncMagic && box->ref && box->ref->kind == T::kKind;
}
template <class T>
Box<T>* live_box(lua_State* L, int idx) {
  Box<T>* box = shared_box::test_box<Box<T>>(L, idx);
  return holds_live(box) ? box : nullptr;
}

// The box behind argument idx, adopted in this process, or an error that names the method, the type
// expected (mt, "parlab.NAME") and how to call it.
template <class T>
Box<T>& check_box(lua_State* L, int idx, const char* mt, const char* method) {
  Box<T>* box = live_box<T>(L, idx);
  if (!box)
    fail("%s: expected a %s as self, got %s (call it with ':')", method, mt + 7, luaL_typename(L, idx));
  box->adopt();
  return *box;
}

template <class T>
T& check(lua_State* L, int idx, const char* mt, const char* method) {
  return *check_box<T>(L, idx, mt, method).ref;
}

template <class T>
shm::Ref<T>& ref_of(lua_State* L, int idx, const char* mt, const char* method) {
  return check_box<T>(L, idx, mt, method).ref;
}

// The header of any sync or value object at idx (every Box<T> has Box<Header>'s layout: Ref<T> is one
// T*, and T derives from Header alone); nullptr for anything else or a collected box.
inline shm::Header* header_of(lua_State* L, int idx) {
  Box<shm::Header>* box = shared_box::test_box<Box<shm::Header>>(L, idx);
  return box ? box->ref.get() : nullptr;
}

using parlab::lua::opt_timeout;

// acquire([block [, timeout]]) or acquire(timeout): Python's blocking/timeout pair, read as
// multiprocessing.synchronize reads it: with block = false the timeout is ignored and acquire returns false
// at once when the object is taken (threading would raise "can't specify a timeout for a non-blocking
// call"; docs/sync.md).
inline void acquire_block_and_timeout(lua_State* L, int idx, const char* method, bool& block,
                                      double& timeout) {
  parlab::lua::block_and_timeout(L, idx, method, block, timeout);
  if (!block) timeout = 0;
}

// The handle payload, "offset:serial" in decimal (shm::Header), and back.
inline void push_handle(lua_State* L, const shm::Header* h) {
  lua_pushfstring(L, "%s:%s", std::to_string(shm::offset_of(h)).c_str(), std::to_string(h->serial).c_str());
}
struct Handle {
  shm::Offset offset;
  std::uint64_t serial;
};
inline Handle parse_handle(lua_State* L, int idx, const char* what) {
  const char* s = luaL_checkstring(L, idx);
  char* end = nullptr;
  Handle h{std::strtoull(s, &end, 10), 0};
  if (end == s || *end != ':') fail("%s: malformed handle", what);
  const char* rest = end + 1;
  h.serial = std::strtoull(rest, &end, 10);
  if (end == rest || *end) fail("%s: malformed handle", what);
  return h;
}
// The live T a handle names, refused when it is stale (shm::Ref::attach).
template <class T>
shm::Ref<T> attach_handle(lua_State* L, int idx, const char* what) {
  Handle h = parse_handle(L, idx, what);
  return shm::Ref<T>::attach(h.offset, h.serial);
}

// A sync or value type beyond what every box type has (__gc, and __eq: the same shared object). The last
// three are for Value, Array and ShareableList: TypeSpec::properties, __newindex and __len.
struct SyncType {
  const char* name;  // "parlab.Lock"
  const Function* methods;
  int (*tostring)(lua_State*);
  int (*properties)(lua_State*) = nullptr;
  int (*newindex)(lua_State*) = nullptr;
  int (*len)(lua_State*) = nullptr;
};

// Registers the type (register_type) and stores its methods table as methods[short name] in the table at
// -1, for the Lua side to extend.
template <class T>
void make_type(lua_State* L, const SyncType& s) {
  const Function meta[] = {{"__gc", shared_box::gc<Box<T>>},
                           {"__eq", shared_box::same_object<Box<shm::Header>>},
                           {"__tostring", s.tostring},
                           {"__newindex", s.newindex},
                           {"__len", s.len},
                           {nullptr, nullptr}};
  register_type(L, {s.name, s.methods, meta, s.properties});
  luaL_getmetatable(L, s.name);
  lua_getfield(L, -1, "methods");
  lua_getfield(L, -3, "methods");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, s.name + 7);  // "parlab.Lock" -> "Lock"
  lua_pop(L, 3);
}

}  // namespace parlab::lua::sync_detail
