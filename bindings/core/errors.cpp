// call_guarded and call_finalizer (errors.hpp): how a C++ exception leaves a C function called from Lua.
#include "bindings/core/errors.hpp"

#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <string>

#include "engine/core/error.hpp"

namespace parlab::lua {
namespace {

// The stack level of the user's code that led to this call: level 0 is the C function, level 1 its
// caller, which is often parlab's own Lua (a wrapper in bindings/modules/*.lua, chunk "@parlab/NAME.lua"); an
// error must name the user's file:line, so such frames and C frames are passed over. Level 1 if none is left.
int user_level(lua_State* L) {
  lua_Debug ar;
  for (int level = 1; lua_getstack(L, level, &ar); ++level) {
    if (!lua_getinfo(L, "S", &ar)) break;
    bool internal = std::strncmp(ar.source, "@parlab/", 8) == 0 || std::strcmp(ar.what, "C") == 0;
    if (!internal) return level;
  }
  return 1;
}

}  // namespace

int call_guarded(lua_State* L, Body body) {
  // The message is copied out so no C++ object is alive when lua_error unwinds this frame.
  char message[1024];
  try {
    return body(L);
  } catch (const std::exception& e) {
    std::snprintf(message, sizeof message, "%s", e.what());
  }
  // No catch (...): LuaJIT raises Lua errors as foreign C++ exceptions, which must pass through.
  luaL_where(L, user_level(L));
  lua_pushstring(L, message);
  lua_concat(L, 2);
  return lua_error(L);
}

int call_finalizer(lua_State* L, Body body, const char* type) {
  try {
    return body(L);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlab: the finalizer (__gc) of %s failed: %s\n", type, e.what());
  }
  return 0;
}

const char* push_error_text(lua_State* L, int index) {
  index = index < 0 && index > LUA_REGISTRYINDEX ? lua_gettop(L) + index + 1 : index;
  int type = lua_type(L, index);
  if (type == LUA_TSTRING || type == LUA_TNUMBER) {
    lua_pushvalue(L, index);
    return lua_tostring(L, -1);
  }
  if (type == LUA_TNIL || type == LUA_TNONE) {
    lua_pushliteral(L, "(error object is a nil value)");
    return lua_tostring(L, -1);
  }
  if (luaL_callmeta(L, index, "__tostring")) {
    if (lua_type(L, -1) == LUA_TSTRING || lua_type(L, -1) == LUA_TNUMBER) return lua_tostring(L, -1);
    lua_pop(L, 1);
  }
  lua_pushliteral(L, "(error object is not a string)");
  return lua_tostring(L, -1);
}

int message_handler(lua_State* L) {
  luaL_traceback(L, L, push_error_text(L, 1), 1);
  return 1;
}

void fail(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  throw parlab::Error(buf);
}

}  // namespace parlab::lua
