#pragma once
// Tab completion for libedit: asks require("parlab.repl").complete(word) in the REPL's state.
#include <lua.hpp>

namespace parlab::cli {

void install_completion(lua_State* const* state);

}  // namespace parlab::cli
