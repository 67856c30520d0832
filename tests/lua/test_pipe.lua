-- parlab.Pipe from Lua: both directions, bytes, poll, close, EOF (closed and dead peer), errors.
local T = require "check"
local internal = require "parlab.internal"
local ffi = require "ffi"

ffi.cdef [[ int kill(int, int); unsigned sleep(unsigned); ]]
local forked, wait_status = T.forked, T.wait_status

T.test("a duplex pipe sends values both ways", function()
  local a, b = parlab.Pipe()
  a:send({ 1, "two", { three = 3 } })
  b:send("back")
  T.eq(b:recv(), { 1, "two", { three = 3 } })
  T.eq(a:recv(), "back")
  a:send(nil)
  T.eq(b:recv(), nil)
  T.ok(a.readable and a.writable and not a.closed)
end)

T.test("send_bytes and recv_bytes carry raw bytes, with offset, size and maxlength", function()
  local a, b = parlab.Pipe()
  a:send_bytes("hello\0world")
  T.eq(b:recv_bytes(), "hello\0world")
  a:send_bytes("0123456789", 2, 3)
  T.eq(b:recv_bytes(), "234")
  a:send_bytes("")
  T.eq(b:recv_bytes(), "")
  a:send_bytes("too long")
  T.raises("Connection.recv_bytes: the message (8 bytes) is longer than maxlength 4", b.recv_bytes, b, 4)
  T.raises("Connection.send_bytes: expected a string", a.send_bytes, a, 42)
  T.raises("offset 11 is outside", a.send_bytes, a, "0123456789", 11)
  T.raises("reaches past the string's end", a.send_bytes, a, "0123456789", 5, 6)
  local big = string.rep("x", 8 * 2 ^ 20) .. "end"
  a:send_bytes(big)
  T.ok(b:recv_bytes() == big)
end)

T.test("send carries big strings (copied once, from where they lie) among other values and beside code", function()
  local a, b = parlab.Pipe()
  local big, edge = string.rep("0123456789", 700000), string.rep("e", 64 * 1024)
  a:send({ big, edge, n = 3, again = big })
  local got = b:recv()
  T.ok(got[1] == big and got[2] == edge and got.again == big and got.n == 3)
  a:send({ f = function(s) return #s end, s = big })  -- signed: goes whole
  local signed = b:recv()
  T.eq(signed.f(signed.s), #big)
  a:send(big)
  T.ok(b:recv() == big)
  a:close() b:close()
end)

T.test("poll looks or waits; recv with a timeout raises Timeout", function()
  local a, b = parlab.Pipe()
  T.eq(b:poll(), false)
  local t0 = parlab.clock()
  T.eq(b:poll(0.05), false)
  T.ok(parlab.clock() - t0 >= 0.05)
  T.raises("Connection.recv: Timeout: nothing arrived within 0.05 s", b.recv, b, 0.05)
  a:send(1)
  T.eq(b:poll(), true)
  T.eq(b:poll(1), true)
  T.eq(b:recv(), 1)
  T.raises("Connection.poll: timeout must be a number", b.poll, b, "soon")
  T.raises("Connection.recv: timeout must be a non-negative number", b.recv, b, -2)
end)

T.test("extra arguments are refused, naming the method and how many it takes", function()
  local a, b = parlab.Pipe()
  T.raises("Connection.send: takes at most 1 argument (obj), got 3", a.send, a, 1, 2, 3)
  T.raises("Connection.send_bytes: takes at most 3 arguments (buf, offset, size), got 4", a.send_bytes, a,
    "abc", 0, 1, 2)
  T.raises("Connection.recv: takes at most 1 argument (timeout), got 2", b.recv, b, 1, 2)
  T.raises("Connection.recv_bytes: takes at most 2 arguments (maxlength, timeout), got 3", b.recv_bytes, b,
    10, 1, 2)
  T.raises("Connection.poll: takes at most 1 argument (timeout), got 2", b.poll, b, 0, 1)
  T.eq(b:poll(), false, "a refused send sends nothing")
  a:send(nil)
  T.eq(b:recv(nil), nil)
  a:close()
  b:close()
end)

T.test("a one-way pipe: Pipe(false) gives reader, writer", function()
  local r, w = parlab.Pipe(false)
  T.ok(r.readable and not r.writable)
  T.ok(w.writable and not w.readable)
  T.raises("Connection.send: this connection is read-only", r.send, r, 1)
  T.raises("Connection.recv: this connection is write-only", w.recv, w)
  T.raises("Connection.send_bytes: this connection is read-only", r.send_bytes, r, "x")
  w:send("one way")
  T.eq(r:recv(), "one way")
  T.raises("Pipe: duplex must be a boolean", parlab.Pipe, "no")
end)

T.test("after close: own use raises, the peer reads what was sent then gets EOFError", function()
  local a, b = parlab.Pipe()
  a:send("last words")
  a:close()
  T.ok(a.closed)
  a:close()  -- twice is fine
  T.raises("Connection.send: the connection is closed", a.send, a, 1)
  T.raises("Connection.recv: the connection is closed", a.recv, a)
  T.eq(b:poll(), true)
  T.eq(b:recv(), "last words")
  T.eq(b:poll(), true)  -- recv would not block: it raises EOF
  T.raises("Connection.recv: EOFError: the other end is closed", b.recv, b)
  T.raises("EOFError", b.recv_bytes, b)
  T.raises("Connection.send: BrokenPipeError", b.send, b, "anyone?")
end)

T.test("a value that cannot travel is refused with its path", function()
  local a, b = parlab.Pipe()
  T.raises("Connection.send: cannot send value[1].f: a coroutine", a.send, a, { f = coroutine.create(print) })
  T.eq(b:poll(), false)
  a:send_bytes("not a transport message")
  T.raises("Connection.recv:", b.recv, b)
end)

T.test("a connection travels as a handle; closing the sender's copy after sending keeps the end open", function()
  local a, b = parlab.Pipe()
  local q = parlab.Queue()
  q:put(b)
  b:close()  -- the message in the queue still holds the end
  local b2 = q:get()
  T.eq(a:poll(), false)  -- no EOF: b2 holds the end
  b2:send("through the copy")
  T.eq(a:recv(), "through the copy")
  b2:close()
  T.raises("EOFError", a.recv, a)
  local c = parlab.Pipe()
  c:close()
  T.raises("a closed connection cannot be sent", q.put, q, c)
end)

T.test("a forked child talks over an inherited pipe; its exit gives EOF", function()
  local a, b = parlab.Pipe()
  local pid = forked(function()
    a:close()
    for _ = 1, 1000 do b:send(b:recv() + 1) end
    b:send("bye")
  end)
  b:close()  -- the parent's copy: the child holds its own from the fork
  for i = 1, 1000 do
    a:send(i)
    T.eq(a:recv(), i + 1)
  end
  T.eq(a:recv(), "bye")
  T.raises("EOFError", a.recv, a, 10)  -- the child exited (via _exit, without closing)
  T.eq(wait_status(pid), 0)
end)

T.test("recv raises EOFError when the peer process is killed, never hangs", function()
  local a, b = parlab.Pipe()
  local pid = forked(function()
    a:close()
    b:send("alive")
    ffi.C.sleep(60)
  end)
  b:close()
  T.eq(a:recv(10), "alive")
  T.raises("Timeout", a.recv, a, 0.1)  -- alive and silent
  ffi.C.kill(pid, 9)
  local t0 = parlab.clock()
  T.raises("EOFError: the process holding the other end exited or died", a.recv, a, 30)
  T.ok(parlab.clock() - t0 < 5)
  wait_status(pid)
end)

T.test("no arena bytes are left after pipes and queues are dropped", function()
  collectgarbage()
  collectgarbage()
  local before = internal.queue.arena_used()
  do
    local a, b = parlab.Pipe()
    for i = 1, 200 do a:send(string.rep("m", i * 10)) end
    local q = parlab.JoinableQueue(5)
    for i = 1, 5 do q:put({ i, string.rep("y", 1000) }) end
    b:recv()
    q:get()
  end
  collectgarbage()
  collectgarbage()
  T.eq(internal.queue.arena_used(), before)
end)

T.done()
