#pragma once
// Value transport: the one way Lua values cross a boundary (thread, process, MPI rank). The wire format
// lives in engine/transport.hpp (no Lua); this file walks Lua values into it and back.
//
// What travels: nil, booleans, numbers, strings (any bytes), tables (shared references and cycles kept),
// Lua functions (bytecode + upvalues by value + the globals they use), 64-bit integer cdata, and shared
// objects as handles to the same object (see register_kind in bindings/lua/transport.lua).
// Anything else is refused with an error naming its path: "cannot send args[2].callback: a coroutine".
#include <lua.hpp>

#include <cstddef>
#include <string>

namespace parlab::lua {

// Encodes the n values at stack indices [first, first + n) into bytes. `what` names the root in error
// messages ("args", "result", "item"). Throws parlab::Error when a value cannot travel.
std::string encode_values(lua_State* L, int first, int n, const char* what);

// Pushes the values in bytes onto L's stack and returns how many. Throws parlab::Error on bytes that
// are malformed, truncated or hostile; never reads outside [data, data + size).
int decode_values(lua_State* L, const char* data, size_t size);

}  // namespace parlab::lua
