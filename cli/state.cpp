// One place that builds the CLI's state, so the REPL's reset gives the same start as the first.
#include "cli/state.hpp"

#include <csignal>

#include "bindings/core/embedded.hpp"
#include "bindings/core/module.hpp"
#include "cli/run.hpp"
#include "engine/core/gil.hpp"

namespace parlab::cli {
namespace {

int open_protected(lua_State* L) {
  // parlab opens when the script first reads it; with the GIL on, at once, as the main thread joins the
  // GIL when parlab opens (bindings/modules/lua_gil.cpp).
  if (parlab::gil::enabled())
    parlab::lua::open_state(L);
  else
    parlab::lua::open_state_lazy(L);
  parlab::lua::preload_chunks(L, parlab::lua::cli_chunks);  // require "parlab.repl" and its parts
  return 0;
}

}  // namespace

lua_State* new_state(const CommandLine& cl) {
  lua_State* L = parlab::lua::new_state();
  if (!L) {
    l_message("cannot create the Lua state: not enough memory");
    return nullptr;
  }
  if (cl.opts.no_env) {  // -E: package.path and cpath ignore LUA_PATH and LUA_CPATH
    lua_pushboolean(L, 1);
    lua_setfield(L, LUA_REGISTRYINDEX, "LUA_NOENV");
  }
  // Threads the module starts inherit a mask with SIGINT blocked, so the terminal's Ctrl-C goes
  // to the main thread directly (sigint.cpp forwards it otherwise, a little later).
  sigset_t sigint_only, old;
  sigemptyset(&sigint_only);
  sigaddset(&sigint_only, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigint_only, &old);
  int status = lua_cpcall(L, open_protected, nullptr);
  pthread_sigmask(SIG_SETMASK, &old, nullptr);
  if (report(L, status) != 0) {
    parlab::lua::close_state(L);
    return nullptr;
  }
  create_arg_table(L, cl.argc, cl.argv, cl.opts.script);
  return L;
}

}  // namespace parlab::cli
