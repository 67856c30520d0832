// parlab.gpu: device arrays and the matrix product (engine/gpu.hpp). Host arrays reach the C side as
// an address and a byte count from bindings/lua/gpu.lua, which reads them off the array's FFI view.
#include <lua.hpp>

#include <cstdint>
#include <cstring>
#include <memory>
#include <new>

#include "bindings/errors.hpp"
#include "bindings/module.hpp"
#include "engine/gpu.hpp"

namespace parlab::lua {
namespace {

constexpr const char* kArrayMeta = "parlab.gpu.Array";
using BufferRef = std::shared_ptr<gpu::Buffer>;

BufferRef& check_array(lua_State* L, int idx) {
  auto* p = static_cast<BufferRef*>(luaL_checkudata(L, idx, kArrayMeta));
  if (!*p) fail("parlab.gpu: device array was freed");
  return *p;
}

void push_array(lua_State* L, BufferRef b) {
  new (lua_newuserdata(L, sizeof(BufferRef))) BufferRef(std::move(b));
  luaL_getmetatable(L, kArrayMeta);
  lua_setmetatable(L, -2);
}

gpu::Elem check_elem(lua_State* L, int idx) {
  const char* t = luaL_optstring(L, idx, "f64");
  if (std::strcmp(t, "f64") == 0) return gpu::Elem::F64;
  if (std::strcmp(t, "f32") == 0) return gpu::Elem::F32;
  fail("parlab.gpu: element type must be \"f32\" or \"f64\", not \"%s\"", t);
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

// _upload(d, address, bytes) / _download(d, address, bytes): whole-array copies.
const void* check_host(lua_State* L, const BufferRef& b) {
  double addr = luaL_checknumber(L, 2);
  double bytes = luaL_checknumber(L, 3);
  if (bytes != double(b->bytes()))
    fail("parlab.gpu: host array holds %.0f bytes, device array %zu: sizes differ", bytes, b->bytes());
  return reinterpret_cast<const void*>(std::uintptr_t(addr));
}

int l_upload(lua_State* L) {
  BufferRef& b = check_array(L, 1);
  gpu::upload(*b, check_host(L, b));
  return 0;
}

int l_download(lua_State* L) {
  BufferRef& b = check_array(L, 1);
  gpu::download(*b, const_cast<void*>(check_host(L, b)));
  return 0;
}

int l_matmul(lua_State* L) {
  BufferRef &a = check_array(L, 1), &b = check_array(L, 2);
  if (lua_isnoneornil(L, 3)) {
    push_array(L, gpu::alloc(a->elem(), a->rows(), b->cols() ? b->cols() : 1));
    lua_replace(L, 3);
  }
  gpu::matmul(*a, *b, *check_array(L, 3));
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

// Fields of a device array: shape, type, and #d.
int l_index(lua_State* L) {
  BufferRef& b = check_array(L, 1);
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
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_getfield(L, -1, k);
  }
  return 1;
}

int l_len(lua_State* L) {
  lua_pushnumber(L, double(check_array(L, 1)->count()));
  return 1;
}

int l_gc(lua_State* L) {
  auto* p = static_cast<BufferRef*>(luaL_checkudata(L, 1, kArrayMeta));
  p->~BufferRef();
  new (p) BufferRef();
  return 0;
}

int l_tostring(lua_State* L) {
  BufferRef& b = check_array(L, 1);
  if (b->cols())
    lua_pushfstring(L, "gpu.array(\"%s\", {%d, %d})", b->elem() == gpu::Elem::F64 ? "f64" : "f32",
                    int(b->rows()), int(b->cols()));
  else
    lua_pushfstring(L, "gpu.array(\"%s\", %d)", b->elem() == gpu::Elem::F64 ? "f64" : "f32", int(b->rows()));
  return 1;
}

const Function functions[] = {{"array", l_array},         {"matmul", l_matmul}, {"synchronize", l_synchronize},
                              {"reset", l_reset},         {"_status", l_status}, {"_upload", l_upload},
                              {"_download", l_download},  {nullptr, nullptr}};

const Function meta[] = {{"__index", l_index}, {"__len", l_len}, {"__gc", l_gc}, {"__tostring", l_tostring},
                         {nullptr, nullptr}};

void open_gpu(lua_State* L) {
  luaL_newmetatable(L, kArrayMeta);
  set_functions(L, meta);
  lua_newtable(L);
  lua_setfield(L, -2, "methods");  // filled by bindings/lua/gpu.lua (to_host, ...)
  lua_pop(L, 1);
  lua_newtable(L);
  set_functions(L, functions);
  luaL_getmetatable(L, kArrayMeta);
  lua_setfield(L, -2, "_meta");
  lua_setfield(L, -2, "gpu");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(gpu, parlab::lua::open_gpu);
