// parlab.mpi's spawned links, for parlab.mpi.Pool in a run without worker ranks
// (bindings/modules/mpi_pool.lua and mpi_link.lua): spawn starts n processes of this very binary serving the
// pool (MPI_Comm_spawn, engine/mpi/spawn.cpp); link_* move objects over the link as
// parlab.mpi.send/recv/iprobe do over the world; pid_alive and kill let the pool notice a worker that died
// and end workers at terminate (they run on this host).
#include <unistd.h>  // readlink
#include <lua.hpp>

#include <climits>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/modules/mpi/lua_mpi.hpp"
#include "engine/mpi/mpi.hpp"

namespace parlab::lua {
namespace {

// The running binary: spawned workers run the same parlab (same build, same embedded Lua).
std::string self_exe() {
  char path[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", path, sizeof path - 1);
  if (n <= 0) fail("mpi.Pool: cannot find this program's path (/proc/self/exe) to spawn workers");
  return std::string(path, size_t(n));
}

// spawn(n) -> link, pids, hosts: n processes running parlab -e "require('parlab.internal').mpi.serve()".
int l_spawn(lua_State* L) {
  lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 1 || n > 4096) fail("mpi.Pool: cannot spawn %d workers (1..4096)", int(n));
  const char* what = luaL_optstring(L, 2, "mpi.Pool");
  mpi::Spawned s = mpi::spawn(self_exe(), {"-e", "require('parlab.internal').mpi.serve()"}, int(n), what);
  lua_pushinteger(L, s.link);
  lua_createtable(L, int(n), 0);
  lua_createtable(L, int(n), 0);
  for (size_t i = 0; i < s.pids.size(); ++i) {
    lua_pushnumber(L, double(s.pids[i]));
    lua_rawseti(L, -3, int(i) + 1);
    lua_pushstring(L, s.hosts[i].c_str());
    lua_rawseti(L, -2, int(i) + 1);
  }
  return 3;
}

// Called by a worker before anything else of MPI: the SIGTERM handler must be in place before MPI_Init.
int l_parent(lua_State* L) {
  mpi::leave_in_order_on_sigterm();
  int link = mpi::parent_link();
  if (link == 0) return 0;
  lua_pushinteger(L, link);
  return 1;
}

// _link_isend(link, obj, dest, tag): not waited for (an unfinished send is completed later by the engine).
int l_link_isend(lua_State* L) {
  auto r = mpi::link_isend(int(luaL_checkinteger(L, 1)), encode_values(L, 2, 1, "obj", Reach::other_rank),
                           int(luaL_checkinteger(L, 3)), int(luaL_checkinteger(L, 4)));
  (void)r;
  return 0;
}

int l_link_send(lua_State* L) {
  auto r = mpi::link_isend(int(luaL_checkinteger(L, 1)), encode_values(L, 2, 1, "obj", Reach::other_rank),
                           int(luaL_checkinteger(L, 3)), int(luaL_checkinteger(L, 4)));
  r->wait();
  return 0;
}

// _link_recv(link, source, tag) -> obj
int l_link_recv(lua_State* L) {
  std::string bytes = mpi::link_recv(int(luaL_checkinteger(L, 1)), int(luaL_checkinteger(L, 2)),
                                     int(luaL_checkinteger(L, 3)), nullptr);
  int n = decode_values(L, bytes.data(), bytes.size());
  if (n == 0) lua_pushnil(L);
  return n > 1 ? n : 1;
}

// _link_iprobe(link, source, tag [, status]) -> found (status.source, .tag, .count filled when found)
int l_link_iprobe(lua_State* L) {
  mpi::Status st;
  bool found = mpi::link_iprobe(int(luaL_checkinteger(L, 1)), int(luaL_checkinteger(L, 2)),
                                int(luaL_checkinteger(L, 3)), &st);
  if (found && lua_istable(L, 4)) set_status(L, 4, st);
  lua_pushboolean(L, found);
  return 1;
}

int l_link_close(lua_State* L) {
  mpi::link_close(int(luaL_checkinteger(L, 1)));
  return 0;
}

// A worker is gone once /proc has no entry for it or only a zombie: Open MPI's orted, its parent, may leave
// a killed worker unreaped for a long while (kill(pid, 0) would still succeed then).
int l_pid_alive(lua_State* L) {
  auto pid = long(luaL_checkinteger(L, 1));
  bool alive = false;
  if (pid > 0) {
    std::string path = "/proc/" + std::to_string(pid) + "/stat";
    if (FILE* f = std::fopen(path.c_str(), "r")) {
      char buf[512] = {0};
      size_t n = std::fread(buf, 1, sizeof buf - 1, f);
      std::fclose(f);
      const char* paren =
          std::strrchr(buf, ')');  // the state follows the command name, which may hold spaces
      alive = n > 0 && paren && paren[1] == ' ' && paren[2] != 'Z' && paren[2] != 'X';
    }
  }
  lua_pushboolean(L, alive);
  return 1;
}

int l_kill(lua_State* L) {
  mpi::end_worker(long(luaL_checkinteger(L, 1)));
  return 0;
}

int l_host(lua_State* L) {
  lua_pushstring(L, mpi::host_name().c_str());
  return 1;
}

const Function functions[] = {{"spawn", l_spawn},
                              {"parent", l_parent},
                              {"link_isend", l_link_isend},
                              {"link_send", l_link_send},
                              {"link_recv", l_link_recv},
                              {"link_iprobe", l_link_iprobe},
                              {"link_close", l_link_close},
                              {"pid_alive", l_pid_alive},
                              {"kill", l_kill},
                              {"host", l_host},
                              {nullptr, nullptr}};

}  // namespace

void open_mpi_spawn(lua_State* L) { set_functions(L, functions); }

}  // namespace parlab::lua
