// parlab.mpi, the object path (mpi4py's lowercase calls): send/recv/isend/irecv/iprobe, bcast, gather,
// allgather, scatter, barrier, wtime, the world's rank/size/thread level. Values travel through the value
// transport (bindings/core/transport.hpp). The Lua side (bindings/modules/mpi.lua) adds reduce/allreduce, the
// buffer calls on arrays and COMM_WORLD; it reaches the C functions here as internal.mpi (module.hpp).
#include <lua.hpp>

#include <cmath>
#include <string>
#include <vector>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/modules/mpi/lua_mpi.hpp"
#include "engine/mpi/mpi.hpp"

namespace parlab::lua {
namespace {

// An optional rank/tag argument: nil means "any" (or the default), otherwise a whole number.
int opt_int(lua_State* L, int idx, int dflt, const char* fn, const char* name) {
  if (lua_isnoneornil(L, idx)) return dflt;
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: %s must be a number, got %s", fn, name, luaL_typename(L, idx));
  lua_Number n = lua_tonumber(L, idx);
  // Range first: converting 2^63, inf or nan to int is undefined (on x86 it gave INT_MIN).
  if (n != std::floor(n) || std::isinf(n)) fail("%s: %s must be a whole number, got %g", fn, name, n);
  if (!(n >= -2147483648.0 && n <= 2147483647.0))
    fail("%s: %s %.17g is out of range (it must fit a C int)", fn, name, n);
  return int(n);
}

int check_int(lua_State* L, int idx, const char* fn, const char* name) {
  if (lua_isnoneornil(L, idx)) fail("%s: %s is required", fn, name);
  return opt_int(L, idx, 0, fn, name);
}

// Another rank has its own arena: shared objects are refused here, naming their path, rather than
// arriving there as handles that name nothing.
std::string encode_one(lua_State* L, int idx, const char* what) {
  return encode_values(L, idx, 1, what, Reach::other_rank);
}

// A collective's part from a rank whose value could not travel. That rank still joins the call, so no rank
// waits forever for it, and every rank raises afterwards. Transport messages start with their magic
// byte (or are empty, for nil), never with this one.
constexpr char kFailedPart = '\0';

std::string encode_part(lua_State* L, int idx, const char* what, std::string& failure) {
  try {
    return encode_one(L, idx, what);
  } catch (const std::exception& e) {
    failure = e.what();
    return std::string(1, kFailedPart) + e.what();
  }
}

// Raises when any part failed: this rank's own refusal as it was, or another rank's, naming the rank.
void raise_failed(const char* fn, const std::string& own, const std::vector<std::string>& parts) {
  if (!own.empty()) fail("%s", own.c_str());
  for (size_t r = 0; r < parts.size(); ++r)
    if (!parts[r].empty() && parts[r][0] == kFailedPart)
      fail("%s: rank %d could not send its value (%s)", fn, int(r), parts[r].c_str() + 1);
}

// Pushes the single value a message holds (nil for an empty message).
void push_decoded(lua_State* L, const std::string& bytes) {
  int n = decode_values(L, bytes.data(), bytes.size());
  if (n == 0)
    lua_pushnil(L);
  else if (n > 1)
    lua_pop(L, n - 1);
}

int l_world(lua_State* L) {
  const mpi::World& w = mpi::world();
  lua_createtable(L, 0, 6);
  lua_pushinteger(L, w.rank);
  lua_setfield(L, -2, "rank");
  lua_pushinteger(L, w.size);
  lua_setfield(L, -2, "size");
  lua_pushstring(L, mpi::thread_level_name(w.provided));
  lua_setfield(L, -2, "thread_level");
  lua_pushstring(L, mpi::thread_level_name(w.requested));
  lua_setfield(L, -2, "thread_level_requested");
  lua_pushboolean(L, w.launched);
  lua_setfield(L, -2, "launched");
  lua_pushstring(L, w.library.c_str());
  lua_setfield(L, -2, "library");
  return 1;
}

int l_init(lua_State* L) {
  mpi::init(mpi::parse_thread_level(luaL_optstring(L, 1, "multiple")));
  return l_world(L);
}

int l_initialized(lua_State* L) {
  lua_pushboolean(L, mpi::initialized());
  return 1;
}

int l_wtime(lua_State* L) {
  lua_pushnumber(L, mpi::wtime());
  return 1;
}

int l_wtick(lua_State* L) {
  lua_pushnumber(L, mpi::wtick());
  return 1;
}

int l_send(lua_State* L) {
  int dest = check_int(L, 2, "mpi.send", "dest");
  int tag = opt_int(L, 3, 0, "mpi.send", "tag");
  auto request = mpi::isend(encode_one(L, 1, "obj"), dest, tag, "mpi.send");
  request->wait();
  return 0;
}

int l_recv(lua_State* L) {
  int source = opt_int(L, 1, mpi::kAnySource, "mpi.recv", "source");
  int tag = opt_int(L, 2, mpi::kAnyTag, "mpi.recv", "tag");
  mpi::Status st;
  std::string bytes = mpi::recv(source, tag, &st);
  push_decoded(L, bytes);
  if (lua_istable(L, 3)) set_status(L, 3, st);
  return 1;
}

int l_iprobe(lua_State* L) {
  int source = opt_int(L, 1, mpi::kAnySource, "mpi.iprobe", "source");
  int tag = opt_int(L, 2, mpi::kAnyTag, "mpi.iprobe", "tag");
  mpi::Status st;
  bool found = mpi::iprobe(source, tag, &st);
  if (found && lua_istable(L, 3)) set_status(L, 3, st);
  lua_pushboolean(L, found);
  return 1;
}

int l_isend(lua_State* L) {
  int dest = check_int(L, 2, "mpi.isend", "dest");
  int tag = opt_int(L, 3, 0, "mpi.isend", "tag");
  push_request(L, mpi::isend(encode_one(L, 1, "obj"), dest, tag), RequestKind::send);
  return 1;
}

int l_irecv(lua_State* L) {
  int source = opt_int(L, 1, mpi::kAnySource, "mpi.irecv", "source");
  int tag = opt_int(L, 2, mpi::kAnyTag, "mpi.irecv", "tag");
  push_request(L, mpi::irecv(source, tag), RequestKind::recv_object);
  return 1;
}

int l_barrier(lua_State*) {
  mpi::barrier();
  return 0;
}

int l_bcast(lua_State* L) {
  if (lua_gettop(L) < 1) fail("mpi.bcast: expected the value to send (pass nil on the other ranks)");
  int root = opt_int(L, 2, 0, "mpi.bcast", "root");
  bool is_root = mpi::world().rank == root;
  std::string failure;
  std::string bytes = mpi::bcast(is_root ? encode_part(L, 1, "obj", failure) : std::string(), root);
  if (!bytes.empty() && bytes[0] == kFailedPart) {
    std::vector<std::string> parts(size_t(mpi::world().size));
    parts[size_t(root)] = bytes;
    raise_failed("mpi.bcast", failure, parts);
  }
  push_decoded(L, bytes);
  return 1;
}

int l_gather(lua_State* L) {
  if (lua_gettop(L) < 1) fail("mpi.gather: expected this rank's value");
  int root = opt_int(L, 2, 0, "mpi.gather", "root");
  std::string failure;
  std::vector<std::string> parts = mpi::gather(encode_part(L, 1, "sendobj", failure), root);
  raise_failed("mpi.gather", failure, parts);  // off the root, parts is empty: only its own failure
  if (mpi::world().rank != root) {
    lua_pushnil(L);
    return 1;
  }
  lua_createtable(L, int(parts.size()), 0);
  for (size_t i = 0; i < parts.size(); ++i) {
    push_decoded(L, parts[i]);
    lua_rawseti(L, -2, int(i) + 1);
  }
  return 1;
}

int l_allgather(lua_State* L) {
  if (lua_gettop(L) < 1) fail("mpi.allgather: expected this rank's value");
  std::string failure;
  std::vector<std::string> parts = mpi::allgather(encode_part(L, 1, "sendobj", failure));
  raise_failed("mpi.allgather", failure, parts);
  lua_createtable(L, int(parts.size()), 0);
  for (size_t i = 0; i < parts.size(); ++i) {
    push_decoded(L, parts[i]);
    lua_rawseti(L, -2, int(i) + 1);
  }
  return 1;
}

// The root's parts: the encoded items, or, when its list is wrong or an item cannot travel, the same
// failed part for every rank (so that every rank learns of it), with `failure` set.
std::vector<std::string> scatter_parts(lua_State* L, int size, std::string& failure) {
  if (!lua_istable(L, 1)) {
    failure =
        std::string("mpi.scatter: the root needs a list of one item per rank, got ") + luaL_typename(L, 1);
  } else if (int n = int(lua_objlen(L, 1)); n != size) {
    failure = "mpi.scatter: the root needs one item per rank: got " + std::to_string(n) + " for " +
              std::to_string(size) + " ranks";
  }
  std::vector<std::string> parts;
  for (int i = 1; i <= size && failure.empty(); ++i) {
    lua_rawgeti(L, 1, i);
    std::string what = "sendobj[" + std::to_string(i) + "]";
    parts.push_back(encode_part(L, lua_gettop(L), what.c_str(), failure));
    lua_pop(L, 1);
  }
  if (!failure.empty()) parts.assign(size_t(size), std::string(1, kFailedPart) + failure);
  return parts;
}

// The root's list holds one item per rank (items 1..size; item i goes to rank i-1).
int l_scatter(lua_State* L) {
  int root = opt_int(L, 2, 0, "mpi.scatter", "root");
  const mpi::World& w = mpi::world();
  std::string failure;
  std::vector<std::string> parts;
  if (w.rank == root) parts = scatter_parts(L, w.size, failure);
  std::string mine = mpi::scatter(parts, root);
  if (!mine.empty() && mine[0] == kFailedPart) {
    std::vector<std::string> from(size_t(w.size));
    from[size_t(root)] = mine;
    raise_failed("mpi.scatter", failure, from);
  }
  push_decoded(L, mine);
  return 1;
}

int l_abort(lua_State* L) { mpi::abort(opt_int(L, 1, 1, "mpi.Abort", "errorcode")); }

const Function functions[] = {{"initialized", l_initialized},
                              {"wtime", l_wtime},
                              {"wtick", l_wtick},
                              {"send", l_send},
                              {"recv", l_recv},
                              {"iprobe", l_iprobe},
                              {"isend", l_isend},
                              {"irecv", l_irecv},
                              {"barrier", l_barrier},
                              {"bcast", l_bcast},
                              {"gather", l_gather},
                              {"allgather", l_allgather},
                              {"scatter", l_scatter},
                              {"Abort", l_abort},
                              {nullptr, nullptr}};
// internal.mpi, for bindings/modules/mpi*.lua (with the buffer calls of lua_mpi_buffers.cpp).
const Function internal_functions[] = {{"world", l_world}, {"init", l_init}, {nullptr, nullptr}};

}  // namespace
}  // namespace parlab::lua

// The plugin's entry point, which bindings/modules/mpi/loader/ calls once per Lua state on the first touch
// of parlab.mpi: fills parlab.mpi (at index -2; the loader put the constants there) and internal.mpi (at
// -1) with the C functions; the stack is unchanged.
extern "C" __attribute__((visibility("default"))) void parlab_mpi_open(lua_State* L) {
  using namespace parlab::lua;
  lua_pushvalue(L, -2);
  set_functions(L, functions);
  open_mpi_requests(L);
  lua_pop(L, 1);
  set_functions(L, internal_functions);
  open_mpi_buffers(L);
  open_mpi_spawn(L);
}
