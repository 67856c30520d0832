-- CPython's queue tests (Lib/test/test_queue.py) and multiprocessing's queue tests (_TestQueue,
-- TestSimpleQueue in Lib/test/_test_multiprocessing.py), ported to parlab.Queue, JoinableQueue and
-- SimpleQueue. Python's queue.Queue.shutdown() is parlab's close() (docs/queues.md: close closes the queue
-- for everyone); Python's exceptions are parlab's error texts containing Empty, Full, Closed.
local H = require "cp_harness"
local A = H.A
local case = H.case

-- BlockingTestMixin.do_blocking_test: block_fn must block until a thread, 0.1 s later, runs trigger(q).
local function blocking(q, block_fn, trigger)
  local started = parlab.Event()
  local t = parlab.Thread(function(q, started, trigger)
    parlab.sleep(0.1)
    started:set()
    trigger(q)
  end, q, started, trigger)
  t:start()
  local r = block_fn()
  A.ok(started:is_set(), "the blocking call returned before the trigger ran")
  t:join()
  return r
end

-- BaseQueueTestMixin.basic_queue_test, in parts.
local function basic(q)
  A.ok(q:empty() and not q:full(), "a fresh queue is empty, not full")
  q:put(111) q:put(333) q:put(222)
  A.eq(q:get(), 111) A.eq(q:get(), 333) A.eq(q:get(), 222)
  for i = 1, 4 do q:put(i) A.ok(q:qsize() > 0) end
  A.ok(not q:full())
  q:put(10)
  A.ok(q:full() and not q:empty())
  A.raises("Full", q.put, q, 30, false)
  A.raises("Full", q.put, q, 30, true, 0.01)
  for _ = 1, 5 do q:get() end
  A.eq(q:qsize(), 0)
  A.raises("Empty", q.get, q, false)
  A.raises("Empty", q.get, q, true, 0.01)
end

-- test_queue.BaseQueueTestMixin.test_basic (done twice on the same queue, as CPython does)
case("test_queue.BaseQueueTestMixin.test_basic", function()
  local q = parlab.Queue(5)
  basic(q)
  basic(q)
end)

-- test_queue.BaseQueueTestMixin.test_basic: FIFO order
case("test_queue.BaseQueueTestMixin.test_basic (fifo order)", function()
  local q = parlab.Queue()
  for i = 1, 100 do q:put(i * 3) end
  for i = 1, 100 do A.eq(q:get(), i * 3) end
end)

-- test_queue.BaseQueueTestMixin.test_basic: a blocking put on a full queue waits for a get
case("test_queue.BaseQueueTestMixin.test_basic (blocking put)", function()
  local q = parlab.Queue(1)
  q:put("first")
  blocking(q, function() q:put("full") end, function(q) q:get() end)
  A.eq(q:get(), "full")
end)

-- test_queue.BaseQueueTestMixin.test_basic: put(full, True, 10) is unblocked well before its timeout
case("test_queue.BaseQueueTestMixin.test_basic (blocking put with timeout)", function()
  local q = parlab.Queue(1)
  q:put("first")
  local dt = A.timed(blocking, q, function() q:put("full", true, 10) end, function(q) q:get() end)
  A.ok(dt < 5, "put waited for its timeout")
  A.eq(q:qsize(), 1)
end)

-- test_queue.BaseQueueTestMixin.test_basic: a blocking get waits for a put
case("test_queue.BaseQueueTestMixin.test_basic (blocking get)", function()
  local q = parlab.Queue(5)
  A.eq(blocking(q, function() return q:get() end, function(q) q:put("empty") end), "empty")
end)

-- test_queue.BaseQueueTestMixin.test_basic: get(True, 10) is unblocked by a put
case("test_queue.BaseQueueTestMixin.test_basic (blocking get with timeout)", function()
  local q = parlab.Queue(5)
  A.eq(blocking(q, function() return q:get(true, 10) end, function(q) q:put("empty") end), "empty")
end)

-- test_queue.BaseQueueTestMixin.test_queue_task_done
case("test_queue.BaseQueueTestMixin.test_queue_task_done", function()
  local q = parlab.JoinableQueue()
  A.raises("task_done() called more times than there were items", q.task_done, q)
end)

-- test_queue.BaseQueueTestMixin.test_queue_join: two workers sum 0..99; join returns once all are done
case("test_queue.BaseQueueTestMixin.test_queue_join", function()
  local q, cum = parlab.JoinableQueue(), parlab.Value("i64", 0)
  for _ = 1, 2 do  -- queue_join_test twice on the same queue
    cum:set(0)
    local workers = {}
    for w = 1, 2 do
      workers[w] = parlab.thread.start(function(q, cum)
        while true do
          local x = q:get()
          if x < 0 then q:task_done() return end
          cum:add(x)
          q:task_done()
        end
      end, q, cum)
    end
    for i = 0, 99 do q:put(i) end
    A.eq(q:join(10), true)
    A.eq(cum:get(), 4950, "join returned before every task was done")
    q:put(-1) q:put(-1)
    A.eq(q:join(10), true, "a second join")
    for w = 1, 2 do workers[w]:join() end
  end
  A.raises("task_done() called more times", q.task_done, q)
end)

-- test_queue.BaseQueueTestMixin.test_negative_timeout_raises_exception
case("test_queue.BaseQueueTestMixin.test_negative_timeout_raises_exception", function()
  local q = parlab.Queue(5)
  A.raises("Queue.put", q.put, q, 1, true, -0.5)
  A.raises("Queue.get", q.get, q, true, -0.5)
end)

-- test_queue.BaseQueueTestMixin.test_nowait
case("test_queue.BaseQueueTestMixin.test_nowait", function()
  local q = parlab.Queue(5)
  for _ = 1, 5 do q:put_nowait(1) end
  A.raises("Full", q.put_nowait, q, 1)
  for _ = 1, 5 do A.eq(q:get_nowait(), 1) end
  A.raises("Empty", q.get_nowait, q)
end)

-- test_queue.BaseQueueTestMixin.test_shrinking_queue (the first half: parlab's maxsize is fixed, so
-- there is no shrinking to port; q:maxsize() is a method)
case("test_queue.BaseQueueTestMixin.test_shrinking_queue", function()
  local q = parlab.Queue(3)
  q:put(1) q:put(2) q:put(3)
  A.raises("Full", q.put_nowait, q, 4)
  A.eq(q:qsize(), 3)
  A.eq(q:maxsize(), 3)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_empty (shutdown() is close())
case("test_queue.BaseQueueTestMixin.test_shutdown_empty", function()
  local q = parlab.Queue()
  q:close()
  A.raises("Closed", q.put, q, "data")
  A.raises("Closed", q.get, q)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_nonempty
case("test_queue.BaseQueueTestMixin.test_shutdown_nonempty", function()
  local q = parlab.Queue()
  q:put("data")
  q:close()
  A.eq(q:get(), "data")
  A.raises("Closed", q.get, q)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_immediate
case("test_queue.BaseQueueTestMixin.test_shutdown_immediate", function()
  local q = parlab.Queue()
  q:put("data")
  q:close(true)
  A.raises("Closed", q.get, q)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_allowed_transitions (is_shutdown is is_closed())
case("test_queue.BaseQueueTestMixin.test_shutdown_allowed_transitions", function()
  local q = parlab.Queue()
  A.eq(q:is_closed(), false)
  q:close()
  A.eq(q:is_closed(), true)
  q:close()
  A.eq(q:is_closed(), true)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_all_methods_in_one_thread
case("test_queue.BaseQueueTestMixin.test_shutdown_all_methods_in_one_thread", function()
  local q = parlab.JoinableQueue(2)
  q:put("L")
  q:put_nowait("O")
  q:close()
  A.raises("Closed", q.put, q, "E")
  A.raises("Closed", q.put_nowait, q, "W")
  local a = q:get() q:task_done()
  local b = q:get() q:task_done()
  A.eq(a .. b, "LO")
  A.eq(q:join(5), true)
  A.raises("Closed", q.get, q)
  A.raises("Closed", q.get_nowait, q)
  A.raises("Closed", q.get, q, true, 1.0)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_pending_get: a get blocked on an empty queue wakes and fails
case("test_queue.BaseQueueTestMixin.test_shutdown_pending_get", function()
  local q = parlab.Queue()
  local t = parlab.thread.start(function(q)
    local ok, err = pcall(q.get, q)
    return ok, tostring(err)
  end, q)
  parlab.sleep(0.1)
  q:close()
  local ok, err = t:join(10)
  A.eq(ok, false)
  A.ok(err:find("Closed", 1, true), err)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_get: three getters, two items, then shutdown: two get an
-- item, one gets Closed
case("test_queue.BaseQueueTestMixin.test_shutdown_get", function()
  local q, go = parlab.Queue(2), parlab.Event()
  q:put("Y") q:put("D")
  local ts = {}
  for i = 1, 3 do
    ts[i] = parlab.thread.start(function(q, go)
      go:wait(10)
      local ok, v = pcall(q.get, q)
      return ok and v or (tostring(v):find("Closed", 1, true) and "closed" or tostring(v))
    end, q, go)
  end
  q:close()
  go:set()
  local got = {}
  for i = 1, 3 do got[#got + 1] = ts[i]:join(10) end
  table.sort(got)
  A.eq(table.concat(got, " "), "D Y closed")
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_get_task_done_join: getters call task_done, joiners return
case("test_queue.BaseQueueTestMixin.test_shutdown_get_task_done_join", function()
  local q, go = parlab.JoinableQueue(2), parlab.Event()
  q:put("Y") q:put("D")
  local ts = {}
  for _ = 1, 2 do
    ts[#ts + 1] = parlab.thread.start(function(q, go) go:wait(10) q:get() q:task_done() return true end, q, go)
  end
  for _ = 1, 2 do
    ts[#ts + 1] = parlab.thread.start(function(q) return q:join(10) end, q)
  end
  go:set()
  q:close()
  for i = 1, 4 do A.eq(ts[i]:join(10), true, "thread " .. i) end
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_put: a put blocked on a full queue wakes and fails
case("test_queue.BaseQueueTestMixin.test_shutdown_put", function()
  local q = parlab.Queue(1)
  q:put("x")
  local t = parlab.thread.start(function(q)
    local ok, err = pcall(q.put, q, "y")
    return ok, tostring(err)
  end, q)
  parlab.sleep(0.1)
  q:close()
  local ok, err = t:join(10)
  A.eq(ok, false)
  A.ok(err:find("Closed", 1, true), err)
  A.eq(q:get(), "x")
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_all_methods_in_many_threads: producers put until the
-- queue is shut, readers read until it is shut and drained; every item put is read exactly once
case("test_queue.BaseQueueTestMixin.test_shutdown_all_methods_in_many_threads", function()
  local q, got, put = parlab.Queue(), parlab.Value("i64", 0), parlab.Value("i64", 0)
  local ts = {}
  for w = 1, 3 do
    ts[#ts + 1] = parlab.thread.start(function(q, put, w)
      for i = 1, 1e6 do
        if not pcall(q.put, q, w * 1e7 + i) then return "closed" end
        put:add(1)
      end
    end, q, put, w)
  end
  local readers = {}
  for r = 1, 3 do
    readers[r] = parlab.thread.start(function(q, got)
      while true do
        local ok, err = pcall(q.get, q)
        if not ok then return tostring(err):find("Closed", 1, true) ~= nil end
        got:add(1)
      end
    end, q, got)
  end
  parlab.sleep(0.1)
  q:close()
  for _, t in ipairs(ts) do A.eq(t:join(10), "closed") end
  for r = 1, 3 do A.eq(readers[r]:join(10), true) end
  A.eq(got:get(), put:get())
  A.ok(put:get() > 0)
end)

-- test_queue.BaseQueueTestMixin.test_shutdown_join: join returns once the items left at shutdown are done
case("test_queue.BaseQueueTestMixin.test_shutdown_join", function()
  local q = parlab.JoinableQueue()
  q:put(1) q:put(2)
  q:close()
  local t = parlab.thread.start(function(q)
    parlab.sleep(0.1)
    q:get() q:task_done()
    q:get() q:task_done()
  end, q)
  A.eq(q:join(10), true)
  t:join()
end)

-- test_queue.BaseSimpleQueueTest.test_basic (parlab's SimpleQueue is multiprocessing's: put, get, empty
-- and close, no qsize or *_nowait)
case("test_queue.BaseSimpleQueueTest.test_basic", function()
  local q = parlab.SimpleQueue()
  A.eq(q:empty(), true)
  q:put(1) q:put(2)
  A.eq(q:empty(), false)
  A.eq(q:get(), 1) A.eq(q:get(), 2)
  A.eq(q:empty(), true)
  A.raises("Empty", q.get, q, 0.01)
end)

-- test_queue.BaseSimpleQueueTest.test_negative_timeout_raises_exception
case("test_queue.BaseSimpleQueueTest.test_negative_timeout_raises_exception", function()
  local q = parlab.SimpleQueue()
  q:put(1)
  A.raises("SimpleQueue.get", q.get, q, -0.5)
end)

-- test_queue.BaseSimpleQueueTest.test_order: one producer thread, one consumer, order kept
case("test_queue.BaseSimpleQueueTest.test_order", function()
  local q = parlab.SimpleQueue()
  local t = parlab.thread.start(function(q)
    for i = 0, 99 do
      q:put(i)
      if i % 7 == 0 then parlab.sleep(0.0005) end
    end
    q:put(-1)
  end, q)
  local k = 0
  while true do
    local v = q:get(10)
    if v == -1 then break end
    A.eq(v, k)
    k = k + 1
  end
  A.eq(k, 100)
  t:join()
end)

-- test_queue.BaseSimpleQueueTest.test_order (values of every kind travel in order)
case("test_queue.BaseSimpleQueueTest.test_order (kinds of values)", function()
  local q = parlab.SimpleQueue()
  local inputs = { 5, "x", 3.5, true, { 1, 2 } }
  for _, v in ipairs(inputs) do q:put(v) end
  for i = 1, 4 do A.eq(q:get(), inputs[i]) end
  A.list(q:get(), { 1, 2 })
end)

-- test_queue.BaseSimpleQueueTest.test_many_threads: 4 producers, 4 consumers, every item once
case("test_queue.BaseSimpleQueueTest.test_many_threads", function()
  local q, out = parlab.SimpleQueue(), parlab.SimpleQueue()
  local ps, cs = {}, {}
  for p = 0, 3 do
    ps[#ps + 1] = parlab.thread.start(function(q, p) for i = 1, 500 do q:put(p * 500 + i) end end, q, p)
  end
  for _ = 1, 4 do
    cs[#cs + 1] = parlab.thread.start(function(q, out)
      local s = 0
      while true do
        local v = q:get()
        if v == -1 then break end
        s = s + v
      end
      out:put(s)
    end, q, out)
  end
  for _, t in ipairs(ps) do t:join() end
  for _ = 1, 4 do q:put(-1) end
  for _, t in ipairs(cs) do t:join() end
  local total = 0
  for _ = 1, 4 do total = total + out:get(1) end
  A.eq(total, 2000 * 2001 / 2)
end)

-- test_queue.BaseSimpleQueueTest.test_many_threads_timeout: consumers poll with get(timeout)
case("test_queue.BaseSimpleQueueTest.test_many_threads_timeout", function()
  local q = parlab.SimpleQueue()
  local c = parlab.thread.start(function(q)
    local n, s = 0, 0
    while n < 300 do
      local ok, v = pcall(q.get, q, 0.001)
      if ok then n, s = n + 1, s + v end
    end
    return s
  end, q)
  for i = 1, 300 do
    q:put(i)
    if i % 50 == 0 then parlab.sleep(0.01) end
  end
  A.eq(c:join(10), 300 * 301 / 2)
end)

-- test_queue.LifoQueueTest.test_basic: last in, first out
case("test_queue.LifoQueueTest.test_basic", function()
  local q = parlab.LifoQueue(5)
  q:put(111) q:put(333) q:put(222)
  A.eq(q:get(), 222) A.eq(q:get(), 333) A.eq(q:get(), 111)
end)

-- test_queue.PriorityQueueTest.test_basic: smallest first
case("test_queue.PriorityQueueTest.test_basic", function()
  local q = parlab.PriorityQueue(5)
  q:put(111) q:put(333) q:put(222)
  A.eq(q:get(), 111) A.eq(q:get(), 222) A.eq(q:get(), 333)
end)

H.run("test_cp_queue")
