// parlab.Queue, JoinableQueue, SimpleQueue (engine/queues/queue.hpp): values cross as transport messages.
// Errors a caller can match: "Empty", "Full", "Closed" follow the method name (docs/queues.md).
#include <lua.hpp>

#include <cstring>
#include <string>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/shared_box.hpp"
#include "bindings/core/timeout_args.hpp"
#include "bindings/core/transport.hpp"
#include "engine/core/error.hpp"
#include "engine/queues/queue.hpp"

namespace parlab::lua {
namespace {

using queue::Message;
using queue::Queue;
using queue::Status;
using namespace shared_box;

enum Flavor : std::int32_t { kPlain = 0, kJoinable = 1, kSimple = 2 };
const char* const kTypeNames[] = {"Queue", "JoinableQueue", "SimpleQueue"};
const char* const kMetaNames[] = {"parlab.Queue", "parlab.JoinableQueue", "parlab.SimpleQueue"};

struct QueueBox : Box<Queue, 0x7061726c61625155ull> {  // "parlabQU"
  std::int32_t flavor = kPlain;
};

// Each box's reference is also counted for its process (Queue::hold), so that the references of a process
// killed while it held the queue are given back by the survivors (Queue::reclaim_dead, in l_gc).
void push_queue(lua_State* L, shm::Ref<Queue> ref, std::int32_t flavor) {
  QueueBox& b = push_box<QueueBox>(L, std::move(ref), kMetaNames[flavor]);
  b.flavor = flavor;
  b.ref->hold();
}

Queue& self(lua_State* L, const char* method) {
  QueueBox* b = test_box<QueueBox>(L, 1);
  if (!b || !b->ref)
    fail("%s: expected a queue as self, got %s (call it with ':')", method, luaL_typename(L, 1));
  if (b->adopt()) b->ref->hold();
  return *b->ref;
}

std::int64_t maxsize_arg(lua_State* L, int idx, const char* who) {
  if (lua_isnoneornil(L, idx)) return 0;
  if (lua_type(L, idx) != LUA_TNUMBER)
    fail("%s: maxsize must be a number, got %s", who, luaL_typename(L, idx));
  double m = lua_tonumber(L, idx);
  if (m != m || m >= 9.2e18) fail("%s: maxsize must be an integer, got %g", who, m);
  if (m != double(std::int64_t(m))) fail("%s: maxsize must be an integer, got %g", who, m);
  return std::int64_t(m);  // <= 0: unbounded, as in Python
}

template <std::int32_t F>
int l_new(lua_State* L) {
  std::int64_t maxsize = F == kSimple ? 0 : maxsize_arg(L, 1, kTypeNames[F]);
  push_queue(L, shm::Ref<Queue>::create(maxsize, F == kJoinable), F);
  return 1;
}

int do_put(lua_State* L, const char* method, bool block, double timeout) {
  Queue& q = self(L, method);
  if (lua_gettop(L) < 2) fail("%s: expected a value to put", method);
  // One message per thread, kept warm (a fresh buffer per big item faulted its pages in each time); a big
  // string is copied once, from the Lua string (still on the stack) into the queue.
  thread_local PiecesMessage m;
  try {
    encode_values_pieces(L, 2, 1, "item", m);
  } catch (const Error& e) {
    fail("%s: %s", method, e.what());
  }
  struct Trim {
    ~Trim() { m.trim(); }
  } trim;
  switch (q.put(m.pieces.data(), m.pieces.size(), block, timeout)) {
    case Status::ok: return 0;
    case Status::closed: fail("%s: Closed: the queue is closed", method);
    case Status::timeout:
      if (!block) fail("%s: Full: the queue holds its maxsize of %lld items", method, (long long)q.maxsize());
      fail("%s: Full: no room within %g s (maxsize %lld)", method, timeout, (long long)q.maxsize());
  }
  return 0;
}

int do_get(lua_State* L, const char* method, bool block, double timeout) {
  Queue& q = self(L, method);
  Message m;
  switch (q.get(m, block, timeout)) {
    case Status::ok: break;
    case Status::closed: fail("%s: Closed: the queue is closed and empty", method);
    case Status::timeout:
      if (!block || timeout == 0) fail("%s: Empty: the queue is empty", method);
      fail("%s: Empty: no item arrived within %g s", method, timeout);
  }
  lua_settop(L, 0);
  return decode_values(L, m.data(), m.size());
}

// put(v [, block [, timeout]]) / put(v, timeout)
int l_put(lua_State* L) {
  bool block;
  double timeout;
  max_args(L, 3, "Queue.put", "item, block, timeout");
  block_and_timeout(L, 3, "Queue.put", block, timeout);
  return do_put(L, "Queue.put", block, timeout);
}
int l_put_nowait(lua_State* L) {
  max_args(L, 1, "Queue.put_nowait", "item");
  return do_put(L, "Queue.put_nowait", false, -1);
}
int l_simple_put(lua_State* L) {
  max_args(L, 1, "SimpleQueue.put", "item");
  return do_put(L, "SimpleQueue.put", true, -1);
}

// get([block [, timeout]]) / get(timeout)
int l_get(lua_State* L) {
  bool block;
  double timeout;
  max_args(L, 2, "Queue.get", "block, timeout");
  block_and_timeout(L, 2, "Queue.get", block, timeout);
  return do_get(L, "Queue.get", block, timeout);
}
int l_get_nowait(lua_State* L) {
  max_args(L, 0, "Queue.get_nowait");
  return do_get(L, "Queue.get_nowait", false, -1);
}
int l_simple_get(lua_State* L) {
  max_args(L, 1, "SimpleQueue.get", "timeout");
  return do_get(L, "SimpleQueue.get", true, opt_timeout(L, 2, "SimpleQueue.get"));
}

int l_qsize(lua_State* L) {
  lua_pushinteger(L, lua_Integer(self(L, "Queue.qsize").qsize()));
  return 1;
}
int l_empty(lua_State* L) {
  lua_pushboolean(L, self(L, "Queue.empty").empty());
  return 1;
}
int l_full(lua_State* L) {
  lua_pushboolean(L, self(L, "Queue.full").full());
  return 1;
}
int l_maxsize(lua_State* L) {
  lua_pushinteger(L, lua_Integer(self(L, "Queue.maxsize").maxsize()));
  return 1;
}
// q:close([immediate]): immediate drops the items left (Python 3.13's shutdown(immediate=True)); returns
// how many were dropped.
int l_close(lua_State* L) {
  Queue& q = self(L, "Queue.close");
  max_args(L, 1, "Queue.close", "immediate");
  if (!lua_isnoneornil(L, 2) && !lua_isboolean(L, 2))
    fail("Queue.close: immediate must be true or false, got %s", luaL_typename(L, 2));
  lua_pushnumber(L, double(q.close(lua_toboolean(L, 2) != 0)));
  return 1;
}
int l_is_closed(lua_State* L) {
  lua_pushboolean(L, self(L, "Queue.is_closed").closed());
  return 1;
}
// faults() -> {redelivered =, maybe_lost =, lost_puts =}: what survivors did about processes killed in the
// middle of a get or put on this queue (docs/reliability.md).
int l_faults(lua_State* L) {
  queue::Faults f = self(L, "Queue.faults").faults();
  lua_createtable(L, 0, 3);
  lua_pushnumber(L, lua_Number(f.redelivered));
  lua_setfield(L, -2, "redelivered");
  lua_pushnumber(L, lua_Number(f.maybe_lost));
  lua_setfield(L, -2, "maybe_lost");
  lua_pushnumber(L, lua_Number(f.lost_puts));
  lua_setfield(L, -2, "lost_puts");
  return 1;
}
int l_task_done(lua_State* L) {
  try {
    self(L, "JoinableQueue.task_done").task_done();
  } catch (const Error& e) {
    fail("JoinableQueue.task_done: %s", e.what());
  }
  return 0;
}
// join([timeout]) -> true, or false when the timeout passed first
int l_join(lua_State* L) {
  Queue& q = self(L, "JoinableQueue.join");
  lua_pushboolean(L, q.join(opt_timeout(L, 2, "JoinableQueue.join")));
  return 1;
}

int l_tostring(lua_State* L) {
  QueueBox* b = test_box<QueueBox>(L, 1);
  if (!b || !b->ref) return lua_pushstring(L, "Queue(released)"), 1;
  Queue& q = *b->ref;
  lua_pushfstring(L, "%s(maxsize=%d, qsize=%d%s): %p", kTypeNames[b->flavor], int(q.maxsize()),
                  int(q.qsize()), q.closed() ? ", closed" : "", static_cast<void*>(&q));
  return 1;
}

// Transport: "offset:flavor:serial"; the message holds a reference until the receiver takes its own, and
// the serial makes a forged or stale handle an error instead of another object's queue.
int l_handle(lua_State* L) {
  QueueBox* b = test_box<QueueBox>(L, 1);
  if (!b || !b->ref) fail("Queue handle: expected a queue, got %s", luaL_typename(L, 1));
  std::string h = std::to_string(b->ref.offset()) + ":" + std::to_string(b->flavor) + ":" +
                  std::to_string(b->ref->serial);
  lua_pushlstring(L, h.data(), h.size());
  b->ref->send_handle();  // the queue stays alive while the message travels
  return 1;
}
int l_attach(lua_State* L) {
  unsigned long long offset = 0, serial = 0;
  int flavor = -1, used = 0;
  const char* h = luaL_checkstring(L, 1);
  if (std::sscanf(h, "%llu:%d:%llu%n", &offset, &flavor, &serial, &used) != 3 || h[used] || flavor < 0 ||
      flavor > 2)
    fail("Queue: malformed handle");
  auto ref = shm::Ref<Queue>::attach(offset, serial);
  ref->receive_handle();
  push_queue(L, std::move(ref), flavor);
  return 1;
}
int l_gc(lua_State* L) {
  QueueBox* b = test_box<QueueBox>(L, 1);
  if (!b) return 0;
  if (b->ref && b->owner == my_pid()) {
    b->ref->let_go();
    b->ref->reclaim_dead();  // before the last live holder lets go, or the dead ones keep the queue
  }
  b->release();
  return 0;
}
int l_is_queue(lua_State* L) {
  lua_pushboolean(L, test_box<QueueBox>(L, 1) != nullptr);
  return 1;
}

// Bytes in use in the shared arena (for leak checks in tests).
int l_arena_used(lua_State* L) {
  lua_pushnumber(L, lua_Number(shm::used_bytes()));
  return 1;
}

const Function kQueueMethods[] = {{"put", l_put},
                                  {"get", l_get},
                                  {"put_nowait", l_put_nowait},
                                  {"get_nowait", l_get_nowait},
                                  {"qsize", l_qsize},
                                  {"empty", l_empty},
                                  {"full", l_full},
                                  {"maxsize", l_maxsize},
                                  {"close", l_close},
                                  {"is_closed", l_is_closed},
                                  {"faults", l_faults},
                                  {nullptr, nullptr}};
const Function kJoinableMethods[] = {{"task_done", l_task_done}, {"join", l_join}, {nullptr, nullptr}};
const Function kSimpleMethods[] = {{"put", l_simple_put}, {"get", l_simple_get},      {"empty", l_empty},
                                   {"close", l_close},    {"is_closed", l_is_closed}, {nullptr, nullptr}};

const Function kMetamethods[] = {
    {"__gc", l_gc}, {"__eq", same_object<QueueBox>}, {"__tostring", l_tostring}, {nullptr, nullptr}};

// The three queue types; JoinableQueue has Queue's methods and its own.
void register_queue_types(lua_State* L) {
  register_type(L, {kMetaNames[kPlain], kQueueMethods, kMetamethods});
  register_type(L, {kMetaNames[kSimple], kSimpleMethods, kMetamethods});
  register_type(L, {kMetaNames[kJoinable], kQueueMethods, kMetamethods});
  luaL_getmetatable(L, kMetaNames[kJoinable]);
  lua_getfield(L, -1, "methods");
  set_functions(L, kJoinableMethods);
  lua_pop(L, 2);
}

const Function kFunctions[] = {{"Queue", l_new<kPlain>},
                               {"JoinableQueue", l_new<kJoinable>},
                               {"SimpleQueue", l_new<kSimple>},
                               {nullptr, nullptr}};
// Gathered into internal.queue by bindings/modules/queue.lua.
const Function kInternalFunctions[] = {{"queue_handle", l_handle},
                                       {"queue_attach", l_attach},
                                       {"is_queue", l_is_queue},
                                       {"queue_arena_used", l_arena_used},
                                       {nullptr, nullptr}};

void open_queue(lua_State* L) {
  register_queue_types(L);
  set_functions(L, kFunctions);
  set_internal_functions(L, kInternalFunctions);
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(queue, parlab::lua::open_queue);
