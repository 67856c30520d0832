// The sandbox's two limits. Memory: every allocation of the state goes through limited_alloc, which
// refuses growth past Limits::memory, so LuaJIT raises "not enough memory" in the script (a shrink or a
// free never fails, as Lua requires). Time: a count hook reads the clock every check_interval
// instructions and raises "time limit of N s exceeded" past the deadline; from then on it fires at every
// instruction, so a script that catches the error (pcall, coroutine.resume) fails again at its next
// instruction and the error reaches the host. Hooks do not run in JIT-compiled code, so a time limit
// turns the JIT off for the state (and Options forbids the jit library with it).
#include <lua.hpp>

#include <chrono>
#include <cstdlib>

#include "embed/shared.hpp"

namespace parlab::embed::detail {
namespace {

using Clock = std::chrono::steady_clock;

void* limited_alloc(void* ud, void* block, std::size_t osize, std::size_t nsize) {
  auto* s = static_cast<Shared*>(ud);
  std::size_t old = block ? osize : 0;
  if (nsize == 0) {
    std::free(block);
    s->used -= old;
    return nullptr;
  }
  std::size_t limit = s->options.limits.memory;
  if (limit && s->host_side == 0 && nsize > old && s->used - old + nsize > limit) return nullptr;
  void* grown = std::realloc(block, nsize);
  if (!grown) return nullptr;
  s->used = s->used - old + nsize;
  return grown;
}

void time_hook(lua_State* L, lua_Debug*) {
  Shared& s = Shared::of(L);
  if (!s.expired && Clock::now() < s.deadline) return;
  if (!s.expired) {
    s.expired = true;
    lua_sethook(L, time_hook, LUA_MASKCOUNT, 1);
  }
  luaL_error(L, "time limit of %g s exceeded", s.options.limits.seconds);
}

}  // namespace

Shared& Shared::of(lua_State* L) {
  void* ud = nullptr;
  lua_getallocf(L, &ud);
  return *static_cast<Shared*>(ud);
}

bool make_state(Shared& s) {
  s.L = lua_newstate(limited_alloc, &s);
  return s.L != nullptr;
}

void apply_jit_mode(Shared& s) {
  if (s.options.limits.seconds > 0) luaJIT_setmode(s.L, 0, LUAJIT_MODE_ENGINE | LUAJIT_MODE_OFF);
}

void arm_time_limit(Shared& s) {
  double seconds = s.options.limits.seconds;
  if (seconds <= 0 || s.depth++ > 0)
    return;  // a nested call (a host function calling back) keeps the deadline
  s.expired = false;
  s.deadline =
      Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  int interval = s.options.limits.check_interval > 0 ? s.options.limits.check_interval : 1000;
  lua_sethook(s.L, time_hook, LUA_MASKCOUNT, interval);
}

void disarm_time_limit(Shared& s) {
  if (s.options.limits.seconds > 0 && --s.depth == 0) lua_sethook(s.L, nullptr, 0, 0);
}

}  // namespace parlab::embed::detail
