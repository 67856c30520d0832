// Running chunks as lua.c does, with Ctrl-C handling around each call (sigint.hpp).
#include "cli/run.hpp"

#include <cstdio>
#include <cstring>

#include "bindings/core/errors.hpp"
#include "cli/sigint.hpp"

namespace parlab::cli {
namespace {

// parlab's one message handler (the error's text and traceback), once Ctrl-C can no longer interrupt it.
int msghandler(lua_State* L) {
  sigint::disarm(L);
  return lua::message_handler(L);
}

// Pushes argv[script+1..] and returns how many.
int pushargs(lua_State* L, char** argv, int script) {
  int n = 0;
  for (char** a = argv + script + 1; *a; ++a, ++n) lua_pushstring(L, *a);
  return n;
}

}  // namespace

namespace {
const char* program_name = "parlab";
}

void set_progname(const char* name) {
  if (name && *name) program_name = name;
}
const char* progname() { return program_name; }

void l_message(const char* msg) {
  std::fflush(stdout);
  std::fprintf(stderr, "%s: %s\n", program_name, msg);
  std::fflush(stderr);
}

int report(lua_State* L, int status) {
  if (status != 0 && status != kStateLost && !lua_isnil(L, -1)) {
    const char* msg = lua_tostring(L, -1);
    l_message(msg ? msg : "(error object is not a string)");
    lua_pop(L, 1);
  }
  return status;
}

int docall(lua_State* L, int narg, int nres) {
  int base = lua_gettop(L) - narg;
  lua_pushcfunction(L, msghandler);  // raw: the message handler of this lua_pcall
  lua_insert(L, base);
  // A JIT-compiled loop that ignored Ctrl-C lands here: nothing below this frame may be resumed.
  if (sigsetjmp(sigint::escape, 1) != 0) return kStateLost;
  sigint::begin(L);
  int status = lua_pcall(L, narg, nres, base);
  sigint::end(L);
  lua_remove(L, base);
  return status;
}

int dochunk(lua_State* L, int status) {
  if (status == 0) status = docall(L, 0, 0);
  return report(L, status);
}

int dofile(lua_State* L, const char* name) { return dochunk(L, luaL_loadfile(L, name)); }

int dostring(lua_State* L, const char* s, const char* name) {
  return dochunk(L, luaL_loadbuffer(L, s, std::strlen(s), name));
}

int dolibrary(lua_State* L, const char* spec) {
  const char* eq = std::strchr(spec, '=');
  const char* module = eq ? eq + 1 : spec;
  lua_getglobal(L, "require");
  lua_pushstring(L, module);
  int status = docall(L, 1, 1);
  if (status == 0) {
    if (eq)
      lua_pushlstring(L, spec, static_cast<size_t>(eq - spec));
    else
      lua_pushstring(L, spec);
    lua_insert(L, -2);
    lua_settable(L, LUA_GLOBALSINDEX);
  }
  return report(L, status);
}

int handle_script(lua_State* L, char** argv, int script) {
  const char* fname = argv[script];
  // "-" is stdin, unless it came after "--" (then it is a file named "-")
  if (std::strcmp(fname, "-") == 0 && std::strcmp(argv[script - 1], "--") != 0) fname = nullptr;
  int status = luaL_loadfile(L, fname);
  if (status == 0) {
    int n = pushargs(L, argv, script);
    status = docall(L, n, 0);
  }
  return report(L, status);
}

void create_arg_table(lua_State* L, int argc, char** argv, int script) {
  int base = script > 0 ? script : argc;  // no script: arg[0] is nil, options are negative
  lua_createtable(L, argc - base, base + 1);
  for (int i = 0; i < argc; ++i) {
    lua_pushstring(L, argv[i]);
    lua_rawseti(L, -2, i - base);
  }
  lua_setglobal(L, "arg");
}

}  // namespace parlab::cli
