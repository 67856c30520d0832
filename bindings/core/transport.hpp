#pragma once
// Value transport: the one way Lua values cross a boundary (thread, process, MPI rank). The wire format
// lives in engine/transport/transport.hpp (no Lua); this file walks Lua values into it and back.
//
// What travels: nil, booleans, numbers, strings (any bytes), tables (shared references and cycles kept),
// Lua functions (bytecode + upvalues by value + the globals they use), 64-bit integer cdata, and shared
// objects as handles to the same object (see register_kind in bindings/modules/transport.lua).
// Anything else is refused with an error naming its path: "cannot send args[2].callback: a coroutine".
//
// Contract (docs/transport.md has the details):
// - encode_values(L, first, n, what) never changes the stack; a value's path in errors is what[i]...
// - decode_values pushes exactly the values encoded, on success only; on an error it throws
//   parlab::Error with the stack back at its entry height.
// - Tables keep shared references and cycles within one message; metatables travel by value.
// - Functions travel as bytecode; upvalues by value (cells shared between closures stay shared within one
//   message); the globals they read travel too and land in a fresh environment per decoded message,
//   setmetatable({...copied globals}, {__index = _G of the receiving state}).
// - Standard library values (print, math.sin, io.stdout, math, parlab.clock, ...) travel by name.
// - Messages that carry bytecode are signed with a per-run key (engine/transport/transport.hpp); unsigned or
//   forged bytecode is refused, since LuaJIT does not verify bytecode.
// - Shared objects: register a kind (from Lua: parlab.transport.register_kind(name, {test, encode,
//   decode}); from C++: register_kind below). On encode, userdata/cdata are matched against the kinds in
//   registration order; the kind name and the opaque payload travel; decode calls the receiver's kind.
#include <lua.hpp>

#include <cstddef>
#include <string>
#include <vector>

#include "engine/transport/transport.hpp"

namespace parlab::lua {

// Where the bytes go: to this run's threads and processes, which share its arena (shared objects travel
// as handles), or to another MPI rank, which has memory of its own (parlab's shared objects, the kinds
// named "parlab.*", are refused there; other kinds carry their value and travel).
enum class Reach { this_run, other_rank };

// Encodes the n values at stack indices [first, first + n) into bytes. `what` names the root in error
// messages ("args", "result", "item"). Throws parlab::Error when a value cannot travel.
std::string encode_values(lua_State* L, int first, int n, const char* what, Reach reach = Reach::this_run);

// The same, into `out` (cleared first, its capacity reused): for hot paths that keep one buffer.
// On an error `out` is left empty.
void encode_values_into(lua_State* L, int first, int n, const char* what, std::string& out,
                        Reach reach = Reach::this_run);

// A message for a sender that copies it once, straight into shared memory (a Queue's put, a Pipe's send, a
// pool task): strings of wire::Writer::kSpliceBytes or more stay where they are, and `pieces` is the
// message (the encoding in `head` with those strings spliced in). Kept by its sender from message to
// message, so its buffers stay warm. A message that must be signed (it carries bytecode or a handle)
// comes whole, in one piece.
struct PiecesMessage {
  std::string head;
  std::vector<wire::Splice> splices;
  std::vector<wire::Piece> pieces;
  // Lets go of a head over wire::kKeptBufferBytes (a huge table's encoding).
  void trim() { wire::keep_warm(head); }
};

// Encodes as encode_values_into does, into m. The strings must stay on L's stack until m.pieces are copied.
void encode_values_pieces(lua_State* L, int first, int n, const char* what, PiecesMessage& m,
                          Reach reach = Reach::this_run);

// Pushes the values in bytes onto L's stack and returns how many. Throws parlab::Error on bytes that
// are malformed, truncated or hostile; never reads outside [data, data + size).
int decode_values(lua_State* L, const char* data, size_t size);

// Registers a shared-object kind in L from C functions: test(v) -> boolean, encode(v) -> string,
// decode(s) -> value. Same as parlab.transport.register_kind from Lua; call it in every state (e.g. from a
// PARLAB_MODULE opener). Registering a name again replaces the kind. Throws parlab::Error on an empty name.
void register_kind(lua_State* L, const char* name, lua_CFunction test, lua_CFunction encode,
                   lua_CFunction decode);

}  // namespace parlab::lua
