// parlab.gpu: device arrays, transfers to and from parlab arrays, and the matrix product
// (engine/gpu/gpu.hpp).
#include <lua.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/modules/lua_array.hpp"
#include "engine/gpu/gpu.hpp"

namespace parlab::lua {
namespace {

constexpr const char* kArrayMeta = "parlab.gpu.Array";
using BufferRef = std::shared_ptr<gpu::Buffer>;

BufferRef& check_device(lua_State* L, int idx) {
  auto* p = static_cast<BufferRef*>(luaL_checkudata(L, idx, kArrayMeta));
  if (!*p) fail("parlab.gpu: device array was freed");
  return *p;
}

void push_array(lua_State* L, BufferRef b) {
  new (lua_newuserdata(L, sizeof(BufferRef))) BufferRef(std::move(b));
  set_type(L, kArrayMeta);
}

gpu::Elem check_elem(lua_State* L, int idx) {
  const char* t = luaL_optstring(L, idx, "f64");
  if (std::strcmp(t, "f64") == 0) return gpu::Elem::F64;
  if (std::strcmp(t, "f32") == 0) return gpu::Elem::F32;
  fail("parlab.gpu.array: element type must be \"f32\" or \"f64\", not \"%s\"", t);
}

std::int64_t check_size(lua_State* L, int idx, const char* what) {
  double v = luaL_checknumber(L, idx);
  if (!(v >= 0) || v != double(std::int64_t(v))) fail("parlab.gpu: %s must be a non-negative integer", what);
  return std::int64_t(v);
}

// array(type, n | {rows, cols})
int l_array(lua_State* L) {
  gpu::Elem e = check_elem(L, 1);
  std::int64_t rows, cols = 0;
  if (lua_istable(L, 2)) {
    lua_rawgeti(L, 2, 1);
    lua_rawgeti(L, 2, 2);
    rows = check_size(L, -2, "rows");
    cols = check_size(L, -1, "cols");
    if (cols == 0) fail("parlab.gpu.array: a matrix needs at least one column");
  } else {
    rows = check_size(L, 2, "length");
  }
  push_array(L, gpu::alloc(e, rows, cols));
  return 1;
}

gpu::Elem host_elem(const Array& a, const char* who) {
  if (a.type() == DType::F64) return gpu::Elem::F64;
  if (a.type() == DType::F32) return gpu::Elem::F32;
  fail("parlab.gpu.%s: the device holds f32 or f64 arrays, not %s", who, dtype_name(a.type()));
}

// from_host(a): a new device array with a's shape and a copy of its elements.
int l_from_host(lua_State* L) {
  const Array& a = check_array(L, 1, "from_host", "argument 1");
  const ArraySpan& s = a.span();
  auto b = gpu::alloc(host_elem(a, "from_host"), s.ndim == 2 ? s.rows : s.n, s.ndim == 2 ? s.cols : 0);
  gpu::upload(*b, s.data);
  push_array(L, std::move(b));
  return 1;
}

// d:to_host([a]): copies into a (same type and element count) or into a new array of d's shape.
int l_to_host(lua_State* L) {
  BufferRef& b = check_device(L, 1);
  lua_settop(L, 2);
  if (lua_isnil(L, 2)) {
    DType t = b->elem() == gpu::Elem::F64 ? DType::F64 : DType::F32;
    push_new_array(L, t, b->rows(), b->cols(), b->cols() ? 2 : 1);
    lua_replace(L, 2);
  }
  const Array& a = check_array(L, 2, "to_host", "argument 1");
  if (host_elem(a, "to_host") != b->elem() || a.size() != b->count())
    fail("parlab.gpu.to_host: host array (%s, %lld elements) does not match the device array (%s, %lld)",
         dtype_name(a.type()), (long long)a.size(), b->elem() == gpu::Elem::F64 ? "f64" : "f32",
         (long long)b->count());
  gpu::download(*b, a.span().data);
  lua_settop(L, 2);
  return 1;
}

int l_matmul(lua_State* L) {
  BufferRef &a = check_device(L, 1), &b = check_device(L, 2);
  lua_settop(L, 3);
  if (lua_isnil(L, 3)) {
    push_array(L, gpu::alloc(a->elem(), a->rows(), b->cols() ? b->cols() : 1));
    lua_replace(L, 3);
  }
  gpu::matmul(*a, *b, *check_device(L, 3));
  lua_settop(L, 3);
  return 1;
}

int l_synchronize(lua_State*) {
  gpu::synchronize();
  return 0;
}

int l_reset(lua_State*) {
  gpu::reset();
  return 0;
}

int l_status(lua_State* L) {
  gpu::Status s = gpu::status();
  lua_pushboolean(L, s.available);
  if (!s.available) {
    lua_pushstring(L, s.reason.c_str());
    return 2;
  }
  lua_createtable(L, 0, 5);
  lua_pushstring(L, s.device.backend.c_str());
  lua_setfield(L, -2, "backend");
  lua_pushstring(L, s.device.name.c_str());
  lua_setfield(L, -2, "name");
  lua_pushstring(L, s.device.kind.c_str());
  lua_setfield(L, -2, "kind");
  lua_pushnumber(L, double(s.device.memory));
  lua_setfield(L, -2, "memory");
  lua_pushboolean(L, s.device.emulation);
  lua_setfield(L, -2, "emulation");
  return 2;
}

// Fields of a device array: shape, type, bytes (TypeSpec::properties; #d is __len).
int l_index(lua_State* L) {
  BufferRef& b = check_device(L, 1);
  const char* k = luaL_checkstring(L, 2);
  if (std::strcmp(k, "type") == 0) {
    lua_pushstring(L, b->elem() == gpu::Elem::F64 ? "f64" : "f32");
  } else if (std::strcmp(k, "shape") == 0) {
    lua_createtable(L, 2, 0);
    lua_pushnumber(L, double(b->rows()));
    lua_rawseti(L, -2, 1);
    if (b->cols()) {
      lua_pushnumber(L, double(b->cols()));
      lua_rawseti(L, -2, 2);
    }
  } else if (std::strcmp(k, "bytes") == 0) {
    lua_pushnumber(L, double(b->bytes()));
  } else {
    return 0;
  }
  return 1;
}

int l_len(lua_State* L) {
  lua_pushnumber(L, double(check_device(L, 1)->count()));
  return 1;
}

// Frees the device memory now; a freed array is an empty BufferRef, which check_device refuses.
int l_gc(lua_State* L) {
  if (auto* p = static_cast<BufferRef*>(luaL_testudata(L, 1, kArrayMeta))) p->reset();
  return 0;
}

int l_tostring(lua_State* L) {
  auto* p = static_cast<BufferRef*>(luaL_testudata(L, 1, kArrayMeta));
  if (p && !*p) return lua_pushstring(L, "gpu.array(freed)"), 1;
  BufferRef& b = check_device(L, 1);
  if (b->cols())
    lua_pushfstring(L, "gpu.array(\"%s\", {%d, %d})", b->elem() == gpu::Elem::F64 ? "f64" : "f32",
                    int(b->rows()), int(b->cols()));
  else
    lua_pushfstring(L, "gpu.array(\"%s\", %d)", b->elem() == gpu::Elem::F64 ? "f64" : "f32", int(b->rows()));
  return 1;
}

const Function functions[] = {{"array", l_array}, {"matmul", l_matmul},       {"synchronize", l_synchronize},
                              {"reset", l_reset}, {"from_host", l_from_host}, {nullptr, nullptr}};
// For bindings/modules/gpu.lua: status() behind available() and devices(); to_host, which it makes a method.
const Function internal_functions[] = {{"status", l_status}, {"to_host", l_to_host}, {nullptr, nullptr}};

const Function meta[] = {{"__len", l_len}, {"__gc", l_gc}, {"__tostring", l_tostring}, {nullptr, nullptr}};

void open_gpu(lua_State* L) {
  register_type(L, {kArrayMeta, nullptr, meta, l_index});  // methods: bindings/modules/gpu.lua (to_host, ...)
  lua_newtable(L);
  set_functions(L, functions);
  lua_setfield(L, -2, "gpu");
  lua_newtable(L);  // internal.gpu
  set_functions(L, internal_functions);
  luaL_getmetatable(L, kArrayMeta);
  lua_setfield(L, -2, "meta");
  set_internal(L, "gpu");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(gpu, parlab::lua::open_gpu);
