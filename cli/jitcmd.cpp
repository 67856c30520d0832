// The LuaJIT control options, as luajit.c implements them.
#include "cli/jitcmd.hpp"

#include <cstring>

#include "cli/run.hpp"

namespace parlab::cli {
namespace {

// Pushes the comma-separated parts of opt (empty parts as nil); returns how many.
int push_options(lua_State* L, const char* opt) {
  if (!opt || !*opt) return 0;
  int n = 0;
  for (;;) {
    const char* comma = std::strchr(opt, ',');
    size_t len = comma ? static_cast<size_t>(comma - opt) : std::strlen(opt);
    if (len)
      lua_pushlstring(L, opt, len);
    else
      lua_pushnil(L);
    ++n;
    if (!comma) return n;
    opt = comma + 1;
  }
}

int run_with_options(lua_State* L, const char* opt) {
  int n = push_options(L, opt);
  return report(L, docall(L, n, 0));
}

// Pushes require("jit." .. name).start; on failure reports and returns nonzero.
int load_jit_module(lua_State* L, const char* name, size_t len) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "jit.");
  lua_pushlstring(L, name, len);
  lua_concat(L, 2);
  if (lua_pcall(L, 1, 1, 0) != 0) {
    const char* msg = lua_tostring(L, -1);
    if (!msg || std::strncmp(msg, "module ", 7) != 0) return report(L, 1);
    lua_pop(L, 1);
    l_message("unknown luaJIT command or jit.* modules not installed");
    return 1;
  }
  lua_getfield(L, -1, "start");
  lua_remove(L, -2);
  if (lua_isfunction(L, -1)) return 0;
  lua_pop(L, 1);
  l_message("unknown luaJIT command or jit.* modules not installed");
  return 1;
}

}  // namespace

int dojitcmd(lua_State* L, const char* cmd) {
  const char* eq = std::strchr(cmd, '=');
  size_t len = eq ? static_cast<size_t>(eq - cmd) : std::strlen(cmd);
  lua_getglobal(L, "jit");
  lua_pushlstring(L, cmd, len);
  lua_gettable(L, -2);  // jit.on, jit.off, jit.flush ...
  lua_remove(L, -2);
  if (!lua_isfunction(L, -1)) {
    lua_pop(L, 1);
    if (load_jit_module(L, cmd, len)) return 1;
  }
  return run_with_options(L, eq ? eq + 1 : nullptr);
}

int dojitopt(lua_State* L, const char* opt) {
  lua_getglobal(L, "require");
  lua_pushliteral(L, "jit.opt");
  if (report(L, docall(L, 1, 1)) != 0) return 1;
  lua_getfield(L, -1, "start");
  lua_remove(L, -2);
  return run_with_options(L, opt);
}

}  // namespace parlab::cli
