#pragma once
// The one place where C++ errors cross into Lua. Every C function a binding registers is pushed by
// bindings/core/module.hpp (set_functions, push_function, register_type), whose trampolines run it through
// call_guarded: what the engine throws becomes a Lua error at the user's file:line. A __gc runs through
// call_finalizer, which never raises.
#include <lua.hpp>

#include <exception>

namespace parlab::lua {

using Body = int (*)(lua_State*);

// Runs body(L); an exception becomes a Lua error "file:line: message" naming the Lua caller.
int call_guarded(lua_State* L, Body body);

// Runs a __gc body: an exception is reported on stderr, naming type, and dropped. A finalizer must never
// raise: this LuaJIT passes a finalizer's error on to whatever allocation started the collection.
int call_finalizer(lua_State* L, Body body, const char* type);

// Throws parlab::Error with a formatted message; lets argument checks read like luaL_argerror.
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace parlab::lua
