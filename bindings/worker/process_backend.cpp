// parlab processes, the child's side: the job every spawn or forkserver child runs (a Process target or a
// pool worker), the fork server's prepared state, and the process backends of the pool ("fork", "spawn",
// "forkserver"). The Lua-facing Process object is in lua_process.cpp.
#include <unistd.h>
#include <lua.hpp>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

#include "bindings/core/errors.hpp"
#include "bindings/core/lua_alloc.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/core/transport_internal.hpp"
#include "bindings/worker/process.hpp"
#include "bindings/worker/worker.hpp"
#include "engine/arena/shm.hpp"
#include "engine/exec/forkserver.hpp"
#include "engine/exec/process.hpp"
#include "engine/exec/process_pool.hpp"
#include "engine/exec/wire.hpp"

namespace parlab::lua {
namespace {

// os.exit in a child: flush and _exit, so the parent's at-exit duties and inherited objects stay untouched.
int l_child_exit(lua_State* L) {
  int code = lua_isboolean(L, 1) ? (lua_toboolean(L, 1) ? 0 : 1) : int(luaL_optinteger(L, 1, 0));
  process::exit_child(code);
}

// Whether os.exit (the table at -1's field "exit") is already l_child_exit, as push_function makes it.
bool has_child_exit(lua_State* L) {
  const int top = lua_gettop(L);
  lua_getfield(L, -1, "exit");
  bool ours = lua_iscfunction(L, -1) && lua_getupvalue(L, -1, 1) != nullptr &&
              lua_touserdata(L, -1) == reinterpret_cast<void*>(l_child_exit);
  lua_settop(L, top);
  return ours;
}

// Sets os.exit to l_child_exit where it is not yet: the fork server sets it in its prepared state, so that
// its children write nothing for it (each page a child writes is a copy-on-write fault).
void set_child_exit(lua_State* L) {
  lua_getglobal(L, "os");
  if (lua_istable(L, -1) && !has_child_exit(L)) {
    push_function(L, l_child_exit);
    lua_setfield(L, -2, "exit");
  }
  lua_pop(L, 1);
}

}  // namespace

void name_child(lua_State* L, const std::string& name, const wire::Parent& parent) {
  process::set_own_name(name);
  set_module_field(L, "process_name", name);
  set_module_field(L, "parent_name", std::string(parent.name));
  set_module_field(L, "parent_pid", std::to_string(parent.pid));
}

// os.exit ends only the child (the contract is in process.hpp).
int run_target(lua_State* L, int nargs, const char* name, const wire::Parent& parent) {
  set_child_exit(L);
  // The module table (package.loaded.parlab), not the global: a fork child of a Lua host that did
  // `local parlab = require "parlab"` runs in the host's state, which has no global parlab.
  name_child(L, name, parent);
  int fn = lua_gettop(L) - nargs;
  lua_pushcfunction(L, message_handler);  // raw: the message handler of the target's lua_pcall
  lua_insert(L, fn);
  int code = 0;
  if (lua_pcall(L, nargs, 0, fn) != 0) {
    std::fprintf(stderr, "Process %s (pid %d) failed:\n%s\n", name, int(getpid()), lua_tostring(L, -1));
    std::fflush(stderr);
    code = 1;
  }
  join_state_threads(L);
  return code;
}

namespace {

int open_body(lua_State* L) {
  open_state(L);
  return 0;
}

// open_body, then the transport's tables of values that travel by name, which every child's first
// encode or decode would otherwise build again (a few hundred table entries and a dozen JIT traces).
int prepare_body(lua_State* L) {
  open_state(L);
  transport_detail::push_names(L, &transport_detail::kNamesKey);
  // What each child sets, with the values most children set: set_module_field leaves an equal value as it
  // is, so those children write nothing for it (the parent is this server's parent, its client).
  set_child_exit(L);
  set_module_field(L, "parent_name", process::own_name());
  set_module_field(L, "parent_pid", std::to_string(getppid()));
  // encode_values's thread_local buffer registers its destructor on first use, through three symbols the
  // libraries bind lazily (__cxa_thread_atexit_impl, calloc, _dl_find_dso_for_object): done once here, so
  // pool workers inherit it instead of each looking them up (~25 page faults a worker).
  encode_values(L, 1, 0, "warm-up");
  return 0;
}

// In the fork server, once: a state with parlab opened, which every child inherits (copy-on-write).
// Collected fully, so a child's collections never finalize the server's garbage twice.
void* prepare_state() {
  lua_State* L = new_state();
  if (!L) return nullptr;
  lua_pushcfunction(L, prepare_body);  // raw: a body run at once by lua_pcall
  if (lua_pcall(L, 0, 0, 0) != 0) {
    close_state(L);
    return nullptr;
  }
  lua_settop(L, 0);
  lua_gc(L, LUA_GCCOLLECT, 0);
  return L;
}

// A parsed Process job and its name as a C string (for messages and internal.process_name).
struct ProcessRun {
  wire::ProcessJob job;
  std::string name;
};

// Decodes the target and its arguments onto L's stack, then runs it.
int decode_and_run(lua_State* L) {
  auto& run = *static_cast<ProcessRun*>(lua_touserdata(L, 1));
  lua_settop(L, 0);
  int n = decode_values(L, run.job.target.data(), run.job.target.size());
  n += decode_values(L, run.job.args.data(), run.job.args.size());
  lua_pushinteger(L, run_target(L, n - 1, run.name.c_str(), run.job.parent));
  return 1;
}

// A Process target in a fresh state, or in the fork server's prepared one (not closed: its copy dies
// with the child). There a full collection releases the arena blocks and references the target dropped,
// but it writes to every object of the inherited heap (a copy-on-write fault per page: most of a start's
// cost), so it runs only when the target took something from the arena; else the child ends as Python's
// does (os._exit after the target), its private memory going with it.
int run_process_job(const wire::ProcessJob& parsed, lua_State* prepared) {
  const std::uint64_t taken_before = shm::taken_by_this_process();
  ProcessRun job{parsed, std::string(parsed.name)};
  lua_State* L = prepared ? prepared : new_state();
  int code = 1;
  if (!prepared) {
    lua_pushcfunction(L, open_body);  // raw: a body run at once by lua_pcall
    if (lua_pcall(L, 0, 0, 0) != 0) {
      std::fprintf(stderr, "Process %s (pid %d) could not start: %s\n", job.name.c_str(), int(getpid()),
                   lua_tostring(L, -1));
      close_state(L);
      return 1;
    }
  }
  lua_pushcfunction(L, decode_and_run);  // raw: a body run at once by lua_pcall
  lua_pushlightuserdata(L, &job);
  if (lua_pcall(L, 1, 1, 0) == 0) {
    code = int(lua_tointeger(L, -1));
  } else {
    std::fprintf(stderr, "Process %s (pid %d) could not start: %s\n", job.name.c_str(), int(getpid()),
                 lua_tostring(L, -1));
  }
  if (prepared) {
    if (shm::taken_by_this_process() != taken_before) lua_gc(L, LUA_GCCOLLECT, 0);
  } else {
    close_state(L);
  }
  return code;
}

void worker_state_hook(lua_State* L) {
  if (L) set_child_exit(L);  // os.exit in a task ends this worker only (the pool reports and replaces it)
}

// What every spawn or forkserver child (and a fork pool worker) runs: a Process target or a pool worker.
// A pool worker uses the fork server's prepared state when there is one (it saves each worker ~1.3 ms of
// start-up), else opens a fresh one. A malformed job is reported and ends the child with status 1.
int run_job(std::string_view job, void* prepared) {
  auto* ready = static_cast<lua_State*>(prepared);
  if (ready) pack_child_allocations(ready);
  try {
    switch (wire::job_kind(job)) {
      case wire::JobKind::kPoolWorker: {
        wire::PoolJob pj = wire::read_pool_job(job);
        run_pool_worker(
            pj.pool, pj.slot,
            [&pj](lua_State* L) {
              worker_state_hook(L);
              if (L) name_child(L, "PoolWorker-" + std::to_string(pj.slot + 1), pj.parent);
            },
            ready);
        return 0;
      }
      case wire::JobKind::kProcess: return run_process_job(wire::read_process_job(job), ready);
      case wire::JobKind::kNone: break;
    }
    std::fprintf(stderr, "parlab child: unknown job\n");
  } catch (const std::exception& e) {
    std::fprintf(stderr, "parlab child: %s\n", e.what());
  }
  return 1;
}

struct RunnerRegistration {
  RunnerRegistration() {
    process::set_job_runner(run_job);
    process::set_server_preparer(prepare_state);
  }
} runner_registration;

template <process::Method M>
std::unique_ptr<pool::Launcher> make_launcher(lua_State*, int) {
  shm::init();
  if (M == process::Method::Forkserver) forkserver::ensure_started();
  return std::make_unique<process::PoolLauncher>(M);
}

PoolBackendRegistration fork_backend("fork", make_launcher<process::Method::Fork>);
PoolBackendRegistration spawn_backend("spawn", make_launcher<process::Method::Spawn>);
PoolBackendRegistration forkserver_backend("forkserver", make_launcher<process::Method::Forkserver>);

}  // namespace

}  // namespace parlab::lua
