#include "bindings/core/module.hpp"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bindings/core/embedded.hpp"
#include "bindings/core/errors.hpp"

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

// bindings/modules/NAME.lua runs now with the parlab table as its argument, so Lua-side code can
// extend it.
void open_embedded(lua_State* L, const EmbeddedChunk& chunk) {
  load_embedded(L, chunk);
  lua_pushvalue(L, -2);
  lua_call(L, 1, 0);
}

}  // namespace

ModuleRegistration::ModuleRegistration(const char* name, Opener open) {
  registry().push_back({name, open});
}

namespace {
int trampoline(lua_State* L) {
  auto body = reinterpret_cast<Body>(lua_touserdata(L, lua_upvalueindex(1)));
  return call_guarded(L, body);
}
}  // namespace

void push_function(lua_State* L, int (*body)(lua_State*)) {
  lua_pushlightuserdata(L, reinterpret_cast<void*>(body));
  lua_pushcclosure(L, trampoline, 1);
}

void push_method(lua_State* L) {
  if (!lua_getmetatable(L, 1)) {
    lua_pushnil(L);
    return;
  }
  lua_getfield(L, -1, "methods");
  lua_pushvalue(L, 2);
  lua_rawget(L, -2);
}

void preload_chunks(lua_State* L, const EmbeddedChunk* chunks) {
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  for (const EmbeddedChunk* c = chunks; c->name; ++c) {
    load_embedded(L, *c);
    lua_setfield(L, -2, (std::string("parlab.") + c->name).c_str());
  }
  lua_pop(L, 2);
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
lua_State* new_state() { return luaL_newstate(); }
#endif

void open_state(lua_State* L) {
  luaL_openlibs(L);
  lua_getglobal(L, "package");
  lua_getfield(L, -1, "preload");
  lua_pushcfunction(L, luaopen_parlab);
  lua_setfield(L, -2, "parlab");
  lua_pop(L, 2);
  lua_getglobal(L, "require");
  lua_pushstring(L, "parlab");
  lua_call(L, 1, 1);
  lua_setglobal(L, "parlab");
}

}  // namespace parlab::lua

extern "C" int luaopen_parlab(lua_State* L) {
  using namespace parlab::lua;
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
