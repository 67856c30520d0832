#pragma once
// What the two halves of parlab processes share: modules/lua_process.cpp (the Lua-facing Process object)
// and worker/process_backend.cpp (what every child runs, and the pool's process backends).
#include <lua.hpp>

#include <string>

#include "engine/exec/wire.hpp"

namespace parlab::lua {

// Names the child (process::own_name, internal.process_name) and records its parent for
// parlab.parent_process() (internal.parent_pid, internal.parent_name).
void name_child(lua_State* L, const std::string& name, const wire::Parent& parent);

// Calls the function at the top - nargs with nargs arguments in a child named `name` (name_child); prints
// a failure like Python's "Process Process-1:" traceback on stderr. Returns the exit code.
int run_target(lua_State* L, int nargs, const char* name, const wire::Parent& parent);

// Waits for the non-daemon threads started from L's state that still run (modules/lua_thread.cpp), as a
// closing state does: a child whose state is not closed (fork, forkserver) calls it before it exits, so it
// ends after its threads, as Python's children do.
void join_state_threads(lua_State* L);

}  // namespace parlab::lua
