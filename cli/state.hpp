#pragma once
// Creating the Lua state the CLI runs code in (at start and after a reset in the REPL).
#include <lua.hpp>

#include "cli/options.hpp"

namespace parlab::cli {

struct CommandLine {
  int argc;
  char** argv;
  Options opts;
};

// A state set up like every parlab state (parlab::lua::open_state), with the global arg table;
// nullptr after reporting the error when the set-up failed.
lua_State* new_state(const CommandLine& cl);

}  // namespace parlab::cli
