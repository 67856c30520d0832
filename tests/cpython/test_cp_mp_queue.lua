-- multiprocessing's queue tests (Lib/test/_test_multiprocessing.py: _TestQueue, TestSimpleQueue) ported to
-- parlab.Queue, JoinableQueue and SimpleQueue shared with child processes. parlab's close() closes the queue
-- for everyone (docs/queues.md); Python's exceptions are error texts containing Empty, Full, Closed.
local H = require "cp_harness"
local A = H.A
local case = H.case

-- _test_multiprocessing._TestQueue.test_put: a bounded queue between processes
case("_test_multiprocessing._TestQueue.test_put", function()
  local q = parlab.Queue(6)
  local child_can_start, parent_can_continue = parlab.Event(), parlab.Event()
  local p = parlab.Process(function(q, go, back)
    go:wait()
    for _ = 1, 6 do q:get() end
    back:set()
  end, q, child_can_start, parent_can_continue)
  p.daemon = true
  p:start()
  A.eq(q:empty(), true)
  q:put(1) q:put(2, true) q:put(3, true, nil) q:put(4, false) q:put(5, false, nil) q:put_nowait(6)
  A.eq(q:qsize(), 6)
  A.eq(q:full(), true)
  local dt = A.timed(function() A.raises("Full", q.put, q, 7, false) end)
  A.ok(dt < 1, "put(false) on a full queue returned at once")
  dt = A.timed(function() A.raises("Full", q.put, q, 7, true, 0.2) end)
  A.between(dt, 0.15, 5, "put(true, 0.2) waited its timeout")
  child_can_start:set()
  A.eq(parent_can_continue:wait(10), true)
  A.eq(q:empty(), true)
  A.eq(p:join(10), true)
  A.eq(p.exitcode, 0)
end)

-- _test_multiprocessing._TestQueue.test_get: items a child put, every get form
case("_test_multiprocessing._TestQueue.test_get", function()
  local q, go, back = parlab.Queue(), parlab.Event(), parlab.Event()
  local p = parlab.Process(function(q, go, back)
    go:wait()
    for i = 2, 5 do q:put(i) end
    back:set()
  end, q, go, back)
  p:start()
  A.eq(q:empty(), true)
  go:set()
  A.eq(back:wait(10), true)
  parlab.sleep(0.05)
  A.eq(q:get(), 2) A.eq(q:get(true), 3) A.eq(q:get(true, nil), 4) A.eq(q:get(false), 5)
  A.eq(q:empty(), true)
  A.raises("Empty", q.get, q, false)
  local dt = A.timed(function() A.raises("Empty", q.get, q, true, 0.2) end)
  A.between(dt, 0.15, 5)
  A.eq(p:join(10), true)
end)

-- _test_multiprocessing._TestQueue.test_fork: items put before a child starts reach it, and back
case("_test_multiprocessing._TestQueue.test_fork", function()
  local q = parlab.Queue()
  for i = 0, 9 do q:put(i) end
  parlab.sleep(0.05)
  local p = parlab.Process(function(q) for i = 10, 19 do q:put(i) end end, q)
  p:start()
  for i = 0, 19 do A.eq(q:get(true, 5), i) end
  A.eq(p:join(10), true)
  A.raises("Empty", q.get, q, false)
end)

-- _test_multiprocessing._TestQueue.test_qsize
case("_test_multiprocessing._TestQueue.test_qsize", function()
  local q = parlab.Queue()
  A.eq(q:qsize(), 0)
  q:put(1) A.eq(q:qsize(), 1)
  q:put(5) A.eq(q:qsize(), 2)
  q:get() A.eq(q:qsize(), 1)
  q:get() A.eq(q:qsize(), 0)
end)

-- _test_multiprocessing._TestQueue.test_task_done: four worker processes drain a JoinableQueue
case("_test_multiprocessing._TestQueue.test_task_done", function()
  local q, total = parlab.JoinableQueue(), parlab.Value("i64", 0)
  local ps = {}
  for i = 1, 4 do
    ps[i] = parlab.Process(function(q, total)
      for x in function() return q:get() end do
        total:add(x)
        q:task_done()
      end
    end, q, total)
    ps[i]:start()
  end
  for i = 1, 10 do q:put(i) end
  A.eq(q:join(10), true)
  A.eq(total:get(), 55)
  for _ = 1, 4 do q:put(nil) end
  for i = 1, 4 do A.eq(ps[i]:join(10), true) end
end)

-- _test_multiprocessing._TestQueue.test_timeout
case("_test_multiprocessing._TestQueue.test_timeout", function()
  local q = parlab.Queue()
  local dt = A.timed(function() A.raises("Empty", q.get, q, true, 0.2) end)
  A.between(dt, 0.15, 5)
end)

-- _test_multiprocessing._TestQueue.test_queue_feeder_donot_stop_onexc: a value that cannot travel is
-- refused at put (Python fails in the feeder thread) and the queue goes on working
case("_test_multiprocessing._TestQueue.test_queue_feeder_donot_stop_onexc", function()
  local q = parlab.Queue()
  A.raises("cannot send", q.put, q, { f = coroutine.create(print) })
  q:put(true)
  A.eq(q:get(true, 1), true)
end)

-- _test_multiprocessing._TestQueue.test_closed_queue_put_get_exceptions
case("_test_multiprocessing._TestQueue.test_closed_queue_put_get_exceptions", function()
  local q = parlab.Queue()
  q:close()
  A.raises("Queue.put: Closed", q.put, q, "foo")
  A.raises("Queue.get: Closed", q.get, q)
end)

-- _test_multiprocessing._TestQueue.test_empty: empty() seen from another process
case("_test_multiprocessing._TestQueue.test_empty", function()
  local q = parlab.Queue()
  A.eq(q:empty(), true)
  local p = parlab.Process(function(q) q:put("x") end, q)
  p:start()
  A.eq(p:join(10), true)
  A.eq(q:empty(), false)
  A.eq(q:get(), "x")
  A.eq(q:empty(), true)
end)

-- _test_multiprocessing.TestSimpleQueue.test_empty: a SimpleQueue between processes
case("_test_multiprocessing.TestSimpleQueue.test_empty", function()
  local q, back = parlab.SimpleQueue(), parlab.SimpleQueue()
  A.eq(q:empty(), true)
  local p = parlab.Process(function(q, back)
    back:put(q:empty())
    q:put("item")
  end, q, back)
  p:start()
  A.eq(back:get(5), true)
  A.eq(q:get(5), "item")
  A.eq(p:join(10), true)
  A.eq(q:empty(), true)
end)

-- _test_multiprocessing.TestSimpleQueue.test_close
case("_test_multiprocessing.TestSimpleQueue.test_close", function()
  local q = parlab.SimpleQueue()
  q:close()
  q:close()  -- closing twice is allowed, as in Python
  A.raises("Closed", q.put, q, 1)
end)

H.run("test_cp_mp_queue")
