#pragma once
// Tab completion for libedit: asks require("parlab.repl").complete(word) in the REPL's state.
#include <lua.hpp>

namespace parlab::cli {

namespace libedit {
struct Api;
}

void install_completion(lua_State* const* state, const libedit::Api& edit);

}  // namespace parlab::cli
