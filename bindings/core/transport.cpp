// The encoder half of the transport: walks Lua values into the wire format of engine/transport/transport.hpp.
// Functions (bytecode, upvalues, globals) are in transport_function.cpp.
#include "bindings/core/transport.hpp"

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "bindings/core/transport_encoder.hpp"
#include "bindings/core/transport_internal.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::lua {
namespace transport_detail {
namespace {

constexpr int kTypeCdata = 10;  // LuaJIT's type number for FFI cdata (not in the public header)

bool is_identifier(const char* s, size_t n) {
  if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_')) return false;
  for (size_t i = 1; i < n; ++i)
    if (!(isalnum((unsigned char)s[i]) || s[i] == '_')) return false;
  return true;
}

std::string render(const Step& s) {
  char buf[64];
  switch (s.kind) {
    case Step::kIndex: std::snprintf(buf, sizeof buf, "[%.17g]", s.num); return buf;
    case Step::kField: {
      if (is_identifier(s.s, s.len)) return "." + std::string(s.s, s.len);
      std::string p = "[\"";
      for (size_t i = 0; i < s.len && i < 40; ++i) p += isprint((unsigned char)s.s[i]) ? s.s[i] : '?';
      return p + "\"]";
    }
    case Step::kOtherKey: return std::string("[<") + s.s + ">]";
    case Step::kKeyOf: return " (a key)";
    case Step::kUpvalue: return std::string(" (upvalue '") + s.s + "')";
    case Step::kGlobal: return " (global '" + std::string(s.s, s.len) + "')";
    case Step::kMeta: return " (metatable)";
  }
  return "";
}

// Whether the key at idx is the number i.
bool is_index(lua_State* L, int idx, size_t i) {
  return lua_type(L, idx) == LUA_TNUMBER && lua_tonumber(L, idx) == static_cast<double>(i);
}

}  // namespace

std::string Encoder::run(int first, int n) {
  w_.u8(wire::kMagic);
  w_.u8(wire::kVersion);
  w_.u8(0);
  w_.varint(static_cast<uint64_t>(n));
  base_ = lua_gettop(L_);
  lua_pushnil(L_);  // reserved slots, filled on first need, so lazy set-up never moves the stack
  lua_pushnil(L_);
  names_ = base_ + 1;
  sent_ = base_ + 2;
  for (int i = 0; i < n; ++i) {
    try {
      value(first + i);
    } catch (Refusal& r) {
      throw Error("cannot send " + std::string(what_) + "[" + std::to_string(i + 1) + "]" + r.path + ": " +
                  r.why);
    }
  }
  lua_settop(L_, base_);
  if (has_refs_) w_.patch_u8(2, wire::kHasRefs);
  if (must_sign_) w_.unsplice();  // the MAC covers the whole message: signed ones go whole (code is small)
  std::string out = w_.take();
  if (must_sign_) wire::sign(out);
  return out;
}

void Encoder::refuse(const char* why) { throw Refusal{why, ""}; }

// Encodes the value at idx as one step below the current path; a refusal from inside gets the step
// prepended on its way out (the path costs nothing unless something is refused).
void Encoder::value_at(int idx, const Step& step) {
  try {
    value(idx);
  } catch (Refusal& r) {
    r.path.insert(0, render(step));
    throw;
  }
}

void Encoder::value(int idx) {
  switch (lua_type(L_, idx)) {
    case LUA_TNIL: w_.u8(wire::kNil); return;
    case LUA_TBOOLEAN: w_.u8(lua_toboolean(L_, idx) ? wire::kTrue : wire::kFalse); return;
    case LUA_TNUMBER: number(lua_tonumber(L_, idx)); return;
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L_, idx, &n);
      w_.u8(wire::kString);
      w_.string_bytes(s, n);
      return;
    }
    case LUA_TTABLE: table(idx); return;
    case LUA_TFUNCTION: function(idx); return;
    case LUA_TTHREAD: refuse("a coroutine");
    case LUA_TUSERDATA: other(idx, "a userdata of no registered kind"); return;
    case LUA_TLIGHTUSERDATA: other(idx, "a light userdata"); return;
    case kTypeCdata: other(idx, "a cdata of no registered kind"); return;
    default: refuse("a value of an unknown type");
  }
}

// Integers (the common case) go as varints, small ones as one byte; everything else bit-exact.
void Encoder::number(double d) {
  if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
    auto i = static_cast<int64_t>(d);
    if (static_cast<double>(i) == d && !(i == 0 && std::signbit(d))) {
      if (i >= 0 && i < 128) {
        w_.u8(static_cast<uint8_t>(wire::kSmallInt + i));
      } else {
        w_.u8(wire::kInt);
        w_.varint(wire::zigzag(i));
      }
      return;
    }
  }
  w_.u8(wire::kDouble);
  w_.f64(d);
}

// Returns a stack slot holding registry[key] (pushed once per message; `cached` remembers it).
int Encoder::slot(int at, char* key) {
  if (lua_isnil(L_, at)) {
    transport_detail::push_names(L_, key);
    lua_replace(L_, at);
  }
  return at;
}

// A standard library value (math, math.sin, io.stdout, parlab.clock) goes by name.
bool Encoder::named(int idx) {
  int names = slot(names_, &transport_detail::kNamesKey);
  lua_pushvalue(L_, idx);
  lua_rawget(L_, names);
  if (lua_type(L_, -1) != LUA_TSTRING) {
    lua_pop(L_, 1);
    return false;
  }
  size_t n;
  const char* s = lua_tolstring(L_, -1, &n);
  w_.u8(wire::kNamed);
  w_.bytes(s, n);
  lua_pop(L_, 1);
  must_sign_ = true;  // a name may be os.execute or loadstring: a receiver runs only what this run sent
  return true;
}

// A table or function already in this message travels as a reference to its first copy (shared
// references and cycles stay so).
bool Encoder::wrote_ref(int idx) {
  int id = seen_.find(lua_topointer(L_, idx));
  if (id < 0) return false;
  w_.u8(wire::kRef);
  w_.varint(static_cast<uint64_t>(id));
  has_refs_ = true;
  return true;
}

void Encoder::table(int idx) {
  if (wrote_ref(idx) || named(idx)) return;
  const void* p = lua_topointer(L_, idx);
  if (++depth_ > wire::kMaxDepth) refuse("tables nested more than 200 levels deep");
  if (!lua_checkstack(L_, 8)) refuse("out of Lua stack space");
  bool has_meta = lua_getmetatable(L_, idx);
  w_.u8(has_meta ? wire::kTableMeta : wire::kTable);
  seen_.add(p, next_id_++);
  size_t hash_at = w_.placeholder_u32();
  size_t narr = array_length(idx);
  w_.varint(narr);
  // LuaJIT's next() visits the array part first, in index order, so in the common case the first narr
  // keys of one traversal are 1..narr and the same traversal goes on into the other keys: each element
  // is visited once, not once by index and again while the other keys are looked for (half of a
  // 100-number array's encoding). A table whose first keys are not 1, 2, ... (one of them in the hash
  // part, a hole, a key 0) has the rest of its array section read by index and a traversal of its own
  // for the other keys; the message is the same either way.
  size_t written = 0;
  lua_pushnil(L_);
  bool more = lua_next(L_, idx);
  while (more && written < narr && is_index(L_, -2, written + 1)) {
    ++written;
    value_at(lua_gettop(L_), {Step::kIndex, nullptr, 0, static_cast<double>(written)});
    lua_pop(L_, 1);
    more = lua_next(L_, idx);
  }
  if (written < narr) {
    if (more) lua_pop(L_, 2);
    for (size_t i = written + 1; i <= narr; ++i) {
      lua_rawgeti(L_, idx, static_cast<int>(i));
      value_at(lua_gettop(L_), {Step::kIndex, nullptr, 0, static_cast<double>(i)});
      lua_pop(L_, 1);
    }
    lua_pushnil(L_);
    more = lua_next(L_, idx);
  }
  size_t nhash_at = hash_at;
  uint32_t nhash = 0;
  for (; more; more = lua_next(L_, idx)) {
    int k = lua_gettop(L_) - 1;
    if (lua_type(L_, k) == LUA_TNUMBER) {
      double d = lua_tonumber(L_, k);
      if (d >= 1 && d <= static_cast<double>(narr) && d == std::floor(d)) {
        lua_pop(L_, 1);
        continue;
      }
    }
    value_at(k, {Step::kKeyOf});
    try {
      value(k + 1);
    } catch (Refusal& r) {
      int t = lua_type(L_, k);
      r.path.insert(0, render(t == LUA_TSTRING   ? Step{Step::kField, lua_tostring(L_, k), lua_objlen(L_, k)}
                              : t == LUA_TNUMBER ? Step{Step::kIndex, nullptr, 0, lua_tonumber(L_, k)}
                                                 : Step{Step::kOtherKey, lua_typename(L_, t)}));
      throw;
    }
    lua_pop(L_, 1);
    ++nhash;
  }
  w_.patch_u32(nhash_at, nhash);
  if (has_meta) {
    value_at(lua_gettop(L_), {Step::kMeta});
    lua_pop(L_, 1);
  }
  --depth_;
}

// The border from lua_objlen, unless the table is sparse ({[1]=1, [2]=2, [4]=4, ..., [2^30]=1} has
// border 2^30): then everything goes as key/value pairs, so the message never holds a run of nils.
size_t Encoder::array_length(int idx) {
  size_t narr = lua_objlen(L_, idx);
  if (narr <= 4096) return narr;
  size_t count = 0;
  lua_pushnil(L_);
  while (lua_next(L_, idx)) {
    lua_pop(L_, 1);
    ++count;
  }
  return count >= narr / 2 ? narr : 0;
}

// Userdata and cdata: matched against the registered kinds (helpers.classify in transport.lua).
void Encoder::other(int idx, const char* fallback) {
  if (named(idx)) return;
  transport_detail::push_helper_function(L_, "classify");
  lua_pushvalue(L_, idx);
  lua_call(L_, 1, 2);
  if (lua_type(L_, -2) != LUA_TSTRING || lua_type(L_, -1) != LUA_TSTRING) {
    std::string why = lua_type(L_, -1) == LUA_TSTRING ? lua_tostring(L_, -1) : fallback;
    lua_pop(L_, 2);
    refuse(why.c_str());
  }
  size_t n;
  const char* s = lua_tolstring(L_, -2, &n);
  // parlab's own kinds ("parlab.array", "parlab.Lock", ...) are handles into this run's arena; the
  // others (int64_t, a user's kinds) carry their value.
  if (reach_ == Reach::other_rank && std::strncmp(s, "parlab.", 7) == 0) {
    std::string why = std::string("a ") + s +
                      ", which lives in this rank's shared memory and cannot reach "
                      "another rank";
    if (std::strcmp(s, "parlab.array") == 0) why += " (send its elements with mpi.Send, or a:totable())";
    lua_pop(L_, 2);
    refuse(why.c_str());
  }
  w_.u8(wire::kKind);
  must_sign_ = true;  // a handle may carry a pointer or an offset: only this run may make one
  w_.bytes(s, n);
  s = lua_tolstring(L_, -1, &n);
  w_.bytes(s, n);
  lua_pop(L_, 2);
}

}  // namespace transport_detail

using transport_detail::Encoder;

namespace {

// Both entry points: the checks, then the encoder, with big strings spliced when `splices` is given.
void encode(lua_State* L, int first, int n, const char* what, std::string& out,
            std::vector<wire::Splice>* splices, Reach reach) {
  if (splices) splices->clear();
  if (first < 0 && first > LUA_REGISTRYINDEX) first = lua_gettop(L) + first + 1;
  if (n < 0 || first < 1 || first + n - 1 > lua_gettop(L))
    throw Error("transport: values out of stack range");
  if (n > wire::kMaxValues)
    throw Error("cannot send " + std::to_string(n) + " values in one message (at most 4000)");
  int top = lua_gettop(L);
  try {
    Encoder e(L, what, std::move(out), reach);
    if (splices) e.splice_into(splices);
    out = e.run(first, n);
  } catch (const Error&) {
    if (splices) splices->clear();
    lua_settop(L, top);
    throw;
  }
}

}  // namespace

void encode_values_into(lua_State* L, int first, int n, const char* what, std::string& out, Reach reach) {
  encode(L, first, n, what, out, nullptr, reach);
}

void encode_values_pieces(lua_State* L, int first, int n, const char* what, PiecesMessage& m, Reach reach) {
  encode(L, first, n, what, m.head, &m.splices, reach);
  wire::pieces_of(m.head, m.splices, m.pieces);
}

// One reusable buffer per thread: a small message costs no allocation beyond its result string.
std::string encode_values(lua_State* L, int first, int n, const char* what, Reach reach) {
  thread_local std::string buffer;
  encode_values_into(L, first, n, what, buffer, reach);
  if (buffer.size() > (64 << 10)) return std::move(buffer);  // big: hand the buffer over, no copy
  return buffer;
}

}  // namespace parlab::lua
