// parlab processes, the Lua side: the C half of parlab.Process (bindings/modules/process.lua), its child
// handle, the start methods. What a child runs, and the pool's process backends, are in
// lua_process_backend.cpp.
#include <unistd.h>
#include <lua.hpp>

#include <memory>
#include <string>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/worker/process.hpp"
#include "engine/arena/shm.hpp"
#include "engine/core/self.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/process.hpp"
#include "engine/exec/process_spawn.hpp"
#include "engine/exec/wire.hpp"

namespace parlab::lua {
namespace {

constexpr const char* kChildMeta = "parlab.ProcessChild";
using ChildPtr = std::shared_ptr<process::Child>;

ChildPtr& check_child(lua_State* L) {
  auto* child = static_cast<ChildPtr*>(luaL_testudata(L, 1, kChildMeta));
  if (!child) fail("Process: expected a child handle as self, got %s", luaL_typename(L, 1));
  if (!*child) fail("Process: this child handle was finalized (its __gc ran)");
  return *child;
}

process::Method method_arg(lua_State* L, int idx, const char* who) {
  if (lua_isnoneornil(L, idx)) return process::default_method();
  if (lua_type(L, idx) != LUA_TSTRING)
    fail("%s: the start method must be a string, got %s", who, luaL_typename(L, idx));
  return process::parse_method(lua_tostring(L, idx), who);
}

// internal.proc_start(method, name, daemon, target, args...) -> child handle
int l_proc_start(lua_State* L) {
  process::Options opts;
  opts.method = method_arg(L, 1, "Process.start");
  std::string name = luaL_checkstring(L, 2);
  opts.daemon = lua_toboolean(L, 3);
  int nargs = lua_gettop(L) - 4;
  if (lua_type(L, 4) != LUA_TFUNCTION) {
    if (!luaL_getmetafield(L, 4, "__call"))
      fail("Process.start: the target must be a function, got %s", luaL_typename(L, 4));
    lua_pop(L, 1);
  }
  ChildPtr child;
  std::string parent_name = process::own_name();  // copied: the fork child renames itself
  wire::Parent parent{std::uint64_t(getpid()), parent_name};
  if (opts.method == process::Method::Fork) {
    child = process::start_fork(
        [L, nargs, &name, &parent] {
          lua_settop(L, 4 + nargs);
          // A coroutine of its own, so a traceback shows the child's frames, not the parent's start() call.
          lua_State* co = lua_newthread(L);
          lua_insert(L, 4);
          lua_xmove(L, co, nargs + 1);
          return run_target(co, nargs, name.c_str(), parent);
        },
        opts);
  } else {
    std::string target = encode_values(L, 4, 1, "target");
    std::string args = encode_values(L, 5, nargs, "args");
    child = process::start(wire::write_process_job({name, target, args, parent}), opts);
  }
  auto* ud = static_cast<ChildPtr*>(lua_newuserdata(L, sizeof(ChildPtr)));
  new (ud) ChildPtr(std::move(child));
  set_type(L, kChildMeta);
  return 1;
}

int l_child_gc(lua_State* L) {
  auto* ud = static_cast<ChildPtr*>(luaL_testudata(L, 1, kChildMeta));
  if (!ud || !*ud) return 0;
  ChildPtr child = std::move(*ud);  // leaves the userdata empty: a second call does nothing
  child->poll();                    // reaps it if it ended; else the registry keeps it for exit
  return 0;
}

int l_child_pid(lua_State* L) {
  lua_pushinteger(L, check_child(L)->pid());
  return 1;
}

// poll() -> exitcode or nil while it runs
int l_child_poll(lua_State* L) {
  ChildPtr& c = check_child(L);
  if (c->poll())
    lua_pushinteger(L, c->exitcode());
  else
    lua_pushnil(L);
  return 1;
}

// wait([timeout]) -> exitcode or nil on timeout
int l_child_wait(lua_State* L) {
  ChildPtr& c = check_child(L);
  double timeout = -1;
  if (!lua_isnoneornil(L, 2)) {
    if (lua_type(L, 2) != LUA_TNUMBER)
      fail("Process.join: timeout must be a number, got %s", luaL_typename(L, 2));
    timeout = lua_tonumber(L, 2);
    if (timeout < 0) fail("Process.join: timeout must be non-negative, got %g", timeout);
  }
  if (c->wait(timeout))
    lua_pushinteger(L, c->exitcode());
  else
    lua_pushnil(L);
  return 1;
}

int l_child_signal(lua_State* L) {
  check_child(L)->signal(int(luaL_checkinteger(L, 2)));
  return 0;
}

int l_child_how(lua_State* L) {
  lua_pushstring(L, check_child(L)->how().c_str());
  return 1;
}

int l_child_method(lua_State* L) {
  lua_pushstring(L, process::method_name(check_child(L)->method()));
  return 1;
}

int l_set_start_method(lua_State* L) {
  // lua_tostring gives NULL for nil or a table: a string_view from it crashed.
  if (lua_type(L, 1) != LUA_TSTRING)
    fail("set_start_method: expected 'fork', 'spawn' or 'forkserver', got %s", luaL_typename(L, 1));
  process::set_default_method(process::parse_method(lua_tostring(L, 1), "set_start_method"));
  return 0;
}

int l_get_start_method(lua_State* L) {
  lua_pushstring(L, process::method_name(process::default_method()));
  return 1;
}

// In a process started by spawn: run what the environment names and exit.
int l_process_child(lua_State*) {
  process::spawn::run_from_environment();
  fail("process_child: this process was not started as a parlab child");
}

int l_forkserver_start(lua_State* L) {
  forkserver::ensure_started();
  lua_pushinteger(L, forkserver::server_pid());
  return 1;
}

int l_live_children(lua_State* L) {
  lua_pushinteger(L, process::live_children());
  return 1;
}

int l_is_child(lua_State* L) {
  lua_pushboolean(L, process::is_child());
  return 1;
}

int l_thread_count(lua_State* L) {
  lua_pushinteger(L, self::thread_count());
  return 1;
}

int l_getpid(lua_State* L) {
  lua_pushinteger(L, getpid());
  return 1;
}

const Function child_methods[] = {
    {"pid", l_child_pid}, {"poll", l_child_poll},     {"wait", l_child_wait}, {"signal", l_child_signal},
    {"how", l_child_how}, {"method", l_child_method}, {nullptr, nullptr}};

const Function child_metamethods[] = {{"__gc", l_child_gc}, {nullptr, nullptr}};
const Function functions[] = {{"get_start_method", l_get_start_method}, {nullptr, nullptr}};
const Function internal_functions[] = {{"proc_start", l_proc_start},
                                       {"set_start_method", l_set_start_method},
                                       {"process_child", l_process_child},
                                       {"forkserver_start", l_forkserver_start},
                                       {"live_children", l_live_children},
                                       {"is_child", l_is_child},
                                       {"thread_count", l_thread_count},
                                       {"getpid", l_getpid},
                                       {nullptr, nullptr}};

void open_process(lua_State* L) {
  shm::attach_from_environment();  // a spawned child must attach before anything allocates
  register_type(L, {kChildMeta, child_methods, child_metamethods});
  set_functions(L, functions);
  set_internal_functions(L, internal_functions);
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(process, parlab::lua::open_process);
