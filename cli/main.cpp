// Minimal entry point (the foundation issue replaces it with lua.c's full command line and the REPL).
#include <lua.hpp>

#include <cstdio>

#include "bindings/module.hpp"

static int traceback(lua_State* L) {
  luaL_traceback(L, L, lua_tostring(L, 1), 1);
  return 1;
}

int main(int argc, char** argv) {
  lua_State* L = luaL_newstate();
  parlab::lua::open_state(L);
  lua_createtable(L, argc, 1);
  for (int i = 0; i < argc; ++i) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - 1);
  }
  lua_setglobal(L, "arg");
  lua_pushcfunction(L, traceback);
  int status = argc > 2 && argv[1][0] == '-' && argv[1][1] == 'e'
                   ? luaL_loadstring(L, argv[2])
                   : luaL_loadfile(L, argc > 1 ? argv[1] : nullptr);
  if (status == 0) status = lua_pcall(L, 0, 0, -2);
  if (status != 0) std::fprintf(stderr, "parlab: %s\n", lua_tostring(L, -1));
  lua_close(L);
  return status == 0 ? 0 : 1;
}
