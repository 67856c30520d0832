-- parlab.Queue, JoinableQueue, SimpleQueue from Lua: every method, timeout and error path.
local T = require "check"

T.test("put and get keep order and values of every transportable kind", function()
  local q = parlab.Queue()
  local values = { 1, -2.5, "text", true, false, { 1, 2, x = { y = "z" } }, 2 ^ 53, "" }
  for _, v in ipairs(values) do q:put(v) end
  q:put(nil)
  T.eq(q:qsize(), #values + 1)
  for _, v in ipairs(values) do T.eq(q:get(), v) end
  T.eq(q:get(), nil)
  T.ok(q:empty())
  local f = function(x) return x * 2 end
  q:put(f)
  T.eq(q:get()(21), 42)
end)

T.test("get raises Empty when non-blocking or timed out; put raises Full", function()
  local q = parlab.Queue(2)
  T.eq(q:maxsize(), 2)
  T.raises("Queue.get_nowait: Empty", q.get_nowait, q)
  T.raises("Queue.get: Empty", q.get, q, false)
  local t0 = parlab.clock()
  T.raises("Queue.get: Empty: no item arrived within 0.05 s", q.get, q, true, 0.05)
  T.ok(parlab.clock() - t0 >= 0.05)
  T.raises("Empty", q.get, q, 0.01)  -- get(timeout)
  q:put("a")
  q:put_nowait("b")
  T.ok(q:full())
  T.raises("Queue.put_nowait: Full", q.put_nowait, q, "c")
  T.raises("Queue.put: Full", q.put, q, "c", false)
  T.raises("Queue.put: Full: no room within 0.05 s", q.put, q, "c", true, 0.05)
  T.eq(q:get(true, 1), "a")
  T.eq(q:get_nowait(), "b")
  local ok, err = pcall(q.get_nowait, q)
  T.ok(not ok and tostring(err):find(parlab.Empty, 1, true))
end)

T.test("bad arguments name the method and the problem", function()
  local q = parlab.Queue()
  T.raises("Queue: maxsize must be a number", parlab.Queue, "big")
  T.raises("maxsize must be an integer", parlab.Queue, 1.5)
  T.raises("Queue.get: timeout must be a non-negative number", q.get, q, true, -3)
  T.raises("Queue.get: block must be a boolean", q.get, q, "yes")
  T.raises("Queue.put: expected a value to put", q.put, q)
  T.raises("Queue.put: timeout must be a number", q.put, q, 1, true, "soon")
  T.raises("Queue.qsize: expected a queue as self", q.qsize, 42)
  T.raises("Queue.get: expected a queue as self", q.get, {})
end)

T.test("extra arguments are refused, naming the method and how many it takes; nils still count", function()
  local q = parlab.Queue()
  T.raises("Queue.put: takes at most 3 arguments (item, block, timeout), got 4", q.put, q, 1, 2, 3, 4)
  T.raises("Queue.put: a number in the block position is the timeout; give block as a boolean when a "
    .. "timeout follows, got a number after it", q.put, q, 1, 2, 3)
  T.raises("Queue.get: a number in the block position is the timeout", q.get, q, 0.1, 1)
  T.raises("Queue.put: takes at most 3 arguments (item, block, timeout), got 4", q.put, q, 1, true, nil, nil)
  T.raises("Queue.get: takes at most 2 arguments (block, timeout), got 3", q.get, q, true, 1, 2)
  T.raises("Queue.put_nowait: takes at most 1 argument (item), got 2", q.put_nowait, q, 1, 2)
  T.raises("Queue.get_nowait: takes no arguments, got 1", q.get_nowait, q, true)
  T.eq(q:qsize(), 0, "a refused put puts nothing")
  q:put(nil)
  q:put("x", true, nil)
  q:put("y", 1)
  q:put_nowait(nil)
  T.eq(q:qsize(), 4)
  T.eq(q:get(), nil)
  T.eq(q:get(true, nil), "x")
  T.eq(q:get(1), "y")
  T.eq(q:get_nowait(), nil)
  local j = parlab.JoinableQueue()
  T.raises("Queue.put: takes at most 3 arguments", j.put, j, 1, true, 1, 2)
  local s = parlab.SimpleQueue()
  T.raises("SimpleQueue.put: takes at most 1 argument (item), got 2", s.put, s, 1, 2)
  T.raises("SimpleQueue.get: takes at most 1 argument (timeout), got 2", s.get, s, 1, 2)
  s:put(nil)
  T.eq(s:get(), nil)
end)

T.test("a value that cannot travel is refused with its path; the queue stays usable", function()
  local q = parlab.Queue()
  local err = T.raises("Queue.put: cannot send item[1].co: a coroutine", q.put, q,
    { co = coroutine.create(print) })
  T.ok(tostring(err):find("coroutine"), err)
  T.raises("Queue.put: cannot send item[1]", q.put, q, newproxy())
  T.ok(q:empty())
  q:put(1)
  T.eq(q:get(), 1)
end)

T.test("close: put raises Closed, get drains then raises Closed instead of hanging", function()
  local q = parlab.Queue()
  q:put("left")
  T.ok(not q:is_closed())
  q:close()
  T.ok(q:is_closed())
  T.raises("Queue.put: Closed", q.put, q, 1)
  T.eq(q:get(), "left")
  T.raises("Queue.get: Closed: the queue is closed and empty", q.get, q)
  T.raises("Closed", q.get_nowait, q)
end)

T.test("JoinableQueue: task_done and join with timeout", function()
  local q = parlab.JoinableQueue()
  T.eq(q:join(0), true)
  T.raises("JoinableQueue.task_done: task_done() called more times", q.task_done, q)
  q:put(1)
  q:put(2)
  T.eq(q:join(0.02), false)
  q:get()
  q:task_done()
  T.eq(q:join(0.01), false)
  q:get()
  q:task_done()
  T.eq(q:join(), true)
  T.raises("JoinableQueue.join: timeout must be", q.join, q, "x")
  T.eq(parlab.Queue().task_done, nil)  -- only joinable queues have it
end)

T.test("SimpleQueue has put, get, empty, close", function()
  local q = parlab.SimpleQueue()
  q:put({ 1, 2 })
  T.ok(not q:empty())
  T.eq(q:get(), { 1, 2 })
  T.raises("SimpleQueue.get: Empty", q.get, q, 0.01)
  T.eq(q.put_nowait, nil)
  T.eq(q.qsize, nil)
  q:close()
  T.raises("SimpleQueue.put: Closed", q.put, q, 1)
  T.ok(tostring(q):find("SimpleQueue"))
end)

T.test("a queue travels through the transport as a handle to the same queue", function()
  local q = parlab.Queue()
  local s = parlab.transport.encode(q)
  local q2 = parlab.transport.decode(s)
  T.ok(q2 == q)
  q2:put("via copy")
  T.eq(q:get(), "via copy")
  local outer = parlab.Queue()
  outer:put(parlab.JoinableQueue())
  local inner = outer:get()
  inner:put(7)
  T.eq(inner:get(), 7)
  inner:task_done()
  T.ok(inner:join(0))
end)

T.test("a 100 MB string goes through intact", function()
  local q = parlab.Queue()
  local big = string.rep("0123456789abcdef", 100 * 2 ^ 20 / 16)
  q:put(big)
  local got = q:get()
  T.eq(#got, #big)
  T.ok(got == big)
end)

T.test("big strings travel intact among other values: several, shared, at the size limit, beside code", function()
  -- Strings of 64 KiB and more are copied into the queue from where they lie (spliced), smaller ones with
  -- the rest of the message; a message with code is signed and goes whole.
  local limit = 64 * 1024
  local a, b = string.rep("a", limit), string.rep("b", limit - 1)
  local c = string.rep("0123456789", 300000)
  local q = parlab.Queue()
  local item = { a, b, c, x = { deep = c, n = 7 }, a, tail = "t" }
  q:put(item)
  local got = q:get()
  T.ok(got[1] == a and got[2] == b and got[3] == c and got[4] == a, "array part")
  T.ok(got.x.deep == c and got.x.n == 7 and got.tail == "t", "hash part")
  q:put({ f = function(s) return #s end, s = c })
  local signed = q:get()
  T.eq(signed.f(signed.s), #c)
  q:put(c) q:put("") q:put(b)
  T.ok(q:get() == c) T.eq(q:get(), "") T.ok(q:get() == b)
  -- and to another process, which sends them back the same way
  local back = parlab.Queue()
  local p = parlab.Process(function(inq, outq) outq:put(inq:get()) end, q, back)
  p:start()
  q:put({ c, a, c })
  local echoed = back:get(30)
  p:join()
  T.ok(echoed[1] == c and echoed[2] == a and echoed[3] == c, "through a child")
end)

local forked = T.forked
local function wait_ok(pid) return T.wait_status(pid) == 0 end

T.test("forked producers and consumers: exact totals, no loss or duplication", function()
  local q, results = parlab.Queue(100), parlab.Queue()
  local producers, consumers, each = 2, 2, 20000
  local kids = {}
  for p = 1, producers do
    kids[#kids + 1] = forked(function() for i = 1, each do q:put(p * 1e6 + i) end end)
  end
  local readers = {}
  for _ = 1, consumers do
    readers[#readers + 1] = forked(function()
      local sum, n = 0, 0
      while true do
        local ok, v = pcall(q.get, q)
        if not ok then break end
        sum, n = sum + v, n + 1
      end
      results:put({ sum, n })
    end)
  end
  for _, pid in ipairs(kids) do T.ok(wait_ok(pid)) end
  q:close()
  local sum, n = 0, 0
  for _ = 1, consumers do
    local r = results:get(true, 30)
    sum, n = sum + r[1], n + r[2]
  end
  for _, pid in ipairs(readers) do T.ok(wait_ok(pid)) end
  local want = 0
  for p = 1, producers do want = want + each * p * 1e6 + each * (each + 1) / 2 end
  T.eq(n, producers * each)
  T.eq(sum, want)
end)

T.test("close(true) drops what is left: gets fail at once, join() returns, a bounded queue has room again", function()
  local q = parlab.Queue(3)
  for i = 1, 3 do q:put(i) end
  T.eq(q:close(true), 3, "three items dropped")
  T.raises("Queue.get: Closed: the queue is closed and empty", q.get, q)
  T.eq(q:qsize(), 0)
  T.eq(q:full(), false)
  T.raises("Queue.put: Closed", q.put, q, 4)
  T.eq(q:close(true), 0, "a second close drops nothing")
  local j = parlab.JoinableQueue()
  for i = 1, 4 do j:put(i) end
  T.eq(j:get(), 1)
  j:task_done()
  T.eq(j:close(true), 3)
  T.ok(j:join(5), "the dropped items count as done")
  local waiting = parlab.Queue()
  local t = parlab.Thread(function(qq) return pcall(qq.get, qq, 30) end, waiting):start()
  parlab.sleep(0.05)
  waiting:close(true)
  T.eq(t:join(10), false, "a blocked get wakes and fails")
  T.raises("Queue.close: immediate must be true or false, got number", q.close, q, 1)
end)

T.test("close while producers put: every put that succeeded is read once (no item left behind at close)", function()
  -- Found by the CPython port (test_shutdown_all_methods_in_many_threads): a put that had passed its closed
  -- check pushed after every reader had seen "closed and empty" and left, 2 rounds in 30.
  for round = 1, 12 do
    local q, got, put = parlab.Queue(), parlab.Value("i64", 0), parlab.Value("i64", 0)
    local producers, readers = {}, {}
    for w = 1, 3 do
      producers[w] = parlab.thread.start(function(qq, count, base)
        for i = 1, 1e6 do
          if not pcall(qq.put, qq, base + i) then return end
          count:add(1)
        end
      end, q, put, w * 1e7)
      readers[w] = parlab.thread.start(function(qq, count)
        while pcall(qq.get, qq) do count:add(1) end
      end, q, got)
    end
    parlab.sleep(0.02)
    q:close()
    for w = 1, 3 do
      producers[w]:join(30)
      readers[w]:join(30)
    end
    T.eq(got:get(), put:get(), "round " .. round)
  end
end)


T.test("a forged, stale or malformed queue handle is refused, never followed", function()
  local q = require("parlab.internal").queue
  local real = parlab.Queue()
  local h = q.handle(real)  -- holds a reference while it travels, as a message would
  local offset, flavor, serial = h:match("^(%d+):(%d+):(%d+)$")
  T.ok(offset, "the handle carries the object's serial: " .. h)
  local other = serial:sub(1, -2) .. (serial:sub(-1) == "7" and "3" or "7")  -- another object's serial
  T.raises("freed", q.attach, ("%s:%s:%s"):format(offset, flavor, other))
  T.raises("malformed handle", q.attach, offset .. ":" .. flavor)
  T.raises("malformed handle", q.attach, h .. "x")
  local back = q.attach(h)  -- the real handle still works, and takes the travelling reference
  back:put("through the handle")
  T.eq(real:get(), "through the handle")
end)

T.done()
