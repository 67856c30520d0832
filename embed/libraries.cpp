// Opens the standard libraries (and the parlab module when allowed), then takes away what
// Options::libraries forbids. Removal is by reference: the script can reach a library only through the
// globals, package.loaded, package.preload and package.loaders entries cleared here; the debug library
// (which could dig them out of upvalues) and the C module loaders are themselves among what is removed.
#include <lua.hpp>

#include "bindings/core/module.hpp"
#include "embed/shared.hpp"

namespace parlab::embed::detail {
namespace {

// Receives a table of the allowed flags.
constexpr const char kRestrict[] = R"lua(
local allow = ...
local loaded, preload = package.loaded, package.preload
local function drop(name)
  _G[name], loaded[name], preload[name] = nil, nil, nil
  for _, t in ipairs({ loaded, preload }) do
    for k in pairs(t) do
      if type(k) == "string" and k:sub(1, #name + 1) == name .. "." then t[k] = nil end
    end
  end
end
if not allow.io then
  drop("io")
  dofile, loadfile = nil, nil
end
if not allow.os then
  local os = os
  local safe = { clock = os.clock, time = os.time, date = os.date, difftime = os.difftime }
  _G.os, loaded.os = safe, safe
end
if not allow.ffi then drop("ffi") end
if not allow.debug then drop("debug") end
if not allow.jit then drop("jit") end
local loaders = package.loaders
local kept = { loaders[1] }
if allow.io then kept[#kept + 1] = loaders[2] end
if allow.c_modules then
  kept[#kept + 1], kept[#kept + 1] = loaders[3], loaders[4]
else
  package.loadlib, package.cpath = nil, ""
end
package.loaders = kept
if not allow.bytecode then
  local load, loadstring = load, loadstring
  _G.load = function(chunk, name, _, env) return load(chunk, name, "t", env) end
  _G.loadstring = function(s, name) return loadstring(s, name, "t") end
end
)lua";

int open_all(lua_State* L) {
  auto* libs = static_cast<const Libraries*>(lua_touserdata(L, 1));
  if (libs->parlab)
    parlab::lua::open_state(L);  // the standard libraries, then require "parlab" into global parlab
  else
    luaL_openlibs(L);
  if (luaL_loadbuffer(L, kRestrict, sizeof kRestrict - 1, "=parlab.sandbox") != 0) lua_error(L);
  lua_createtable(L, 0, 8);
  const std::pair<const char*, bool> flags[] = {
      {"io", libs->io},
      {"os", libs->os},
      {"ffi", libs->ffi},
      {"debug", libs->debug},
      {"jit", libs->jit},
      {"c_modules", libs->c_modules},
      {"bytecode", libs->bytecode},
  };
  for (const auto& [name, on] : flags) {
    lua_pushboolean(L, on);
    lua_setfield(L, -2, name);
  }
  lua_call(L, 1, 0);
  return 0;
}

}  // namespace

int open_libraries(lua_State* L, const Libraries& libs) {
  return lua_cpcall(L, open_all, const_cast<Libraries*>(&libs));
}

}  // namespace parlab::embed::detail
