#pragma once
// The one place where errors cross: every C function a binding registers is wrapped by guarded<F>, which
// catches what the engine throws and raises it as a Lua error at the caller's line; and every protected
// call that runs user code turns a Lua error into text with message_handler.
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

// The message handler of every protected call that runs user code: the main script (cli/run.cpp), a
// thread and a pool task (bindings/worker/worker.cpp), a Process target
// (bindings/worker/process_backend.cpp). Replaces the error value with its text (push_error_text), followed by the traceback of the failing code.
int message_handler(lua_State* L);

// Pushes and returns the text of the error value at `index`: a string or a number is itself; a value
// whose __tostring returns one, that result; nil, "(error object is a nil value)"; any other value,
// "(error object is not a string)" (LuaJIT's own words). Calls __tostring, so it may raise.
const char* push_error_text(lua_State* L, int index);

// Throws parlab::Error with a formatted message; lets argument checks read like luaL_argerror.
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace parlab::lua
