// libFuzzer target: decode arbitrary bytes into a parlab Lua state. Any outcome but a parlab::Error or a
// clean decode (a crash, a sanitizer report, a hang, a Lua panic) is a finding. Run by tools/fuzz.sh.
#include <lua.hpp>

#include <cstddef>
#include <cstdint>

#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "engine/core/error.hpp"
#include "engine/transport/transport.hpp"

namespace {

// The corpus in tests/fuzz/corpus was signed with this key, so its function messages verify.
constexpr const char* kFuzzKey = "00000000000000000000000000000001";

struct Input {
  const uint8_t* data;
  size_t size;
};

// Runs inside lua_pcall so a Lua error (out of memory, a kind's decode) is caught like in real use.
int decode_and_touch(lua_State* L) {
  auto* in = static_cast<Input*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  try {
    int n = parlab::lua::decode_values(L, reinterpret_cast<const char*>(in->data), in->size);
    // Walk what came back a little: tables get a length, so metatables and cycles are exercised.
    for (int i = 1; i <= n; ++i)
      if (lua_istable(L, i)) (void)lua_objlen(L, i);
  } catch (const parlab::Error&) {
  }
  return 0;
}

lua_State* state() {
  static lua_State* L = [] {
    parlab::wire::set_key_hex(kFuzzKey);
    lua_State* s = luaL_newstate();
    parlab::lua::open_state(s);
    return s;
  }();
  return L;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  lua_State* L = state();
  Input in{data, size};
  lua_pushcfunction(L, decode_and_touch);
  lua_pushlightuserdata(L, &in);
  if (lua_pcall(L, 1, 0, 0) != 0) lua_pop(L, 1);
  lua_settop(L, 0);
  return 0;
}
