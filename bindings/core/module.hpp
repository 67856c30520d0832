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

// Internals: what the modules share among themselves (handles, cores, entry points, test probes) but
// users should not call. They live in one table per state that is not a field of parlab, so pairs(parlab)
// and the docs show only the supported API: package.loaded["parlab.internal"] (require "parlab.internal"
// for tests and tools; unsupported, names may change), also kept in the registry so a script that clears
// package.loaded cannot take it from the bindings. Each bindings/modules/*.lua chunk gets it as its
// second argument. Its functions still must not crash on bad arguments (tests/lua/test_api_sweep.lua).
void push_internal(lua_State* L);
// internal[name] = the value at the top, which is popped.
void set_internal(lua_State* L, const char* name);
// internal[name] = f for each {name, f}, as set_functions does; the stack is unchanged.
void set_internal_functions(lua_State* L, const Function* fns);

// A userdata type, as register_type makes it:
//   register_type(L, {"parlab.Queue", queue_methods, queue_metamethods});
// methods (obj:put(...)) are served by __index and also stored as the metatable's "methods" (for the Lua
// side to extend); metamethods is every other entry of the metatable ("__gc", "__eq", "__tostring",
// "__len", "__newindex", ...). properties, when set, serves obj.key for keys that name no method: it
// reads the object at stack index 1 and the key at 2, pushes the value and returns 1, or returns 0 (nil).
// Either list may be nullptr; an entry whose function is nullptr is left out (a list may hold optional ones).
struct TypeSpec {
  const char* name;  // the registry key, a constant (the __gc keeps it); __name is the part after "parlab."
  const Function* methods = nullptr;
  const Function* metamethods = nullptr;
  int (*properties)(lua_State*) = nullptr;
};

// Registers t's metatable under t.name. Every function in it goes through call_guarded, so an error
// crosses once, at the user's file:line; "__gc" through call_finalizer instead, as a finalizer must
// never raise (a __gc body reads its object with a test such as luaL_testudata, never a check). With no
// properties, __index is the methods table itself: a plain table lookup, which the JIT compiles.
void register_type(lua_State* L, const TypeSpec& t);

// Gives the userdata at index -1 the metatable registered as name (by register_type).
void set_type(lua_State* L, const char* name);

}  // namespace parlab::lua

#define PARLAB_MODULE(name, opener) \
  static ::parlab::lua::ModuleRegistration parlab_module_##name(#name, opener)

// Opens the parlab module: pushes the parlab table. Also usable as package.preload["parlab"].
extern "C" int luaopen_parlab(lua_State* L);

namespace parlab::lua {
struct EmbeddedChunk;
// Makes each chunk wait for require "parlab.NAME" (package.preload; its bytecode loads then, not
// before): Lua used by one part only, like the REPL's (cli/lua/), rather than run in every state.
void preload_chunks(lua_State* L, const EmbeddedChunk* chunks);
}  // namespace parlab::lua

// Sets up a fresh state the way every parlab state starts: standard libraries, the global parlab,
// require "parlab". Processes and the fork server (which opens parlab once for all its children) call it.
namespace parlab::lua {
void open_state(lua_State* L);

// The same state as open_state gives, except that parlab opens on first use: the first read of the
// global parlab (through _G's metatable, which then goes away), require "parlab" or "parlab.internal",
// or the first transport of a value that needs its tables (load_lazy_parlab). What the script sees is
// the same, with pairs(parlab) whole; a state whose code never touches parlab pays only for the standard
// libraries (luajit's start-up). Used by the CLI (except with the GIL on: the main thread joins the GIL
// as parlab opens, so it opens at once), parlab.Thread's states and pool workers.
void open_state_lazy(lua_State* L);
// Opens parlab now in a lazy state where it is not open yet (true), else does nothing (false). Lua
// errors propagate.
bool load_lazy_parlab(lua_State* L);

// A fresh, empty Lua state (nullptr when out of memory) on parlab's allocator (lua_alloc.hpp: LuaJIT's,
// with warm mspaces and huge-page big blocks), except in ThreadSanitizer builds, where LuaJIT allocates
// through malloc (module.cpp says why). Every parlab state is made here and ends in close_state.
lua_State* new_state();
void close_state(lua_State* L);  // lua_close, keeping the state's memory warm for the next new_state
}  // namespace parlab::lua
