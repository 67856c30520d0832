// internal.value: Value, Array (the small ctypes-like shared array with a lock) and ShareableList
// userdata over engine/sync/value.hpp. Indices are 0-based like Python's and parlab.array's.
// bindings/modules/value.lua finishes the Lua face (parlab.Value, ..., transport kinds).
#include <lua.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>

#include "bindings/core/module.hpp"
#include "bindings/modules/sync_common.hpp"
#include "engine/sync/value.hpp"

namespace parlab::lua {
namespace {

using namespace sync_detail;
using shared::ArrayObject;
using shared::ListObject;
using shared::Type;
using shared::ValueObject;

constexpr const char* kValue = "parlab.Value";
constexpr const char* kArray = "parlab.Array";
constexpr const char* kList = "parlab.ShareableList";

Type check_type(lua_State* L, int idx, const char* what) {
  Type t;
  const char* name = lua_tostring(L, idx);
  if (lua_type(L, idx) != LUA_TSTRING || !shared::parse_type(name, t))
    fail(
        "%s: unknown type %s%s%s (expected \"f64\", \"f32\", \"i64\", \"i32\", \"i16\", \"i8\", \"u64\", "
        "\"u32\", \"u16\", \"u8\", \"bool\", \"char\" or a ctypes code \"d\", \"f\", \"q\", \"l\", "
        "\"i\", \"h\", \"b\", \"Q\", \"L\", \"I\", \"H\", \"B\", \"?\", \"c\")",
        what, lua_type(L, idx) == LUA_TSTRING ? "'" : "a ",
        lua_type(L, idx) == LUA_TSTRING ? name : luaL_typename(L, idx),
        lua_type(L, idx) == LUA_TSTRING ? "'" : "");
  return t;
}

// A bool ("?", ctypes' c_bool) takes true/false or 0/1, as Python's does.
double to_bool(lua_State* L, int idx, const char* what) {
  if (lua_isboolean(L, idx)) return lua_toboolean(L, idx) ? 1 : 0;
  double x = lua_tonumber(L, idx);
  if (lua_type(L, idx) == LUA_TNUMBER && (x == 0 || x == 1)) return x;
  if (lua_type(L, idx) == LUA_TNUMBER)
    fail("%s: a bool takes true/false or 0/1, got %s", what, lua_tostring(L, idx));
  fail("%s: expected a boolean or 0/1, got %s", what, luaL_typename(L, idx));
}

// A char ("c", ctypes' c_char) takes a 1-byte string or a byte value 0..255, as Python's takes b"x" or 120.
double to_char(lua_State* L, int idx, const char* what) {
  if (lua_type(L, idx) == LUA_TSTRING) {
    std::size_t len;
    const char* s = lua_tolstring(L, idx, &len);
    if (len != 1) fail("%s: a char takes a string of one byte, got %zu bytes", what, len);
    return static_cast<unsigned char>(s[0]);
  }
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: expected a one-byte string or a byte value, got %s", what, luaL_typename(L, idx));
  double x = lua_tonumber(L, idx);
  shared::check_fits(Type::Char, x, what);
  return x;
}

// A Lua value as an element of type t, checked. Bools read back as Lua booleans, chars as 1-byte strings.
double to_element(lua_State* L, int idx, Type t, const char* what) {
  if (t == Type::Bool) return to_bool(L, idx, what);
  if (t == Type::Char) return to_char(L, idx, what);
  if (lua_type(L, idx) != LUA_TNUMBER) fail("%s: expected a number, got %s", what, luaL_typename(L, idx));
  double x = lua_tonumber(L, idx);
  shared::check_fits(t, x, what);
  return x;
}

void push_element(lua_State* L, Type t, double x) {
  if (t == Type::Bool) {
    lua_pushboolean(L, x != 0);
  } else if (t == Type::Char) {
    char c = static_cast<char>(static_cast<unsigned char>(x));
    lua_pushlstring(L, &c, 1);
  } else {
    lua_pushnumber(L, x);
  }
}

// The options of Value and Array, Python's keyword `lock`: {lock = true|false}. Their lock is always there
// and costs nothing until it is taken, so lock = false (Python's unsynchronized object) changes nothing.
void check_lock_option(lua_State* L, int idx, const char* what) {
  if (lua_gettop(L) > idx) fail("%s: takes at most %d arguments, got %d", what, idx, lua_gettop(L));
  if (lua_isnoneornil(L, idx)) return;
  if (!lua_istable(L, idx))
    fail("%s: options must be a table {lock = true|false}, got %s", what, luaL_typename(L, idx));
  lua_pushnil(L);
  while (lua_next(L, idx)) {
    lua_pop(L, 1);
    bool named = lua_type(L, -1) == LUA_TSTRING;
    if (!named || std::strcmp(lua_tostring(L, -1), "lock") != 0)
      fail("%s: unknown option %s (it takes lock)", what, named ? lua_tostring(L, -1) : luaL_typename(L, -1));
  }
  lua_getfield(L, idx, "lock");
  if (!lua_isnil(L, -1) && !lua_isboolean(L, -1))
    fail("%s: lock must be true or false, got %s", what, luaL_typename(L, -1));
  lua_pop(L, 1);
}

// ---- Value ----
int new_value(lua_State* L) {
  check_lock_option(L, 3, "Value");
  Type t = check_type(L, 1, "Value");
  double init = lua_isnoneornil(L, 2) ? 0 : to_element(L, 2, t, "Value");
  push_ref(L, shm::Ref<ValueObject>::create(t, init), kValue);
  return 1;
}

ValueObject& value_arg(lua_State* L, const char* m) { return check<ValueObject>(L, 1, kValue, m); }

int value_get(lua_State* L) {
  ValueObject& v = value_arg(L, "Value.get");
  max_args(L, 0, "Value.get");
  push_element(L, v.type, shared::load(v.type, v.data));
  return 1;
}

int value_set(lua_State* L) {
  ValueObject& v = value_arg(L, "Value.set");
  max_args(L, 1, "Value.set", "value");
  shared::store(v.type, v.data, to_element(L, 2, v.type, "Value.set"));
  return 0;
}

// v:add(x): atomic v = v + x, returns the new value.
int value_add(lua_State* L) {
  ValueObject& v = value_arg(L, "Value.add");
  if (v.type == Type::Bool || v.type == Type::Char)
    fail("Value.add: a %s Value cannot be added to", shared::type_name(v.type));
  if (lua_type(L, 2) != LUA_TNUMBER) fail("Value.add: expected a number, got %s", luaL_typename(L, 2));
  double x = lua_tonumber(L, 2);
  if (v.type != Type::F64 && v.type != Type::F32) {
    if (x != std::floor(x))
      fail("Value.add: %g is not a whole number (type %s)", x, shared::type_name(v.type));
    shared::check_fits(Type::I64, x, "Value.add");  // integers wrap, but the step must be an integer
  }
  lua_pushnumber(L, shared::fetch_add(v.type, v.data, x));
  return 1;
}

int value_get_lock(lua_State* L) {
  push_ref(L, value_arg(L, "Value.get_lock").lock, "parlab.RLock");
  return 1;
}

int value_tostring(lua_State* L) {
  ValueObject& v = value_arg(L, "Value.__tostring");
  char buf[96];
  double x = shared::load(v.type, v.data);
  if (v.type == Type::Char)
    std::snprintf(buf, sizeof buf, "Value(char, %d)", int(x));
  else
    std::snprintf(buf, sizeof buf, "Value(%s, %.17g)", shared::type_name(v.type), x);
  lua_pushstring(L, buf);
  return 1;
}

// v.value and v.type (TypeSpec::properties).
int value_index(lua_State* L) {
  ValueObject& v = value_arg(L, "Value");
  const char* k = lua_tostring(L, 2);
  if (k && !std::strcmp(k, "value")) return push_element(L, v.type, shared::load(v.type, v.data)), 1;
  if (k && !std::strcmp(k, "type")) return lua_pushstring(L, shared::type_name(v.type)), 1;
  return 0;
}

int value_newindex(lua_State* L) {
  ValueObject& v = value_arg(L, "Value");
  const char* k = lua_tostring(L, 2);
  if (!k || std::strcmp(k, "value") != 0)
    fail("Value: cannot set field '%s' (only .value)", k ? k : luaL_typename(L, 2));
  shared::store(v.type, v.data, to_element(L, 3, v.type, "Value"));
  return 0;
}

// ---- Array ----
ArrayObject& array_arg(lua_State* L, const char* m) { return check<ArrayObject>(L, 1, kArray, m); }

int new_array(lua_State* L) {
  check_lock_option(L, 3, "Array");
  Type t = check_type(L, 1, "Array");
  if (lua_type(L, 2) == LUA_TNUMBER) {
    double n = lua_tonumber(L, 2);
    if (n < 0 || n != std::floor(n) || n > 1e12)
      fail("Array: size must be a non-negative integer, got %s", lua_tostring(L, 2));
    push_ref(L, shm::Ref<ArrayObject>::create(t, std::size_t(n)), kArray);
    return 1;
  }
  if (t == Type::Char && lua_type(L, 2) == LUA_TSTRING) {  // Array("c", "bytes"), as Array('c', b"bytes")
    std::size_t len;
    const char* s = lua_tolstring(L, 2, &len);
    shm::Ref<ArrayObject> a = shm::Ref<ArrayObject>::create(t, len);
    std::memcpy(a->data, s, len);
    push_ref(L, std::move(a), kArray);
    return 1;
  }
  if (!lua_istable(L, 2))
    fail("Array: expected a size or a table of initial values%s, got %s",
         t == Type::Char ? " or a string" : "", luaL_typename(L, 2));
  std::size_t n = lua_objlen(L, 2);
  shm::Ref<ArrayObject> a = shm::Ref<ArrayObject>::create(t, n);
  char what[64];
  for (std::size_t i = 0; i < n; ++i) {
    lua_rawgeti(L, 2, int(i + 1));
    std::snprintf(what, sizeof what, "Array: item %zu", i + 1);
    shared::store(t, a->at(i), to_element(L, -1, t, what));
    lua_pop(L, 1);
  }
  push_ref(L, std::move(a), kArray);
  return 1;
}

std::size_t index_arg(lua_State* L, int idx, std::size_t size, const char* what) {
  double i = lua_tonumber(L, idx);
  if (i != std::floor(i) || i < 0 || i >= double(size)) {
    if (size == 0) fail("%s: index %s out of range (the %s is empty)", what, lua_tostring(L, idx), what);
    fail("%s: index %s out of range 0..%zu", what, lua_tostring(L, idx), size - 1);
  }
  return std::size_t(i);
}

int array_get_lock(lua_State* L) {
  push_ref(L, array_arg(L, "Array.get_lock").lock, "parlab.RLock");
  return 1;
}

int array_totable(lua_State* L) {
  ArrayObject& a = array_arg(L, "Array.totable");
  lua_createtable(L, int(a.size), 0);
  for (std::size_t i = 0; i < a.size; ++i) {
    push_element(L, a.type, shared::load(a.type, a.at(i)));
    lua_rawseti(L, -2, int(i + 1));
  }
  return 1;
}

const Function array_methods[] = {
    {"get_lock", array_get_lock}, {"totable", array_totable}, {nullptr, nullptr}};

// a[i] (0-based), a.type and a.len (TypeSpec::properties).
int array_index(lua_State* L) {
  ArrayObject& a = array_arg(L, "Array");
  if (lua_type(L, 2) == LUA_TNUMBER) {
    push_element(L, a.type, shared::load(a.type, a.at(index_arg(L, 2, a.size, "Array"))));
    return 1;
  }
  const char* k = lua_tostring(L, 2);
  if (k && !std::strcmp(k, "type")) return lua_pushstring(L, shared::type_name(a.type)), 1;
  if (k && !std::strcmp(k, "len")) return lua_pushnumber(L, double(a.size)), 1;
  if (a.type == Type::Char && k && !std::strcmp(k, "raw"))  // every byte, as Python's .raw
    return lua_pushlstring(L, reinterpret_cast<const char*>(a.data), a.size), 1;
  if (a.type == Type::Char && k && !std::strcmp(k, "value"))  // up to the first zero byte, as Python's .value
    return lua_pushlstring(L, reinterpret_cast<const char*>(a.data), strnlen((const char*)a.data, a.size)), 1;
  return 0;
}

// a.value = "bytes" / a.raw = "bytes" on a char array: copied in, the rest of .value's array zeroed.
int set_char_bytes(lua_State* L, ArrayObject& a, const char* field) {
  if (lua_type(L, 3) != LUA_TSTRING) fail("Array.%s: expected a string, got %s", field, luaL_typename(L, 3));
  std::size_t len;
  const char* s = lua_tolstring(L, 3, &len);
  if (len > a.size) fail("Array.%s: %zu bytes do not fit an array of %zu", field, len, a.size);
  std::memcpy(a.data, s, len);
  if (field[0] == 'v' && len < a.size) a.data[len] = 0;
  return 0;
}

int array_newindex(lua_State* L) {
  ArrayObject& a = array_arg(L, "Array");
  const char* k = lua_type(L, 2) == LUA_TSTRING ? lua_tostring(L, 2) : nullptr;
  if (a.type == Type::Char && k && (!std::strcmp(k, "value") || !std::strcmp(k, "raw")))
    return set_char_bytes(L, a, k);
  if (lua_type(L, 2) != LUA_TNUMBER)
    fail("Array: cannot set field '%s' (index with a number)", luaL_typename(L, 2));
  std::size_t i = index_arg(L, 2, a.size, "Array");
  shared::store(a.type, a.at(i), to_element(L, 3, a.type, "Array"));
  return 0;
}

int array_len(lua_State* L) {
  lua_pushnumber(L, double(array_arg(L, "Array.__len").size));
  return 1;
}

int array_tostring(lua_State* L) {
  ArrayObject& a = array_arg(L, "Array.__tostring");
  char buf[96];
  std::snprintf(buf, sizeof buf, "Array(%s, %zu)", shared::type_name(a.type), a.size);
  lua_pushstring(L, buf);
  return 1;
}

}  // namespace

void open_value_list(lua_State* L);  // lua_value_list.cpp

namespace {

int attach(lua_State* L) {
  const char* kind = luaL_checkstring(L, 1);
  if (!std::strcmp(kind, "Value"))
    push_ref(L, attach_handle<ValueObject>(L, 2, kind), kValue);
  else if (!std::strcmp(kind, "Array"))
    push_ref(L, attach_handle<ArrayObject>(L, 2, kind), kArray);
  else if (!std::strcmp(kind, "ShareableList"))
    push_ref(L, attach_handle<ListObject>(L, 2, kind), kList);
  else
    fail("transport: unknown value kind '%s'", kind);
  return 1;
}

const Function value_methods[] = {{"get", value_get},
                                  {"set", value_set},
                                  {"add", value_add},
                                  {"get_lock", value_get_lock},
                                  {nullptr, nullptr}};
const Function functions[] = {
    {"Value", new_value}, {"Array", new_array}, {"attach", attach}, {nullptr, nullptr}};

void open_value(lua_State* L) {
  lua_newtable(L);
  lua_newtable(L);
  lua_setfield(L, -2, "methods");
  set_functions(L, functions);
  make_type<ValueObject>(L, {kValue, value_methods, value_tostring, value_index, value_newindex});
  make_type<ArrayObject>(L, {kArray, array_methods, array_tostring, array_index, array_newindex, array_len});
  open_value_list(L);
  set_internal(L, "value");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(value, parlab::lua::open_value);
