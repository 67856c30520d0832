#pragma once
// A pool worker with a Lua state: what a thread worker (ThreadPool) and a process worker (Pool) both run.
// Tasks arrive as wire::Task (engine/exec/wire.hpp), written by the pool front
// (bindings/modules/lua_pool.cpp). Also the registry of pool backends (launcher factories) by name:
// "thread" here, process start methods elsewhere.
#include <lua.hpp>

#include <functional>
#include <memory>
#include <string>

#include "bindings/worker/thread_stop.hpp"
#include "engine/arena/shm.hpp"
#include "engine/exec/pool.hpp"

namespace parlab::lua {

// Runs one pool worker in the calling thread (or the child process) until the pool stops it: opens a
// fresh state with open_state, attaches to the pool at `pool` as `slot`, runs the initializer, then
// decodes/calls/encodes tasks. Never throws; returns when the worker is done. `on_state` (may be empty)
// is called with the worker's lua_State once it exists and with nullptr before it closes (the thread
// backend uses it to interrupt a running task on terminate).
// `ready`, when given, is a state already opened with open_state (a fork server's, inherited by this
// child process): the worker uses it instead of opening one, and leaves it open (the process exits).
// `stop`, when given, lets another thread stop the worker's task, also in a JIT-compiled loop
// (thread_stop.hpp); a worker taken out of compiled code returns at once, abandoning its state.
// Sets internal.<field> = value in L's internal table (bindings/core/module.hpp, so also a Lua host's state
// that holds the module in a local): how a worker's state learns its thread or process name.
void set_module_field(lua_State* L, const char* field, const std::string& value);

void run_pool_worker(shm::Offset pool, int slot, const std::function<void(lua_State*)>& on_state = {},
                     lua_State* ready = nullptr, StopPoint* stop = nullptr);

// Runs encoded (fn, args...) in a fresh state opened with open_state in the calling thread, then closes
// the state (which waits for threads it started). ok: output is the encoded results; otherwise output is
// the error message with the traceback of the thread. Never throws. `name` is the thread's name for the
// GIL's statistics. `stop`: as for run_pool_worker; a stopped run fails with stop->message.
struct FreshRun {
  bool ok = false;
  std::string output;
};
FreshRun run_in_fresh_state(const std::string& input, const char* name = nullptr, StopPoint* stop = nullptr);

// Backends by name ("thread", "fork", "spawn", "forkserver"). The factory reads its options from the
// table at stack index `opts` (may be nil) and returns a launcher; it may throw parlab::Error.
using LauncherFactory = std::unique_ptr<pool::Launcher> (*)(lua_State* L, int opts);
struct PoolBackendRegistration {
  PoolBackendRegistration(const char* name, LauncherFactory factory);
};
LauncherFactory find_pool_backend(const char* name);

}  // namespace parlab::lua
