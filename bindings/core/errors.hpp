#pragma once
// The one place where C++ errors cross into Lua. Every C function a binding registers is pushed by
// bindings/core/module.hpp (set_functions, push_function, register_type), whose trampolines run it through
// call_guarded: what the engine throws becomes a Lua error at the user's file:line. A __gc runs through
// call_finalizer, which never raises.
// Every protected call that runs user code turns a Lua error into text with message_handler.
#include <lua.hpp>

#include <exception>

namespace parlab::lua {

using Body = int (*)(lua_State*);

// Runs body(L); an exception becomes a Lua error "file:line: message" naming the Lua caller.
int call_guarded(lua_State* L, Body body);

// Runs a __gc body: an exception is reported on stderr, naming type, and dropped. A finalizer must never
// raise: this LuaJIT passes a finalizer's error on to whatever allocation started the collection.
int call_finalizer(lua_State* L, Body body, const char* type);

// The message handler of every protected call that runs user code: the main script (cli/run.cpp), a
// thread and a pool task (bindings/worker/worker.cpp), a Process target
// (bindings/worker/process_backend.cpp). Replaces the error value with its text (push_error_text), followed
// by the traceback of the failing code.
int message_handler(lua_State* L);

// Pushes and returns the text of the error value at `index`: a string or a number is itself; a value
// whose __tostring returns one, that result; nil, "(error object is a nil value)"; any other value,
// "(error object is not a string)" (LuaJIT's own words). Calls __tostring, so it may raise.
const char* push_error_text(lua_State* L, int index);

// Throws parlab::Error with a formatted message; lets argument checks read like luaL_argerror.
[[noreturn]] void fail(const char* fmt, ...) __attribute__((format(printf, 1, 2)));

}  // namespace parlab::lua
