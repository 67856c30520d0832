#pragma once
// The timeout and (block, timeout) arguments every blocking method takes, read one way for queues, pipes
// and the synchronisation objects alike.
#include <lua.hpp>

#include <cmath>

#include "bindings/core/arg_count.hpp"
#include "bindings/core/errors.hpp"

namespace parlab::lua {

// Timeout argument: nil, -1 or math.huge = forever, else a non-negative number of seconds.
inline double opt_timeout(lua_State* L, int idx, const char* method) {
  if (lua_isnoneornil(L, idx)) return -1;
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: timeout must be a number of seconds, got %s", method, luaL_typename(L, idx));
  double t = lua_tonumber(L, idx);
  if (t == -1 || t == HUGE_VAL) return -1;
  if (!(t >= 0)) fail("%s: timeout must be a non-negative number, got %g", method, t);
  return t;
}

// Python's (block=True, timeout=None) pair; a number in the block position is taken as the timeout
// (q:get(0.5)), and then nothing may follow it: q:put(x, 2, 3) would otherwise read 2 as the timeout and
// drop 3, where Python reads block=2, timeout=3.
inline void block_and_timeout(lua_State* L, int idx, const char* method, bool& block, double& timeout) {
  block = true;
  timeout = -1;
  if (lua_type(L, idx) == LUA_TNUMBER) {
    if (!lua_isnoneornil(L, idx + 1))
      fail(
          "%s: a number in the block position is the timeout; give block as a boolean when a timeout "
          "follows, got a %s after it",
          method, luaL_typename(L, idx + 1));
    timeout = opt_timeout(L, idx, method);
    return;
  }
  if (!lua_isnoneornil(L, idx)) {
    if (!lua_isboolean(L, idx)) fail("%s: block must be a boolean, got %s", method, luaL_typename(L, idx));
    block = lua_toboolean(L, idx);
  }
  timeout = opt_timeout(L, idx + 1, method);
}

}  // namespace parlab::lua
