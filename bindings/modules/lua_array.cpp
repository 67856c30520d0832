// The native half of parlab.array: the C entry points bindings/modules/array.lua reaches through the FFI
// (extern "C", exported from the executable), the boxed accessors a:get(i)/a:set(i, v) through the
// Lua C API (one C call per element, like NumPy's boxing), and the registry of live array cdata that
// lets C API functions accept an array argument without trusting an arbitrary cdata.
#include "bindings/modules/lua_array.hpp"

#include <cmath>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include <unistd.h>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "engine/core/error.hpp"
#include "engine/core/gil.hpp"
#include "engine/kernels/dispatch.hpp"

namespace {

thread_local std::string last_error;

// The heap view behind a Lua array, with the process that made it: a fork child inherits the parent's
// views, and the reference each holds is the parent's, not the child's to drop.
struct OwnedView {
  pid_t pid;
  parlab::Array view;
};

// Fills out (a cdata struct owned by Lua) with a new heap view; out->owner releases it.
void describe(parlab_array* out, parlab::Array a) {
  auto* owner = new OwnedView{getpid(), std::move(a)};
  const parlab::ArraySpan& s = owner->view.span();
  *out = {s.data, double(s.n), s.n, s.rows, s.cols, std::int32_t(s.type), std::int32_t(s.ndim), owner};
}

// Runs make() into out and returns 0, or -1 with parlab_array_error() set: no exception may cross an
// FFI call.
template <class F>
int guarded(parlab_array* out, F make) {
  try {
    describe(out, make());
    return 0;
  } catch (const std::exception& e) {
    last_error = e.what();
    return -1;
  }
}

const parlab::Array& array_of(const parlab_array* d) { return static_cast<const OwnedView*>(d->owner)->view; }

}  // namespace

extern "C" {

#define PARLAB_EXPORT __attribute__((visibility("default")))

PARLAB_EXPORT const char* parlab_array_error(void) { return last_error.c_str(); }

PARLAB_EXPORT int parlab_array_new(parlab_array* out, std::int32_t dtype, std::int64_t rows,
                                   std::int64_t cols, std::int32_t ndim) {
  parlab::gil::Release unlocked;  // zero-filling a large array takes a while: other threads may run
  return guarded(out, [&] {
    if (!parlab::dtype_valid(dtype)) throw parlab::Error("array: unknown element type code");
    auto t = parlab::DType(dtype);
    return ndim == 2 ? parlab::Array::create(t, rows, cols) : parlab::Array::create(t, rows);
  });
}

PARLAB_EXPORT int parlab_array_slice(parlab_array* out, const parlab_array* a, std::int64_t i,
                                     std::int64_t j) {
  return guarded(out, [&] { return array_of(a).slice(i, j); });
}

PARLAB_EXPORT int parlab_array_row(parlab_array* out, const parlab_array* a, std::int64_t i) {
  return guarded(out, [&] { return array_of(a).row(i); });
}

PARLAB_EXPORT int parlab_array_reshape(parlab_array* out, const parlab_array* a, std::int64_t rows,
                                       std::int64_t cols) {
  return guarded(out, [&] { return array_of(a).reshape(rows, cols); });
}

PARLAB_EXPORT void parlab_array_handle_of(const parlab_array* a, parlab_array_handle* out) {
  const parlab::Array& v = array_of(a);
  const parlab::ArraySpan& s = v.span();
  *out = {v.storage_offset(),   v.storage_serial(),  v.offset(), s.rows, s.cols,
          std::int32_t(s.type), std::int32_t(s.ndim)};
}

PARLAB_EXPORT int parlab_array_attach(parlab_array* out, const parlab_array_handle* h) {
  return guarded(out, [&] {
    if (!parlab::dtype_valid(h->dtype)) throw parlab::Error("array handle: unknown element type code");
    return parlab::Array::attach(h->storage, h->serial, parlab::DType(h->dtype), h->offset, h->rows, h->cols,
                                 h->ndim);
  });
}

// References to the storage (all views in all processes): for tests of sharing and release.
PARLAB_EXPORT std::int64_t parlab_array_refs(const parlab_array* a) { return array_of(a).storage_refs(); }

// The finalizer of each Lua array (ffi.gc): drops its view, and with the last view the storage. In a fork
// child, an inherited view's reference stays the parent's (as Python's Finalize ignores another process's
// finalizers): its few bytes of heap are the child's copy and go with the child.
PARLAB_EXPORT void parlab_array_free(parlab_array* a) {
  auto* owned = static_cast<OwnedView*>(a->owner);
  if (owned && owned->pid == getpid()) delete owned;
  a->owner = nullptr;
  a->data = nullptr;
  a->len = 0;
}

}  // extern "C"

namespace parlab::lua {
namespace {

constexpr int kTypeCdata = 10;  // LuaJIT's lua_type for cdata (not in lua.h)
char kLiveKey, kMakeKey;

const char* kind_of(lua_State* L, int idx) {
  return lua_type(L, idx) == kTypeCdata ? "a cdata of another type" : luaL_typename(L, idx);
}

// The array's element i, as a Lua number: the boxed path.
int l_get(lua_State* L) {
  const Array& a = check_array(L, 1, "array.get", "self");
  double i = luaL_checknumber(L, 2);
  if (!(i >= 0 && i < double(a.size()) && i == std::floor(i)))
    fail("array.get: index %.17g out of range for length %lld", i, static_cast<long long>(a.size()));
  const ArraySpan& s = a.span();
  auto k = std::int64_t(i);
  double v = kernels::dispatch(s.type, [&](auto t) { return double(kernels::data_as<decltype(t)>(s)[k]); });
  lua_pushnumber(L, v);
  return 1;
}

int l_set(lua_State* L) {
  const Array& a = check_array(L, 1, "array.set", "self");
  double i = luaL_checknumber(L, 2);
  double v = luaL_checknumber(L, 3);
  if (!(i >= 0 && i < double(a.size()) && i == std::floor(i)))
    fail("array.set: index %.17g out of range for length %lld", i, static_cast<long long>(a.size()));
  const ArraySpan& s = a.span();
  auto k = std::int64_t(i);
  kernels::dispatch(s.type, [&](auto t) {
    using T = decltype(t);
    kernels::data_as<T>(s)[k] = kernels::convert_scalar<T>(v, "array.set", "value");
  });
  return 0;
}

// internal.array.setup(make): stores the constructor C code uses and returns the (weak-keyed) table
// of live arrays that bindings/modules/array.lua fills as it makes each one.
int l_setup(lua_State* L) {
  luaL_checktype(L, 1, LUA_TFUNCTION);
  lua_pushlightuserdata(L, &kMakeKey);
  lua_pushvalue(L, 1);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L, &kLiveKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  return 1;
}

const Function functions[] = {{"get", l_get}, {"set", l_set}, {"setup", l_setup}, {nullptr, nullptr}};

void open_array(lua_State* L) {
  lua_pushlightuserdata(L, &kLiveKey);
  lua_newtable(L);
  lua_createtable(L, 0, 1);
  lua_pushstring(L, "k");
  lua_setfield(L, -2, "__mode");
  lua_setmetatable(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 3);
  set_functions(L, functions);
  set_internal(L, "array");  // taken (and removed) by bindings/modules/array.lua
}

}  // namespace

bool is_array(lua_State* L, int idx) {
  if (lua_type(L, idx) != kTypeCdata) return false;
  idx = idx < 0 && idx > LUA_REGISTRYINDEX ? lua_gettop(L) + idx + 1 : idx;
  lua_pushlightuserdata(L, &kLiveKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  lua_pushvalue(L, idx);
  lua_rawget(L, -2);
  bool live = lua_toboolean(L, -1);
  lua_pop(L, 2);
  return live;
}

const Array& check_array(lua_State* L, int idx, const char* who, const char* what) {
  if (!is_array(L, idx)) fail("%s: %s must be a parlab array, got %s", who, what, kind_of(L, idx));
  // The cdata's payload is the descriptor itself (lua_topointer gives the payload's address).
  auto* d = static_cast<const parlab_array*>(lua_topointer(L, idx));
  if (!d->owner) fail("%s: %s is an array that was already freed", who, what);
  return array_of(d);
}

void push_new_array(lua_State* L, DType t, std::int64_t rows, std::int64_t cols, int ndim) {
  lua_pushlightuserdata(L, &kMakeKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (!lua_isfunction(L, -1)) fail("array: bindings/modules/array.lua has not run in this state");
  lua_pushstring(L, dtype_name(t));
  lua_pushnumber(L, double(rows));
  lua_pushnumber(L, double(cols));
  lua_pushinteger(L, ndim);
  lua_call(L, 4, 1);
}

}  // namespace parlab::lua

PARLAB_MODULE(array, parlab::lua::open_array);
