// Every run and call of Lua code from C++: lua_pcall under the time limit, with a message handler that
// keeps the error's text and traceback, and the conversion of a failure into parlab::embed::Error.
#include <lua.hpp>

#include <string>

#include "bindings/core/errors.hpp"
#include "embed/shared.hpp"
#include "parlab/error.hpp"

namespace parlab::embed::detail {
namespace {

const char kTracebackKey = 0;  // registry[&kTracebackKey]: the traceback of the last failure

// Replaces the error value by its text (__tostring honoured) and files the traceback away. Lua does not
// call it for memory errors, and an error inside it (a raising __tostring) ends the call as LUA_ERRERR.
int message_handler(lua_State* L) {
  parlab::lua::push_error_text(L, 1);
  lua_pushlightuserdata(L, const_cast<char*>(&kTracebackKey));
  luaL_traceback(L, L, nullptr, 1);
  lua_rawset(L, LUA_REGISTRYINDEX);
  return 1;
}

void clear_traceback(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kTracebackKey));
  lua_pushnil(L);
  lua_rawset(L, LUA_REGISTRYINDEX);
}

std::string traceback(lua_State* L) {
  lua_pushlightuserdata(L, const_cast<char*>(&kTracebackKey));
  lua_rawget(L, LUA_REGISTRYINDEX);
  std::string out = lua_isstring(L, -1) ? lua_tostring(L, -1) : "";
  lua_pop(L, 1);
  return out;
}

ErrorKind kind_of(const Shared& s, int status) {
  if (s.expired) return ErrorKind::TimeLimit;
  if (status == LUA_ERRMEM) return ErrorKind::Memory;
  return ErrorKind::Runtime;
}

// The error at the top of the stack (popped) as an exception.
Error failure(Shared& s, int status) {
  lua_State* L = s.L;
  std::string text = lua_isstring(L, -1) ? lua_tostring(L, -1) : "(error object is not a string)";
  lua_pop(L, 1);
  ErrorKind kind = kind_of(s, status);
  if (kind == ErrorKind::TimeLimit && text.find("time limit") == std::string::npos)
    text = "time limit of " + std::to_string(s.options.limits.seconds) + " s exceeded (" + text + ")";
  return Error(kind, text, status == LUA_ERRMEM ? "" : traceback(L));
}

}  // namespace

Values protected_call(Shared& s, int nargs) {
  lua_State* L = s.L;
  int base = lua_gettop(L) - nargs;       // the function's index
  lua_pushcfunction(L, message_handler);  // raw: a message handler must not be wrapped
  lua_insert(L, base);
  clear_traceback(L);
  int host_side = s.host_side;
  s.host_side = 0;  // the script's own allocations count against the memory limit
  arm_time_limit(s);
  int status = lua_pcall(L, nargs, LUA_MULTRET, base);
  disarm_time_limit(s);
  s.host_side = host_side;
  lua_remove(L, base);
  if (status != 0) throw failure(s, status);
  Values out;
  int top = lua_gettop(L);
  try {
    for (int i = base; i <= top; ++i)
      out.push_back(to_value(s, L, i, "result " + std::to_string(i - base + 1)));
  } catch (...) {
    lua_settop(L, base - 1);
    throw;
  }
  lua_settop(L, base - 1);
  return out;
}

}  // namespace parlab::embed::detail
