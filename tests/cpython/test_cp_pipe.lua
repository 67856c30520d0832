-- CPython's connection tests (Lib/test/_test_multiprocessing.py: _TestConnection, _TestPoll) ported to
-- parlab.Pipe. parlab's connections are shared-memory ends (docs/queues.md): recv takes a timeout, EOF and
-- broken pipes are errors containing EOFError and BrokenPipeError, and a peer that dies is seen as EOF.
local H = require "cp_harness"
local A = H.A
local case = H.case

-- An echo child: returns whatever it receives, bytes as bytes, until EOF.
local function echo(conn)
  while true do
    local ok, msg = pcall(conn.recv_bytes, conn)
    if not ok then break end
    conn:send_bytes(msg)
  end
  conn:close()
end

-- _test_multiprocessing._TestConnection.test_connection: objects and bytes to an echo child and back
case("_test_multiprocessing._TestConnection.test_connection", function()
  local conn, child = parlab.Pipe()
  local p = parlab.Process(function(c)
    while true do
      local ok, v = pcall(c.recv, c)
      if not ok then break end
      c:send(v)
    end
  end, child)
  p.daemon = true
  p:start()
  child:close()
  local seq = { 1, 2.25, nil }
  conn:send(seq)
  A.list(conn:recv(10), { 1, 2.25 })
  conn:send("hello")
  A.eq(conn:recv(10), "hello")
  local big = string.rep("x", 1048576)
  conn:send(big)
  A.eq(conn:recv(10), big)
  conn:close()
  A.eq(p:join(10), true)
end)

-- _test_multiprocessing._TestConnection.test_connection (bytes, offsets and maxlength)
case("_test_multiprocessing._TestConnection.test_sendbytes", function()
  local conn, child = parlab.Pipe()
  local p = parlab.Process(echo, child)
  p:start()
  child:close()
  local msg = "abcdefghijklmnopqrstuvwxyz"
  conn:send_bytes(msg)
  A.eq(conn:recv_bytes(), msg)
  conn:send_bytes(msg, 0)
  A.eq(conn:recv_bytes(), msg)
  conn:send_bytes(msg, 10)
  A.eq(conn:recv_bytes(), msg:sub(11))
  conn:send_bytes(msg, 10, 10)
  A.eq(conn:recv_bytes(), msg:sub(11, 20))
  conn:send_bytes(msg, 26)
  A.eq(conn:recv_bytes(), "")
  A.ok(not pcall(conn.send_bytes, conn, msg, 27), "offset past the end")
  A.ok(not pcall(conn.send_bytes, conn, msg, 10, 30), "size past the end")
  A.ok(not pcall(conn.send_bytes, conn, msg, -1), "negative offset")
  conn:close()
  p:join(10)
end)

-- _test_multiprocessing._TestConnection.test_connection: recv_bytes(maxlength) refuses a longer message
case("_test_multiprocessing._TestConnection.test_connection (maxlength)", function()
  local a, b = parlab.Pipe()
  a:send_bytes("0123456789")
  A.ok(not pcall(b.recv_bytes, b, 5), "a message longer than maxlength")
  a:send_bytes("0123")
  A.eq(b:recv_bytes(5), "0123")
end)

-- _test_multiprocessing._TestConnection.test_connection: poll
case("_test_multiprocessing._TestPoll.test_empty_string", function()
  local a, b = parlab.Pipe()
  A.eq(a:poll(), false)
  b:send_bytes("")
  A.eq(a:poll(), true)
  A.eq(a:poll(), true, "poll does not consume")
  A.eq(a:recv_bytes(), "")
  A.eq(a:poll(), false)
end)

-- _test_multiprocessing._TestPoll.test_strings: messages of several sizes, polled then read in order
case("_test_multiprocessing._TestPoll.test_strings", function()
  local a, b = parlab.Pipe()
  local strings = { "hello", "", "a", "b", "", "bye", "", "lop" }
  local p = parlab.Process(function(c, strings)
    for _, s in ipairs(strings) do c:send_bytes(s) end
  end, b, strings)
  p:start()
  for _, s in ipairs(strings) do
    A.eq(a:poll(10), true)
    A.eq(a:recv_bytes(), s)
  end
  p:join(10)
end)

-- _test_multiprocessing._TestPoll.test_strings: poll with a timeout waits about that long
case("_test_multiprocessing._TestPoll.test_strings (poll timeout)", function()
  local a = parlab.Pipe()
  local dt, r = A.timed(a.poll, a, 0.2)
  A.eq(r, false)
  A.between(dt, 0.15, 5)
end)

-- _test_multiprocessing._TestConnection.test_duplex_false
case("_test_multiprocessing._TestConnection.test_duplex_false", function()
  local reader, writer = parlab.Pipe(false)
  writer:send(1)
  A.eq(reader:recv(), 1)
  A.eq(reader.readable, true) A.eq(reader.writable, false)
  A.eq(writer.readable, false) A.eq(writer.writable, true)
  A.raises("read-only", reader.send, reader, 2)
  A.ok(not pcall(writer.recv, writer, 0.01), "recv on the writer")
end)

-- _test_multiprocessing._TestConnection.test_spawn_close: the child closes its end, the parent sees EOF
case("_test_multiprocessing._TestConnection.test_spawn_close", function()
  local conn, child = parlab.Pipe()
  local p = parlab.Process(function(c) c:send("closing") c:close() end, child)
  p:start()
  child:close()
  A.eq(conn:recv(10), "closing")
  A.raises("EOFError", conn.recv, conn, 10)
  p:join(10)
end)

-- _test_multiprocessing._TestConnection.test_connection: operations on a closed connection fail
case("_test_multiprocessing._TestConnection.test_connection (closed ends)", function()
  local a, b = parlab.Pipe()
  A.eq(a.closed, false)
  a:close()
  A.eq(a.closed, true)
  a:close()  -- twice is fine
  A.raises("closed", a.send, a, 1)
  A.raises("closed", a.recv, a)
  A.raises("BrokenPipeError", b.send, b, 1)
  A.raises("EOFError", b.recv, b, 1)
end)

-- _test_multiprocessing._TestConnection.test_connection: EOF after the queued messages are read
case("_test_multiprocessing._TestConnection.test_connection (EOF after the messages)", function()
  local a, b = parlab.Pipe()
  b:send(1) b:send(2)
  b:close()
  A.eq(a:recv(1), 1)
  A.eq(a:recv(1), 2)
  A.raises("EOFError", a.recv, a, 1)
end)

-- _test_multiprocessing._TestConnection.test_spawn_close: a peer killed without closing is seen as EOF (where Python's
-- recv hangs unless every copy of the descriptor was closed; docs/queues.md)
case("_test_multiprocessing._TestConnection.test_spawn_close (peer killed)", function()
  local a, b = parlab.Pipe()
  local p = parlab.Process(function(c) c:send("up") parlab.sleep(60) end, b)
  p:start()
  b:close()
  A.eq(a:recv(10), "up")
  p:kill()
  p:join(10)
  A.raises("EOFError", a.recv, a, 10)
end)

-- _test_multiprocessing._TestConnection.test_context: connections travel through a queue
case("_test_multiprocessing._TestConnection.test_context", function()
  local a, b = parlab.Pipe()
  local q = parlab.Queue()
  q:put(b)
  b:close()
  local t = parlab.thread.start(function(q) local c = q:get(10) c:send(c:recv(10) * 2) c:close() end, q)
  a:send(21)
  A.eq(a:recv(10), 42)
  t:join(10)
end)

-- _test_multiprocessing._TestConnection.test_connection: recv(timeout) gives up (parlab addition)
case("_test_multiprocessing._TestConnection.test_connection (recv timeout)", function()
  local a = parlab.Pipe()
  local dt = A.timed(function() A.raises("Timeout", a.recv, a, 0.2) end)
  A.between(dt, 0.15, 5)
end)

-- _test_multiprocessing._TestConnection.test_sendbytes: a value that cannot travel is refused
case("_test_multiprocessing._TestConnection.test_sendbytes (a value that cannot travel)", function()
  local a, b = parlab.Pipe()
  A.raises("cannot send", a.send, a, coroutine.create(print))
  a:send("after")
  A.eq(b:recv(1), "after")
end)

H.run("test_cp_pipe")
