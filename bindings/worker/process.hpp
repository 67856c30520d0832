#pragma once
// What the two halves of parlab processes share: modules/lua_process.cpp (the Lua-facing Process object)
// and worker/process_backend.cpp (what every child runs, and the pool's process backends).
#include <lua.hpp>

namespace parlab::lua {

// Calls the function at the top - nargs with nargs arguments in a child; prints a failure like Python's
// "Process Process-1:" traceback on stderr. Returns the exit code.
int run_target(lua_State* L, int nargs, const char* name);

}  // namespace parlab::lua
