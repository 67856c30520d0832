#pragma once
// The one place where C++ errors cross into Lua: every C function a binding registers is wrapped by
// guarded<F>, which catches what the engine throws and raises it as a Lua error at the caller's line.
#include <lua.hpp>

#include <exception>

namespace parlab::lua {

using Body = int (*)(lua_State*);

// Runs body(L); an exception becomes a Lua error "file:line: message" naming the Lua caller.
int call_guarded(lua_State* L, Body body);

template <Body F>
int guarded(lua_State* L) {
  return call_guarded(L, F);
}

// Throws parlab::Error with a formatted message; lets argument checks read like luaL_argerror.
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace parlab::lua
