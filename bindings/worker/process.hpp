#pragma once
// What the two halves of parlab processes share: modules/lua_process.cpp (the Lua-facing Process object)
// and worker/process_backend.cpp (what every child runs, and the pool's process backends).
#include <lua.hpp>

#include <string>

namespace parlab::lua {

// A Process job for a spawn or forkserver child: name, encoded target, encoded args (the backend's job
// runner parses it).
std::string process_job(const std::string& name, const std::string& target, const std::string& args);

// Calls the function at the top - nargs with nargs arguments in a child; prints a failure like Python's
// "Process Process-1:" traceback on stderr. Returns the exit code.
int run_target(lua_State* L, int nargs, const char* name);

// Whether the pool engine can replace a worker that retired after N tasks (Pool's maxtasksperchild).
bool pool_has_maxtasks();

}  // namespace parlab::lua
