// parlab.Pipe([duplex]) -> two connections (engine/queues/pipe.hpp). recv raises "EOFError" when the other
// end is closed or its process died, never hangs; send to a closed reader raises "BrokenPipeError".
#include <lua.hpp>

#include <pthread.h>

#include <cstdio>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_set>

#include "bindings/core/errors.hpp"
#include "bindings/core/module.hpp"
#include "bindings/core/shared_box.hpp"
#include "bindings/core/timeout_args.hpp"
#include "bindings/core/transport.hpp"
#include "engine/core/error.hpp"
#include "engine/exec/process.hpp"
#include "engine/queues/pipe.hpp"

namespace parlab::lua {
namespace {

using queue::Message;
using queue::Pipe;
using queue::PipeStatus;
using namespace shared_box;

constexpr const char* kMeta = "parlab.Connection";

struct ConnBox : Box<Pipe, 0x7061726c61625043ull> {  // "parlabPC"
  std::int32_t holder = 0;                           // the process registered as holding the end open
  std::int32_t end = 0;
  bool closed = false;
  // A forked child's own reference while it holds the end without having adopted the box: without it,
  // the parent could free the pipe while the child's collector is about to close its hold on it.
  shm::Ref<Pipe> kept;
  std::int32_t kept_by = 0;  // the process whose reference kept is (0: taken by fork_prepare for a child)
};

// Drops the box's kept reference if this process holds it; a copy inherited from a parent is forgotten.
void drop_kept(ConnBox& b) {
  if (b.kept_by == my_pid())
    b.kept.reset();
  else
    new (&b.kept) shm::Ref<Pipe>();  // the parent's (or a child's-to-be) reference: not ours to release
  b.kept_by = 0;
}

// The open connections of this process. A forked child holds each of them open from the moment it
// exists, as it would hold an inherited file descriptor, until it closes them or exits. The parent
// registers the holds before the fork (the child may run much later) and the child takes them over.
// A process that forks again without having used the ends it inherited (the fork server) lets go of
// them first, so helper processes do not keep pipes open for the whole run. A hold handed to a child
// comes with a reference (kept), so the pipe outlives the hold; the child drops it when it closes,
// collects or adopts the box, or exits.
std::mutex live_mutex;
std::unordered_set<ConnBox*>& live() {
  static auto* boxes = new std::unordered_set<ConnBox*>;  // never destroyed: used by atfork handlers
  return *boxes;
}
queue::ProcessId forking_parent;
void fork_prepare() {
  live_mutex.lock();
  forking_parent = queue::this_process();
  std::int32_t me = forking_parent.pid;
  for (ConnBox* b : live()) {
    if (b->closed || !b->ref || b->holder != me) continue;
    if (b->owner != me) {  // inherited and never used here: give the hold up, pass nothing on
      b->ref->close_end(b->end);
      b->holder = 0;
      drop_kept(*b);
      continue;
    }
    b->ref->open_end(b->end);
    b->kept = b->ref;  // the child's reference: the parent forgets its copy in fork_parent
    b->kept_by = 0;
  }
}
void fork_parent() {
  for (ConnBox* b : live())
    if (b->kept && b->kept_by == 0) new (&b->kept) shm::Ref<Pipe>();  // the count is the child's now
  live_mutex.unlock();
}
void fork_child() {
  std::int32_t me = my_pid();
  for (ConnBox* b : live()) {
    if (b->kept && b->kept_by == 0) b->kept_by = me;
    if (b->closed || !b->ref || b->holder != forking_parent.pid) continue;
    b->ref->hand_over_end(b->end, forking_parent);
    b->holder = me;
  }
  live_mutex.unlock();
}
// A child ending by exit_child (no collection): the references fork gave it go back.
void drop_all_kept() {
  std::lock_guard<std::mutex> g(live_mutex);
  for (ConnBox* b : live()) drop_kept(*b);
}
std::once_flag atfork_once;

// Pipe's hook: holds of (pipe, end) in this process through boxes inherited by fork and never used.
std::int32_t unused_holds(const Pipe* pipe, int end) {
  std::int32_t me = my_pid(), n = 0;
  std::lock_guard<std::mutex> g(live_mutex);
  for (ConnBox* b : live())
    if (b->ref.get() == pipe && b->end == end && !b->closed && b->holder == me && b->owner != me) n++;
  return n;
}

void push_conn(lua_State* L, shm::Ref<Pipe> ref, int end) {
  // After this_process()'s own handler, so that fork_child sees the child's identity (pid and start
  // time; hand_over_end reads it).
  std::call_once(atfork_once, [] {
    queue::this_process();
    pthread_atfork(fork_prepare, fork_parent, fork_child);
    Pipe::set_unused_holds_hook(unused_holds);
    process::at_child_exit(drop_all_kept);
  });
  ref->open_end(end);
  ConnBox& b = push_box<ConnBox>(L, std::move(ref), kMeta);
  b.holder = my_pid();
  b.end = end;
  std::lock_guard<std::mutex> g(live_mutex);
  live().insert(&b);
}

ConnBox& box(lua_State* L, const char* method) {
  ConnBox* b = test_box<ConnBox>(L, 1);
  if (!b || !b->ref)
    fail("%s: expected a connection as self, got %s (call it with ':')", method, luaL_typename(L, 1));
  if (b->adopt()) drop_kept(*b);  // first use in a forked child: a reference of its own replaces kept
  if (b->holder != my_pid() && !b->closed) {  // forked without the atfork handler (raw clone)
    b->ref->open_end(b->end);
    b->holder = my_pid();
  }
  return *b;
}

// The open connection at self, checked for the direction the method needs.
ConnBox& open_conn(lua_State* L, const char* method, bool sending) {
  ConnBox& c = box(L, method);
  if (c.closed) fail("%s: the connection is closed", method);
  if (sending && !c.ref->can_send(c.end))
    fail("%s: this connection is read-only (Pipe(false) gives reader, writer)", method);
  if (!sending && !c.ref->can_recv(c.end))
    fail("%s: this connection is write-only (Pipe(false) gives reader, writer)", method);
  return c;
}

[[noreturn]] void fail_recv(const char* method, PipeStatus s, double timeout) {
  if (s == PipeStatus::peer_died)
    fail("%s: EOFError: the process holding the other end exited or died without closing it", method);
  if (s == PipeStatus::closed) fail("%s: EOFError: the other end is closed", method);
  fail("%s: Timeout: nothing arrived within %g s", method, timeout);
}

void send_pieces(ConnBox& c, const char* method, const wire::Piece* pieces, size_t count) {
  if (c.ref->send(c.end, pieces, count) != PipeStatus::ok)
    fail("%s: BrokenPipeError: the other end is closed", method);
}

void send_raw(ConnBox& c, const char* method, const char* data, size_t size) {
  wire::Piece whole{data, size};
  send_pieces(c, method, &whole, 1);
}

// send(v)
int l_send(lua_State* L) {
  ConnBox& c = open_conn(L, "Connection.send", true);
  max_args(L, 1, "Connection.send", "obj");
  if (lua_gettop(L) < 2) fail("Connection.send: expected a value to send");
  // One message per thread, kept warm; a big string is copied once, from the Lua string into the pipe.
  thread_local PiecesMessage m;
  try {
    encode_values_pieces(L, 2, 1, "value", m);
  } catch (const Error& e) {
    fail("Connection.send: %s", e.what());
  }
  send_pieces(c, "Connection.send", m.pieces.data(), m.pieces.size());
  m.trim();
  return 0;
}

// send_bytes(s [, offset [, size]]): offset and size in bytes, as Python's (offset counts from 0).
int l_send_bytes(lua_State* L) {
  ConnBox& c = open_conn(L, "Connection.send_bytes", true);
  max_args(L, 3, "Connection.send_bytes", "buf, offset, size");
  if (lua_type(L, 2) != LUA_TSTRING)
    fail("Connection.send_bytes: expected a string, got %s", luaL_typename(L, 2));
  size_t n = 0;
  const char* s = lua_tolstring(L, 2, &n);
  lua_Number offset = luaL_optnumber(L, 3, 0);
  if (offset < 0 || offset > lua_Number(n))
    fail("Connection.send_bytes: offset %g is outside the string (length %d)", offset, int(n));
  lua_Number size = luaL_optnumber(L, 4, lua_Number(n) - offset);
  if (size < 0 || offset + size > lua_Number(n))
    fail("Connection.send_bytes: size %g reaches past the string's end", size);
  send_raw(c, "Connection.send_bytes", s + size_t(offset), size_t(size));
  return 0;
}

// recv([timeout]) -> the value
int l_recv(lua_State* L) {
  ConnBox& c = open_conn(L, "Connection.recv", false);
  max_args(L, 1, "Connection.recv", "timeout");
  double timeout = opt_timeout(L, 2, "Connection.recv");
  Message m;
  PipeStatus s = c.ref->recv(c.end, m, timeout);
  if (s != PipeStatus::ok) fail_recv("Connection.recv", s, timeout);
  lua_settop(L, 0);
  try {
    return decode_values(L, m.data(), m.size());
  } catch (const Error& e) {
    fail("Connection.recv: %s (was it sent with send_bytes?)", e.what());
  }
}

// recv_bytes([maxlength [, timeout]]) -> string
int l_recv_bytes(lua_State* L) {
  ConnBox& c = open_conn(L, "Connection.recv_bytes", false);
  max_args(L, 2, "Connection.recv_bytes", "maxlength, timeout");
  lua_Number maxlength = -1;
  if (!lua_isnoneornil(L, 2)) {
    maxlength = luaL_checknumber(L, 2);
    if (maxlength < 0) fail("Connection.recv_bytes: maxlength must be non-negative, got %g", maxlength);
  }
  double timeout = opt_timeout(L, 3, "Connection.recv_bytes");
  Message m;
  PipeStatus s = c.ref->recv(c.end, m, timeout);
  if (s != PipeStatus::ok) fail_recv("Connection.recv_bytes", s, timeout);
  if (maxlength >= 0 && lua_Number(m.size()) > maxlength)
    fail("Connection.recv_bytes: the message (%llu bytes) is longer than maxlength %g; it was dropped",
         (unsigned long long)m.size(), maxlength);
  lua_pushlstring(L, m.data(), m.size());
  return 1;
}

// poll([timeout]) -> true when recv would not block (a message, or EOF). timeout nil/0: look only.
int l_poll(lua_State* L) {
  ConnBox& c = open_conn(L, "Connection.poll", false);
  max_args(L, 1, "Connection.poll", "timeout");
  double timeout = lua_isnoneornil(L, 2) ? 0 : opt_timeout(L, 2, "Connection.poll");
  lua_pushboolean(L, c.ref->poll(c.end, timeout) != PipeStatus::timeout);
  return 1;
}

void close_box(ConnBox& c) {
  if (c.closed) return;
  c.closed = true;
  if (c.holder == my_pid()) c.ref->close_end(c.end);
  std::lock_guard<std::mutex> g(live_mutex);
  live().erase(&c);
}

int l_close(lua_State* L) {
  close_box(box(L, "Connection.close"));
  return 0;
}

int l_gc(lua_State* L) {
  ConnBox* b = test_box<ConnBox>(L, 1);
  if (!b) return 0;
  if (b->ref) close_box(*b);
  b->release();  // an inherited, unused box holds no reference: release() leaves the parent's alone
  drop_kept(*b);
  return 0;
}

// Properties read like Python's attributes: c.closed, c.readable, c.writable (TypeSpec::properties).
int l_index(lua_State* L) {
  ConnBox* b = test_box<ConnBox>(L, 1);
  const char* k = lua_tostring(L, 2);
  if (!b || !k) return 0;
  if (!std::strcmp(k, "closed"))
    lua_pushboolean(L, b->closed);
  else if (!std::strcmp(k, "readable"))
    lua_pushboolean(L, b->ref && b->ref->can_recv(b->end));
  else if (!std::strcmp(k, "writable"))
    lua_pushboolean(L, b->ref && b->ref->can_send(b->end));
  else
    return 0;
  return 1;
}

int l_tostring(lua_State* L) {
  ConnBox* b = test_box<ConnBox>(L, 1);
  if (!b || !b->ref) return lua_pushstring(L, "Connection(released)"), 1;
  lua_pushfstring(L, "Connection(end %d%s%s): %p", b->end,
                  b->ref->duplex() ? ", duplex" : (b->end ? ", writer" : ", reader"),
                  b->closed ? ", closed" : "", static_cast<void*>(b->ref.get()));
  return 1;
}

int l_eq(lua_State* L) {
  ConnBox* a = test_box<ConnBox>(L, 1);
  ConnBox* b = test_box<ConnBox>(L, 2);
  lua_pushboolean(L, a && b && a->ref.get() == b->ref.get() && a->end == b->end);
  return 1;
}

// Pipe([duplex=true]) -> conn1, conn2
int l_pipe(lua_State* L) {
  bool duplex = true;
  if (!lua_isnoneornil(L, 1)) {
    if (!lua_isboolean(L, 1)) fail("Pipe: duplex must be a boolean, got %s", luaL_typename(L, 1));
    duplex = lua_toboolean(L, 1);
  }
  auto p = shm::Ref<Pipe>::create(duplex);
  push_conn(L, p, 0);
  push_conn(L, p, 1);
  return 2;
}

// Transport: "offset:end:pid:start". The message holds the pipe and the end open for the sender until
// the receiver opens the end itself.
int l_handle(lua_State* L) {
  ConnBox& c = box(L, "Connection handle");
  if (c.closed) fail("a closed connection cannot be sent");
  const queue::ProcessId& me = queue::this_process();
  char h[96];
  std::snprintf(h, sizeof h, "%llu:%d:%d:%llu", (unsigned long long)c.ref.offset(), int(c.end), int(me.pid),
                (unsigned long long)me.start);
  c.ref->send_handle(c.end);
  lua_pushstring(L, h);
  return 1;
}
int l_attach(lua_State* L) {
  unsigned long long offset = 0, start = 0;
  int end = -1, pid = 0;
  if (std::sscanf(luaL_checkstring(L, 1), "%llu:%d:%d:%llu", &offset, &end, &pid, &start) != 4 ||
      (end != 0 && end != 1))
    fail("Connection: malformed handle");
  auto ref = shm::Ref<Pipe>::attach(offset);
  push_conn(L, ref, end);
  ref->receive_handle(end, queue::ProcessId{pid, start});
  return 1;
}
int l_is_connection(lua_State* L) {
  lua_pushboolean(L, test_box<ConnBox>(L, 1) != nullptr);
  return 1;
}

const Function kMethods[] = {{"send", l_send},
                             {"recv", l_recv},
                             {"send_bytes", l_send_bytes},
                             {"recv_bytes", l_recv_bytes},
                             {"poll", l_poll},
                             {"close", l_close},
                             {nullptr, nullptr}};
const Function kFunctions[] = {{"Pipe", l_pipe}, {nullptr, nullptr}};
const Function kInternalFunctions[] = {{"connection_handle", l_handle},
                                       {"connection_attach", l_attach},
                                       {"is_connection", l_is_connection},
                                       {nullptr, nullptr}};

const Function kMetamethods[] = {
    {"__gc", l_gc}, {"__eq", l_eq}, {"__tostring", l_tostring}, {nullptr, nullptr}};

void open_pipe(lua_State* L) {
  register_type(L, {kMeta, kMethods, kMetamethods, l_index});
  set_functions(L, kFunctions);
  set_internal_functions(L, kInternalFunctions);
}

}  // namespace
}  // namespace parlab::lua

PARLAB_MODULE(pipe, parlab::lua::open_pipe);
