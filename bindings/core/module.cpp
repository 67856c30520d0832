// Module registration (PARLAB_MODULE), the guarded pushes of C functions and userdata types, and the
// set-up every parlab Lua state starts with.
#include "bindings/core/module.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <vector>

#include "bindings/core/embedded.hpp"
#include "bindings/core/errors.hpp"
#include "bindings/core/lua_alloc.hpp"

namespace parlab::lua {
namespace {

struct Entry {
  const char* name;
  Opener open;
};

std::vector<Entry>& registry() {
  static std::vector<Entry> modules;
  return modules;
}

void load_embedded(lua_State* L, const EmbeddedChunk& chunk) {
  std::string chunkname = std::string("@parlab/") + chunk.name + ".lua";
  if (luaL_loadbuffer(L, chunk.code, chunk.size, chunkname.c_str()) != 0) lua_error(L);
}

// bindings/modules/NAME.lua runs now with the parlab table and the internal table as its arguments, so
// Lua-side code can extend both.
void open_embedded(lua_State* L, const EmbeddedChunk& chunk) {
  load_embedded(L, chunk);
  lua_pushvalue(L, -2);
  push_internal(L);
  lua_call(L, 2, 0);
}

char kInternalKey;  // registry[&kInternalKey]: this state's internal table

// Pushes this state's internal table, making it first if there is none yet (a lazy state makes it
// before parlab opens, so set_module_field can name the thread).
void push_new_internal(lua_State* L) {
  lua_pushlightuserdata(L, &kInternalKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  if (lua_istable(L, -1)) return;
  lua_pop(L, 1);
  lua_newtable(L);
  lua_pushlightuserdata(L, &kInternalKey);
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
}

// Makes the internal table and publishes it as package.loaded["parlab.internal"].
void open_internal(lua_State* L) {
  push_new_internal(L);
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) {
    lua_pushvalue(L, -2);
    lua_setfield(L, -2, "parlab.internal");
  }
  lua_pop(L, 2);
}

}  // namespace

ModuleRegistration::ModuleRegistration(const char* name, Opener open) { registry().push_back({name, open}); }

namespace {

// The function values register C functions as: their body is upvalue 1 (a light userdata).
Body body_at(lua_State* L, int upvalue) {
  return reinterpret_cast<Body>(lua_touserdata(L, lua_upvalueindex(upvalue)));
}

int trampoline(lua_State* L) { return call_guarded(L, body_at(L, 1)); }

// A __gc: upvalue 2 is the type's name, for the report of a failure.
int finalizer_trampoline(lua_State* L) {
  return call_finalizer(L, body_at(L, 1), static_cast<const char*>(lua_touserdata(L, lua_upvalueindex(2))));
}

// An __index with properties: upvalue 1 the body, upvalue 2 the methods table. A method (a string key)
// is found by a raw lookup before any C++ runs, the hot path of obj:method(); any other key goes to the
// body, numbers (a[i]) at once.
int index_trampoline(lua_State* L) {
  if (lua_type(L, 2) == LUA_TSTRING) {
    lua_pushvalue(L, 2);
    lua_rawget(L, lua_upvalueindex(2));
    if (!lua_isnil(L, -1)) return 1;
    lua_pop(L, 1);
  }
  return call_guarded(L, body_at(L, 1));
}

void push_body(lua_State* L, Body body) { lua_pushlightuserdata(L, reinterpret_cast<void*>(body)); }

// Pushes the __index of t: its methods table, or a function over it and t.properties. Stores the methods
// table as the "methods" field of the metatable at -1 either way.
void push_index(lua_State* L, const TypeSpec& t) {
  lua_newtable(L);
  if (t.methods) set_functions(L, t.methods);
  lua_pushvalue(L, -1);
  lua_setfield(L, -3, "methods");
  if (!t.properties) return;
  push_body(L, t.properties);
  lua_insert(L, -2);
  lua_pushcclosure(L, index_trampoline, 2);
}

void push_metamethod(lua_State* L, const TypeSpec& t, const Function& m) {
  if (std::strcmp(m.name, "__gc") != 0) return push_function(L, m.fn);
  push_body(L, m.fn);
  lua_pushlightuserdata(L, const_cast<char*>(t.name));
  lua_pushcclosure(L, finalizer_trampoline, 2);
}

}  // namespace

void push_function(lua_State* L, int (*body)(lua_State*)) {
  push_body(L, body);
  lua_pushcclosure(L, trampoline, 1);
}

void register_type(lua_State* L, const TypeSpec& t) {
  luaL_newmetatable(L, t.name);
  lua_pushstring(L, std::strncmp(t.name, "parlab.", 7) == 0 ? t.name + 7 : t.name);
  lua_setfield(L, -2, "__name");
  push_index(L, t);
  lua_setfield(L, -2, "__index");
  for (const Function* m = t.metamethods; m && m->name; ++m) {
    if (!m->fn) continue;
    push_metamethod(L, t, *m);
    lua_setfield(L, -2, m->name);
  }
  lua_pop(L, 1);
}

void set_type(lua_State* L, const char* name) {
  luaL_getmetatable(L, name);
  lua_setmetatable(L, -2);
}

namespace {

// package.preload's loader for one chunk (upvalue 1): loads its bytecode only when required, so a state
// that never requires it holds no prototypes for it.
int load_chunk_on_require(lua_State* L) {
  auto* chunk = static_cast<const EmbeddedChunk*>(lua_touserdata(L, lua_upvalueindex(1)));
  int n = lua_gettop(L);
  load_embedded(L, *chunk);
  lua_insert(L, 1);
  lua_call(L, n, LUA_MULTRET);
  return lua_gettop(L);
}

}  // namespace

void preload_chunks(lua_State* L, const EmbeddedChunk* chunks) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  for (const EmbeddedChunk* c = chunks; c->name; ++c) {
    lua_pushlightuserdata(L, const_cast<EmbeddedChunk*>(c));
    lua_pushcclosure(L, load_chunk_on_require, 1);  // raw: require calls it; chunk errors are Lua errors
    lua_setfield(L, -2, (std::string("parlab.") + c->name).c_str());
  }
  lua_pop(L, 2);
}

void push_internal(lua_State* L) {
  lua_pushlightuserdata(L, &kInternalKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
}

void set_internal(lua_State* L, const char* name) {
  push_internal(L);
  lua_insert(L, -2);
  lua_setfield(L, -2, name);
  lua_pop(L, 1);
}

void set_internal_functions(lua_State* L, const Function* fns) {
  push_internal(L);
  set_functions(L, fns);
  lua_pop(L, 1);
}

void set_functions(lua_State* L, const Function* fns) {
  for (; fns->name; ++fns) {
    push_function(L, fns->fn);
    lua_setfield(L, -2, fns->name);
  }
}

#if defined(__SANITIZE_THREAD__)
namespace {

// ThreadSanitizer builds only. LuaJIT's own allocator (the library is not built with TSan) takes memory
// with mmap and moves or returns it with mremap and munmap; TSan does not intercept mremap, so after one
// thread's state gives an address range back and another thread's state gets it again, TSan still holds
// the first thread's accesses there and reports the second state's first memset (lj_tab_resize) as a
// race between two states that share no memory. Through malloc and free, which TSan intercepts, it
// knows when memory changes hands; FFI stores into shared arrays are still checked like any access.
void* tsan_visible_alloc(void*, void* block, std::size_t, std::size_t size) {
  if (size == 0) {
    std::free(block);
    return nullptr;
  }
  return std::realloc(block, size);
}

int panic(lua_State* L) {  // what luaL_newstate installs
  std::fprintf(stderr, "PANIC: unprotected error in call to Lua API (%s)\n", lua_tostring(L, -1));
  return 0;
}
}  // namespace

lua_State* new_state() {
  lua_State* L = lua_newstate(tsan_visible_alloc, nullptr);
  if (L) lua_atpanic(L, panic);
  return L;
}
#else
lua_State* new_state() { return open_lua_state(); }  // lua_alloc.hpp: warm and huge-page memory
#endif

void close_state(lua_State* L) { close_lua_state(L); }

namespace {

// Pushes require "parlab".
void require_parlab(lua_State* L) {
  lua_getglobal(L, "require");
  lua_pushstring(L, "parlab");
  lua_call(L, 1, 1);
}

// The global parlab of a lazy state: _G's metatable answers the first read of "parlab" by opening it
// (require "parlab"), storing it as a plain global and removing itself, so every way of reaching the
// table (the global, require, transport) finds it whole and pairs(parlab) lists everything. A Lua
// function rather than a C one, so a compiled loop that reads a missing global is not aborted.
constexpr char kLazyGlobal[] = R"(
local G, mt = _G, {}
local require, rawset, getmetatable, setmetatable = require, rawset, getmetatable, setmetatable
function mt.__index(_, k)
  if k ~= "parlab" then return nil end
  if getmetatable(G) == mt then setmetatable(G, nil) end
  local parlab = require "parlab"
  rawset(G, "parlab", parlab)
  return parlab
end
setmetatable(G, mt)
)";

int append_bytes(lua_State*, const void* p, size_t size, void* out) {
  static_cast<std::string*>(out)->append(static_cast<const char*>(p), size);
  return 0;
}

// kLazyGlobal as bytecode, compiled by the first state that installs it: every later state (one per
// thread start) loads it without running the parser, a few microseconds of each start.
const std::string& lazy_global_bytecode(lua_State* L) {
  static std::string code;
  static std::once_flag once;
  std::call_once(once, [L] {
    if (luaL_loadbuffer(L, kLazyGlobal, sizeof(kLazyGlobal) - 1, "=parlab.lazy") != 0) lua_error(L);
    std::string dumped;
    lua_dump(L, append_bytes, &dumped);
    lua_pop(L, 1);
    code = std::move(dumped);
  });
  return code;
}

void install_lazy_global(lua_State* L) {
  const std::string& code = lazy_global_bytecode(L);
  if (luaL_loadbuffer(L, code.data(), code.size(), "=parlab.lazy") != 0) lua_error(L);
  lua_call(L, 0, 0);
}

// package.preload["parlab.internal"]: opens parlab first, so the table it gives is filled.
int require_internal(lua_State* L) {
  require_parlab(L);
  push_internal(L);
  return 1;
}

void preload_parlab(lua_State* L) {
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  push_function(L, luaopen_parlab);  // guarded: an opener may throw (shm attach)
  lua_setfield(L, -2, "parlab");
  lua_pop(L, 2);
}

}  // namespace

void open_state(lua_State* L) {
  preload_parlab(L);
  require_parlab(L);
  lua_setglobal(L, "parlab");
}

void open_state_lazy(lua_State* L) {
  preload_parlab(L);
  push_new_internal(L);
  lua_pop(L, 1);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, require_internal);  // raw: require calls it, and require_parlab raises Lua errors
  lua_setfield(L, -2, "parlab.internal");
  lua_pop(L, 2);
  install_lazy_global(L);
}

bool load_lazy_parlab(lua_State* L) {
  int top = lua_gettop(L);
  bool loaded = false, preloaded = false;
  lua_getfield(L, LUA_REGISTRYINDEX, "_LOADED");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "parlab");
    loaded = !lua_isnil(L, -1);
  }
  lua_getglobal(L, "package");
  if (lua_istable(L, -1)) {
    lua_getfield(L, -1, "preload");
    if (lua_istable(L, -1)) {
      lua_getfield(L, -1, "parlab");
      preloaded = !lua_isnil(L, -1);
    }
  }
  lua_settop(L, top);
  if (loaded || !preloaded) return false;
  require_parlab(L);
  lua_settop(L, top);
  return true;
}

}  // namespace parlab::lua

extern "C" int luaopen_parlab(lua_State* L) {
  using namespace parlab::lua;
  open_internal(L);
  lua_newtable(L);
  // C modules first, in name order so start-up does not depend on link order.
  auto modules = registry();
  std::sort(modules.begin(), modules.end(),
            [](const Entry& a, const Entry& b) { return std::strcmp(a.name, b.name) < 0; });
  for (const Entry& m : modules) m.open(L);
  // Then the Lua side, in file name order (the table from CMake is sorted by path).
  for (const EmbeddedChunk* c = embedded_chunks; c->name; ++c) open_embedded(L, *c);
  return 1;
}
