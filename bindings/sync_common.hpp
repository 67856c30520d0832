#pragma once
// Shared-object userdata for the sync and value bindings: a userdata holds one shm::Ref<T> (one
// reference to the object in the arena), released by __gc; handles travel as the object's arena offset.
#include <lua.hpp>

#include <cstdlib>
#include <new>
#include <string>

#include "bindings/errors.hpp"
#include "bindings/module.hpp"
#include "bindings/timeout_args.hpp"
#include "engine/shared_object.hpp"

namespace parlab::lua::sync_detail {

template <class T>
struct Box {
  shm::Ref<T> ref;
};

// Pushes a new userdata holding ref, with the metatable registered under mt.
template <class T>
void push_ref(lua_State* L, shm::Ref<T> ref, const char* mt) {
  void* mem = lua_newuserdata(L, sizeof(Box<T>));
  new (mem) Box<T>{std::move(ref)};
  luaL_getmetatable(L, mt);
  lua_setmetatable(L, -2);
}

// The object behind argument idx, or an error that names the method and how to call it.
template <class T>
T& check(lua_State* L, int idx, const char* mt, const char* method) {
  void* p = lua_touserdata(L, idx);
  if (p && lua_getmetatable(L, idx)) {
    luaL_getmetatable(L, mt);
    bool same = lua_rawequal(L, -1, -2);
    lua_pop(L, 2);
    auto* box = static_cast<Box<T>*>(p);
    if (same && box->ref) return *box->ref;
  }
  fail("%s: expected a %s as self, got %s (call it with ':')", method, mt + 7, luaL_typename(L, idx));
}

template <class T>
shm::Ref<T>& ref_of(lua_State* L, int idx, const char* mt, const char* method) {
  check<T>(L, idx, mt, method);
  return static_cast<Box<T>*>(lua_touserdata(L, idx))->ref;
}

template <class T>
int gc(lua_State* L) {
  auto* box = static_cast<Box<T>*>(lua_touserdata(L, 1));
  if (box) box->ref.~Ref<T>();
  return 0;
}

using parlab::lua::opt_timeout;

// acquire([block [, timeout]]) or acquire(timeout): Python's blocking/timeout pair; as in Python, a
// timeout with block = false is an error for locks and semaphores (queues ignore it).
inline void acquire_block_and_timeout(lua_State* L, int idx, const char* method, bool& block, double& timeout) {
  parlab::lua::block_and_timeout(L, idx, method, block, timeout);
  if (!block && timeout >= 0) fail("%s: can't specify a timeout for a non-blocking call", method);
}

// The handle payload (decimal offset) and back.
template <class T>
void push_offset(lua_State* L, const shm::Ref<T>& ref) {
  lua_pushstring(L, std::to_string(ref.offset()).c_str());
}
inline shm::Offset parse_offset(lua_State* L, int idx, const char* what) {
  const char* s = luaL_checkstring(L, idx);
  char* end = nullptr;
  unsigned long long v = std::strtoull(s, &end, 10);
  if (!*s || *end) fail("%s: malformed handle", what);
  return v;
}

inline void new_metatable(lua_State* L, const char* name, lua_CFunction gc_fn) {
  luaL_newmetatable(L, name);
  lua_pushcfunction(L, gc_fn);
  lua_setfield(L, -2, "__gc");
  lua_pushstring(L, name + 7);  // "parlab.Lock" -> "Lock"
  lua_setfield(L, -2, "__name");
}

// __eq: two userdata are equal when they name the same shared object.
inline int same_object(lua_State* L) {
  void* a = lua_touserdata(L, 1);
  void* b = lua_touserdata(L, 2);
  lua_pushboolean(L, a && b && static_cast<Box<shm::Header>*>(a)->ref.get() == static_cast<Box<shm::Header>*>(b)->ref.get());
  return 1;
}

// Creates metatable `name` with __gc, __eq, __tostring and __index = a new methods table, and stores the
// methods table as methods[short name] in the table at -1 (for the Lua side to extend).
template <class T>
void make_type(lua_State* L, const char* name, const Function* methods, int (*tostring_fn)(lua_State*)) {
  new_metatable(L, name, gc<T>);
  lua_pushcfunction(L, same_object);
  lua_setfield(L, -2, "__eq");
  push_function(L, tostring_fn);
  lua_setfield(L, -2, "__tostring");
  lua_newtable(L);
  set_functions(L, methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "__index");
  lua_getfield(L, -3, "methods");
  lua_pushvalue(L, -2);
  lua_setfield(L, -2, name + 7);
  lua_pop(L, 3);
}

}  // namespace parlab::lua::sync_detail
