// Condition and Barrier userdata (engine/sync/condition.hpp, engine/sync/barrier.hpp), added to internal.sync
// by lua_sync.cpp. Barrier:wait and the barrier action are finished in bindings/modules/sync.lua.
#include <lua.hpp>

#include <cstdio>
#include <cstring>

#include "bindings/core/module.hpp"
#include "bindings/modules/sync_common.hpp"
#include "engine/sync/barrier.hpp"
#include "engine/sync/condition.hpp"

namespace parlab::lua {
namespace {

using namespace sync_detail;
using sync::BarrierObject;
using sync::ConditionObject;
using sync::LockObject;

constexpr const char* kCond = "parlab.Condition";
constexpr const char* kBarrier = "parlab.Barrier";

ConditionObject& cond_arg(lua_State* L, const char* m) { return check<ConditionObject>(L, 1, kCond, m); }
BarrierObject& barrier_arg(lua_State* L, const char* m) { return check<BarrierObject>(L, 1, kBarrier, m); }

bool has_metatable(lua_State* L, int idx, const char* mt) {
  if (!lua_getmetatable(L, idx)) return false;
  luaL_getmetatable(L, mt);
  bool same = lua_rawequal(L, -1, -2);
  lua_pop(L, 2);
  return same;
}

// Condition([lock]): over the given Lock or RLock, or a new RLock as in Python.
int new_condition(lua_State* L) {
  shm::Ref<LockObject> lock;
  if (lua_isnoneornil(L, 1)) {
    lock = shm::Ref<LockObject>::create(true);
  } else if (has_metatable(L, 1, "parlab.Lock")) {
    lock = ref_of<LockObject>(L, 1, "parlab.Lock", "Condition");
  } else if (has_metatable(L, 1, "parlab.RLock")) {
    lock = ref_of<LockObject>(L, 1, "parlab.RLock", "Condition");
  } else {
    fail("Condition: expected a Lock or an RLock, got %s", luaL_typename(L, 1));
  }
  push_ref(L, shm::Ref<ConditionObject>::create(std::move(lock)), kCond);
  return 1;
}

int cond_acquire(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.acquire");
  bool block;
  double timeout;
  max_args(L, 2, "Condition.acquire", "block, timeout");
  acquire_block_and_timeout(L, 2, "Condition.acquire", block, timeout);
  lua_pushboolean(L, c.lock->acquire(block, timeout));
  return 1;
}

int cond_release(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.release");
  max_args(L, 0, "Condition.release");
  c.lock->release();
  return 0;
}

int cond_wait(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.wait");
  max_args(L, 1, "Condition.wait", "timeout");
  lua_pushboolean(L, c.wait(opt_timeout(L, 2, "Condition.wait")));
  return 1;
}

int cond_notify(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.notify");
  long n = 1;
  if (!lua_isnoneornil(L, 2)) {
    double d = lua_tonumber(L, 2);
    if (lua_type(L, 2) != LUA_TNUMBER || d < 0 || d != double(long(d)))
      fail("Condition.notify: n must be a non-negative integer, got %s", luaL_typename(L, 2));
    n = long(d);
  }
  c.notify(n);
  return 0;
}

int cond_notify_all(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.notify_all");
  if (!c.lock->owned_by_caller()) fail("Condition.notify_all: cannot notify on un-acquired lock");
  c.notify(-1);
  return 0;
}

// The Condition's lock as a Lock/RLock userdata (for sharing it or for tests).
int cond_lock(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.get_lock");
  push_ref(L, c.lock, c.lock->recursive ? "parlab.RLock" : "parlab.Lock");
  return 1;
}

int cond_tostring(lua_State* L) {
  ConditionObject& c = cond_arg(L, "Condition.__tostring");
  char buf[96];
  std::snprintf(buf, sizeof buf, "Condition(%s, %u waiting)", c.lock->type_name(), c.waiting.load());
  lua_pushstring(L, buf);
  return 1;
}

// Barrier(parties [, timeout]); the action is kept by sync.lua.
int new_barrier(lua_State* L) {
  double n = lua_tonumber(L, 1);
  if (lua_type(L, 1) != LUA_TNUMBER || n < 1 || n > 1e6 || n != double(long(n)))
    fail("Barrier: parties must be a positive integer, got %s",
         lua_type(L, 1) == LUA_TNUMBER ? lua_tostring(L, 1) : luaL_typename(L, 1));
  double timeout = opt_timeout(L, 2, "Barrier");
  push_ref(L, shm::Ref<BarrierObject>::create(std::uint32_t(n), timeout), kBarrier);
  return 1;
}

// _arrive(b) -> index, round, last
int barrier_arrive(lua_State* L) {
  BarrierObject::Arrival a = barrier_arg(L, "Barrier.wait").arrive();
  lua_pushinteger(L, a.index);
  lua_pushnumber(L, a.round);
  lua_pushboolean(L, a.last);
  return 3;
}

int barrier_finish(lua_State* L) {
  barrier_arg(L, "Barrier.wait").finish_round(std::uint32_t(luaL_checknumber(L, 2)));
  return 0;
}

int barrier_wait_round(lua_State* L) {
  BarrierObject& b = barrier_arg(L, "Barrier.wait");
  b.wait_round(std::uint32_t(luaL_checknumber(L, 2)), opt_timeout(L, 3, "Barrier.wait"));
  return 0;
}

int barrier_abort(lua_State* L) {
  barrier_arg(L, "Barrier.abort").abort();
  return 0;
}

int barrier_reset(lua_State* L) {
  barrier_arg(L, "Barrier.reset").reset();
  return 0;
}

// _info(b) -> parties, n_waiting, broken
int barrier_info(lua_State* L) {
  BarrierObject& b = barrier_arg(L, "Barrier");
  lua_pushinteger(L, b.parties);
  lua_pushinteger(L, b.n_waiting());
  lua_pushboolean(L, b.broken.load());
  return 3;
}

int barrier_tostring(lua_State* L) {
  BarrierObject& b = barrier_arg(L, "Barrier.__tostring");
  char buf[96];
  std::snprintf(buf, sizeof buf, "Barrier(parties=%u, waiting=%u%s)", b.parties, b.n_waiting(),
                b.broken.load() ? ", broken" : "");
  lua_pushstring(L, buf);
  return 1;
}

int attach(lua_State* L) {
  const char* kind = luaL_checkstring(L, 1);
  if (!std::strcmp(kind, "Condition")) {
    push_ref(L, attach_handle<ConditionObject>(L, 2, kind), kCond);
  } else if (!std::strcmp(kind, "Barrier")) {
    push_ref(L, attach_handle<BarrierObject>(L, 2, kind), kBarrier);
  } else {
    fail("transport: unknown sync kind '%s'", kind);
  }
  return 1;
}

const Function cond_methods[] = {
    {"acquire", cond_acquire},       {"release", cond_release}, {"wait", cond_wait}, {"notify", cond_notify},
    {"notify_all", cond_notify_all}, {"get_lock", cond_lock},   {nullptr, nullptr}};
const Function barrier_methods[] = {{"abort", barrier_abort}, {"reset", barrier_reset}, {nullptr, nullptr}};
const Function functions[] = {{"Condition", new_condition},
                              {"Barrier", new_barrier},
                              {"barrier_arrive", barrier_arrive},
                              {"barrier_finish", barrier_finish},
                              {"barrier_wait_round", barrier_wait_round},
                              {"barrier_info", barrier_info},
                              {"attach_wait", attach},
                              {nullptr, nullptr}};

}  // namespace

void open_sync_wait(lua_State* L) {
  set_functions(L, functions);
  make_type<ConditionObject>(L, {kCond, cond_methods, cond_tostring});
  make_type<BarrierObject>(L, {kBarrier, barrier_methods, barrier_tostring});
}

}  // namespace parlab::lua
