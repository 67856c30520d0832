// internal.sync: Lock, RLock, Semaphore, BoundedSemaphore and Event userdata over the engine's shared
// objects (engine/sync/lock.hpp, semaphore.hpp, event.hpp). bindings/modules/sync.lua finishes the Lua face
// (parlab.Lock, scoped helpers, transport kinds); Condition and Barrier are in lua_sync_wait.cpp.
#include <lua.hpp>

#include <cstdio>
#include <cstring>

#include "bindings/core/module.hpp"
#include "bindings/modules/sync_common.hpp"
#include "engine/sync/event.hpp"
#include "engine/sync/lock.hpp"
#include "engine/sync/semaphore.hpp"

namespace parlab::lua {

void open_sync_wait(lua_State* L);  // lua_sync_wait.cpp: adds Condition and Barrier to the table at -1

namespace {

using namespace sync_detail;
using sync::EventObject;
using sync::LockObject;
using sync::SemaphoreObject;

constexpr const char* kLock = "parlab.Lock";
constexpr const char* kRLock = "parlab.RLock";
constexpr const char* kSema = "parlab.Semaphore";
constexpr const char* kBSema = "parlab.BoundedSemaphore";
constexpr const char* kEvent = "parlab.Event";

// Lock and RLock share one engine type; self may be either.
// A Lock or an RLock (one LockObject type); a Semaphore or a BoundedSemaphore.
LockObject& lock_arg(lua_State* L, const char* method) { return check<LockObject>(L, 1, kLock, method); }
SemaphoreObject& sema_arg(lua_State* L, const char* method) {
  return check<SemaphoreObject>(L, 1, kSema, method);
}

int new_lock(lua_State* L) {
  push_ref(L, shm::Ref<LockObject>::create(false), kLock);
  return 1;
}

int new_rlock(lua_State* L) {
  push_ref(L, shm::Ref<LockObject>::create(true), kRLock);
  return 1;
}

int lock_acquire(lua_State* L) {
  LockObject& lk = lock_arg(L, "Lock.acquire");
  bool block;
  double timeout;
  const char* method = lk.recursive ? "RLock.acquire" : "Lock.acquire";
  max_args(L, 2, method, "block, timeout");
  acquire_block_and_timeout(L, 2, method, block, timeout);
  lua_pushboolean(L, lk.acquire(block, timeout));
  return 1;
}

int lock_release(lua_State* L) {
  LockObject& lk = lock_arg(L, "Lock.release");
  max_args(L, 0, lk.recursive ? "RLock.release" : "Lock.release");
  lk.release();
  return 0;
}

int lock_locked(lua_State* L) {
  lua_pushboolean(L, lock_arg(L, "Lock.locked").locked());
  return 1;
}

int lock_tostring(lua_State* L) {
  LockObject& lk = lock_arg(L, "Lock.__tostring");
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s(%s)", lk.type_name(), lk.locked() ? "locked" : "unlocked");
  lua_pushstring(L, buf);
  return 1;
}

int read_count(lua_State* L, int idx, const char* what) {
  if (lua_isnoneornil(L, idx)) return 1;
  double n = lua_tonumber(L, idx);
  if (lua_type(L, idx) != LUA_TNUMBER || n < 0 || n > 2147483647.0 || n != double(long(n)))
    fail("%s: expected a non-negative integer, got %s", what,
         lua_type(L, idx) == LUA_TNUMBER ? lua_tostring(L, idx) : luaL_typename(L, idx));
  return int(n);
}

int new_semaphore(lua_State* L) {
  int n = read_count(L, 1, "Semaphore");
  push_ref(L, shm::Ref<SemaphoreObject>::create(std::uint32_t(n), 0u), kSema);
  return 1;
}

int new_bounded_semaphore(lua_State* L) {
  int n = read_count(L, 1, "BoundedSemaphore");
  if (n == 0) fail("BoundedSemaphore: the bound must be at least 1");
  push_ref(L, shm::Ref<SemaphoreObject>::create(std::uint32_t(n), std::uint32_t(n)), kBSema);
  return 1;
}

int sema_acquire(lua_State* L) {
  SemaphoreObject& s = sema_arg(L, "Semaphore.acquire");
  bool block;
  double timeout;
  max_args(L, 2, "Semaphore.acquire", "block, timeout");
  acquire_block_and_timeout(L, 2, "Semaphore.acquire", block, timeout);
  lua_pushboolean(L, s.acquire(block, timeout));
  return 1;
}

int sema_release(lua_State* L) {
  SemaphoreObject& s = sema_arg(L, "Semaphore.release");
  max_args(L, 1, "Semaphore.release", "n");
  int n = read_count(L, 2, "Semaphore.release");
  if (n < 1) fail("%s.release: n must be at least 1", s.type_name());
  s.release(std::uint32_t(n));
  return 0;
}

int sema_value(lua_State* L) {
  lua_pushinteger(L, sema_arg(L, "Semaphore.get_value").get_value());
  return 1;
}

int sema_tostring(lua_State* L) {
  SemaphoreObject& s = sema_arg(L, "Semaphore.__tostring");
  char buf[96];
  std::snprintf(buf, sizeof buf, "%s(value=%u)", s.type_name(), s.get_value());
  lua_pushstring(L, buf);
  return 1;
}

int new_event(lua_State* L) {
  push_ref(L, shm::Ref<EventObject>::create(), kEvent);
  return 1;
}

EventObject& event_arg(lua_State* L, const char* m) { return check<EventObject>(L, 1, kEvent, m); }

int event_set(lua_State* L) {
  EventObject& e = event_arg(L, "Event.set");
  max_args(L, 0, "Event.set");
  e.set();
  return 0;
}
int event_clear(lua_State* L) {
  event_arg(L, "Event.clear").clear();
  return 0;
}
int event_is_set(lua_State* L) {
  lua_pushboolean(L, event_arg(L, "Event.is_set").is_set());
  return 1;
}
int event_wait(lua_State* L) {
  EventObject& e = event_arg(L, "Event.wait");
  max_args(L, 1, "Event.wait", "timeout");
  lua_pushboolean(L, e.wait(opt_timeout(L, 2, "Event.wait")));
  return 1;
}
int event_tostring(lua_State* L) {
  lua_pushstring(L, event_arg(L, "Event.__tostring").is_set() ? "Event(set)" : "Event(clear)");
  return 1;
}

template <class T>
int attach_as(lua_State* L, const char* mt, const char* what) {
  push_ref(L, attach_handle<T>(L, 2, what), mt);
  return 1;
}

// _sync.attach(kind, payload): the receiving half of every transport kind defined here.
int attach(lua_State* L) {
  const char* kind = luaL_checkstring(L, 1);
  if (!std::strcmp(kind, "Lock") || !std::strcmp(kind, "RLock")) {
    shm::Ref<LockObject> ref = attach_handle<LockObject>(L, 2, kind);
    if (ref->recursive != (kind[0] == 'R'))
      fail("transport: a %s handle names a different kind of lock", kind);
    push_ref(L, std::move(ref), kind[0] == 'R' ? kRLock : kLock);
    return 1;
  }
  if (!std::strcmp(kind, "Semaphore") || !std::strcmp(kind, "BoundedSemaphore")) {
    shm::Ref<SemaphoreObject> ref = attach_handle<SemaphoreObject>(L, 2, kind);
    if ((ref->bound != 0) != (kind[0] == 'B'))
      fail("transport: a %s handle names a different semaphore", kind);
    push_ref(L, std::move(ref), kind[0] == 'B' ? kBSema : kSema);
    return 1;
  }
  if (!std::strcmp(kind, "Event")) return attach_as<EventObject>(L, kEvent, "Event");
  fail("transport: unknown sync kind '%s'", kind);
}

// _sync.handle(ud): the payload naming ud's object.
int handle(lua_State* L) {
  shm::Header* h = header_of(L, 1);
  if (!h) fail("transport: not a shared object");
  push_handle(L, h);
  return 1;
}

// _sync.refs(ud): holders of the object right now (for tests).
int refs(lua_State* L) {
  shm::Header* h = header_of(L, 1);
  if (!h) fail("refs: not a shared object");
  lua_pushnumber(L, double(h->refs.load()));
  return 1;
}

const Function lock_methods[] = {
    {"acquire", lock_acquire}, {"release", lock_release}, {"locked", lock_locked}, {nullptr, nullptr}};
const Function sema_methods[] = {
    {"acquire", sema_acquire}, {"release", sema_release}, {"get_value", sema_value}, {nullptr, nullptr}};
const Function event_methods[] = {{"set", event_set},
                                  {"clear", event_clear},
                                  {"is_set", event_is_set},
                                  {"wait", event_wait},
                                  {nullptr, nullptr}};
const Function constructors[] = {{"Lock", new_lock},
                                 {"RLock", new_rlock},
                                 {"Semaphore", new_semaphore},
                                 {"BoundedSemaphore", new_bounded_semaphore},
                                 {"Event", new_event},
                                 {"attach", attach},
                                 {"handle", handle},
                                 {"refs", refs},
                                 {nullptr, nullptr}};

void open_sync(lua_State* L) {
  lua_newtable(L);
  lua_newtable(L);
  lua_setfield(L, -2, "methods");
  set_functions(L, constructors);
  make_type<LockObject>(L, {kLock, lock_methods, lock_tostring});
  make_type<LockObject>(L, {kRLock, lock_methods, lock_tostring});
  make_type<SemaphoreObject>(L, {kSema, sema_methods, sema_tostring});
  make_type<SemaphoreObject>(L, {kBSema, sema_methods, sema_tostring});
  make_type<EventObject>(L, {kEvent, event_methods, event_tostring});
  open_sync_wait(L);
  set_internal(L, "sync");
}

// The FFI's fast paths for Lock and RLock (sync.lua): an uncontended acquire and an allowed release cost a
// C call from compiled code instead of the Lua C API's (which leaves the trace, ~4x the lock operation).
// box is the userdata's payload, whose metatable sync.lua checked. 0 means "not done here": taken by
// another, an inherited box not yet adopted, or an error to report; sync.lua then calls the method.
int lock_fast(void* box, bool release) noexcept {
  auto* b = static_cast<Box<LockObject>*>(box);
  if (!holds_live(b) || b->owner != shared_box::my_pid()) return 0;
  return release ? b->ref->try_release() : b->ref->try_acquire();
}

}  // namespace
}  // namespace parlab::lua

extern "C" {
__attribute__((visibility("default"))) int parlab_lock_try_acquire(void* box) {
  return parlab::lua::lock_fast(box, false);
}
__attribute__((visibility("default"))) int parlab_lock_try_release(void* box) {
  return parlab::lua::lock_fast(box, true);
}
}  // extern "C"

PARLAB_MODULE(sync, parlab::lua::open_sync);
