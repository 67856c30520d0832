// parlab.clock, parlab.sleep, parlab.cpus, parlab.version and the raw CPU times parlab.time uses.
#include <lua.hpp>

#include "bindings/core/module.hpp"
#include "engine/arena/budget.hpp"
#include "engine/arena/shm.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/futex.hpp"
#include "engine/core/gil.hpp"

namespace parlab::lua {
namespace {

int l_clock(lua_State* L) {
  lua_pushnumber(L, clock_seconds());
  return 1;
}

// Ctrl-C and a stop request end it at once; the GIL is released like time.sleep.
int l_sleep(lua_State* L) {
  double seconds = luaL_checknumber(L, 1);
  if (seconds < 0) luaL_argerror(L, 1, "sleep length must be non-negative");
  gil::Release unlocked;
  futex::sleep_interruptible(seconds);
  return 0;
}

int l_cputimes(lua_State* L) {
  CpuTimes t = process_cpu_times();
  lua_pushnumber(L, t.user);
  lua_pushnumber(L, t.sys);
  return 2;
}

// Returns the count and a table with the reason and each limit that was considered.
int l_cpus(lua_State* L) {
  CpuBudget b = cpu_budget();
  lua_pushinteger(L, b.count);
  lua_createtable(L, 0, 6);
  lua_pushstring(L, b.reason.c_str());
  lua_setfield(L, -2, "reason");
  lua_pushinteger(L, b.online);
  lua_setfield(L, -2, "online");
  lua_pushinteger(L, b.affinity);
  lua_setfield(L, -2, "affinity");
  lua_pushnumber(L, b.cgroup_quota);
  lua_setfield(L, -2, "cgroup_quota");
  lua_pushinteger(L, b.slurm);
  lua_setfield(L, -2, "slurm");
  lua_pushinteger(L, b.count);
  lua_setfield(L, -2, "count");
  return 2;
}

// parlab.memory(): what the shared-memory budget goes by (engine/arena/budget.hpp), in bytes.
int l_memory(lua_State* L) {
  std::size_t limit = shm::use_limit();
  lua_createtable(L, 0, 4);
  lua_pushnumber(L, lua_Number(shm::used_bytes()));
  lua_setfield(L, -2, "arena_used");
  lua_pushnumber(L, lua_Number(shm::available_memory()));
  lua_setfield(L, -2, "available");
  lua_pushnumber(L, lua_Number(shm::memory_limit()));
  lua_setfield(L, -2, "ram");
  if (limit != 0) {
    lua_pushnumber(L, lua_Number(limit));
    lua_setfield(L, -2, "limit");
  }
  return 1;
}

const Function functions[] = {
    {"clock", l_clock}, {"sleep", l_sleep}, {"cpus", l_cpus}, {"memory", l_memory}, {nullptr, nullptr}};
const Function internal_functions[] = {{"cputimes", l_cputimes}, {nullptr, nullptr}};

void open_core(lua_State* L) {
  set_functions(L, functions);
  set_internal_functions(L, internal_functions);
  lua_pushstring(L, PARLAB_VERSION);
  lua_setfield(L, -2, "version");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(core, parlab::lua::open_core);
