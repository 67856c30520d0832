#pragma once
// Python's TypeError for too many arguments, for methods called as obj:method(...): extra arguments are an
// error rather than silently misread or dropped. Counts with lua_gettop, so trailing nils count (q:put(nil)
// is one argument, q:put(x, true, nil) three).
#include <lua.hpp>

#include "bindings/core/errors.hpp"

namespace parlab::lua {

// Fails "<method>: takes at most <max> arguments (<names>), got <n>" when more than max arguments follow
// self (stack index 1); with max 0, "<method>: takes no arguments, got <n>".
inline void max_args(lua_State* L, int max, const char* method, const char* names = "") {
  int got = lua_gettop(L) - 1;
  if (got <= max) return;
  if (max == 0) fail("%s: takes no arguments, got %d", method, got);
  fail("%s: takes at most %d argument%s (%s), got %d", method, max, max == 1 ? "" : "s", names, got);
}

}  // namespace parlab::lua
