// The Request userdata that isend/irecv (and Isend/Irecv) return: req:wait([status]) and
// req:test([status]) as in mpi4py (wait returns the received object; test returns done, object).
#include <lua.hpp>

#include <new>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/modules/mpi/lua_mpi.hpp"

namespace parlab::lua {
namespace {

constexpr const char* kRequestMeta = "parlab.mpi.Request";

struct LuaRequest {
  mpi::Request* request;  // owned; deleting an unfinished one orphans it (engine/mpi/mpi.hpp)
  RequestKind kind;
  bool delivered;  // the received object was already returned once
};

LuaRequest* check_request(lua_State* L, const char* fn) {
  auto* r = static_cast<LuaRequest*>(luaL_testudata(L, 1, kRequestMeta));
  if (!r)
    fail("%s: expected a Request (use req:%s(), with a colon), got %s", fn, fn + 12, luaL_typename(L, 1));
  if (!r->request) fail("%s: this Request was finalized (its __gc ran)", fn);
  return r;
}

// After completion: the received object once (later calls give nil, as the message is consumed).
int push_result(lua_State* L, LuaRequest* r) {
  if (r->kind != RequestKind::recv_object || r->delivered) {
    lua_pushnil(L);
    return 1;
  }
  r->delivered = true;
  std::string bytes = r->request->take_bytes();
  int n = decode_values(L, bytes.data(), bytes.size());
  if (n == 0)
    lua_pushnil(L);
  else if (n > 1)
    lua_pop(L, n - 1);
  return 1;
}

int l_wait(lua_State* L) {
  LuaRequest* r = check_request(L, "mpi.Request.wait");
  r->request->wait();
  if (lua_istable(L, 2)) set_status(L, 2, r->request->status());
  return push_result(L, r);
}

int l_test(lua_State* L) {
  LuaRequest* r = check_request(L, "mpi.Request.test");
  bool done = r->request->test();
  lua_pushboolean(L, done);
  if (!done) return 1;
  if (lua_istable(L, 2)) set_status(L, 2, r->request->status());
  return 1 + push_result(L, r);
}

int l_gc(lua_State* L) {
  if (auto* r = static_cast<LuaRequest*>(luaL_testudata(L, 1, kRequestMeta))) {
    delete r->request;
    r->request = nullptr;
  }
  return 0;
}

int l_tostring(lua_State* L) {
  auto* r = static_cast<LuaRequest*>(luaL_testudata(L, 1, kRequestMeta));
  if (!r) fail("mpi.Request.__tostring: expected a Request, got %s", luaL_typename(L, 1));
  const char* kind = r->kind == RequestKind::send ? "send" : "recv";
  lua_pushfstring(L, "mpi.Request(%s, %s)", kind, r->request && r->request->done() ? "done" : "pending");
  return 1;
}

const Function methods[] = {
    {"wait", l_wait}, {"test", l_test}, {"Wait", l_wait}, {"Test", l_test}, {nullptr, nullptr}};
const Function metamethods[] = {{"__gc", l_gc}, {"__tostring", l_tostring}, {nullptr, nullptr}};

}  // namespace

void set_status(lua_State* L, int idx, const mpi::Status& st) {
  idx = idx < 0 ? lua_gettop(L) + idx + 1 : idx;
  lua_pushinteger(L, st.source);
  lua_setfield(L, idx, "source");
  lua_pushinteger(L, st.tag);
  lua_setfield(L, idx, "tag");
  lua_pushnumber(L, double(st.bytes));
  lua_setfield(L, idx, "count");
}

void push_request(lua_State* L, std::unique_ptr<mpi::Request> request, RequestKind kind, int keep_idx) {
  if (keep_idx < 0) keep_idx = lua_gettop(L) + keep_idx + 1;
  auto* r = static_cast<LuaRequest*>(lua_newuserdata(L, sizeof(LuaRequest)));
  r->request = request.release();
  r->kind = kind;
  r->delivered = false;
  set_type(L, kRequestMeta);
  // The environment table keeps the array alive as long as the request.
  lua_createtable(L, 1, 0);
  if (keep_idx) {
    lua_pushvalue(L, keep_idx);
    lua_rawseti(L, -2, 1);
  }
  lua_setfenv(L, -2);
}

void open_mpi_requests(lua_State* L) { register_type(L, {kRequestMeta, methods, metamethods}); }

}  // namespace parlab::lua
