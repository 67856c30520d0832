-- parlab.connection.wait, as multiprocessing.connection.wait: the ready objects of a list of Pipe ends,
-- queues, processes (their sentinels) and threads; an empty result at the timeout; bad items refused by
-- position. Time bounds here are generous (a loaded 2-core CI machine); latency belongs in bench/.
local T = require "check"
local wait = parlab.connection.wait

T.test("a pipe end is ready when a message is in, and when the other end closed", function()
  local a, b = parlab.Pipe()
  T.eq(#wait({ a }, 0), 0, "nothing to read yet")
  b:send("hello")
  local r = wait({ a }, 5)
  T.ok(r[1] == a)
  T.eq(a:recv(), "hello")
  b:close()
  T.ok(wait({ a }, 5)[1] == a, "end of file is ready, as in Python")
end)

T.test("a queue filled by another process wakes the wait; the others are not in the result", function()
  local q, idle, side = parlab.Queue(), parlab.SimpleQueue(), parlab.JoinableQueue()
  local p = parlab.Process(function(out) parlab.sleep(0.1) out:put(42) end, q)
  p:start()
  local r = wait({ idle, q, side }, 20)
  T.eq(#r, 1)
  T.ok(r[1] == q)
  T.eq(q:get(), 42)
  p:join(20)
end)

T.test("process sentinels: the ended processes come back, in list order", function()
  local procs = {}
  for i = 1, 3 do
    procs[i] = parlab.Process(function(s) parlab.sleep(s) end, i == 2 and 0 or 30)
    procs[i]:start()
  end
  local r = wait({ procs[1].sentinel, procs[2].sentinel, procs[3].sentinel }, 20)
  T.eq(#r, 1)
  T.ok(r[1] == procs[2], "the sentinel is the process object")
  procs[1]:terminate()
  procs[3]:terminate()
  r = wait(procs, 20)
  for i = 1, 3 do procs[i]:join(20) end
  T.ok(#r >= 1)
  T.eq(#wait(procs, 0), 3, "all three have ended")
end)

T.test("threads are ready when they have ended", function()
  local ev = parlab.Event()
  local t1 = parlab.Thread(function(e) e:wait(30) end, ev)
  local t2 = parlab.Thread(function() end)
  t1:start()
  t2:start()
  local r = wait({ t1, t2 }, 20)
  T.eq(#r, 1)
  T.ok(r[1] == t2)
  ev:set()
  t1:join()
  t2:join()
  T.eq(#wait({ t1, t2 }, 0), 2)
end)

T.test("the timeout ends an idle wait with an empty list", function()
  local a = parlab.Pipe()
  local t0 = parlab.clock()
  T.eq(#wait({ a, parlab.Queue() }, 0.2), 0)
  local took = parlab.clock() - t0
  T.ok(took >= 0.19 and took < 5, "took " .. took)
  T.eq(#wait({}, 0), 0, "an empty list with a timeout")
end)

T.test("bad input is refused by name and position", function()
  local a = parlab.Pipe()
  T.raises("connection.wait: expected a list of objects, got string", wait, "x")
  T.raises("connection.wait: timeout must be a number of seconds, got soon", wait, { a }, "soon")
  T.raises("connection.wait: an empty list with no timeout would wait for ever", wait, {})
  T.raises("connection.wait: item 2 is a number", wait, { a, 7 })
  T.raises("connection.wait: item 1 is a table", wait, { {} })
  T.raises("connection.wait: item 1 (a Thread) was never started", wait, { parlab.Thread(function() end) })
  T.raises("connection.wait: item 1 (a Process) was not started", wait, { parlab.Process(function() end) })
  T.raises("Process.sentinel: the process was not started", function() return parlab.Process(print).sentinel end)
end)

T.done()
