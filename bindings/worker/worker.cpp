#include "bindings/worker/worker.hpp"

#include <cstdio>
#include <map>
#include <string>

#include "bindings/core/errors.hpp"
#include "bindings/core/gil_state.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "engine/core/error.hpp"
#include "engine/core/gil.hpp"
#include "engine/exec/wire.hpp"

namespace parlab::lua {
namespace {

// Workers keep at most this many decoded functions; past it the cache starts over.
constexpr int kMaxCachedFunctions = 256;

std::string error_text(lua_State* L, int index) {
  size_t n = 0;
  const char* s = lua_tolstring(L, index, &n);
  return s ? std::string(s, n) : std::string("(error object is a ") + luaL_typename(L, index) + " value)";
}

struct TaskRun {
  const pool::WorkerEndpoint::Task* task;
  const char* name;  // the thread's name for the GIL (fresh states only)
  int* cached;       // functions in the cache table
  bool ok = false;
  std::string out;
  bool entered = false;  // gil_enter_state ran (fresh states)
};

// Pushes the task's function: from the cache, or decoded from the arena and cached.
bool push_task_function(lua_State* L, int cache, const wire::Task& task, TaskRun& run) {
  lua_pushnumber(L, double(task.fn_id));
  lua_rawget(L, cache);
  if (lua_isfunction(L, -1)) return true;
  lua_pop(L, 1);
  try {
    const void* addr = reinterpret_cast<const void*>(task.fn_addr);
    if (!shm::contains(addr, task.fn_size)) throw Error("the function's bytes are not in the shared arena");
    int n = decode_values(L, static_cast<const char*>(addr), task.fn_size);
    if (n != 1 || !lua_isfunction(L, -1)) throw Error("the task's function did not decode to a function");
  } catch (const std::exception& e) {
    run.out = std::string("pool worker: cannot receive the task's function: ") + e.what();
    return false;
  }
  if (++*run.cached > kMaxCachedFunctions) {
    lua_newtable(L);
    lua_replace(L, cache);
    *run.cached = 1;
  }
  lua_pushnumber(L, double(task.fn_id));
  lua_pushvalue(L, -2);
  lua_rawset(L, cache);
  return true;
}

// Calls fn on each item of the table at `items` into a new table of first results (pushed).
bool map_items(lua_State* L, int fn, int items, bool star, int tb, TaskRun& run) {
  lua_getfield(L, items, "n");
  int n = lua_isnumber(L, -1) ? int(lua_tointeger(L, -1)) : int(lua_objlen(L, items));
  lua_pop(L, 1);
  lua_createtable(L, n, 1);
  int results = lua_gettop(L);
  for (int i = 1; i <= n; ++i) {
    lua_pushvalue(L, fn);
    lua_rawgeti(L, items, i);
    int nargs = 1;
    if (star) {
      int item = lua_gettop(L);
      if (!lua_istable(L, item)) {
        run.out = "starmap: item " + std::to_string(i) + " is a " + luaL_typename(L, item) +
                  ", not a table of arguments";
        return false;
      }
      nargs = int(lua_objlen(L, item));
      luaL_checkstack(L, nargs + 2, "starmap: too many arguments");
      for (int k = 1; k <= nargs; ++k) lua_rawgeti(L, item, k);
      lua_remove(L, item);
    }
    if (lua_pcall(L, nargs, 1, tb) != 0) {
      run.out = error_text(L, -1);
      return false;
    }
    lua_rawseti(L, results, i);
  }
  lua_pushinteger(L, n);
  lua_setfield(L, results, "n");
  return true;
}

// The protected body of one task: decode, call, encode; errors land in run.out with ok = false.
int task_body(lua_State* L) {
  auto& run = *static_cast<TaskRun*>(lua_touserdata(L, 1));
  const int cache = 2;
  wire::Task task;
  try {
    task = wire::read_task(run.task->payload);
  } catch (const std::exception& e) {
    run.out = std::string("pool worker: ") + e.what();
    return 0;
  }
  lua_pushcfunction(L, message_handler);  // raw: the message handler of this task's lua_pcall
  const int tb = lua_gettop(L);
  if (!push_task_function(L, cache, task, run)) return 0;
  const int fn = lua_gettop(L);
  int nargs = 0;
  try {
    nargs = decode_values(L, task.args.data(), task.args.size());
  } catch (const std::exception& e) {
    run.out = std::string("pool worker: cannot receive the task's arguments: ") + e.what();
    return 0;
  }
  int first = 0, count = 0;
  if (task.mode == wire::TaskMode::kApply) {
    lua_pushvalue(L, fn);
    lua_insert(L, fn + 1);
    if (lua_pcall(L, nargs, LUA_MULTRET, tb) != 0) {
      run.out = error_text(L, -1);
      return 0;
    }
    first = fn + 1;
    count = lua_gettop(L) - fn;
  } else {
    if (nargs != 1 || !lua_istable(L, fn + 1)) {
      run.out = "pool worker: malformed map task";
      return 0;
    }
    if (!map_items(L, fn, fn + 1, task.mode == wire::TaskMode::kStarmap, tb, run)) return 0;
    first = lua_gettop(L);
    count = 1;
  }
  try {
    encode_values_into(L, first, count, "result", run.out);  // run.out's memory is the worker's, warm
    run.ok = true;
  } catch (const std::exception& e) {
    run.out = std::string("cannot send the task's result: ") + e.what();
  }
  return 0;
}

// Runs the initializer payload (fn, args...) once; false with the message when it fails.
int init_body(lua_State* L) {
  auto& run = *static_cast<TaskRun*>(lua_touserdata(L, 1));
  lua_pushcfunction(L, message_handler);  // raw: the message handler of the initializer's lua_pcall
  int tb = lua_gettop(L);
  int n = 0;
  try {
    n = decode_values(L, run.task->payload.data(), run.task->payload.size());
  } catch (const std::exception& e) {
    run.out = std::string("cannot receive the initializer: ") + e.what();
    return 0;
  }
  if (n < 1 || !lua_isfunction(L, tb + 1)) {
    run.out = "the initializer is not a function";
    return 0;
  }
  // Python's pattern: the initializer sets globals that tasks read. A decoded function's environment
  // keeps its writes to itself; route the initializer's new globals to the worker's _G instead.
  lua_getfenv(L, tb + 1);
  if (lua_getmetatable(L, -1)) {
    lua_pushvalue(L, LUA_GLOBALSINDEX);
    lua_setfield(L, -2, "__newindex");
    lua_pop(L, 1);
  }
  lua_pop(L, 1);
  if (lua_pcall(L, n - 1, 0, tb) != 0) {
    run.out = error_text(L, -1);
    return 0;
  }
  run.ok = true;
  return 0;
}

}  // namespace

void set_module_field(lua_State* L, const char* field, const std::string& value) {
  int top = lua_gettop(L);
  push_internal(L);
  if (lua_istable(L, -1)) {
    lua_pushlstring(L, value.data(), value.size());
    lua_getfield(L, -2, field);
    // An equal value stays: a fork child that finds it set writes no page for it (copy-on-write).
    if (!lua_rawequal(L, -1, -2)) {
      lua_pop(L, 1);
      lua_setfield(L, -2, field);
    }
  }
  lua_settop(L, top);
}

namespace {

int open_body(lua_State* L) {
  open_state_lazy(L);  // parlab opens with the first task that needs it
  return 0;
}

// Calls body(run) protected; a Lua error that escapes the body becomes the run's message.
void run_protected(lua_State* L, lua_CFunction body, TaskRun& run) {
  lua_pushcfunction(L, body);  // raw: a body run at once by lua_pcall, which reports its own errors
  lua_pushlightuserdata(L, &run);
  lua_pushvalue(L, 1);
  if (lua_pcall(L, 2, 0, 0) != 0) {
    run.ok = false;
    run.out = error_text(L, -1);
  }
  lua_settop(L, 1);
}

void serve(lua_State* L, pool::WorkerEndpoint& ep) {
  int cached = 0;
  lua_newtable(L);  // index 1: the function cache
  std::string_view init = ep.init_payload();
  if (!init.empty()) {
    pool::WorkerEndpoint::Task t{0, std::string(init)};
    TaskRun run{&t, nullptr, &cached, false, {}};
    run_protected(L, init_body, run);
    if (!run.ok) {
      ep.init_failed("initializer failed: " + run.out);
      return;
    }
  }
  pool::WorkerEndpoint::Task task;
  // The results' encoding buffer, kept warm from task to task (up to wire::kKeptBufferBytes): a fresh one
  // for each big result was fresh memory (a 64 MiB result: ~16,000 page faults, most of the task).
  std::string kept;
  while (ep.next(task)) {
    TaskRun run{&task, nullptr, &cached, false, std::move(kept)};
    run_protected(L, task_body, run);
    try {
      ep.reply(task.id, run.ok, run.out);
    } catch (const std::exception& e) {
      ep.reply(task.id, false, std::string("cannot send the task's result: ") + e.what());
    }
    kept = std::move(run.out);
    wire::keep_warm(kept);
  }
}

// (fn, args...) from run.task->payload: call, then encode the results into run.out.
int fresh_body(lua_State* L) {
  auto& run = *static_cast<TaskRun*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  open_state_lazy(L);  // a function that never touches parlab does not pay for opening it
  // After open_state: opening the jit library switches the JIT back on, undoing the GIL's choice.
  gil_enter_state(L, run.name);
  if (run.name) set_module_field(L, "thread_name", run.name);  // for parlab.current_thread()
  run.entered = true;
  lua_pushcfunction(L, message_handler);  // raw: the message handler of the thread function's lua_pcall
  int n = 0;
  try {
    n = decode_values(L, run.task->payload.data(), run.task->payload.size());
  } catch (const std::exception& e) {
    run.out = std::string("cannot receive the thread's function: ") + e.what();
    return 0;
  }
  if (n < 1 || !lua_isfunction(L, 2)) {
    run.out = "the thread's function did not arrive as a function";
    return 0;
  }
  if (lua_pcall(L, n - 1, LUA_MULTRET, 1) != 0) {
    run.out = error_text(L, -1);
    return 0;
  }
  try {
    run.out = encode_values(L, 2, lua_gettop(L) - 1, "result");
    run.ok = true;
  } catch (const std::exception& e) {
    run.out = std::string("cannot send the thread's result: ") + e.what();
  }
  return 0;
}

std::map<std::string, LauncherFactory>& backends() {
  static std::map<std::string, LauncherFactory> m;
  return m;
}

}  // namespace

void run_pool_worker(shm::Offset pool, int slot, const std::function<void(lua_State*)>& on_state,
                     lua_State* ready, StopPoint* stop) {
  try {
    pool::WorkerEndpoint ep(pool, slot);
    lua_State* L = ready ? ready : new_state();
    if (!L) {
      ep.init_failed("cannot create a Lua state (out of memory)");
      return;
    }
    std::string name = "pool worker " + std::to_string(slot);
    if (!ready) {
      lua_pushcfunction(L, open_body);  // raw: a body run at once by lua_pcall
      if (lua_pcall(L, 0, 0, 0) != 0) {
        ep.init_failed("cannot open parlab in the worker: " + error_text(L, -1));
        close_state(L);
        return;
      }
      // After open_state: opening the jit library switches the JIT back on, undoing the GIL's choice.
      gil_enter_state(L, name.c_str());
    }
    lua_settop(L, 0);
    if (on_state) on_state(L);
    if (stop) {
      stop_attach(*stop, L);
      if (sigsetjmp(stop->escape, 1)) {  // out of a compiled loop: the state is abandoned
        stop_detach(*stop);
        if (on_state) on_state(nullptr);
        return;
      }
      stop_arm(*stop);
    }
    serve(L, ep);
    if (stop) stop_detach(*stop);
    if (on_state) on_state(nullptr);
    if (!ready) {
      close_state(L);
      gil_leave_state(L);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlab: pool worker %d: %s\n", slot, e.what());
  }
}

// A stop signal took the thread out of a JIT-compiled loop: the state stopped in the middle of a trace
// and is left as it is (see thread_stop.hpp).
FreshRun abandoned(StopPoint& stop) {
  stop_detach(stop);
  return FreshRun{false, stop.message};
}

FreshRun run_in_fresh_state(const std::string& input, const char* name, StopPoint* stop) {
  FreshRun result;
  lua_State* L = new_state();
  if (!L) {
    result.output = "cannot create a Lua state (out of memory)";
    return result;
  }
  pool::WorkerEndpoint::Task t{0, input};
  int cached = 0;
  TaskRun run{&t, nullptr, &cached, false, {}};
  run.name = name;
  lua_pushcfunction(L, fresh_body);  // raw: a body run at once by lua_pcall
  lua_pushlightuserdata(L, &run);
  if (stop) {
    stop_attach(*stop, L);
    if (sigsetjmp(stop->escape, 1)) return abandoned(*stop);
    stop_arm(*stop);
  }
  if (lua_pcall(L, 1, 0, 0) != 0) {
    run.ok = false;
    run.out = error_text(L, -1);
  }
  if (stop) stop_detach(*stop);
  close_state(L);
  if (run.entered) gil_leave_state(L);
  result.ok = run.ok;
  result.output = std::move(run.out);
  return result;
}

PoolBackendRegistration::PoolBackendRegistration(const char* name, LauncherFactory factory) {
  backends()[name] = factory;
}

LauncherFactory find_pool_backend(const char* name) {
  auto it = backends().find(name);
  return it == backends().end() ? nullptr : it->second;
}

}  // namespace parlab::lua
