// The encoder's functions: bytecode (lua_dump), upvalues by value with shared cells kept, and the
// globals a function reads (found by the bytecode scan in bindings/modules/transport.lua).
#include <string>

#include "bindings/core/transport_encoder.hpp"
#include "bindings/core/transport_internal.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::lua::transport_detail {
namespace {

int dump_writer(lua_State*, const void* p, size_t sz, void* ud) {
  static_cast<std::string*>(ud)->append(static_cast<const char*>(p), sz);
  return 0;
}

}  // namespace

void Encoder::function(int idx) {
  if (wrote_ref(idx) || named(idx)) return;
  const void* p = lua_topointer(L_, idx);
  if (lua_iscfunction(L_, idx)) refuse("a C function that is not part of the standard library");
  if (++depth_ > wire::kMaxDepth) refuse("functions nested more than 200 levels deep");
  if (!lua_checkstack(L_, 8)) refuse("out of Lua stack space");
  w_.u8(wire::kFunction);
  seen_.add(p, next_id_++);
  must_sign_ = true;
  scratch_.clear();
  lua_pushvalue(L_, idx);
  lua_dump(L_, dump_writer, &scratch_);
  lua_pop(L_, 1);
  w_.bytes(scratch_.data(), scratch_.size());
  upvalues(idx);
  globals(idx);
  --depth_;
}

// Each upvalue: 0 + value, or 1 + (function id, index) when its cell is shared with one sent earlier.
void Encoder::upvalues(int idx) {
  int fid = next_id_ - 1;
  int n = 0;
  while (lua_getupvalue(L_, idx, n + 1)) {
    lua_pop(L_, 1);
    ++n;
  }
  w_.varint(static_cast<uint64_t>(n));
  for (int i = 1; i <= n; ++i) {
    const void* cell = lua_upvalueid(L_, idx, i);
    int joined = cells_.find(cell);
    if (joined >= 0) {
      has_refs_ = true;
      w_.u8(1);
      w_.varint(static_cast<uint64_t>(joined >> 8));
      w_.varint(static_cast<uint64_t>(joined & 0xFF));
      continue;
    }
    if (i < 256) cells_.add(cell, fid << 8 | i);
    w_.u8(0);
    const char* name = lua_getupvalue(L_, idx, i);
    value_at(lua_gettop(L_), {Step::kUpvalue, name && *name ? name : "?"});
    lua_pop(L_, 1);
  }
}

// The globals the function (and its nested functions) reads, found by transport.lua's bytecode scan,
// that hold something other than a standard value. Each name travels once per message.
void Encoder::globals(int idx) {
  if (lua_isnil(L_, sent_)) {
    lua_newtable(L_);
    lua_replace(L_, sent_);
  }
  int names_slot = slot(names_, &transport_detail::kNamesKey);
  transport_detail::push_helper_function(L_, "globals_of");
  lua_pushvalue(L_, idx);
  lua_call(L_, 1, 1);
  int names = lua_gettop(L_);
  lua_getfenv(L_, idx);
  int env = lua_gettop(L_);
  size_t count_at = w_.placeholder_u32();
  uint32_t count = 0;
  int total = static_cast<int>(lua_objlen(L_, names));
  for (int i = 1; i <= total; ++i) {
    lua_rawgeti(L_, names, i);  // name
    lua_pushvalue(L_, -1);
    lua_rawget(L_, sent_);
    bool already = !lua_isnil(L_, -1);
    lua_pop(L_, 1);
    raw_global(env);  // value
    lua_pushvalue(L_, -1);
    lua_rawget(L_, names_slot);
    bool standard = !lua_isnil(L_, -1);
    lua_pop(L_, 1);
    if (already || standard || lua_isnil(L_, -1)) {
      lua_pop(L_, 2);
      continue;
    }
    lua_pushvalue(L_, -2);
    lua_pushboolean(L_, 1);
    lua_rawset(L_, sent_);
    size_t n;
    const char* s = lua_tolstring(L_, -2, &n);
    w_.bytes(s, n);
    value_at(lua_gettop(L_), {Step::kGlobal, s, n});
    lua_pop(L_, 2);
    ++count;
  }
  w_.patch_u32(count_at, count);
  lua_pop(L_, 2);
}

// Pushes env[name] for the name at the top without running user code: a raw read, then one level of a
// table __index (a decoded function's environment, or a sandbox over _G). A strict-mode __index
// function that raises on unknown names is never called.
void Encoder::raw_global(int env) {
  lua_pushvalue(L_, -1);
  lua_rawget(L_, env);
  if (!lua_isnil(L_, -1) || !lua_getmetatable(L_, env)) return;
  lua_pushliteral(L_, "__index");
  lua_rawget(L_, -2);
  if (!lua_istable(L_, -1)) {
    lua_pop(L_, 2);
    return;
  }
  lua_pushvalue(L_, -4);
  lua_rawget(L_, -2);
  lua_replace(L_, -4);
  lua_pop(L_, 2);
}

}  // namespace parlab::lua::transport_detail
