// internal.live_threads(): {name, ident} of every parlab.Thread running in this process now, for
// parlab.enumerate() and parlab.active_count() (bindings/modules/thread.lua). A mutex-guarded map: a
// thread's start and end each take it once, which is nothing next to creating a Lua state.
#include "bindings/modules/lua_thread_list.hpp"

#include <lua.hpp>

#include <cstdint>
#include <map>
#include <mutex>
#include <utility>

#include "bindings/core/module.hpp"
#include "engine/exec/thread.hpp"

namespace parlab::lua {
namespace {

struct Live {
  std::string name;
  std::uint64_t ident;
};

std::mutex live_mu;
std::map<const void*, Live>& live() {
  static auto* m = new std::map<const void*, Live>;  // never freed: threads may still leave at exit
  return *m;
}

int l_live_threads(lua_State* L) {
  std::lock_guard<std::mutex> hold(live_mu);
  lua_createtable(L, int(live().size()), 0);
  int i = 0;
  for (const auto& [key, t] : live()) {
    lua_createtable(L, 0, 2);
    lua_pushlstring(L, t.name.data(), t.name.size());
    lua_setfield(L, -2, "name");
    lua_pushnumber(L, double(t.ident));
    lua_setfield(L, -2, "ident");
    lua_rawseti(L, -2, ++i);
  }
  return 1;
}

const Function internal_functions[] = {{"live_threads", l_live_threads}, {nullptr, nullptr}};

void open_thread_list(lua_State* L) { set_internal_functions(L, internal_functions); }

}  // namespace

void live_thread_enter(const void* key, const std::string& name) {
  std::lock_guard<std::mutex> hold(live_mu);
  live()[key] = Live{name, self::tid()};
}

void live_thread_leave(const void* key) {
  std::lock_guard<std::mutex> hold(live_mu);
  live().erase(key);
}

}  // namespace parlab::lua

PARLAB_MODULE(thread_list, parlab::lua::open_thread_list);
