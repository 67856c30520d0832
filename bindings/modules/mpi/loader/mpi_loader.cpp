// parlab.mpi's loader: what the parlab executable, libparlab.so and lua/parlab.so carry of MPI when it was
// found at build time. The C half of parlab.mpi (engine/mpi, bindings/modules/mpi) is a plugin,
// parlab_mpi.so, the only object linked with libmpi; this file gives every state an empty parlab.mpi (with
// its constants) and an internal.mpi whose first read of a missing field dlopens the plugin (once per
// process) and lets it fill both tables (once per state). bindings/modules/mpi.lua routes parlab.mpi's
// unknown fields there too. Cost: a run that never touches MPI loads no libmpi (about 6 ms and 100 page
// faults per start); the first touch pays it instead.
//
// Where the plugin lies, relative to the real path of the object this code is in (the way
// bindings/library/locate.cpp finds the executable): beside it (the build tree: build/parlab,
// build/libparlab.so; a bundle), one folder up (build/lua/parlab.so), or PREFIX/lib/parlab/ installed
// (from PREFIX/bin/parlab, PREFIX/lib/libparlab.so, PREFIX/lib/lua/5.1/parlab.so), or beside a LuaRocks
// tree's module (TREE/lib/lua/5.1, from TREE/bin/parlab). $PARLAB_MPI_PLUGIN
// names it outright. A missing plugin or libmpi is a Lua error naming what to install, never a crash.
#include <dlfcn.h>
#include <unistd.h>

#include <climits>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>

#include <lua.hpp>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "engine/mpi/mpi.hpp"

namespace parlab::lua {
namespace {

using PluginOpen = void (*)(lua_State* L);
constexpr const char kPluginName[] = "parlab_mpi.so";
constexpr const char kPluginEntry[] = "parlab_mpi_open";

// This code's own object (the executable, or a library), symbolic links resolved; "" when unknown.
std::string self_dir() {
  Dl_info info{};
  char real[PATH_MAX];
  const char* path = "/proc/self/exe";
  // A library's name as it was loaded (relative to the current directory when its path was, as
  // LUA_CPATH="lua/?.so" gives); the executable's may be a bare argv[0], found through /proc instead.
  if (dladdr(reinterpret_cast<void*>(&self_dir), &info) != 0 && info.dli_fname &&
      std::strchr(info.dli_fname, '/'))
    path = info.dli_fname;
  if (!realpath(path, real)) return "";
  std::string s = real;
  size_t slash = s.rfind('/');
  return slash == std::string::npos ? "." : s.substr(0, slash);
}

std::string find_plugin(std::string& looked) {
  if (const char* env = std::getenv("PARLAB_MPI_PLUGIN"); env && *env) return looked = env;
  std::string dir = self_dir();
  const char* relative[] = {"/", "/../", "/../lib/parlab/", "/parlab/", "/../../parlab/", "/../lib/lua/5.1/"};
  for (const char* r : relative) {
    std::string path = dir + r + kPluginName;
    if (access(path.c_str(), R_OK) == 0) return path;
  }
  looked = dir + "/" + kPluginName + " and " + dir + "/../lib/parlab/" + kPluginName;
  return "";
}

// Loads the plugin once per process; afterwards the entry point, or the reason it could not load.
PluginOpen load_plugin(std::string& why) {
  static std::once_flag once;
  static PluginOpen entry = nullptr;
  static std::string failure;
  std::call_once(once, [] {
    std::string looked;
    std::string path = find_plugin(looked);
    if (path.empty()) {
      failure = "the MPI plugin is missing (looked for " + looked +
                "); reinstall parlab, or set PARLAB_MPI_PLUGIN to its path";
      return;
    }
    // RTLD_NOW: a missing library or symbol is reported here, not as a crash at some later call.
    void* handle = dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!handle) {
      const char* e = dlerror();
      failure = std::string("cannot load ") + path + " (" + (e ? e : "unknown error") +
                "): install Open MPI's run-time libraries (Debian: openmpi-bin and libopenmpi3)";
      return;
    }
    entry = reinterpret_cast<PluginOpen>(dlsym(handle, kPluginEntry));
    if (!entry) failure = path + " has no " + kPluginEntry + ": it is not this parlab's MPI plugin";
  });
  why = failure;
  return entry;
}

char kPublicKey;  // registry[&kPublicKey]: this state's parlab.mpi, for the plugin to fill
char kLoadedKey;  // registry[&kLoadedKey]: true once the plugin filled this state's tables

// internal.mpi.load(): fills this state's parlab.mpi and internal.mpi from the plugin (once per state).
int l_load(lua_State* L) {
  lua_pushlightuserdata(L, &kLoadedKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  bool loaded = lua_toboolean(L, -1);
  lua_pop(L, 1);
  if (loaded) return 0;
  std::string why;
  PluginOpen open = load_plugin(why);
  if (!open) fail("parlab.mpi: %s", why.c_str());
  lua_pushlightuserdata(L, &kLoadedKey);
  lua_pushboolean(L, 1);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_pushlightuserdata(L, &kPublicKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  push_internal(L);
  lua_getfield(L, -1, "mpi");
  lua_remove(L, -2);
  open(L);  // parlab.mpi at -2, internal.mpi at -1
  lua_pop(L, 2);
  return 0;
}

// internal.mpi's __index(t, k): loads the plugin, then reads t[k] raw.
int l_index(lua_State* L) {
  l_load(L);
  lua_settop(L, 2);
  lua_rawget(L, 1);
  return 1;
}

const Function loader_functions[] = {{"load", l_load}, {nullptr, nullptr}};
const Function loader_metamethods[] = {{"__index", l_index}, {nullptr, nullptr}};

void open_mpi_loader(lua_State* L) {
  lua_newtable(L);  // parlab.mpi: bindings/modules/mpi*.lua add the Lua half, the plugin the C half
  lua_pushinteger(L, mpi::kAnySource);
  lua_setfield(L, -2, "ANY_SOURCE");
  lua_pushinteger(L, mpi::kAnyTag);
  lua_setfield(L, -2, "ANY_TAG");
  lua_pushlightuserdata(L, &kPublicKey);
  lua_pushvalue(L, -2);
  lua_rawset(L, LUA_REGISTRYINDEX);
  lua_setfield(L, -2, "mpi");
  lua_newtable(L);  // internal.mpi
  set_functions(L, loader_functions);
  lua_newtable(L);
  set_functions(L, loader_metamethods);
  lua_setmetatable(L, -2);
  set_internal(L, "mpi");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(mpi, parlab::lua::open_mpi_loader);
