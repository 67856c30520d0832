// Interpreter::register_function: a C++ std::function as a Lua function. The function object lives in a
// userdata (freed by its __gc) that is the closure's upvalue; the call converts the arguments, runs it and
// pushes its results, with exceptions turned into Lua errors at the script's line by call_guarded.
#include <lua.hpp>

#include <new>
#include <string>

#include "bindings/core/errors.hpp"
#include "embed/shared.hpp"
#include "parlab/interpreter.hpp"

namespace parlab::embed {
namespace {

constexpr const char* kBoxType = "parlab.embed.function";

struct Box {
  Interpreter::Function f;
};

int collect(lua_State* L) {
  static_cast<Box*>(lua_touserdata(L, 1))->~Box();  // only this metatable (hidden) has it
  return 0;
}

int body(lua_State* L) {
  auto* b = static_cast<Box*>(lua_touserdata(L, lua_upvalueindex(1)));
  detail::Shared& s = detail::Shared::of(L);
  Values args;
  int n = lua_gettop(L);
  for (int i = 1; i <= n; ++i) args.push_back(detail::to_value(s, L, i, "argument " + std::to_string(i)));
  Values out = b->f(args);
  lua_settop(L, 0);
  if (!lua_checkstack(L, int(out.size()) + 1)) throw std::invalid_argument("too many results");
  for (const Value& v : out) detail::push_value(s, L, v);
  return int(out.size());
}

int trampoline(lua_State* L) { return parlab::lua::call_guarded(L, body); }

}  // namespace

void Interpreter::register_function(const std::string& name, Function f) {
  lua_State* L = shared_->L;
  detail::HostSide host(*shared_);
  lua_pushlstring(L, name.data(), name.size());
  void* mem = lua_newuserdata(L, sizeof(Box));
  new (mem) Box{std::move(f)};
  if (luaL_newmetatable(L, kBoxType)) {
    lua_pushcfunction(L, collect);  // raw: a __gc that cannot throw
    lua_setfield(L, -2, "__gc");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable");  // scripts cannot reach or replace it
  }
  lua_setmetatable(L, -2);
  lua_pushcclosure(L, trampoline, 1);  // raw: trampoline runs the body through call_guarded
  lua_rawset(L, LUA_GLOBALSINDEX);
}

}  // namespace parlab::embed
