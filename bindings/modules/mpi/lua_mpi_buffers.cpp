// The buffer path's C half (mpi4py's uppercase calls): raw calls on (address, bytes) that
// bindings/modules/mpi.lua makes after it has checked the arrays and taken their data pointers through the
// FFI. Addresses travel as Lua numbers (user-space addresses are below 2^53, so exact). Not for users.
#include <lua.hpp>

#include <cstdint>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/modules/mpi/lua_mpi.hpp"

namespace parlab::lua {
namespace {

void* address(lua_State* L, int idx) {
  return reinterpret_cast<void*>(static_cast<uintptr_t>(luaL_checknumber(L, idx)));
}

size_t bytes_arg(lua_State* L, int idx) {
  lua_Number n = luaL_checknumber(L, idx);
  if (n < 0) fail("mpi: negative byte count");
  return size_t(n);
}

int int_arg(lua_State* L, int idx) { return int(luaL_checkinteger(L, idx)); }

DType dtype_arg(lua_State* L, int idx) {
  DType t;
  if (!dtype_from_name(luaL_checkstring(L, idx), t)) fail("mpi: unknown element type '%s'", lua_tostring(L, idx));
  return t;
}

mpi::Op op_arg(lua_State* L, int idx) {
  mpi::Op op;
  if (!mpi::op_from_name(luaL_checkstring(L, idx), op))
    fail("mpi: unknown reduction '%s' (expected sum, prod, max or min)", lua_tostring(L, idx));
  return op;
}

// _Send(addr, bytes, dest, tag)
int l_send(lua_State* L) {
  auto request = mpi::isend_buffer(address(L, 1), bytes_arg(L, 2), int_arg(L, 3), int_arg(L, 4), "mpi.Send");
  request->wait();
  return 0;
}

// _Recv(addr, capacity, source, tag [, status])
int l_recv(lua_State* L) {
  mpi::Status st;
  mpi::recv_into(address(L, 1), bytes_arg(L, 2), int_arg(L, 3), int_arg(L, 4), &st);
  if (lua_istable(L, 5)) set_status(L, 5, st);
  lua_pushnumber(L, double(st.bytes));
  return 1;
}

// _Isend(addr, bytes, dest, tag, array) / _Irecv(addr, capacity, source, tag, array)
int l_isend(lua_State* L) {
  push_request(L, mpi::isend_buffer(address(L, 1), bytes_arg(L, 2), int_arg(L, 3), int_arg(L, 4)),
               RequestKind::send, 5);
  return 1;
}

int l_irecv(lua_State* L) {
  push_request(L, mpi::irecv_buffer(address(L, 1), bytes_arg(L, 2), int_arg(L, 3), int_arg(L, 4)),
               RequestKind::recv_buffer, 5);
  return 1;
}

// _Bcast(addr, bytes, root)
int l_bcast(lua_State* L) {
  mpi::bcast_buffer(address(L, 1), bytes_arg(L, 2), int_arg(L, 3));
  return 0;
}

// _Reduce(send, recv, count, type, op, root); recv may be 0 off the root.
int l_reduce(lua_State* L) {
  mpi::reduce_buffer(address(L, 1), address(L, 2), bytes_arg(L, 3), dtype_arg(L, 4), op_arg(L, 5), int_arg(L, 6));
  return 0;
}

// _Allreduce(send, recv, count, type, op)
int l_allreduce(lua_State* L) {
  mpi::allreduce_buffer(address(L, 1), address(L, 2), bytes_arg(L, 3), dtype_arg(L, 4), op_arg(L, 5));
  return 0;
}

// _Gather(send, recv, bytes_per_rank, root) / _Scatter(send, recv, bytes_per_rank, root)
int l_gather(lua_State* L) {
  mpi::gather_buffer(address(L, 1), address(L, 2), bytes_arg(L, 3), int_arg(L, 4));
  return 0;
}

int l_scatter(lua_State* L) {
  mpi::scatter_buffer(address(L, 1), address(L, 2), bytes_arg(L, 3), int_arg(L, 4));
  return 0;
}

const Function functions[] = {{"_Send", l_send},     {"_Recv", l_recv},           {"_Isend", l_isend},
                              {"_Irecv", l_irecv},   {"_Bcast", l_bcast},         {"_Reduce", l_reduce},
                              {"_Allreduce", l_allreduce}, {"_Gather", l_gather}, {"_Scatter", l_scatter},
                              {nullptr, nullptr}};

}  // namespace

void open_mpi_buffers(lua_State* L) { set_functions(L, functions); }

}  // namespace parlab::lua
