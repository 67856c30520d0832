// Value transport from C++: one state encodes, a second fresh state decodes (the real use), and the
// decoder faces truncated, bit-flipped and hostile buffers.
#include <catch2/catch.hpp>
#include <lua.hpp>

#include <cstring>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "engine/core/error.hpp"
#include "engine/transport/transport.hpp"

namespace {

struct State {
  lua_State* L;
  State() : L(parlab::lua::new_state()) { parlab::lua::open_state(L); }
  ~State() { parlab::lua::close_state(L); }
  // Runs code and leaves its results on the stack; returns how many.
  int run(const char* code) {
    int top = lua_gettop(L);
    if (luaL_loadstring(L, code) != 0 || lua_pcall(L, 0, LUA_MULTRET, 0) != 0)
      FAIL("Lua error: " << lua_tostring(L, -1));
    return lua_gettop(L) - top;
  }
  std::string encode(const char* code) {
    int n = run(code);
    std::string bytes = parlab::lua::encode_values(L, lua_gettop(L) - n + 1, n, "args");
    lua_pop(L, n);
    return bytes;
  }
  // Decodes into this state, then runs check (a function of the decoded values returning true or a message).
  void check(const std::string& bytes, const char* check_code) {
    int top = lua_gettop(L);
    REQUIRE(luaL_loadstring(L, check_code) == 0);
    int n = parlab::lua::decode_values(L, bytes.data(), bytes.size());
    REQUIRE(lua_pcall(L, n, 1, 0) == 0);
    INFO(check_code);
    CHECK((lua_isboolean(L, -1) && lua_toboolean(L, -1)) == true);
    if (lua_isstring(L, -1)) FAIL(lua_tostring(L, -1));
    lua_settop(L, top);
  }
  // Decoding must either succeed or throw parlab::Error, and leave the stack as it was on failure.
  bool try_decode(const std::string& bytes) {
    int top = lua_gettop(L);
    try {
      parlab::lua::decode_values(L, bytes.data(), bytes.size());
      lua_settop(L, top);
      return true;
    } catch (const parlab::Error&) {
      CHECK(lua_gettop(L) == top);
      return false;
    }
  }
};

std::string encode_error(State& s, const char* code) {
  int n = s.run(code);
  try {
    parlab::lua::encode_values(s.L, lua_gettop(s.L) - n + 1, n, "args");
  } catch (const parlab::Error& e) {
    lua_pop(s.L, n);
    return e.what();
  }
  lua_pop(s.L, n);
  return "(no error)";
}

const char* kSamples[] = {
    "return 1, -2.5, 'str\\0ing', true, nil, 2^53, 0/0, -0.0",
    "local t = {1, 2, {x = 'y'}, [true] = false}; t.self = t; return t, t",
    "local big = setmetatable({10, 20}, {__index = {k = 1}}); return {a = big, b = big}",
    "return math.sin, print, io.stdout, parlab.clock",
    "local ffi = require 'ffi'; return ffi.new('int64_t', -5), 18446744073709551615ULL",
};

}  // namespace

TEST_CASE("transport: values encoded in one state decode in a fresh one", "[transport]") {
  State a, b;
  b.check(
      a.encode(kSamples[0]),
      "local x, y, s, t, n, big, nan, z = ...; return x == 1 and y == -2.5 and s == 'str\\0ing' and t == true"
      " and n == nil and big == 2^53 and nan ~= nan and 1/z < 0 and select('#', ...) == 8");
  b.check(a.encode(kSamples[1]),
          "local t, u = ...; return t == u and t.self == t and t[3].x == 'y' and t[true] == false");
  b.check(a.encode(kSamples[2]), "local t = ...; return t.a == t.b and t.a.k == 1 and t.a[2] == 20");
  b.check(
      a.encode(kSamples[3]),
      "local s, p, o, c = ...; return s == math.sin and p == print and o == io.stdout and c == parlab.clock");
  b.check(a.encode(kSamples[4]),
          "local ffi = require 'ffi'; local i, u = ...; return ffi.istype('int64_t', i) and i == -5LL"
          " and u == 18446744073709551615ULL");
}

TEST_CASE("transport: functions carry upvalues and the globals they read to another state", "[transport]") {
  State a, b;
  std::string bytes = a.encode(
      "function helper(x) return x * factor end\n"
      "factor = 3\n"
      "function even(n) if n == 0 then return true end return odd(n - 1) end\n"
      "function odd(n) if n == 0 then return false end return even(n - 1) end\n"
      "local offset = 100\n"
      "local function f(x) return helper(x) + offset end\n"
      "return f, even");
  b.check(bytes, "local f, even = ...; return f(2) == 106 and even(7) == false and factor == nil");
}

TEST_CASE("transport: refusals name the path of the value", "[transport]") {
  State s;
  CHECK(encode_error(s, "return 1, {callback = coroutine.create(print)}") ==
        "cannot send args[2].callback: a coroutine");
  CHECK(encode_error(s, "local co = coroutine.create(print); return function() return co end") ==
        "cannot send args[1] (upvalue 'co'): a coroutine");
  CHECK(encode_error(s, "return {{}, {x = {newproxy()}}}") ==
        "cannot send args[1][2].x[1]: a userdata of no registered kind");
  CHECK(encode_error(s, "return ('x'):gmatch('x')") ==
        "cannot send args[1]: a C function that is not part of the standard library");
  CHECK(lua_gettop(s.L) == 0);
}

TEST_CASE("transport: a truncated message is rejected at every length", "[transport][hostile]") {
  State a, b;
  std::vector<std::string> messages;
  for (const char* code : kSamples) messages.push_back(a.encode(code));
  messages.push_back(a.encode("local up = {1}; return function() return up, helper end"));
  for (const std::string& m : messages) {
    REQUIRE(b.try_decode(m));
    for (size_t len = 0; len < m.size(); ++len) {
      INFO("length " << len << " of " << m.size());
      CHECK_FALSE(b.try_decode(m.substr(0, len)));
    }
  }
}

TEST_CASE("transport: bit flips never crash and never load forged code", "[transport][hostile]") {
  State a, b;
  std::mt19937 rng(12345);
  std::vector<std::string> messages;
  for (const char* code : kSamples) messages.push_back(a.encode(code));
  std::string code_message = a.encode("local k = 5; return function(x) return x + k end");
  for (const std::string& m : messages) {
    for (int trial = 0; trial < 2000; ++trial) {
      std::string bad = m;
      int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) bad[rng() % bad.size()] ^= static_cast<char>(1 << (rng() % 8));
      b.try_decode(bad);  // either outcome is fine; a crash or sanitizer report is not
    }
  }
  // Any change to a signed message is caught by its MAC (the flags byte included).
  for (size_t i = 0; i < code_message.size(); ++i) {
    std::string bad = code_message;
    bad[i] ^= 0x10;
    INFO("flipped byte " << i);
    CHECK_FALSE(b.try_decode(bad));
  }
}

TEST_CASE("transport: hostile length fields and nesting are refused without big allocations",
          "[transport][hostile]") {
  State b;
  auto msg = [](std::string body) { return std::string("\xB7\x01\x00\x01", 4) + body; };
  CHECK_THROWS_WITH(parlab::lua::decode_values(b.L, "\xB7\x01\x00\x05\x05\xFF\xFF\xFF\xFF\x0F", 10),
                    Catch::Contains("string longer than the buffer"));
  CHECK_FALSE(b.try_decode(msg(std::string("\x05\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x01", 11))));
  CHECK_FALSE(b.try_decode(msg(std::string("\x06\xFF\xFF\xFF\xFF\x00", 6))));                   // hash count
  CHECK_FALSE(b.try_decode(msg(std::string("\x06\x00\x00\x00\x00\xFF\xFF\xFF\xFF\x0F", 10))));  // array count
  CHECK_FALSE(b.try_decode(msg(std::string("\x03\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\xFF\x7F", 11))));  // varint
  std::string deep;
  for (int i = 0; i < 100000; ++i) deep += std::string("\x06\x00\x00\x00\x00\x01", 6);
  CHECK_THROWS_WITH(parlab::lua::decode_values(b.L, msg(deep).data(), msg(deep).size()),
                    Catch::Contains("nested too deeply"));
  std::string unsigned_code = msg(std::string("\x09\x05\x1bLJ\x02\x00", 7));
  CHECK_THROWS_WITH(parlab::lua::decode_values(b.L, unsigned_code.data(), unsigned_code.size()),
                    Catch::Contains("code in an unsigned message"));
  CHECK(lua_gettop(b.L) == 0);
}

TEST_CASE("transport: signed messages: forged bytecode with a wrong MAC is refused", "[transport][hostile]") {
  State b;
  std::string forged("\xB7\x01\x01\x01\x09\x05\x1bLJ\x02\x00", 11);
  forged += std::string(8, '\x42');
  CHECK_THROWS_WITH(parlab::lua::decode_values(b.L, forged.data(), forged.size()),
                    Catch::Contains("key check failed"));
  CHECK(parlab::wire::key_hex().size() == 32);
}

namespace {
// A C++ kind: a full userdata holding an int, recognised by its metatable name.
int cxx_test(lua_State* L) {
  bool is_box = false;
  if (lua_type(L, 1) == LUA_TUSERDATA && lua_getmetatable(L, 1)) {
    luaL_getmetatable(L, "test.Box");
    is_box = lua_rawequal(L, -1, -2);
  }
  lua_pushboolean(L, is_box);
  return 1;
}
int cxx_encode(lua_State* L) {
  int v = *static_cast<int*>(lua_touserdata(L, 1));
  lua_pushlstring(L, reinterpret_cast<const char*>(&v), sizeof v);
  return 1;
}
int cxx_decode(lua_State* L) {
  size_t n;
  const char* s = luaL_checklstring(L, 1, &n);
  if (n != sizeof(int)) throw parlab::Error("test.Box: bad payload");
  auto* box = static_cast<int*>(lua_newuserdata(L, sizeof(int)));
  std::memcpy(box, s, sizeof(int));
  luaL_getmetatable(L, "test.Box");
  lua_setmetatable(L, -2);
  return 1;
}
void open_box_kind(lua_State* L) {
  luaL_newmetatable(L, "test.Box");
  lua_pop(L, 1);
  parlab::lua::register_kind(L, "test.Box", cxx_test, cxx_encode, cxx_decode);
}
}  // namespace

TEST_CASE("transport: kinds registered from C++ travel as handles", "[transport]") {
  State a, b;
  open_box_kind(a.L);
  open_box_kind(b.L);
  *static_cast<int*>(lua_newuserdata(a.L, sizeof(int))) = 4242;
  luaL_getmetatable(a.L, "test.Box");
  lua_setmetatable(a.L, -2);
  std::string bytes = parlab::lua::encode_values(a.L, -1, 1, "args");
  lua_pop(a.L, 1);
  REQUIRE(parlab::lua::decode_values(b.L, bytes.data(), bytes.size()) == 1);
  CHECK(*static_cast<int*>(luaL_checkudata(b.L, -1, "test.Box")) == 4242);
  lua_pop(b.L, 1);
  // Any change to a message with a handle is refused before the kind sees it (handles are signed).
  std::string bad = bytes;
  bad[bad.size() - 9] ^= 1;
  CHECK_THROWS_WITH(parlab::lua::decode_values(b.L, bad.data(), bad.size()),
                    Catch::Contains("key check failed"));
  // A kind's decode that fails becomes a parlab::Error naming the kind, with the stack clean.
  State failing;
  parlab::lua::register_kind(failing.L, "test.Box", cxx_test, cxx_encode,
                             [](lua_State*) -> int { throw parlab::Error("test.Box: refused"); });
  CHECK_THROWS_WITH(parlab::lua::decode_values(failing.L, bytes.data(), bytes.size()),
                    Catch::Contains("decoding a 'test.Box'") && Catch::Contains("test.Box: refused"));
  CHECK(lua_gettop(failing.L) == 0);
  State c;  // a receiver without the kind
  CHECK_THROWS_WITH(parlab::lua::decode_values(c.L, bytes.data(), bytes.size()),
                    Catch::Contains("no kind 'test.Box' is registered"));
}

TEST_CASE("transport: many threads encode and decode at once", "[transport][threads]") {
  constexpr int kThreads = 4, kMessages = 300;
  std::vector<std::vector<std::string>> out(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&out, t] {
      State s;
      for (int i = 0; i < kMessages; ++i) {
        lua_pushinteger(s.L, t * 100000 + i);
        lua_setglobal(s.L, "n");
        out[t].push_back(
            s.encode("local k = n; function twice(x) return 2 * x end\n"
                     "local t = {k = k}; t.self = t; return function() return twice(k) end, t"));
      }
    });
  for (auto& th : threads) th.join();
  threads.clear();
  std::vector<int> bad(kThreads, 0);
  for (int t = 0; t < kThreads; ++t)
    threads.emplace_back([&out, &bad, t] {
      State s;
      const auto& mine = out[(t + 1) % kThreads];  // another thread's messages
      for (int i = 0; i < kMessages; ++i) {
        int n = parlab::lua::decode_values(s.L, mine[i].data(), mine[i].size());
        lua_pushvalue(s.L, -2);
        lua_call(s.L, 0, 1);
        double want = 2.0 * (((t + 1) % kThreads) * 100000 + i);
        lua_getfield(s.L, -2, "self");
        if (n != 2 || lua_tonumber(s.L, -2) != want || !lua_rawequal(s.L, -1, -3)) ++bad[t];
        lua_settop(s.L, 0);
      }
    });
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(bad[t] == 0);
}
