#include "bindings/errors.hpp"

#include <cstdarg>
#include <cstdio>
#include <string>

#include "engine/error.hpp"

namespace parlab::lua {

int call_guarded(lua_State* L, Body body) {
  // The message is copied out so no C++ object is alive when lua_error unwinds this frame.
  char message[1024];
  try {
    return body(L);
  } catch (const std::exception& e) {
    std::snprintf(message, sizeof message, "%s", e.what());
  }
  // No catch (...): LuaJIT raises Lua errors as foreign C++ exceptions, which must pass through.
  // Level 0 is this C function; level 1 is the Lua code that called it.
  luaL_where(L, 1);
  lua_pushstring(L, message);
  lua_concat(L, 2);
  return lua_error(L);
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
