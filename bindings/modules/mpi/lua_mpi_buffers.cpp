// The buffer path's C half (mpi4py's uppercase calls): raw calls on (address, bytes) that
// bindings/modules/mpi.lua makes after it has checked the arrays and taken their data pointers through the
// FFI. Addresses travel as Lua numbers (user-space addresses are below 2^53, so exact). Not for users.
#include <lua.hpp>

#include <cstdint>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/modules/mpi/lua_mpi.hpp"
#include "engine/kernels/array.hpp"

namespace parlab::lua {
namespace {

// The checks below keep a wrong call of these from converting out-of-range numbers (undefined in C++; on
// x86 2^63 became rank 0) or dereferencing address 0; an address that is wrong otherwise is the caller's.
void* address(lua_State* L, int idx, const char* fn) {
  lua_Number n = luaL_checknumber(L, idx);
  if (!(n >= 0 && n < 9007199254740992.0) || n != lua_Number(uintptr_t(n)))
    fail("%s: argument %d must be an address, got %g", fn, idx, n);
  return reinterpret_cast<void*>(static_cast<uintptr_t>(n));
}

size_t bytes_arg(lua_State* L, int idx, const char* fn) {
  lua_Number n = luaL_checknumber(L, idx);
  if (!(n >= 0 && n < 9007199254740992.0) || n != lua_Number(size_t(n)))
    fail("%s: argument %d must be a byte count, got %g", fn, idx, n);
  return size_t(n);
}

// A buffer that is not there (address 0) is an error unless it holds no bytes, or is the receive side
// off the root, where MPI ignores it.
void* buffer_arg(lua_State* L, int idx, size_t bytes, const char* fn) {
  void* p = address(L, idx, fn);
  if (!p && bytes) fail("%s: argument %d is address 0", fn, idx);
  return p;
}

int int_arg(lua_State* L, int idx, const char* fn) {
  lua_Number n = luaL_checknumber(L, idx);
  if (!(n >= -2147483648.0 && n <= 2147483647.0) || n != lua_Number(int(n)))
    fail("%s: argument %d must be a whole number (a C int), got %g", fn, idx, n);
  return int(n);
}

DType dtype_arg(lua_State* L, int idx) {
  DType t;
  if (!dtype_from_name(luaL_checkstring(L, idx), t))
    fail("mpi: unknown element type '%s'", lua_tostring(L, idx));
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
  size_t n = bytes_arg(L, 2, "mpi.Send");
  auto request = mpi::isend_buffer(buffer_arg(L, 1, n, "mpi.Send"), n, int_arg(L, 3, "mpi.Send"),
                                   int_arg(L, 4, "mpi.Send"), "mpi.Send");
  request->wait();
  return 0;
}

// _Recv(addr, capacity, source, tag [, status])
int l_recv(lua_State* L) {
  mpi::Status st;
  size_t n = bytes_arg(L, 2, "mpi.Recv");
  mpi::recv_into(buffer_arg(L, 1, n, "mpi.Recv"), n, int_arg(L, 3, "mpi.Recv"), int_arg(L, 4, "mpi.Recv"),
                 &st);
  if (lua_istable(L, 5)) set_status(L, 5, st);
  lua_pushnumber(L, double(st.bytes));
  return 1;
}

// _Isend(addr, bytes, dest, tag, array) / _Irecv(addr, capacity, source, tag, array)
int l_isend(lua_State* L) {
  size_t n = bytes_arg(L, 2, "mpi.Isend");
  push_request(L,
               mpi::isend_buffer(buffer_arg(L, 1, n, "mpi.Isend"), n, int_arg(L, 3, "mpi.Isend"),
                                 int_arg(L, 4, "mpi.Isend")),
               RequestKind::send, 5);
  return 1;
}

int l_irecv(lua_State* L) {
  size_t n = bytes_arg(L, 2, "mpi.Irecv");
  push_request(L,
               mpi::irecv_buffer(buffer_arg(L, 1, n, "mpi.Irecv"), n, int_arg(L, 3, "mpi.Irecv"),
                                 int_arg(L, 4, "mpi.Irecv")),
               RequestKind::recv_buffer, 5);
  return 1;
}

// _Bcast(addr, bytes, root)
int l_bcast(lua_State* L) {
  size_t n = bytes_arg(L, 2, "mpi.Bcast");
  mpi::bcast_buffer(buffer_arg(L, 1, n, "mpi.Bcast"), n, int_arg(L, 3, "mpi.Bcast"));
  return 0;
}

// The buffer that matters at the root only (Reduce's and Gather's recv, Scatter's send): address 0 is
// allowed elsewhere. A root that is no rank is left to the engine's check, which names it.
void* root_buffer_arg(lua_State* L, int idx, size_t bytes, int root, const char* fn) {
  return root == mpi::world().rank ? buffer_arg(L, idx, bytes, fn) : address(L, idx, fn);
}

// _Reduce(send, recv, count, type, op, root); recv may be 0 off the root.
int l_reduce(lua_State* L) {
  size_t count = bytes_arg(L, 3, "mpi.Reduce");
  DType t = dtype_arg(L, 4);
  int root = int_arg(L, 6, "mpi.Reduce");
  size_t bytes = count * dtype_size(t);
  mpi::reduce_buffer(buffer_arg(L, 1, bytes, "mpi.Reduce"), root_buffer_arg(L, 2, bytes, root, "mpi.Reduce"),
                     count, t, op_arg(L, 5), root);
  return 0;
}

// _Allreduce(send, recv, count, type, op)
int l_allreduce(lua_State* L) {
  size_t count = bytes_arg(L, 3, "mpi.Allreduce");
  DType t = dtype_arg(L, 4);
  size_t bytes = count * dtype_size(t);
  mpi::allreduce_buffer(buffer_arg(L, 1, bytes, "mpi.Allreduce"), buffer_arg(L, 2, bytes, "mpi.Allreduce"),
                        count, t, op_arg(L, 5));
  return 0;
}

// _Gather(send, recv, bytes_per_rank, root) / _Scatter(send, recv, bytes_per_rank, root)
int l_gather(lua_State* L) {
  size_t n = bytes_arg(L, 3, "mpi.Gather");
  int root = int_arg(L, 4, "mpi.Gather");
  mpi::gather_buffer(buffer_arg(L, 1, n, "mpi.Gather"), root_buffer_arg(L, 2, n, root, "mpi.Gather"), n,
                     root);
  return 0;
}

int l_scatter(lua_State* L) {
  size_t n = bytes_arg(L, 3, "mpi.Scatter");
  int root = int_arg(L, 4, "mpi.Scatter");
  mpi::scatter_buffer(root_buffer_arg(L, 1, n, root, "mpi.Scatter"), buffer_arg(L, 2, n, "mpi.Scatter"), n,
                      root);
  return 0;
}

const Function functions[] = {{"Send", l_send},           {"Recv", l_recv},     {"Isend", l_isend},
                              {"Irecv", l_irecv},         {"Bcast", l_bcast},   {"Reduce", l_reduce},
                              {"Allreduce", l_allreduce}, {"Gather", l_gather}, {"Scatter", l_scatter},
                              {nullptr, nullptr}};

}  // namespace

void open_mpi_buffers(lua_State* L) { set_functions(L, functions); }

}  // namespace parlab::lua
