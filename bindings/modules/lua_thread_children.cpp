// The threads a Lua state started, and what closing the state does with them: it waits for every
// unfinished one (as Python waits for its threads at exit), except daemons, which go to a process-wide
// list and are stopped when the main thread's state closes, the program's end.
#include <lua.hpp>

#include <cstdlib>
#include <memory>
#include <mutex>
#include <vector>

#include "bindings/core/module.hpp"
#include "bindings/modules/lua_thread_record.hpp"
#include "bindings/worker/process.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/self.hpp"
#include "engine/core/thread_exits.hpp"

namespace parlab::lua {
namespace threads {
namespace {

const char* const kChildrenMeta = "parlab.ThreadChildren";
char kChildrenKey;

// Daemon threads whose starting state closed before the program's end; never freed (a Record's
// destructor would join a thread that may still run while the process exits).
std::mutex daemons_mu;
void join_finished_daemons();
std::vector<RecordPtr>& daemons() {
  static auto* list = [] {
    std::atexit(join_finished_daemons);
    return new std::vector<RecordPtr>;
  }();
  return *list;
}

std::vector<RecordPtr> daemons_now() {
  std::lock_guard<std::mutex> hold(daemons_mu);
  return daemons();
}

// At the process's exit. os.exit does not close the main state, so stop_daemons may never have run: the
// daemons that finished are joined here (a finished thread left unjoined is a leak to a sanitizer); one
// still running is left to the exit.
void join_finished_daemons() {
  for (auto& r : daemons_now())
    if (r->thread->started() && r->thread->here() && r->thread->finished()) r->thread->join(0);
  thread_exits::wait_all();
}

// The main thread's state is closing: the program ends. Daemon threads are stopped (Python abandons them
// to the process's exit; stopping them first means none runs while the process tears down), each for at
// most about a second; one stuck in C code is left to the exit.
void stop_daemons() {
  for (auto& r : daemons_now()) {
    if (!r->thread->started() || !r->thread->here()) continue;
    stop_thread(*r, true);
    // A finished one is joined too (its exit is waited for at the program's end, engine/core/thread_exits):
    // only a daemon stuck in C code is left to the process's exit.
    if (r->thread->finished()) r->thread->join(0);
  }
}

void join_child(const RecordPtr& r) {
  if (!r->thread->started() || !r->thread->here()) return;  // a fork child: the parent's thread
  for (;;) {
    try {
      r->thread->join();
      break;
    } catch (const std::exception&) {  // Ctrl-C while closing: keep waiting, the thread must end first
      sleep_seconds(interrupt::kPollSeconds);
    }
  }
  std::lock_guard<std::mutex> hold(r->mu);
  report_locked(*r);
}

// The state is closing (the script ended, or a thread returned): waits for every unfinished non-daemon
// child; daemon children are handed to the process-wide list, and stopped when the main thread's closes.
int l_children_gc(lua_State* L) {
  auto* c = static_cast<ChildrenPtr*>(luaL_testudata(L, 1, kChildrenMeta));
  if (!c || !*c) return 0;
  ChildrenPtr children = std::move(*c);  // leaves the userdata empty: a second call does nothing
  std::vector<RecordPtr> list;
  {
    std::lock_guard<std::mutex> hold(children->mu);
    list.swap(children->list);
  }
  for (auto& r : list) {
    if (r->daemon) {
      std::lock_guard<std::mutex> hold(daemons_mu);
      daemons().push_back(r);
    } else {
      join_child(r);
    }
  }
  if (self::is_main_thread()) stop_daemons();  // the main thread: the program ends
  return 0;
}

const Function children_metamethods[] = {{"__gc", l_children_gc}, {nullptr, nullptr}};

// The state's list in its registry, or nullptr when it started no thread (the list itself is empty once
// its __gc ran).
ChildrenPtr* children_slot(lua_State* L) {
  lua_pushlightuserdata(L, &kChildrenKey);
  lua_rawget(L, LUA_REGISTRYINDEX);
  auto* c = static_cast<ChildrenPtr*>(luaL_testudata(L, -1, kChildrenMeta));
  lua_pop(L, 1);
  return c;
}

}  // namespace

ChildrenPtr state_children(lua_State* L) {
  if (ChildrenPtr* c = children_slot(L)) return *c;
  lua_pushlightuserdata(L, &kChildrenKey);
  auto* c = static_cast<ChildrenPtr*>(lua_newuserdata(L, sizeof(ChildrenPtr)));
  new (c) ChildrenPtr(std::make_shared<Children>());
  ChildrenPtr made = *c;
  set_type(L, kChildrenMeta);
  lua_rawset(L, LUA_REGISTRYINDEX);
  return made;
}

void open_children(lua_State* L) { register_type(L, {kChildrenMeta, nullptr, children_metamethods}); }

}  // namespace threads

void join_state_threads(lua_State* L) {
  using namespace threads;
  ChildrenPtr* c = children_slot(L);
  if (!c || !*c) return;
  ChildrenPtr children = *c;
  std::vector<RecordPtr> list;
  {
    std::lock_guard<std::mutex> hold(children->mu);
    list = children->list;
  }
  for (auto& r : list)
    if (!r->daemon) join_child(r);  // the parent's threads (a fork child's copies) are skipped by join_child
}

}  // namespace parlab::lua
