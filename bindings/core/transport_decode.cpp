// The decoder half of the transport: turns wire bytes back into Lua values, trusting nothing in them.
#include <cmath>
#include <cstring>
#include <string>

#include "bindings/core/transport.hpp"
#include "bindings/core/transport_internal.hpp"
#include "engine/transport/transport.hpp"

namespace parlab::lua {
namespace {

constexpr int kPreallocCap = 1 << 16;  // never presize a table from a length field beyond this

[[noreturn]] void malformed(const char* why) {
  throw Error(std::string("transport: malformed message (") + why + ")");
}

class Decoder {
 public:
  Decoder(lua_State* L, wire::Reader r, uint8_t flags)
      : L_(L), r_(r), signed_(flags & wire::kSigned), keep_refs_(flags & wire::kHasRefs) {}

  int run() {
    uint64_t n = r_.count(1);
    if (n > wire::kMaxValues || !lua_checkstack(L_, static_cast<int>(n) + 16)) malformed("too many values");
    int base = lua_gettop(L_);
    lua_pushnil(L_);  // slot for the ref table
    lua_pushnil(L_);  // slot for the decoded functions' environment
    refs_ = base + 1;
    env_ = base + 2;
    for (uint64_t i = 0; i < n; ++i) value();
    if (!r_.at_end()) malformed("bytes after the last value");
    lua_remove(L_, refs_);
    lua_remove(L_, refs_);
    return static_cast<int>(n);
  }

 private:
  void value();
  void table(bool with_meta);
  void function();
  void upvalues(int fn);
  void globals();
  void kind();
  void named();
  void ref();
  void enter() {
    if (++depth_ > wire::kMaxDepth) malformed("nested too deeply");
    if (!lua_checkstack(L_, 8)) malformed("nested too deeply for the Lua stack");
  }
  void add_ref() {  // the value at the top becomes the next ref id
    ++nrefs_;
    if (!keep_refs_) return;
    if (lua_isnil(L_, refs_)) {
      lua_newtable(L_);
      lua_replace(L_, refs_);
    }
    lua_pushvalue(L_, -1);
    lua_rawseti(L_, refs_, nrefs_);
  }
  void push_ref(uint64_t id) {
    if (!keep_refs_) malformed("reference in a message flagged as having none");
    if (id >= static_cast<uint64_t>(nrefs_)) malformed("reference to a value not yet sent");
    lua_rawgeti(L_, refs_, static_cast<int>(id) + 1);
  }

  lua_State* L_;
  wire::Reader r_;
  bool signed_;
  bool keep_refs_;
  int refs_ = 0, env_ = 0;
  int nrefs_ = 0;
  int depth_ = 0;
};

void Decoder::value() {
  uint8_t tag = r_.u8();
  if (tag >= wire::kSmallInt) {
    lua_pushnumber(L_, tag - wire::kSmallInt);
    return;
  }
  switch (tag) {
    case wire::kNil: lua_pushnil(L_); return;
    case wire::kFalse: lua_pushboolean(L_, 0); return;
    case wire::kTrue: lua_pushboolean(L_, 1); return;
    case wire::kInt: lua_pushnumber(L_, static_cast<double>(wire::unzigzag(r_.varint()))); return;
    case wire::kDouble: lua_pushnumber(L_, r_.f64()); return;
    case wire::kString: {
      std::string_view s = r_.bytes();
      lua_pushlstring(L_, s.data(), s.size());
      return;
    }
    case wire::kTable: table(false); return;
    case wire::kTableMeta: table(true); return;
    case wire::kRef: ref(); return;
    case wire::kFunction: function(); return;
    case wire::kNamed: named(); return;
    case wire::kKind: kind(); return;
    default: malformed("unknown tag");
  }
}

void Decoder::ref() { push_ref(r_.varint()); }

void Decoder::table(bool with_meta) {
  enter();
  uint32_t nhash = r_.u32();
  if (nhash > r_.left() / 2) malformed("table larger than the buffer");
  uint64_t narr = r_.count(1);
  lua_createtable(L_, static_cast<int>(std::min<uint64_t>(narr, kPreallocCap)),
                  static_cast<int>(std::min<uint32_t>(nhash, kPreallocCap)));
  add_ref();
  int t = lua_gettop(L_);
  for (uint64_t i = 1; i <= narr; ++i) {
    value();
    lua_rawseti(L_, t, static_cast<int>(i));
  }
  for (uint32_t i = 0; i < nhash; ++i) {
    value();
    if (lua_isnil(L_, -1)) malformed("nil table key");
    if (lua_type(L_, -1) == LUA_TNUMBER && std::isnan(lua_tonumber(L_, -1))) malformed("NaN table key");
    value();
    lua_rawset(L_, t);
  }
  if (with_meta) {
    value();
    if (!lua_istable(L_, -1)) malformed("a metatable that is not a table");
    lua_setmetatable(L_, t);
  }
  --depth_;
}

// Bytecode is loaded only from messages whose MAC checked out: LuaJIT does not verify bytecode.
void Decoder::function() {
  enter();
  if (!signed_) malformed("code in an unsigned message");
  std::string_view code = r_.bytes();
  if (code.size() < 4 || std::memcmp(code.data(), "\x1bLJ", 3) != 0) malformed("not LuaJIT bytecode");
  if (luaL_loadbuffer(L_, code.data(), code.size(), "=transport") != 0) {
    std::string msg = lua_tostring(L_, -1) ? lua_tostring(L_, -1) : "?";
    lua_pop(L_, 1);
    throw Error("transport: cannot load a function: " + msg);
  }
  add_ref();
  int fn = lua_gettop(L_);
  upvalues(fn);
  // setmetatable({copied globals}, {__index = _G, __newindex = _G}), one per message. A global the
  // function creates lands in the receiver's _G, as a Python worker's module globals persist: a pool
  // initializer's `FACTOR = k` is seen by the tasks that follow.
  if (lua_isnil(L_, env_)) {
    lua_createtable(L_, 0, 4);
    lua_createtable(L_, 0, 2);
    lua_pushvalue(L_, LUA_GLOBALSINDEX);
    lua_setfield(L_, -2, "__index");
    lua_pushvalue(L_, LUA_GLOBALSINDEX);
    lua_setfield(L_, -2, "__newindex");
    lua_setmetatable(L_, -2);
    lua_replace(L_, env_);
  }
  lua_pushvalue(L_, env_);
  lua_setfenv(L_, fn);
  globals();
  --depth_;
}

void Decoder::upvalues(int fn) {
  uint64_t n = r_.varint();
  for (uint64_t i = 1; i <= n; ++i) {
    if (i > 255 || !lua_getupvalue(L_, fn, static_cast<int>(i)))
      malformed("upvalue count does not match the code");
    lua_pop(L_, 1);
    uint8_t how = r_.u8();
    if (how == 0) {
      value();
      lua_setupvalue(L_, fn, static_cast<int>(i));
      continue;
    }
    if (how != 1) malformed("bad upvalue marker");
    uint64_t other = r_.varint(), index = r_.varint();
    if (index < 1 || index > 255) malformed("bad shared upvalue");
    push_ref(other);
    if (!lua_isfunction(L_, -1) || lua_iscfunction(L_, -1) ||
        !lua_getupvalue(L_, -1, static_cast<int>(index)))
      malformed("bad shared upvalue");
    lua_pop(L_, 1);
    lua_upvaluejoin(L_, fn, static_cast<int>(i), lua_gettop(L_), static_cast<int>(index));
    lua_pop(L_, 1);
  }
  if (n < 255 && lua_getupvalue(L_, fn, static_cast<int>(n) + 1))
    malformed("upvalue count does not match the code");
}

void Decoder::globals() {
  uint32_t n = r_.u32();
  if (n > r_.left() / 2) malformed("more globals than the buffer holds");
  for (uint32_t i = 0; i < n; ++i) {
    std::string_view name = r_.bytes();
    lua_pushlstring(L_, name.data(), name.size());
    value();
    lua_rawset(L_, env_);
  }
}

// Library values by name include os.execute, io.popen, loadstring and ffi.*: only this run may send them.
void Decoder::named() {
  if (!signed_) malformed("a library value by name in an unsigned message");
  std::string_view name = r_.bytes();
  if (transport_detail::push_unopened_value(L_, name)) return;  // parlab stays unopened
  transport_detail::push_names(L_, &transport_detail::kValuesKey);
  lua_pushlstring(L_, name.data(), name.size());
  lua_rawget(L_, -2);
  lua_remove(L_, -2);
  if (lua_isnil(L_, -1))
    throw Error("transport: the receiver has no standard value '" + std::string(name.substr(0, 80)) + "'");
}

// A shared-object handle: the receiver's registered kind rebuilds it from the payload.
void Decoder::kind() {
  if (!signed_) malformed("a shared-object handle in an unsigned message");
  std::string_view name = r_.bytes();
  std::string_view payload = r_.bytes();
  transport_detail::push_helper_function(L_, "decode_kind");
  lua_pushlstring(L_, name.data(), name.size());
  lua_pushlstring(L_, payload.data(), payload.size());
  // A kind's decode is user code: its error (say, on a forged payload) becomes a parlab::Error too.
  if (lua_pcall(L_, 2, 2, 0) != 0) {
    std::string msg = lua_isstring(L_, -1) ? lua_tostring(L_, -1) : "error object is not a string";
    lua_pop(L_, 1);
    throw Error("transport: decoding a '" + std::string(name.substr(0, 60)) + "': " + msg);
  }
  if (lua_isnil(L_, -2) && lua_type(L_, -1) == LUA_TSTRING) {
    std::string msg = lua_tostring(L_, -1);
    lua_pop(L_, 2);
    throw Error("transport: " + msg);
  }
  lua_pop(L_, 1);
}

}  // namespace

int decode_values(lua_State* L, const char* data, size_t size) {
  int top = lua_gettop(L);
  try {
    uint8_t flags = wire::check_header(data, size);
    bool is_signed = flags & wire::kSigned;
    wire::Reader r(data + wire::kHeaderSize, size - wire::kHeaderSize - (is_signed ? wire::kMacSize : 0));
    return Decoder(L, r, flags).run();
  } catch (const Error&) {
    lua_settop(L, top);
    throw;
  }
}

}  // namespace parlab::lua
