// Value <-> Lua: numbers, booleans, strings and nil as themselves; a list of numbers as a Lua table
// (copied); an Array as its parlab array (the same memory). A parlab array of f64 comes back as an Array,
// one of another element type as copied numbers.
#include <lua.hpp>

#include <stdexcept>
#include <string>

#include "bindings/modules/lua_array.hpp"
#include "embed/shared.hpp"

namespace parlab::embed {

// The registry reference that keeps an Array's Lua value alive, and the state with it.
struct Array::Ref {
  std::shared_ptr<detail::Shared> owner;
  int ref = LUA_NOREF;
  Ref(std::shared_ptr<detail::Shared> o, int r) : owner(std::move(o)), ref(r) {}
  ~Ref() { luaL_unref(owner->L, LUA_REGISTRYINDEX, ref); }
  Ref(const Ref&) = delete;
  Ref& operator=(const Ref&) = delete;
};

namespace detail {
namespace {

std::vector<double> numbers_of_array(const parlab::Array& a) {
  std::vector<double> out(static_cast<size_t>(a.size()));
  const ArraySpan& sp = a.span();
  for (size_t i = 0; i < out.size(); ++i) {
    switch (sp.type) {
      case DType::F64: out[i] = static_cast<const double*>(sp.data)[i]; break;
      case DType::F32: out[i] = static_cast<const float*>(sp.data)[i]; break;
      case DType::I64: out[i] = double(static_cast<const std::int64_t*>(sp.data)[i]); break;
      case DType::I32: out[i] = static_cast<const std::int32_t*>(sp.data)[i]; break;
      case DType::U8: out[i] = static_cast<const std::uint8_t*>(sp.data)[i]; break;
    }
  }
  return out;
}

Value table_value(lua_State* L, int idx, const std::string& what) {
  std::vector<double> out(lua_objlen(L, idx));
  for (size_t i = 0; i < out.size(); ++i) {
    lua_rawgeti(L, idx, int(i + 1));
    bool number = lua_type(L, -1) == LUA_TNUMBER;
    out[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
    if (!number) throw std::invalid_argument(what + ": a table that is not a list of numbers");
  }
  return out;
}

}  // namespace

Array Shared::array_at(lua_State* L, int idx) {
  const parlab::Array& a = parlab::lua::check_array(L, idx, "parlab::embed", "the value");
  Array out;
  lua_pushvalue(L, idx);
  out.ref_ = std::make_shared<Array::Ref>(shared_from_this(), luaL_ref(L, LUA_REGISTRYINDEX));
  out.data_ = static_cast<double*>(a.span().data);
  out.size_ = static_cast<size_t>(a.size());
  return out;
}

void Shared::push_array(lua_State* L, const Array& a) {
  if (!a.ref_) throw std::invalid_argument("parlab::embed: an empty Array (made by its default constructor)");
  if (a.ref_->owner.get() != this)
    throw std::invalid_argument("parlab::embed: an Array of another Interpreter");
  lua_rawgeti(L, LUA_REGISTRYINDEX, a.ref_->ref);
}

void push_value(Shared& s, lua_State* L, const Value& v) {
  switch (v.kind()) {
    case Value::Kind::Nil: lua_pushnil(L); break;
    case Value::Kind::Boolean: lua_pushboolean(L, v.as_bool()); break;
    case Value::Kind::Number: lua_pushnumber(L, v.as_number()); break;
    case Value::Kind::String: lua_pushlstring(L, v.as_string().data(), v.as_string().size()); break;
    case Value::Kind::Numbers: {
      const std::vector<double>& xs = v.as_numbers();
      lua_createtable(L, int(xs.size()), 0);
      for (size_t i = 0; i < xs.size(); ++i) {
        lua_pushnumber(L, xs[i]);
        lua_rawseti(L, -2, int(i + 1));
      }
      break;
    }
    case Value::Kind::Array: s.push_array(L, v.as_array()); break;
  }
}

Value to_value(Shared& s, lua_State* L, int idx, const std::string& what) {
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  switch (lua_type(L, idx)) {
    case LUA_TNIL: return {};
    case LUA_TBOOLEAN: return bool(lua_toboolean(L, idx));
    case LUA_TNUMBER: return lua_tonumber(L, idx);
    case LUA_TSTRING: {
      size_t n = 0;
      const char* p = lua_tolstring(L, idx, &n);
      return std::string(p, n);
    }
    case LUA_TTABLE: return table_value(L, idx, what);
    default: break;
  }
  if (s.options.libraries.parlab && parlab::lua::is_array(L, idx)) {  // its registry keys exist
    try {
      if (parlab::lua::check_array(L, idx, "parlab::embed", what.c_str()).type() == DType::F64)
        return s.array_at(L, idx);
      return numbers_of_array(parlab::lua::check_array(L, idx, "parlab::embed", what.c_str()));
    } catch (const std::invalid_argument&) {
      throw;
    } catch (const std::exception& e) {
      throw std::invalid_argument(e.what());
    }
  }
  throw std::invalid_argument(what + ": a " + luaL_typename(L, idx) + " has no parlab::embed::Value form");
}

}  // namespace detail
}  // namespace parlab::embed
