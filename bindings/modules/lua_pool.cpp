// internal.pool_core: the Lua handle on one engine Pool (engine/exec/pool.hpp), used by
// bindings/modules/pool.lua for ThreadPool and Pool alike. It encodes each function once into the arena (kept
// while tasks that use it are out), encodes task arguments, and decodes results; the front does chunking and
// bookkeeping.
#include <lua.hpp>

#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/worker/worker.hpp"
#include "engine/arena/shm.hpp"
#include "engine/core/error.hpp"
#include "engine/exec/pool.hpp"
#include "engine/exec/wire.hpp"

namespace parlab::lua {
namespace {

const char* const kMeta = "parlab.pool_core";
struct FnBlob {
  void* addr;
  std::uint32_t size;
  int outstanding;
};

struct PoolCore {
  std::unique_ptr<pool::Pool> pool;
  std::unordered_map<std::uint64_t, FnBlob> blobs;           // function id -> its encoded bytes
  std::unordered_map<std::uint64_t, std::uint64_t> task_fn;  // task id -> function id
  std::uint64_t next_fn = 1;
  // l_submit's buffers, reused (no allocation per task once they have grown, and warm: 8 MiB arguments
  // took ~45 ms a task in fresh memory, ~2 ms warm): the task's header, and its arguments.
  std::string task;
  PiecesMessage args;

  // Frees all the core holds, leaving nothing for a destructor: __gc calls this instead of ~PoolCore, so
  // that a second call (destroy(), then __gc) finds an empty core.
  void destroy() {
    pool.reset();  // terminates and joins workers still running
    for (auto& [id, b] : blobs) shm::deallocate(b.addr);
    blobs = {};
    task_fn = {};
  }
};

PoolCore* test_core(lua_State* L) { return static_cast<PoolCore*>(luaL_testudata(L, 1, kMeta)); }

PoolCore& check_core(lua_State* L) {
  PoolCore* c = test_core(L);
  if (!c) fail("pool: expected a pool core as self, got %s", luaL_typename(L, 1));
  if (!c->pool) fail("pool: this pool's engine is gone");
  return *c;
}

// The function's id in this pool, encoding it into the arena on first use. The userdata's environment
// maps fn -> id and id -> fn while tasks using it are out.
std::uint64_t function_id(lua_State* L, PoolCore& core, int fn) {
  lua_getfenv(L, 1);
  int env = lua_gettop(L);
  lua_pushvalue(L, fn);
  lua_rawget(L, env);
  if (lua_isnumber(L, -1)) {
    auto id = std::uint64_t(lua_tonumber(L, -1));
    lua_pop(L, 2);
    return id;
  }
  lua_pop(L, 1);
  std::string bytes = encode_values(L, fn, 1, "function");
  void* addr = shm::allocate(bytes.size(), 16);
  std::memcpy(addr, bytes.data(), bytes.size());
  std::uint64_t id = core.next_fn++;
  core.blobs[id] = FnBlob{addr, std::uint32_t(bytes.size()), 0};
  lua_pushvalue(L, fn);
  lua_pushnumber(L, double(id));
  lua_rawset(L, env);
  lua_pushnumber(L, double(id));
  lua_pushvalue(L, fn);
  lua_rawset(L, env);
  lua_pop(L, 1);
  return id;
}

// A task finished: when it was the last one using its function, free the function's bytes.
void task_done(lua_State* L, PoolCore& core, std::uint64_t task) {
  auto t = core.task_fn.find(task);
  if (t == core.task_fn.end()) return;
  std::uint64_t id = t->second;
  core.task_fn.erase(t);
  auto b = core.blobs.find(id);
  if (b == core.blobs.end() || --b->second.outstanding > 0) return;
  shm::deallocate(b->second.addr);
  core.blobs.erase(b);
  lua_getfenv(L, 1);
  lua_pushnumber(L, double(id));
  lua_rawget(L, -2);
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pushnumber(L, double(id));
  lua_pushnil(L);
  lua_rawset(L, -3);
  lua_pop(L, 1);
}

wire::TaskMode parse_mode(const char* s) {
  if (std::strcmp(s, "apply") == 0) return wire::TaskMode::kApply;
  if (std::strcmp(s, "map") == 0) return wire::TaskMode::kMap;
  if (std::strcmp(s, "starmap") == 0) return wire::TaskMode::kStarmap;
  fail("pool: unknown task mode '%s'", s);
}

// core:submit(mode, worker, fn, ...) -> task id. apply: ... are the arguments; map/starmap: ... is
// list, i, j and the task is items list[i..j]. worker < 0: any worker.
int l_submit(lua_State* L) {
  PoolCore& core = check_core(L);
  wire::TaskMode mode = parse_mode(luaL_checkstring(L, 2));
  int worker = int(luaL_checkinteger(L, 3));
  luaL_checktype(L, 4, LUA_TFUNCTION);
  std::uint64_t fn = function_id(L, core, 4);
  if (mode == wire::TaskMode::kApply) {
    encode_values_pieces(L, 5, lua_gettop(L) - 4, "args", core.args);
  } else {
    luaL_checktype(L, 5, LUA_TTABLE);
    int i = int(luaL_checkinteger(L, 6)), j = int(luaL_checkinteger(L, 7));
    lua_createtable(L, j - i + 1, 1);
    for (int k = i; k <= j; ++k) {
      lua_rawgeti(L, 5, k);
      lua_rawseti(L, -2, k - i + 1);
    }
    lua_pushinteger(L, j - i + 1);
    lua_setfield(L, -2, "n");
    encode_values_pieces(L, lua_gettop(L), 1, "item", core.args);
  }
  // The task in pieces: its header, then the arguments (a big string among them straight from the Lua
  // string, which the stack keeps alive until the push has copied it).
  const FnBlob& blob = core.blobs.at(fn);
  wire::Writer w(std::move(core.task));
  wire::write_task_header(w, {fn, reinterpret_cast<std::uint64_t>(blob.addr), blob.size, mode, {}});
  core.task = w.take();
  std::vector<wire::Piece>& pieces = core.args.pieces;
  pieces.insert(pieces.begin(), wire::Piece{core.task.data(), core.task.size()});
  std::uint64_t id = core.pool->submit(pieces.data(), pieces.size(), worker);
  core.args.trim();
  ++core.blobs.at(fn).outstanding;
  core.task_fn[id] = fn;
  lua_pushnumber(L, double(id));
  return 1;
}

const char* tag_name(pool::Tag t) {
  switch (t) {
    case pool::kOk: return "ok";
    case pool::kError: return "error";
    case pool::kDied: return "died";
    case pool::kInitFailed: return "broken";
    default: return "?";
  }
}

// core:result([timeout]) -> nil on timeout, or id, status, values... (status "ok": the results;
// "error"/"died"/"broken": a message). timeout 0 polls; nil waits forever.
int l_result(lua_State* L) {
  PoolCore& core = check_core(L);
  double timeout = luaL_optnumber(L, 2, -1);
  pool::Message m;
  bool got = timeout == 0 ? core.pool->try_result(m) : core.pool->next_result(m, timeout);
  if (!got) return 0;
  task_done(L, core, m.id);
  lua_settop(L, 1);
  lua_pushnumber(L, double(m.id));
  lua_pushstring(L, tag_name(m.tag));
  std::string_view payload = m.payload();  // a large result is read in place, in the arena
  if (m.tag != pool::kOk) {
    lua_pushlstring(L, payload.data(), payload.size());
    return 3;
  }
  return 2 + decode_values(L, payload.data(), payload.size());
}

int l_cancel(lua_State* L) {
  PoolCore& core = check_core(L);
  auto id = std::uint64_t(luaL_checknumber(L, 2));
  bool ok = core.pool->cancel(id);
  if (ok) task_done(L, core, id);
  lua_pushboolean(L, ok);
  return 1;
}

int l_running(lua_State* L) {
  PoolCore& core = check_core(L);
  lua_pushboolean(L, core.pool->running(std::uint64_t(luaL_checknumber(L, 2))));
  return 1;
}

int l_close(lua_State* L) {
  check_core(L).pool->close();
  return 0;
}

int l_terminate(lua_State* L) {
  check_core(L).pool->terminate();
  return 0;
}

int l_join(lua_State* L) {
  PoolCore& core = check_core(L);
  lua_pushboolean(L, core.pool->join(luaL_optnumber(L, 2, -1)));
  return 1;
}

// core:info() -> {size, queued, deaths, kind}
int l_info(lua_State* L) {
  PoolCore& core = check_core(L);
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, core.pool->size());
  lua_setfield(L, -2, "size");
  lua_pushinteger(L, lua_Integer(core.pool->queued()));
  lua_setfield(L, -2, "queued");
  lua_pushinteger(L, core.pool->deaths());
  lua_setfield(L, -2, "deaths");
  lua_pushstring(L, core.pool->kind());
  lua_setfield(L, -2, "kind");
  lua_pushinteger(L, lua_Integer(core.blobs.size()));
  lua_setfield(L, -2, "functions");
  return 1;
}

int l_gc(lua_State* L) {
  if (PoolCore* c = test_core(L)) c->destroy();
  return 0;
}

// core:destroy(): what __gc does, now; a second call does nothing.
int l_destroy(lua_State* L) {
  PoolCore* c = test_core(L);
  if (!c) fail("pool.destroy: expected a pool core as self, got %s", luaL_typename(L, 1));
  c->destroy();
  return 0;
}

// opts.maxtasksperchild (Python's): a positive integer, or nil for unlimited (0). The one check of it:
// the message names the class, ThreadPool for the "thread" backend, else Pool (whose backends are the
// start methods), and the bad value.
std::uint32_t max_tasks_arg(lua_State* L, int opts, const char* backend) {
  if (!lua_istable(L, opts)) return 0;
  lua_getfield(L, opts, "maxtasksperchild");
  lua_Number v = lua_isnil(L, -1) ? 0 : lua_tonumber(L, -1);
  bool ok = lua_isnil(L, -1) || (lua_type(L, -1) == LUA_TNUMBER && v >= 1 && v <= 4294967295.0 &&
                                 v == lua_Number(std::uint32_t(v)));
  if (!ok) {
    const char* cls = std::strcmp(backend, "thread") == 0 ? "ThreadPool" : "Pool";
    const char* got = lua_type(L, -1) == LUA_TNUMBER || lua_type(L, -1) == LUA_TSTRING ? lua_tostring(L, -1)
                                                                                       : luaL_typename(L, -1);
    fail("%s: maxtasksperchild must be a positive integer, got %s", cls, got);
  }
  lua_pop(L, 1);
  return std::uint32_t(v);
}

// internal.pool_core(backend, n, opts, [initializer, initargs...])
int l_new(lua_State* L) {
  const char* backend = luaL_checkstring(L, 1);
  int n = int(luaL_checkinteger(L, 2));
  LauncherFactory factory = find_pool_backend(backend);
  if (!factory) fail("pool: no backend named '%s' in this build", backend);
  std::string init;
  if (lua_gettop(L) >= 4 && !lua_isnil(L, 4)) init = encode_values(L, 4, lua_gettop(L) - 3, "initializer");
  std::uint32_t max_tasks = max_tasks_arg(L, 3, backend);
  auto launcher = factory(L, 3);
  auto* core = static_cast<PoolCore*>(lua_newuserdata(L, sizeof(PoolCore)));
  new (core) PoolCore();
  set_type(L, kMeta);
  lua_newtable(L);
  lua_setfenv(L, -2);
  core->pool = std::make_unique<pool::Pool>(n, std::move(launcher), std::move(init), max_tasks);
  return 1;
}

const Function methods[] = {{"submit", l_submit},   {"result", l_result}, {"cancel", l_cancel},
                            {"running", l_running}, {"close", l_close},   {"terminate", l_terminate},
                            {"join", l_join},       {"info", l_info},     {"destroy", l_destroy},
                            {nullptr, nullptr}};

const Function metamethods[] = {{"__gc", l_gc}, {nullptr, nullptr}};

void open_pool_core(lua_State* L) {
  register_type(L, {kMeta, methods, metamethods});
  push_function(L, l_new);
  set_internal(L, "pool_core");
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(pool_core, parlab::lua::open_pool_core);
