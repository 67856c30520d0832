// ShareableList userdata (engine/sync/value.hpp ListObject), added to internal.value by lua_value.cpp:
// l[i] (0-based), #l, l:totable(), l:count(v), l:index(v), l:capacity(i).
#include <lua.hpp>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bindings/core/module.hpp"
#include "bindings/modules/sync_common.hpp"
#include "engine/sync/value.hpp"

namespace parlab::lua {
namespace {

using namespace sync_detail;
using shared::ListObject;

constexpr const char* kList = "parlab.ShareableList";

ListObject& list_arg(lua_State* L, const char* m) { return check<ListObject>(L, 1, kList, m); }

ListObject::Item to_item(lua_State* L, int idx, const char* what) {
  ListObject::Item it;
  switch (lua_type(L, idx)) {
    case LUA_TNIL:
    case LUA_TNONE: it.kind = ListObject::Nil; break;
    case LUA_TBOOLEAN: it.kind = lua_toboolean(L, idx) ? ListObject::True : ListObject::False; break;
    case LUA_TNUMBER:
      it.kind = ListObject::Number;
      it.number = lua_tonumber(L, idx);
      break;
    case LUA_TSTRING: {
      size_t n;
      const char* s = lua_tolstring(L, idx, &n);
      it.kind = ListObject::String;
      it.text.assign(s, n);
      break;
    }
    default:
      fail("%s is a %s (a ShareableList holds nil, booleans, numbers and strings)", what,
           luaL_typename(L, idx));
  }
  return it;
}

void push_item(lua_State* L, const ListObject::Item& it) {
  switch (it.kind) {
    case ListObject::Nil: lua_pushnil(L); break;
    case ListObject::False: lua_pushboolean(L, 0); break;
    case ListObject::True: lua_pushboolean(L, 1); break;
    case ListObject::Number: lua_pushnumber(L, it.number); break;
    case ListObject::String: lua_pushlstring(L, it.text.data(), it.text.size()); break;
  }
}

// ShareableList(seq): items seq[1] .. seq[seq.n or #seq].
int new_list(lua_State* L) {
  if (!lua_istable(L, 1)) fail("ShareableList: expected a table of items, got %s", luaL_typename(L, 1));
  lua_getfield(L, 1, "n");
  double n = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : double(lua_objlen(L, 1));
  lua_pop(L, 1);
  if (n < 0 || n != std::floor(n) || n > 1e8) fail("ShareableList: bad item count %g", n);
  std::vector<ListObject::Item> items(static_cast<size_t>(n));
  char what[64];
  for (size_t i = 0; i < items.size(); ++i) {
    lua_rawgeti(L, 1, int(i + 1));
    std::snprintf(what, sizeof what, "ShareableList: item %zu", i + 1);
    items[i] = to_item(L, -1, what);
    lua_pop(L, 1);
  }
  push_ref(L, shm::Ref<ListObject>::create(items), kList);
  return 1;
}

size_t list_index(lua_State* L, int idx, size_t size, const char* what) {
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: index must be a number, got %s", what, luaL_typename(L, idx));
  double i = lua_tonumber(L, idx);
  if (i != std::floor(i) || i < 0 || i >= double(size)) {
    if (size == 0) fail("%s: index %g out of range (the list is empty)", what, i);
    fail("%s: index %g out of range 0..%zu", what, i, size - 1);
  }
  return size_t(i);
}

int list_totable(lua_State* L) {
  ListObject& l = list_arg(L, "ShareableList.totable");
  lua_createtable(L, int(l.size), 1);
  for (size_t i = 0; i < l.size; ++i) {
    push_item(L, l.get(i));
    lua_rawseti(L, -2, int(i + 1));
  }
  lua_pushnumber(L, double(l.size));
  lua_setfield(L, -2, "n");
  return 1;
}

bool same(const ListObject::Item& a, const ListObject::Item& b) {
  return a.kind == b.kind && (a.kind != ListObject::Number || a.number == b.number) &&
         (a.kind != ListObject::String || a.text == b.text);
}

int list_count(lua_State* L) {
  ListObject& l = list_arg(L, "ShareableList.count");
  ListObject::Item v = to_item(L, 2, "ShareableList.count: the value");
  size_t n = 0;
  for (size_t i = 0; i < l.size; ++i) n += same(l.get(i), v);
  lua_pushnumber(L, double(n));
  return 1;
}

// l:index(v): the first 0-based position holding v, or nil.
int list_find(lua_State* L) {
  ListObject& l = list_arg(L, "ShareableList.index");
  ListObject::Item v = to_item(L, 2, "ShareableList.index: the value");
  for (size_t i = 0; i < l.size; ++i)
    if (same(l.get(i), v)) return lua_pushnumber(L, double(i)), 1;
  lua_pushnil(L);
  return 1;
}

int list_capacity(lua_State* L) {
  ListObject& l = list_arg(L, "ShareableList.capacity");
  lua_pushnumber(L, double(l.capacity(list_index(L, 2, l.size, "ShareableList.capacity"))));
  return 1;
}

int list_get(lua_State* L) {
  ListObject& l = list_arg(L, "ShareableList");
  if (lua_type(L, 2) == LUA_TNUMBER) {
    push_item(L, l.get(list_index(L, 2, l.size, "ShareableList")));
    return 1;
  }
  return 0;
}

int list_set(lua_State* L) {
  ListObject& l = list_arg(L, "ShareableList");
  size_t i = list_index(L, 2, l.size, "ShareableList");
  l.set(i, to_item(L, 3, "ShareableList: the new item"));
  return 0;
}

int list_len(lua_State* L) {
  lua_pushnumber(L, double(list_arg(L, "ShareableList.__len").size));
  return 1;
}

int list_tostring(lua_State* L) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "ShareableList(%zu items)", list_arg(L, "ShareableList.__tostring").size);
  lua_pushstring(L, buf);
  return 1;
}

const Function list_methods[] = {{"totable", list_totable},
                                 {"count", list_count},
                                 {"index", list_find},
                                 {"capacity", list_capacity},
                                 {nullptr, nullptr}};

}  // namespace

void open_value_list(lua_State* L) {
  push_function(L, new_list);
  lua_setfield(L, -2, "ShareableList");
  make_type<ListObject>(L, {kList, list_methods, list_tostring, list_get, list_set, list_len});
}

}  // namespace parlab::lua
