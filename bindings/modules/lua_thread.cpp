// internal.thread_new and the Thread object: an OS thread (engine/exec/thread.hpp) running a function in a
// Lua state of its own (bindings/worker/worker.hpp: run_in_fresh_state). The function and its arguments
// travel in through the value transport; the results, or the error with the thread's own traceback, travel
// back, and join re-raises the error. An error nobody joined is reported on stderr when the Thread object is
// collected, when the thread ends after that, or when the state that started it closes (closing waits for
// its unfinished threads first, as Python waits for its threads at exit: lua_thread_children.cpp).
#include <sched.h>
#include <unistd.h>
#include <lua.hpp>

#include <atomic>
#include <cstdio>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "bindings/core/arg_count.hpp"
#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/timeout_args.hpp"
#include "bindings/core/transport.hpp"
#include "bindings/modules/lua_thread_list.hpp"
#include "bindings/modules/lua_thread_record.hpp"
#include "bindings/worker/thread_stop.hpp"
#include "bindings/worker/worker.hpp"
#include "engine/core/clock.hpp"
#include "engine/core/interrupt.hpp"
#include "engine/core/self.hpp"
#include "engine/exec/thread.hpp"

namespace parlab::lua {
namespace {

using threads::ChildrenPtr;
using threads::Record;
using threads::RecordPtr;

const char* const kMeta = "parlab.Thread";

struct Handle {
  RecordPtr rec;
};

std::atomic<int> thread_counter{0};

constexpr double kTerminateSeconds = 1.0;  // how long terminate() keeps trying
constexpr double kResendSeconds = 0.01;    // between two stop signals

// A thread stopped by Ctrl-C is not news: the main thread got the same interrupt.
// Its message's first line is "interrupted", after the position of the call that was interrupted.
bool interrupted(const Record& r) {
  if (!interrupt::pending()) return false;
  std::string first = r.output.substr(0, r.output.find('\n'));
  const std::string word = "interrupted";
  return first.size() >= word.size() && first.compare(first.size() - word.size(), word.size(), word) == 0;
}

bool terminated(const Record& r) { return r.stop.requested.load(std::memory_order_acquire); }

}  // namespace

namespace threads {

// Called with r.mu held.
void report_locked(Record& r) {
  if (r.ok || terminated(r) || r.observed || r.reported || !r.thread->finished() || interrupted(r)) return;
  r.reported = true;
  std::fprintf(stderr, "parlab: error in thread '%s' (never joined):\n%s\n", r.name.c_str(),
               r.output.c_str());
  std::fflush(stderr);
}

// Asks r's thread to stop, again every kResendSeconds (a thread between two compiled loops may have
// missed the signal), for at most kTerminateSeconds. While a state closes (`closing`), Ctrl-C does not
// cut the stop short; otherwise it propagates.
void stop_thread(Record& r, bool closing) {
  const double deadline = clock_seconds() + kTerminateSeconds;
  while (!r.thread->finished() && clock_seconds() < deadline) {
    request_stop(r.stop);
    try {
      r.thread->join(kResendSeconds);
    } catch (const std::exception&) {
      if (!closing) throw;
    }
  }
}

}  // namespace threads

namespace {

// The thread's whole life; the Record outlives it (its Thread member joins on destruction).
void thread_body(Record* rec) {
  live_thread_enter(rec, rec->name);
  FreshRun run = run_in_fresh_state(rec->input, rec->name.c_str(), &rec->stop);
  live_thread_leave(rec);
  std::lock_guard<std::mutex> hold(rec->mu);
  rec->ok = run.ok && !terminated(*rec);
  rec->output = std::move(run.output);
  if (rec->orphaned && !rec->ok && !rec->reported && !interrupted(*rec) && !terminated(*rec)) {
    rec->reported = true;
    std::fprintf(stderr, "parlab: error in thread '%s' (never joined):\n%s\n", rec->name.c_str(),
                 rec->output.c_str());
    std::fflush(stderr);
  }
}

Record& check_thread(lua_State* L, const char* fn) {
  auto* h = static_cast<Handle*>(luaL_testudata(L, 1, kMeta));
  if (!h) fail("Thread.%s: expected a Thread (call it as t:%s(...)), got %s", fn, fn, luaL_typename(L, 1));
  if (!h->rec) fail("Thread.%s: this Thread was finalized (its __gc ran)", fn);
  return *h->rec;
}

// internal.thread_new(name or nil, fn, ...) -> Thread (not started)
int l_new(lua_State* L) {
  if (!lua_isfunction(L, 2)) fail("Thread: expected a function to run, got %s", luaL_typename(L, 2));
  auto rec = std::make_shared<Record>();
  rec->name = lua_isnil(L, 1) ? "Thread-" + std::to_string(++thread_counter) : luaL_checkstring(L, 1);
  rec->input = encode_values(L, 2, lua_gettop(L) - 1, "args");
  rec->stop.message = "thread '" + rec->name + "' was terminated";
  Record* raw = rec.get();
  rec->thread = std::make_unique<Thread>([raw] { thread_body(raw); });
  auto* h = static_cast<Handle*>(lua_newuserdata(L, sizeof(Handle)));
  new (h) Handle{std::move(rec)};
  set_type(L, kMeta);
  return 1;
}

int l_start(lua_State* L) {
  Record& r = check_thread(L, "start");
  max_args(L, 0, "Thread.start");
  if (r.thread->started()) fail("Thread.start: thread '%s' can only be started once", r.name.c_str());
  ChildrenPtr children = threads::state_children(L);
  try {
    r.thread->start();
  } catch (const Error& e) {  // the thread limit, or no memory for its stack: say how many run already
    fail("Thread.start: thread '%s': %s (this process runs %d threads)", r.name.c_str(), e.what(),
         self::thread_count());
  }
  children->add(static_cast<Handle*>(lua_touserdata(L, 1))->rec);
  lua_settop(L, 1);
  return 1;
}

// t:join([timeout]) -> fn's results; nothing when the timeout passed first (check t:is_alive()).
int l_join(lua_State* L) {
  Record& r = check_thread(L, "join");
  max_args(L, 1, "Thread.join", "timeout");
  double timeout = opt_timeout(L, 2, "Thread.join");
  if (!r.thread->started()) fail("Thread.join: thread '%s' was never started", r.name.c_str());
  if (!r.thread->here())  // its results would never come, and r.mu may be a copy its thread held at the fork
    fail("Thread.join: thread '%s' runs in the parent process, not in this fork child", r.name.c_str());
  if (!r.thread->join(timeout)) return 0;
  bool ok;
  std::string output;
  {
    std::lock_guard<std::mutex> hold(r.mu);
    r.observed = true;
    ok = r.ok;
    output = r.output;
  }
  if (terminated(r)) fail("Thread.join: thread '%s' was terminated", r.name.c_str());
  if (!ok) fail("Thread.join: thread '%s' raised an error:\n%s", r.name.c_str(), output.c_str());
  lua_settop(L, 0);
  return decode_values(L, output.data(), output.size());
}

// t:terminate() -> true once the thread has stopped (within about a second), false when it did not
// (stuck in C code that never returns). Stops interpreted code, engine waits and JIT-compiled loops.
int l_terminate(lua_State* L) {
  Record& r = check_thread(L, "terminate");
  max_args(L, 0, "Thread.terminate");
  if (!r.thread->started()) fail("Thread.terminate: thread '%s' was never started", r.name.c_str());
  if (!r.thread->here())
    fail("Thread.terminate: thread '%s' runs in the parent process, not in this fork child", r.name.c_str());
  threads::stop_thread(r, false);
  lua_pushboolean(L, r.thread->finished());
  return 1;
}

int l_is_alive(lua_State* L) {
  lua_pushboolean(L, check_thread(L, "is_alive").thread->alive());
  return 1;
}

int l_tostring(lua_State* L) {
  Record& r = check_thread(L, "tostring");
  const char* state = !r.thread->started() ? "initial" : r.thread->alive() ? "started" : "stopped";
  lua_pushfstring(L, "Thread(%s, %s)", r.name.c_str(), state);
  return 1;
}

// t.name, t.ident, t.native_id, t.daemon (TypeSpec::properties).
int l_index(lua_State* L) {
  Record& r = check_thread(L, "index");
  const char* key = lua_tostring(L, 2);
  if (key && (std::strcmp(key, "ident") == 0 || std::strcmp(key, "native_id") == 0)) {
    // Set by the new thread as its first step: after start() returns it is there, as in Python (which
    // waits in start() for the same reason); a yield or two at most.
    while (r.thread->alive() && r.thread->ident() == 0) sched_yield();
    if (r.thread->ident() == 0) return 0;
    lua_pushnumber(L, double(r.thread->ident()));
    return 1;
  }
  if (key && std::strcmp(key, "name") == 0) {
    lua_pushstring(L, r.name.c_str());
    return 1;
  }
  if (key && std::strcmp(key, "daemon") == 0) {
    lua_pushboolean(L, r.daemon);
    return 1;
  }
  return 0;
}

// t.daemon = true|false, before start (as Python's Thread.daemon).
int l_newindex(lua_State* L) {
  Record& r = check_thread(L, "newindex");
  const char* key = lua_tostring(L, 2);
  if (!key || std::strcmp(key, "daemon") != 0)
    fail("Thread: cannot set field '%s' (only daemon can be set)", key ? key : luaL_typename(L, 2));
  if (!lua_isboolean(L, 3)) fail("Thread.daemon: expected a boolean, got %s", luaL_typename(L, 3));
  if (r.thread->started())
    fail("Thread.daemon: cannot set daemon status of active thread '%s'", r.name.c_str());
  r.daemon = lua_toboolean(L, 3) != 0;
  return 0;
}

int l_gc(lua_State* L) {
  auto* h = static_cast<Handle*>(luaL_testudata(L, 1, kMeta));
  if (!h || !h->rec) return 0;
  RecordPtr rec = std::move(h->rec);  // leaves the Handle empty: a second call does nothing
  if (rec->thread->started() && !rec->thread->here()) return 0;  // a fork child: rec->mu may be held
  std::lock_guard<std::mutex> hold(rec->mu);
  if (rec->thread->finished())
    threads::report_locked(*rec);
  else
    rec->orphaned = true;
  return 0;
}

int l_ident(lua_State* L) {
  lua_pushnumber(L, double(self::tid()));
  return 1;
}

const Function methods[] = {{"start", l_start},
                            {"join", l_join},
                            {"is_alive", l_is_alive},
                            {"terminate", l_terminate},
                            {nullptr, nullptr}};

const Function metamethods[] = {
    {"__tostring", l_tostring}, {"__gc", l_gc}, {"__newindex", l_newindex}, {nullptr, nullptr}};
const Function internal_functions[] = {{"thread_new", l_new}, {"thread_ident", l_ident}, {nullptr, nullptr}};

void open_thread(lua_State* L) {
  register_type(L, {kMeta, methods, metamethods, l_index});
  threads::open_children(L);
  set_internal_functions(L, internal_functions);
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(thread, parlab::lua::open_thread);
