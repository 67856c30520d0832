// parlab.transport: encode(...) -> string, decode(s) -> values, register_kind(name, spec), and the
// per-state helper table the walker uses. The C module opens before any bindings/modules/*.lua file, so
// every Lua file can call register_kind at open time.
#include <lua.hpp>

#include <cstring>
#include <string>
#include <string_view>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/core/transport_internal.hpp"
#include "engine/core/error.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::lua {
namespace transport_detail {

char kHelpersKey, kNamesKey, kValuesKey;

void push_helpers(lua_State* L) {
  lua_pushlightuserdata(L, &kHelpersKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (!lua_istable(L, -1)) {
    lua_pop(L, 1);
    if (load_lazy_parlab(L)) return push_helpers(L);  // a lazy state (module.hpp) opens parlab now
    throw Error("transport: this Lua state was not opened by parlab (require \"parlab\" first)");
  }
}

void push_helper_function(lua_State* L, const char* field) {
  push_helpers(L);
  lua_getfield(L, -1, field);
  lua_remove(L, -2);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    throw Error(std::string("transport: helper '") + field +
                "' missing (bindings/modules/transport.lua not run)");
  }
}

void push_names(lua_State* L, char* key) {
  lua_pushlightuserdata(L, key);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (lua_istable(L, -1)) return;
  lua_pop(L, 1);
  push_helper_function(L, "build_names");
  lua_call(L, 0, 2);
  lua_pushlightuserdata(L, &kValuesKey);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L, &kNamesKey);
  lua_insert(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L, key);
  lua_rawget(L, LUA_REGISTRYINDEX);
}

namespace {

// The libraries build_names (bindings/modules/transport.lua) lists, less parlab, longest first where one
// name starts another ("jit.util" before "jit"), so "jit.util.funcinfo" finds its library.
const char* const kLibraries[] = {"string",  "table",    "math",    "io",  "os",  "coroutine", "debug",
                                  "package", "jit.util", "jit.opt", "jit", "bit", "ffi"};

bool registry_has_table(lua_State* L, char* key) {
  lua_pushlightuserdata(L, key);
  lua_rawget(L, LUA_REGISTRYINDEX);
  bool has = lua_istable(L, -1);
  lua_pop(L, 1);
  return has;
}

// Pushes package.loaded[lib][field] (field empty: the library itself) when it is a value that travels
// by name (a function, userdata or table), as build_names would have listed it; else pushes nothing.
// jit.util and jit.opt are loaded by require only (parlab's transport.lua does): required here too.
bool push_library_value(lua_State* L, const std::string& lib, const std::string& field) {
  int top = lua_gettop(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) lua_getfield(L, -1, lib.c_str());
  if (lua_isnil(L, -1) && lib.compare(0, 4, "jit.") == 0) {
    lua_pop(L, 1);
    lua_getglobal(L, "require");
    lua_pushstring(L, lib.c_str());
    if (lua_pcall(L, 1, 1, 0) != 0) {  // a LuaJIT without it: the name stays unresolved here
      lua_settop(L, top);
      return false;
    }
  }
  if (lua_istable(L, -1) && !field.empty()) {
    lua_pushlstring(L, field.data(), field.size());
    lua_rawget(L, -2);
  }
  int t = lua_type(L, -1);
  bool ok = lua_gettop(L) > top + 1 && (t == LUA_TFUNCTION || t == LUA_TUSERDATA || t == LUA_TTABLE);
  if (ok) lua_replace(L, top + 1);
  lua_settop(L, ok ? top + 1 : top);
  return ok;
}

}  // namespace

bool push_unopened_value(lua_State* L, std::string_view name) {
  if (name.substr(0, 6) == "parlab" || registry_has_table(L, &kHelpersKey)) return false;
  std::string n(name);
  if (n == "_G") return push_library_value(L, "_G", "");
  if (n.find('.') == std::string::npos) {  // a C function of _G comes first, as in build_names
    lua_getglobal(L, n.c_str());
    if (lua_iscfunction(L, -1)) return true;
    lua_pop(L, 1);
  }
  for (const char* lib : kLibraries) {
    size_t len = std::strlen(lib);
    if (n == lib) return push_library_value(L, n, "");
    if (n.size() > len + 1 && n.compare(0, len, lib) == 0 && n[len] == '.')
      return push_library_value(L, lib, n.substr(len + 1));
  }
  return false;
}

}  // namespace transport_detail

using namespace transport_detail;

namespace {

// kinds[#kinds+1] = spec (or replaces the entry of the same name); kinds_by_name[name] = spec.
void store_kind(lua_State* L, const char* name, int spec) {
  push_helpers(L);
  int helpers = lua_gettop(L);
  lua_getfield(L, helpers, "kinds_by_name");
  lua_getfield(L, helpers, "kinds");
  int by_name = helpers + 1, list = helpers + 2;
  int n = static_cast<int>(lua_objlen(L, list)), at = n + 1;
  for (int i = 1; i <= n; ++i) {
    lua_rawgeti(L, list, i);
    lua_getfield(L, -1, "name");
    if (std::string(lua_tostring(L, -1)) == name) at = i;
    lua_pop(L, 2);
  }
  lua_pushvalue(L, spec);
  lua_pushstring(L, name);
  lua_setfield(L, -2, "name");
  lua_rawseti(L, list, at);
  lua_pushvalue(L, spec);
  lua_setfield(L, by_name, name);
  lua_settop(L, helpers - 1);
}

// parlab.transport.register_kind(name, {test = f, encode = f, decode = f})
int l_register_kind(lua_State* L) {
  const char* name = luaL_checkstring(L, 1);
  if (!*name) fail("transport.register_kind: the kind name is empty");
  if (!lua_istable(L, 2))
    fail("transport.register_kind: expected a table {test, encode, decode} for '%s'", name);
  lua_createtable(L, 0, 4);  // a copy, so later changes to the caller's table do not matter
  for (const char* field : {"test", "encode", "decode"}) {
    lua_getfield(L, 2, field);
    if (!lua_isfunction(L, -1)) fail("transport.register_kind: '%s' needs a function '%s'", name, field);
    lua_setfield(L, -2, field);
  }
  store_kind(L, name, lua_gettop(L));
  return 0;
}

int l_encode(lua_State* L) {
  thread_local std::string buffer;
  encode_values_into(L, 1, lua_gettop(L), "args", buffer);
  lua_pushlstring(L, buffer.data(), buffer.size());
  if (buffer.capacity() > (1 << 20)) std::string().swap(buffer);  // do not keep a huge buffer alive
  return 1;
}

int l_decode(lua_State* L) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  lua_settop(L, 1);  // keeps s alive while its bytes are read
  try {
    return decode_values(L, s, n);
  } catch (const Error& e) {  // named for the caller: "transport.decode: truncated message"
    const char* m = e.what();
    fail("transport.decode: %s", std::strncmp(m, "transport: ", 11) == 0 ? m + 11 : m);
  }
}

int l_key(lua_State* L) {
  if (lua_gettop(L) >= 1) wire::set_key_hex(luaL_checkstring(L, 1));
  lua_pushstring(L, wire::key_hex().c_str());
  return 1;
}

const Function functions[] = {{"encode", l_encode},
                              {"decode", l_decode},
                              {"register_kind", l_register_kind},
                              {"key", l_key},
                              {nullptr, nullptr}};

void open_transport(lua_State* L) {
  lua_pushlightuserdata(L, &kHelpersKey);
  lua_createtable(L, 0, 8);
  lua_newtable(L);
  lua_setfield(L, -2, "kinds");
  lua_newtable(L);
  lua_setfield(L, -2, "kinds_by_name");
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_createtable(L, 0, 8);
  set_functions(L, functions);
  lua_setfield(L, -2, "transport");
  push_helpers(L);
  set_internal(L, "transport");  // for bindings/modules/transport.lua
}

}  // namespace

void register_kind(lua_State* L, const char* name, lua_CFunction test, lua_CFunction encode,
                   lua_CFunction decode) {
  if (!name || !*name) throw Error("transport: register_kind needs a name");
  lua_createtable(L, 0, 4);
  push_function(L, test);  // guarded: a parlab::Error thrown inside becomes a Lua error
  lua_setfield(L, -2, "test");
  push_function(L, encode);
  lua_setfield(L, -2, "encode");
  push_function(L, decode);
  lua_setfield(L, -2, "decode");
  store_kind(L, name, lua_gettop(L));
  lua_pop(L, 1);
}

}  // namespace parlab::lua

PARLAB_MODULE(transport, parlab::lua::open_transport);
