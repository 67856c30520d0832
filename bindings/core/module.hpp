#pragma once
// How each bindings/modules/lua_*.cpp file adds its part to the parlab table without a central list:
//   PARLAB_MODULE(queue, open_queue)   // open_queue(L) finds the parlab table at index -1
#include <lua.hpp>

namespace parlab::lua {

using Opener = void (*)(lua_State* L);

struct ModuleRegistration {
  ModuleRegistration(const char* name, Opener open);
};

// Sets t[name] = f for each {name, f} pair, each f wrapped by call_guarded (bindings/core/errors.hpp) so
// C++ errors become Lua errors. Expects the target table at index -1; the list ends with {nullptr}.
struct Function {
  const char* name;
  int (*fn)(lua_State*);
};
void set_functions(lua_State* L, const Function* fns);

// Pushes body as a Lua function wrapped by call_guarded.
void push_function(lua_State* L, int (*body)(lua_State*));

// The tail of an __index that serves some keys itself: pushes the method the key (stack index 2) names
// in the "methods" table of the object's (stack index 1) metatable, or nil.
void push_method(lua_State* L);

}  // namespace parlab::lua

#define PARLAB_MODULE(name, opener) \
  static ::parlab::lua::ModuleRegistration parlab_module_##name(#name, opener)

// Opens the parlab module: pushes the parlab table. Also usable as package.preload["parlab"].
extern "C" int luaopen_parlab(lua_State* L);

namespace parlab::lua {
struct EmbeddedChunk;
// Makes each chunk wait for require "parlab.NAME" (package.preload): Lua used by one part only, like
// the REPL's (cli/lua/), rather than run in every state.
void preload_chunks(lua_State* L, const EmbeddedChunk* chunks);
}  // namespace parlab::lua

// Sets up a fresh state the way every parlab state starts: standard libraries, the global parlab,
// require "parlab". Threads, workers and the CLI all call this.
namespace parlab::lua {
void open_state(lua_State* L);

// A fresh, empty Lua state (nullptr when out of memory): luaL_newstate, except in ThreadSanitizer builds,
// where LuaJIT allocates through malloc (module.cpp says why). Every parlab state is made here.
lua_State* new_state();
}
