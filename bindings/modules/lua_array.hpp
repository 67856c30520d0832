#pragma once
// What other bindings need from the array module: reading a parlab array argument (a cdata made by
// bindings/modules/array.lua) safely from the Lua C API, and making a new array from C.
#include <lua.hpp>

#include <cstdint>

#include "engine/kernels/array.hpp"

extern "C" {
// The FFI descriptor of one view: each Lua array is a struct cdata of this layout (bindings/modules/array.lua
// declares it with a typed data pointer and const fields; a struct, not a pointer, so that a[i] reaches
// the metatype instead of the FFI's pointer indexing). `len` is n as a double, so Lua-side bounds
// checks are plain FP compares. `owner` is the engine's view, which holds one reference to the storage.
struct parlab_array {
  void* data;
  double len;
  std::int64_t n;
  std::int64_t rows;
  std::int64_t cols;
  std::int32_t dtype;
  std::int32_t ndim;
  void* owner;
};
// A view's travelling handle (bindings/modules/array.lua sends its bytes).
struct parlab_array_handle {
  std::uint64_t storage;
  std::uint64_t serial;
  std::int64_t offset;
  std::int64_t rows;
  std::int64_t cols;
  std::int32_t dtype;
  std::int32_t ndim;
};
}

namespace parlab::lua {

// The array at stack index idx, or a Lua error "kernels.WHO: WHAT must be a parlab array, got T".
// Only cdata made by parlab.array (and its views) pass: others are refused, never read.
const Array& check_array(lua_State* L, int idx, const char* who, const char* what);
bool is_array(lua_State* L, int idx);
// Pushes a new zero-filled array made through parlab.array (so it has the FFI face).
void push_new_array(lua_State* L, DType t, std::int64_t rows, std::int64_t cols, int ndim);

}  // namespace parlab::lua
