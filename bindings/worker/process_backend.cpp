// parlab processes, the child's side: the job every spawn or forkserver child runs (a Process target or a
// pool worker), the fork server's prepared state, and the process backends of the pool ("fork", "spawn",
// "forkserver"). The Lua-facing Process object is in lua_process.cpp.
#include <lua.hpp>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <type_traits>

#include "bindings/core/errors.hpp"
#include "bindings/worker/process.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/worker/worker.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/process.hpp"
#include "engine/exec/process_pool.hpp"
#include "engine/arena/shm.hpp"

namespace parlab::lua {
namespace {

// os.exit in a child: flush and _exit, so the parent's at-exit duties and inherited objects stay untouched.
int l_child_exit(lua_State* L) {
  int code = lua_isboolean(L, 1) ? (lua_toboolean(L, 1) ? 0 : 1) : int(luaL_optinteger(L, 1, 0));
  process::exit_child(code);
}

int traceback(lua_State* L) {
  const char* msg = lua_tostring(L, 1);
  if (!msg) msg = lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
  luaL_traceback(L, L, msg, 1);
  return 1;
}

}  // namespace

// A Process job: 'P', u32 name length, name, u32 target length, target bytes, args bytes.
std::string process_job(const std::string& name, const std::string& target, const std::string& args) {
  std::string job(1, 'P');
  auto put = [&job](const std::string& s) {
    std::uint32_t n = std::uint32_t(s.size());
    job.append(reinterpret_cast<const char*>(&n), sizeof n);
    job += s;
  };
  put(name);
  put(target);
  job += args;
  return job;
}

// os.exit ends only the child; parlab._process_name names it (the contract is in lua_process.hpp).
int run_target(lua_State* L, int nargs, const char* name) {
  lua_getglobal(L, "os");
  if (lua_istable(L, -1)) {
    lua_pushcfunction(L, l_child_exit);
    lua_setfield(L, -2, "exit");
  }
  lua_pop(L, 1);
  lua_getglobal(L, "parlab");
  if (lua_istable(L, -1)) {
    lua_pushstring(L, name);
    lua_setfield(L, -2, "_process_name");
  }
  lua_pop(L, 1);
  int fn = lua_gettop(L) - nargs;
  lua_pushcfunction(L, traceback);
  lua_insert(L, fn);
  if (lua_pcall(L, nargs, 0, fn) == 0) return 0;
  std::fprintf(stderr, "Process %s (pid %d) failed:\n%s\n", name, int(getpid()), lua_tostring(L, -1));
  std::fflush(stderr);
  return 1;
}

namespace {

int open_body(lua_State* L) {
  open_state(L);
  return 0;
}

// In the fork server, once: a state with parlab opened, which every child inherits (copy-on-write).
// Collected fully, so a child's collections never finalize the server's garbage twice.
void* prepare_state() {
  lua_State* L = new_state();
  if (!L) return nullptr;
  lua_pushcfunction(L, open_body);
  if (lua_pcall(L, 0, 0, 0) != 0) {
    lua_close(L);
    return nullptr;
  }
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return L;
}

// (name, target bytes, args bytes) -> target and its arguments on L's stack, then runs it.
struct ProcessJob {
  std::string name;
  std::string_view target, args;
};

int decode_and_run(lua_State* L) {
  auto& job = *static_cast<ProcessJob*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  int n = decode_values(L, job.target.data(), job.target.size());
  n += decode_values(L, job.args.data(), job.args.size());
  lua_pushinteger(L, run_target(L, n - 1, job.name.c_str()));
  return 1;
}

bool parse_process_job(std::string_view job, ProcessJob& out) {
  auto take = [&job](std::string_view& field) {
    std::uint32_t n = 0;
    if (job.size() < sizeof n) return false;
    std::memcpy(&n, job.data(), sizeof n);
    if (job.size() - sizeof n < n) return false;
    field = job.substr(sizeof n, n);
    job.remove_prefix(sizeof n + n);
    return true;
  };
  if (job.empty() || job[0] != 'P') return false;
  job.remove_prefix(1);
  std::string_view name;
  if (!take(name) || !take(out.target)) return false;
  out.name.assign(name);
  out.args = job;
  return true;
}

// A Process target in a fresh state, or in the fork server's prepared one (not closed: its copy dies
// with the child; a full collection first releases what the target dropped).
int run_process_job(std::string_view bytes, lua_State* prepared) {
  ProcessJob job;
  if (!parse_process_job(bytes, job)) return 1;
  lua_State* L = prepared ? prepared : new_state();
  int code = 1;
  if (!prepared) {
    lua_pushcfunction(L, open_body);
    if (lua_pcall(L, 0, 0, 0) != 0) {
      std::fprintf(stderr, "Process %s (pid %d) could not start: %s\n", job.name.c_str(), int(getpid()),
                   lua_tostring(L, -1));
      lua_close(L);
      return 1;
    }
  }
  lua_pushcfunction(L, decode_and_run);
  lua_pushlightuserdata(L, &job);
  if (lua_pcall(L, 1, 1, 0) == 0) {
    code = int(lua_tointeger(L, -1));
  } else {
    std::fprintf(stderr, "Process %s (pid %d) could not start: %s\n", job.name.c_str(), int(getpid()),
                 lua_tostring(L, -1));
  }
  if (prepared)
    lua_gc(L, LUA_GCCOLLECT, 0);
  else
    lua_close(L);
  return code;
}

// Passes the fork server's prepared state when run_pool_worker accepts one (the change proposed in
// /work/notes/procs-worker-ready.patch saves each worker ~1.3 ms of start-up); otherwise opens a fresh one.
template <class F>
auto start_worker(int, shm::Offset pool, int slot, const F& on_state, lua_State* ready)
    -> decltype(run_pool_worker(pool, slot, on_state, ready), void()) {
  run_pool_worker(pool, slot, on_state, ready);
}
template <class F>
void start_worker(long, shm::Offset pool, int slot, const F& on_state, lua_State*) {
  run_pool_worker(pool, slot, on_state);
}

void worker_state_hook(lua_State* L) {
  if (!L) return;
  lua_getglobal(L, "os");  // os.exit in a task ends this worker only (the pool reports and replaces it)
  lua_pushcfunction(L, l_child_exit);
  lua_setfield(L, -2, "exit");
  lua_pop(L, 1);
}

// What every spawn or forkserver child (and a fork pool worker) runs: a Process target or a pool worker.
int run_job(std::string_view job, void* prepared) {
  shm::Offset pool = 0;
  int slot = 0;
  if (process::parse_pool_job(job, pool, slot)) {
    std::function<void(lua_State*)> hook = worker_state_hook;
    start_worker(0, pool, slot, hook, static_cast<lua_State*>(prepared));
    return 0;
  }
  if (!job.empty() && job[0] == 'P') return run_process_job(job, static_cast<lua_State*>(prepared));
  std::fprintf(stderr, "parlab child: unknown job\n");
  return 1;
}

struct RunnerRegistration {
  RunnerRegistration() {
    process::set_job_runner(run_job);
    process::set_server_preparer(prepare_state);
  }
} runner_registration;

// tostring() of the value at idx, for messages (LuaJIT has no luaL_tolstring).
const char* luaL_tolstring_compat(lua_State* L, int idx) {
  lua_getglobal(L, "tostring");
  lua_pushvalue(L, idx < 0 ? idx - 1 : idx);
  lua_call(L, 1, 1);
  const char* s = lua_tostring(L, -1);
  return s ? s : "?";
}

// Whether the pool engine can replace a worker that retired after N tasks (the change proposed in
// /work/notes/procs-maxtasks.patch adds this constructor).
constexpr bool kEngineHasMaxTasks =
    std::is_constructible_v<pool::Pool, int, std::unique_ptr<pool::Launcher>, std::string, std::uint32_t>;

// Python's maxtasksperchild: a positive integer. Refused rather than silently ignored while the engine
// cannot honour it.
void check_maxtasksperchild(lua_State* L, int opts) {
  if (opts == 0 || !lua_istable(L, opts)) return;
  lua_getfield(L, opts, "maxtasksperchild");
  if (!lua_isnil(L, -1)) {
    lua_Number n = lua_tonumber(L, -1);
    if (lua_type(L, -1) != LUA_TNUMBER || n < 1 || n > 4294967295.0 || n != lua_Number(lua_Integer(n)))
      fail("Pool: maxtasksperchild must be a positive integer, got %s", luaL_tolstring_compat(L, -1));
    if (!kEngineHasMaxTasks)
      fail("Pool: maxtasksperchild is not supported yet (workers are replaced only when they die)");
  }
  lua_pop(L, 1);
}

template <process::Method M>
std::unique_ptr<pool::Launcher> make_launcher(lua_State* L, int opts) {
  check_maxtasksperchild(L, opts);
  shm::init();
  if (M == process::Method::Forkserver) forkserver::ensure_started();
  return std::make_unique<process::PoolLauncher>(M);
}

PoolBackendRegistration fork_backend("fork", make_launcher<process::Method::Fork>);
PoolBackendRegistration spawn_backend("spawn", make_launcher<process::Method::Spawn>);
PoolBackendRegistration forkserver_backend("forkserver", make_launcher<process::Method::Forkserver>);

}  // namespace

bool pool_has_maxtasks() { return kEngineHasMaxTasks; }

}  // namespace parlab::lua
