// parlab.gil (enable, enabled, setswitchinterval, getswitchinterval, stats, reset_stats) and parlab.jit:
// the Lua face of engine/core/gil.hpp, and the hook through which a thread running Lua honours the GIL's
// drop requests. CPython's eval loop checks an "eval breaker" flag; the closest zero-cost equivalent in
// LuaJIT is a one-shot count hook that the waiting thread arms on the holder's state (as luajit.c arms
// one from its SIGINT handler): any installed count hook makes LuaJIT's interpreter ~2x slower, so none
// is installed while nobody waits.
#include <lua.hpp>

#include <atomic>
#include <string>

#include "bindings/core/errors.hpp"
#include "bindings/core/gil_state.hpp"
#include "bindings/core/module.hpp"
#include "engine/core/gil.hpp"
#include "engine/core/self.hpp"

namespace parlab::lua {
namespace {

constexpr int kHookCount = 200;  // VM instructions between probe checks (tests only)

std::atomic<bool> g_jit_default{true};  // JIT for new states in free mode (parlab.jit sets it)
thread_local int t_depth = 0;

// The probe (internal.gil_probe): counts hooks that overlap in time across threads. Under the GIL two
// threads never run Lua at once, so two hooks never overlap; without it they do.
std::atomic<bool> g_probe{false};
std::atomic<int> g_inside{0};
std::atomic<long> g_probe_checks{0}, g_probe_overlaps{0};

void probe() {
  if (g_inside.fetch_add(1, std::memory_order_acq_rel) != 0) g_probe_overlaps.fetch_add(1);
  for (int i = 0; i < 200; ++i) __builtin_ia32_pause();  // widen the window so overlaps are seen
  g_inside.fetch_sub(1, std::memory_order_acq_rel);
  g_probe_checks.fetch_add(1, std::memory_order_relaxed);
}

void gil_hook(lua_State*, lua_Debug*) {
  if (g_probe.load(std::memory_order_relaxed)) probe();
  gil::on_hook();  // disarms the one-shot hook (through arm_hook) and drops the GIL if asked
}

// Called by engine/core/gil.cpp under its mutex: arm (a waiter asks) or disarm (the hook fired) the one-shot
// hook of a holder's state. While probing, the probe's permanent hook stays as it is.
void arm_hook(void* state, bool arm) {
  if (g_probe.load(std::memory_order_relaxed)) return;
  auto* L = static_cast<lua_State*>(state);
  if (arm)
    lua_sethook(L, gil_hook, LUA_MASKCOUNT, 1);
  else
    lua_sethook(L, nullptr, 0, 0);
}

// The state whose hook the engine may arm for this thread; cleared when that state closes.
thread_local lua_State* t_armed_state = nullptr;

// The registry userdata whose __gc runs when its state closes; it holds that state.
const char* const kSentinelMeta = "parlab.GilSentinel";

int sentinel_gc(lua_State* L) {
  auto* owner = static_cast<lua_State**>(luaL_testudata(L, 1, kSentinelMeta));
  if (owner && t_armed_state == *owner) {
    gil::set_drop_notifier(nullptr, nullptr);
    t_armed_state = nullptr;
  }
  return 0;
}

// The state's main thread (recorded when parlab opened): a coroutine may be collected before the state.
lua_State* main_thread_of(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "parlab.gil.main");
  auto* main = static_cast<lua_State*>(lua_touserdata(L, -1));
  lua_pop(L, 1);
  return main ? main : L;
}

// Lets the engine arm L's hook; a registry userdata's __gc withdraws that when L closes.
void offer_state(lua_State* L) {
  L = main_thread_of(L);
  t_armed_state = L;
  gil::set_drop_notifier(arm_hook, L);
  lua_getfield(L, LUA_REGISTRYINDEX, "parlab.gil.sentinel");
  bool have = !lua_isnil(L, -1);
  lua_pop(L, 1);
  if (have) return;
  auto* owner = static_cast<lua_State**>(lua_newuserdata(L, sizeof(lua_State*)));
  *owner = L;
  set_type(L, kSentinelMeta);
  lua_setfield(L, LUA_REGISTRYINDEX, "parlab.gil.sentinel");
}

void set_jit(lua_State* L, bool on) {
  if (!on) luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_FLUSH);  // old traces would skip hooks
  luaJIT_setmode(L, 0, LUAJIT_MODE_ENGINE | (on ? LUAJIT_MODE_ON : LUAJIT_MODE_OFF));
  lua_pushboolean(L, on);
  lua_setfield(L, LUA_REGISTRYINDEX, "parlab.jit");
}

bool jit_on(lua_State* L) {
  lua_getfield(L, LUA_REGISTRYINDEX, "parlab.jit");
  bool on = lua_isnil(L, -1) || lua_toboolean(L, -1);
  lua_pop(L, 1);
  return on;
}

// With the GIL on: take it, let waiters arm this state's hook, JIT off. Off: JIT as chosen, no hook
// (unless probing).
void join_gil(lua_State* L) {
  if (gil::enabled()) {
    gil::acquire();
    set_jit(L, false);
    offer_state(L);
    if (g_probe.load()) lua_sethook(L, gil_hook, LUA_MASKCOUNT, kHookCount);
  } else {
    if (!g_jit_default.load()) set_jit(L, false);
    if (g_probe.load()) lua_sethook(L, gil_hook, LUA_MASKCOUNT, kHookCount);
  }
}

}  // namespace

void gil_enter_state(lua_State* L, const char* name) {
  if (t_depth++ == 0) {
    long tid = static_cast<long>(self::tid());
    gil::register_thread(
        name ? name : (self::is_main_thread() ? std::string("main") : "thread " + std::to_string(tid)));
  }
  join_gil(L);
}

void gil_leave_state(lua_State*) {
  if (t_depth == 0) return;
  if (--t_depth == 0) gil::unregister_thread();
}

namespace {

// parlab.gil.enable(on [, {jit = bool}])
int l_enable(lua_State* L) {
  if (!lua_isboolean(L, 1)) fail("gil.enable: expected true or false, got %s", luaL_typename(L, 1));
  bool on = lua_toboolean(L, 1);
  bool jit = !on;
  if (!lua_isnoneornil(L, 2)) {
    if (!lua_istable(L, 2)) fail("gil.enable: options must be a table, got %s", luaL_typename(L, 2));
    lua_getfield(L, 2, "jit");
    if (!lua_isnil(L, -1)) {
      if (!lua_isboolean(L, -1)) fail("gil.enable: option jit must be a boolean");
      jit = lua_toboolean(L, -1);
    }
    lua_pop(L, 1);
  }
  if (on && jit) fail("gil.enable: the GIL needs the JIT off (LuaJIT's compiled traces never run the hook)");
  gil::set_enabled(on);
  if (!gil::this_thread_registered()) gil_enter_state(L);
  if (on) {
    join_gil(L);
  } else {
    lua_sethook(L, nullptr, 0, 0);
    gil::set_drop_notifier(nullptr, nullptr);
    t_armed_state = nullptr;
    g_jit_default.store(jit);
    set_jit(L, jit);
  }
  return 0;
}

int l_enabled(lua_State* L) {
  lua_pushboolean(L, gil::enabled());
  return 1;
}

int l_setswitchinterval(lua_State* L) {
  if (lua_type(L, 1) != LUA_TNUMBER)
    fail("gil.setswitchinterval: expected seconds, got %s", luaL_typename(L, 1));
  gil::set_switch_interval(lua_tonumber(L, 1));
  return 0;
}

int l_getswitchinterval(lua_State* L) {
  lua_pushnumber(L, gil::switch_interval());
  return 1;
}

void set_number(lua_State* L, const char* k, double v) {
  lua_pushnumber(L, v);
  lua_setfield(L, -2, k);
}

int l_stats(lua_State* L) {
  gil::Stats s = gil::stats();
  lua_createtable(L, 0, 6);
  lua_pushboolean(L, gil::enabled());
  lua_setfield(L, -2, "enabled");
  set_number(L, "switches", double(s.switches));
  set_number(L, "forced_switches", double(s.forced_switches));
  set_number(L, "drop_requests", double(s.drop_requests));
  set_number(L, "interval", gil::switch_interval());
  lua_createtable(L, int(s.threads.size()), 0);
  for (size_t i = 0; i < s.threads.size(); ++i) {
    const gil::ThreadStats& t = s.threads[i];
    lua_createtable(L, 0, 6);
    lua_pushstring(L, t.name.c_str());
    lua_setfield(L, -2, "name");
    set_number(L, "tid", double(t.tid));
    lua_pushboolean(L, t.alive);
    lua_setfield(L, -2, "alive");
    set_number(L, "acquisitions", double(t.acquisitions));
    set_number(L, "wait", t.wait_seconds);
    set_number(L, "hold", t.hold_seconds);
    lua_rawseti(L, -2, int(i + 1));
  }
  lua_setfield(L, -2, "threads");
  return 1;
}

int l_reset_stats(lua_State*) {
  gil::reset_stats();
  return 0;
}

// internal.gil_probe(on): counts overlapping hook runs (a test of mutual exclusion); returns checks,
// overlaps so far. Installs the hook in the calling state; states entered later get it too.
int l_probe(lua_State* L) {
  if (lua_isboolean(L, 1)) {
    bool on = lua_toboolean(L, 1);
    if (on) g_probe_checks.store(0), g_probe_overlaps.store(0);
    g_probe.store(on);
    lua_sethook(L, on ? gil_hook : nullptr, LUA_MASKCOUNT, kHookCount);
  }
  lua_pushnumber(L, double(g_probe_checks.load()));
  lua_pushnumber(L, double(g_probe_overlaps.load()));
  return 2;
}

// parlab.jit([on]): the JIT of this state and of threads started later; returns the previous setting.
int l_jit(lua_State* L) {
  bool was = jit_on(L);
  if (!lua_isnoneornil(L, 1)) {
    if (!lua_isboolean(L, 1)) fail("jit: expected true or false, got %s", luaL_typename(L, 1));
    bool on = lua_toboolean(L, 1);
    if (on && gil::enabled())
      fail("jit: the JIT cannot run under the GIL (compiled traces never run the hook)");
    g_jit_default.store(on);
    set_jit(L, on);
  }
  lua_pushboolean(L, was);
  return 1;
}

const Function gil_functions[] = {{"enable", l_enable},
                                  {"enabled", l_enabled},
                                  {"setswitchinterval", l_setswitchinterval},
                                  {"getswitchinterval", l_getswitchinterval},
                                  {"stats", l_stats},
                                  {"reset_stats", l_reset_stats},
                                  {nullptr, nullptr}};
const Function internal_functions[] = {{"gil_probe", l_probe}, {nullptr, nullptr}};

const Function sentinel_metamethods[] = {{"__gc", sentinel_gc}, {nullptr, nullptr}};

void open_gil(lua_State* L) {
  register_type(L, {kSentinelMeta, nullptr, sentinel_metamethods});
  lua_pushlightuserdata(L, L);
  lua_setfield(L, LUA_REGISTRYINDEX, "parlab.gil.main");
  lua_newtable(L);
  set_functions(L, gil_functions);
  lua_setfield(L, -2, "gil");
  set_internal_functions(L, internal_functions);
  push_function(L, l_jit);
  lua_setfield(L, -2, "jit");
  // The main thread takes part like CPython's: it holds the GIL while it runs Lua.
  if (self::is_main_thread()) gil_enter_state(L, "main");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(gil, parlab::lua::open_gil);
