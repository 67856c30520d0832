#pragma once
// The interactive loop, as Lua 5.4's lua.c doREPL: expressions print their values, "=" works,
// incomplete chunks continue on ">>", ":help" and ":time" are REPL commands, Ctrl-D leaves.
#include <lua.hpp>

#include "cli/state.hpp"

namespace parlab::cli {

// Runs until end of input; L may be replaced by a fresh state after an escape from a JIT loop.
int repl(lua_State*& L, const CommandLine& cl);

}  // namespace parlab::cli
