// register_type (bindings/core/module.hpp) on a probe type whose functions throw: each error reaches Lua
// once, at the user's file:line, and a __gc that throws is reported, never raised into the collector.
#include <catch2/catch.hpp>
#include <lua.hpp>

#include <cstring>
#include <string>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"

namespace {

using parlab::lua::fail;
using parlab::lua::Function;

constexpr const char* kProbe = "parlab.Probe";
int finalized = 0;

int broken(lua_State*) { fail("broken on purpose"); }
int finalize_then_throw(lua_State*) {
  ++finalized;
  fail("broken finalizer");
}
int answer(lua_State* L) {
  lua_pushinteger(L, 42);
  return 1;
}
// p.size is 7; p.bad raises; any other key is nil.
int properties(lua_State* L) {
  const char* k = lua_tostring(L, 2);
  if (k && !std::strcmp(k, "bad")) fail("no such key: bad");
  if (!k || std::strcmp(k, "size") != 0) return 0;
  lua_pushinteger(L, 7);
  return 1;
}
int make(lua_State* L) {
  lua_newuserdata(L, 8);
  parlab::lua::set_type(L, kProbe);
  return 1;
}

const Function methods[] = {{"answer", answer}, {"boom", broken}, {nullptr, nullptr}};
const Function metamethods[] = {{"__gc", finalize_then_throw},
                                {"__eq", broken},
                                {"__tostring", broken},
                                {"__len", nullptr},  // optional, left out
                                {nullptr, nullptr}};

// A bare state with the probe type and a global make() that makes one.
struct State {
  lua_State* L;
  explicit State(bool with_properties) : L(parlab::lua::new_state()) {
    luaL_openlibs(L);
    parlab::lua::register_type(L, {kProbe, methods, metamethods, with_properties ? properties : nullptr});
    parlab::lua::push_function(L, make);
    lua_setglobal(L, "make");
  }
  ~State() { parlab::lua::close_state(L); }
  // Runs code as the chunk "user.lua": "" when it succeeds, else the error message.
  std::string run(const char* code) {
    bool ok = luaL_loadbuffer(L, code, std::strlen(code), "@user.lua") == 0 && lua_pcall(L, 0, 0, 0) == 0;
    if (ok) return "";
    std::string message = lua_tostring(L, -1);
    lua_pop(L, 1);
    return message;
  }
};

}  // namespace

TEST_CASE("register_type: methods, properties and metamethods answer, and absent entries are left out") {
  State s(true);
  CHECK(s.run("local p = make()\n"
              "assert(p:answer() == 42 and p.size == 7 and p.nothing == nil)\n"
              "assert(getmetatable(p).__name == 'Probe' and getmetatable(p).__len == nil)\n"
              "assert(type(getmetatable(p).__index) == 'function')") == "");
}

TEST_CASE("register_type: without properties, __index is the methods table") {
  State s(false);
  CHECK(s.run("local mt = getmetatable(make())\n"
              "assert(mt.__index == mt.methods and mt.methods.answer and make().size == nil)") == "");
}

TEST_CASE("register_type: an exception in a method, property or metamethod is a Lua error at the user line") {
  State s(true);
  CHECK(s.run("local p = make()\nlocal x = p.bad") == "user.lua:2: no such key: bad");
  CHECK(s.run("local p = make()\n\np:boom()") == "user.lua:3: broken on purpose");
  CHECK(s.run("local a, b = make(), make()\nlocal x = a == b") == "user.lua:2: broken on purpose");
  CHECK(s.run("local x = tostring(make())") == "user.lua:1: broken on purpose");
  CHECK(s.run("local p = make()\ngetmetatable(p).__index(p, 'bad')") == "user.lua:2: no such key: bad");
}

TEST_CASE("register_type: a __gc that throws never raises, from the collector or called by hand") {
  finalized = 0;
  {
    State s(true);
    CHECK(s.run("for i = 1, 10 do make() end\ncollectgarbage()\ncollectgarbage()\nlocal t = {}") == "");
    CHECK(finalized == 10);
    CHECK(s.run("local p = make()\ngetmetatable(p).__gc(p)") == "");
    CHECK(finalized == 11);
    s.run("keep = make()");
  }  // lua_close runs the last finalizers
  CHECK(finalized >= 13);
}
