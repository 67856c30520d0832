// state_alloc (bindings/core/lua_alloc.hpp), the allocator of every parlab Lua state: contents survive
// every move across the big-block line, a freed big block is reused by the next one that fits, the
// per-thread cache stays within its bounds, a closed state's mspace serves the next state, and a real
// Lua state runs on it (big strings, tables, ffi).
#include <catch2/catch.hpp>
#include <lua.hpp>

#include <cstring>
#include <string>
#include <thread>

#include "bindings/core/lua_alloc.hpp"
#include "bindings/core/module.hpp"

namespace {

using parlab::lua::big_cache_bytes;
using parlab::lua::big_cache_count;
using parlab::lua::kBigBlock;
using parlab::lua::state_alloc;

// The mspace of one open state: state_alloc's ordinary blocks come from it.
void* space() {
  static lua_State* L = parlab::lua::open_lua_state();
  void* msp = nullptr;
  lua_getallocf(L, &msp);
  return msp;
}
void* grow(void* p, std::size_t from, std::size_t to) { return state_alloc(space(), p, from, to); }
void release(void* p, std::size_t size) { state_alloc(space(), p, size, 0); }

bool filled(const void* p, std::size_t n, unsigned char byte) {
  auto c = static_cast<const unsigned char*>(p);
  for (std::size_t i = 0; i < n; i += 4093)
    if (c[i] != byte) return false;
  return n == 0 || c[n - 1] == byte;
}

}  // namespace

TEST_CASE("state_alloc keeps the contents across the big-block line, both ways") {
  std::size_t small = 1000, big = 3 * kBigBlock, bigger = 9 * kBigBlock;
  void* p = grow(nullptr, 0, small);
  std::memset(p, 7, small);
  p = grow(p, small, big);  // malloc -> a mapping
  REQUIRE(filled(p, small, 7));
  std::memset(p, 8, big);
  p = grow(p, big, bigger);  // a larger mapping
  REQUIRE(filled(p, big, 8));
  std::memset(p, 9, bigger);
  p = grow(p, bigger, small);  // back to malloc
  REQUIRE(filled(p, small, 9));
  release(p, small);
}

TEST_CASE("state_alloc grows a big block in place while its mapping has room, and reuses freed ones") {
  std::size_t n = kBigBlock + 10;
  void* p = grow(nullptr, 0, n);
  std::memset(p, 1, n);
  void* q = grow(p, n, n + 1000);  // the mapping is rounded up to 2 MiB
  CHECK(q == p);
  release(q, n + 1000);
  CHECK(big_cache_count() >= 1);
  void* r = grow(nullptr, 0, n);  // the freed mapping comes back, warm
  CHECK(r == p);
  release(r, n);
}

TEST_CASE("state_alloc's cache of freed mappings stays bounded") {
  std::size_t limit = parlab::lua::kCacheBytes;
  for (int i = 0; i < 12; ++i) {
    std::size_t n = std::size_t(i + 1) * kBigBlock * 3;
    void* p = grow(nullptr, 0, n);
    std::memset(p, i, n);
    release(p, n);
    CHECK(big_cache_count() <= 4);
    CHECK(big_cache_bytes() <= limit);
  }
  // A thread's cache is its own and is given back when the thread ends.
  std::size_t seen = 0;
  std::thread t([&] {
    void* p = grow(nullptr, 0, 5 * kBigBlock);
    release(p, 5 * kBigBlock);
    seen = big_cache_count();
  });
  t.join();
  CHECK(seen == 1);
}

TEST_CASE("a closed state's mspace goes to the next new state") {
  lua_State* a = parlab::lua::open_lua_state();
  REQUIRE(a != nullptr);
  void* first = nullptr;
  lua_getallocf(a, &first);
  parlab::lua::close_lua_state(a);
  lua_State* b = parlab::lua::open_lua_state();
  REQUIRE(b != nullptr);
  void* second = nullptr;
  CHECK(lua_getallocf(b, &second) == state_alloc);
  CHECK(second == first);
  luaL_openlibs(b);
  CHECK(luaL_dostring(b, "local t = {} for i = 1, 1000 do t[i] = ('x'):rep(i) end return #t[1000]") == 0);
  CHECK(lua_tointeger(b, -1) == 1000);
  parlab::lua::close_lua_state(b);
}

TEST_CASE("a parlab Lua state runs on state_alloc: big strings, tables and ffi arrays") {
  lua_State* L = parlab::lua::new_state();
  REQUIRE(L != nullptr);
  luaL_openlibs(L);
  const char* script = R"(
    local s = ("ab"):rep(3 * 2^20)
    assert(#s == 6 * 2^20 and s:sub(-2) == "ab" and s:sub(1, 3) == "aba")
    local t = {}
    for i = 1, 300000 do t[i] = i end
    for i = 300000, 1001, -1 do t[i] = nil end
    collectgarbage()
    for i = 1, 1000 do assert(t[i] == i) end
    local parts = {}
    for i = 1, 40 do parts[i] = ("x"):rep(2^20 + i) end
    local joined = table.concat(parts)
    assert(#joined == 40 * 2^20 + 820)
    local ffi = require "ffi"
    local a = ffi.new("uint8_t[?]", 5 * 2^20, 3)
    assert(a[0] == 3 and a[5 * 2^20 - 1] == 3)
    for _ = 1, 20 do local m = ("y"):rep(2^22) assert(#m == 2^22) end
    return "ok"
  )";
  REQUIRE(luaL_dostring(L, script) == 0);
  CHECK(std::string(lua_tostring(L, -1)) == "ok");
  parlab::lua::close_state(L);
}

// pack_child_allocations: the nursery takes the first small blocks, then runs out and hands on to
// state_alloc; blocks that grow out of it move with their contents, blocks from before stay valid, and
// the state closes with its mspace kept as usual.
TEST_CASE("a state with packed child allocations runs past the nursery and closes cleanly") {
  lua_State* L = parlab::lua::open_lua_state();
  REQUIRE(L != nullptr);
  luaL_openlibs(L);
  REQUIRE(luaL_dostring(L, "before = {} for i = 1, 2000 do before[i] = 'b' .. i end") == 0);
  void* msp = nullptr;
  parlab::lua::pack_child_allocations(L);
  CHECK(lua_getallocf(L, &msp) != state_alloc);
  parlab::lua::pack_child_allocations(L);  // a second call (a child that forks again) changes nothing
  const char* script = R"(
    local t = {}
    for i = 1, 50000 do t[i] = { i, tostring(i) } end         -- far past 64 KiB of small blocks
    local grown = {}
    for i = 1, 20000 do grown[#grown + 1] = i end              -- a block reallocated many times
    local s = ("z"):rep(3 * 2^20)                              -- a big block among them
    collectgarbage()
    for i = 1, 50000, 997 do assert(t[i][1] == i and t[i][2] == tostring(i)) end
    for i = 1, 20000 do assert(grown[i] == i) end
    for i = 1, 2000 do assert(before[i] == 'b' .. i) end
    t, grown, before = nil, nil, nil
    collectgarbage()
    return #s
  )";
  REQUIRE(luaL_dostring(L, script) == 0);
  CHECK(lua_tointeger(L, -1) == 3 * 1024 * 1024);
  parlab::lua::close_lua_state(L);
  lua_State* next = parlab::lua::open_lua_state();  // the closed state's mspace, reused
  REQUIRE(next != nullptr);
  void* reused = nullptr;
  CHECK(lua_getallocf(next, &reused) == state_alloc);
  CHECK(reused == msp);
  parlab::lua::close_lua_state(next);
}
