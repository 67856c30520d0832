-- multiprocessing's tests of its synchronisation objects across processes (Lib/test/_test_multiprocessing.py:
-- _TestLock, _TestSemaphore, _TestCondition, _TestEvent, _TestBarrier) ported to parlab's shared Lock,
-- RLock, Semaphore, Condition, Event and Barrier, each one object in the shared arena (docs/sync.md).
local H = require "cp_harness"
local A = H.A
local case = H.case

-- _test_multiprocessing._TestLock.test_lock (multiprocessing.Lock semantics)
case("_test_multiprocessing._TestLock.test_lock", function()
  local lock = parlab.Lock()
  A.eq(lock:acquire(), true)
  A.eq(lock:acquire(false), false)
  lock:release()
  A.ok(not pcall(lock.release, lock))
end)

-- _test_multiprocessing._TestLock.test_rlock
case("_test_multiprocessing._TestLock.test_rlock", function()
  local lock = parlab.RLock()
  A.eq(lock:acquire(), true) A.eq(lock:acquire(), true) A.eq(lock:acquire(), true)
  lock:release() lock:release() lock:release()
  A.ok(not pcall(lock.release, lock))
end)

-- _test_multiprocessing._TestLock.test_lock_context / a lock held by another process
case("_test_multiprocessing._TestLock.test_lock_context", function()
  local lock, go = parlab.Lock(), parlab.Event()
  lock:acquire()
  local q = parlab.Queue()
  local p = parlab.Process(function(lock, q, go)
    q:put(lock:acquire(false))
    go:wait(10)
    q:put(lock:acquire(true, 5))
    lock:release()
  end, lock, q, go)
  p:start()
  A.eq(q:get(10), false)
  lock:release()
  go:set()
  A.eq(q:get(10), true)
  p:join(10)
end)

-- _test_multiprocessing._TestSemaphore.test_semaphore / test_timeout across processes
case("_test_multiprocessing._TestSemaphore.test_semaphore", function()
  local s = parlab.Semaphore(2)
  A.eq(s:get_value(), 2)
  s:acquire()
  local p = parlab.Process(function(s) s:acquire() end, s)
  p:start()
  p:join(10)
  A.eq(s:get_value(), 0)
  local dt, r = A.timed(s.acquire, s, true, 0.2)
  A.eq(r, false)
  A.between(dt, 0.15, 5)
  s:release(2)
  A.eq(s:get_value(), 2)
end)

-- _test_multiprocessing._TestCondition.test_notify: a waiter in another process
case("_test_multiprocessing._TestCondition.test_notify", function()
  local cond, sleeping, woken = parlab.Condition(), parlab.Semaphore(0), parlab.Semaphore(0)
  local p = parlab.Process(function(cond, sleeping, woken)
    cond:acquire()
    sleeping:release()
    cond:wait(10)
    woken:release()
    cond:release()
  end, cond, sleeping, woken)
  p:start()
  A.eq(sleeping:acquire(10), true)
  parlab.sleep(0.05)
  A.eq(woken:get_value(), 0)
  cond:with(function() cond:notify() end)
  A.eq(woken:acquire(10), true)
  A.eq(p:join(10), true)
end)

-- _test_multiprocessing._TestCondition.test_wait_result: wait returns true when notified
case("_test_multiprocessing._TestCondition.test_wait_result", function()
  local cond, ready = parlab.Condition(), parlab.Event()
  local p = parlab.Process(function(cond, ready)
    ready:wait(10)
    parlab.sleep(0.05)
    cond:with(function() cond:notify() end)
  end, cond, ready)
  local r = cond:with(function()
    A.eq(cond:wait(0.05), false)
    p:start()
    ready:set()
    return cond:wait(10)
  end)
  A.eq(r, true)
  p:join(10)
end)

-- _test_multiprocessing._TestEvent.test_event: set by a child
case("_test_multiprocessing._TestEvent.test_event", function()
  local ev = parlab.Event()
  A.eq(ev:is_set(), false)
  A.eq(ev:wait(0), false)
  local p = parlab.Process(function(ev) parlab.sleep(0.1) ev:set() end, ev)
  p:start()
  A.eq(ev:wait(10), true)
  A.eq(ev:is_set(), true)
  p:join(10)
  ev:clear()
  A.eq(ev:is_set(), false)
end)

-- _test_multiprocessing._TestBarrier.test_barrier: threads and processes at one barrier
case("_test_multiprocessing._TestBarrier.test_barrier", function()
  local b, count = parlab.Barrier(4), parlab.Value("i64", 0)
  local ps = {}
  for i = 1, 3 do
    ps[i] = parlab.Process(function(b, count) b:wait(10) count:add(1) b:wait(10) end, b, count)
    ps[i]:start()
  end
  b:wait(10)
  b:wait(10)
  A.eq(count:get(), 3, "every child passed the first round before the second ended")
  for i = 1, 3 do A.eq(ps[i]:join(10), true) A.eq(ps[i].exitcode, 0) end
end)

-- Starts n processes running fn(i, ...); returns them.
local function procs(n, fn, ...)
  local ps = {}
  for i = 1, n do
    ps[i] = parlab.Process(fn, i, ...)
    ps[i]:start()
  end
  return ps
end

local function join_all(ps)
  for i = 1, #ps do A.eq(ps[i]:join(10), true) A.eq(ps[i].exitcode, 0, "child " .. i) end
end

-- Waiters in child processes: each takes the condition, counts itself asleep, waits, counts itself woken.
local function sleeper(_, cond, sleeping, woken)
  cond:acquire()
  sleeping:release()
  cond:wait(10)
  woken:release()
  cond:release()
end

-- Polls until sem's value reaches n (or 5 s pass); returns the value.
local function reaches(sem, n)
  local t0 = parlab.clock()
  while sem:get_value() < n and parlab.clock() - t0 < 5 do parlab.sleep(0.005) end
  parlab.sleep(0.05)
  return sem:get_value()
end

-- _test_multiprocessing._TestCondition.test_notify_all
case("_test_multiprocessing._TestCondition.test_notify_all", function()
  local cond, sleeping, woken = parlab.Condition(), parlab.Semaphore(0), parlab.Semaphore(0)
  local ps = procs(3, sleeper, cond, sleeping, woken)
  A.eq(reaches(sleeping, 3), 3)
  A.eq(woken:get_value(), 0)
  cond:with(function() cond:notify_all() end)
  A.eq(reaches(woken, 3), 3)
  join_all(ps)
end)

-- _test_multiprocessing._TestCondition.test_notify_n
case("_test_multiprocessing._TestCondition.test_notify_n", function()
  local cond, sleeping, woken = parlab.Condition(), parlab.Semaphore(0), parlab.Semaphore(0)
  local ps = procs(4, sleeper, cond, sleeping, woken)
  A.eq(reaches(sleeping, 4), 4)
  cond:with(function() cond:notify(2) end)
  A.eq(reaches(woken, 2), 2, "notify(2) woke two")
  cond:with(function() cond:notify(5) end)  -- more than are waiting
  A.eq(reaches(woken, 4), 4)
  join_all(ps)
end)

-- _test_multiprocessing._TestCondition.test_waitfor: a child waits for a state the parent steps through
case("_test_multiprocessing._TestCondition.test_waitfor", function()
  local cond, state, result = parlab.Condition(), parlab.Value("i", -1), parlab.Value("?", false)
  local p = parlab.Process(function(cond, state, result)
    cond:with(function()
      result.value = cond:wait_for(function() return state.value == 0 end, 10) and true or false
      result.value = result.value and cond:wait_for(function() return state.value == 4 end, 10) and true or false
    end)
  end, cond, state, result)
  p:start()
  for i = 0, 4 do
    parlab.sleep(0.02)
    cond:with(function() state.value = i cond:notify() end)
  end
  A.eq(p:join(10), true)
  A.eq(result.value, true)
end)

-- _test_multiprocessing._TestCondition.test_waitfor_timeout: the predicate never holds in time
case("_test_multiprocessing._TestCondition.test_waitfor_timeout", function()
  local cond, state, q = parlab.Condition(), parlab.Value("i", 0), parlab.Queue()
  local p = parlab.Process(function(cond, state, q)
    local t0 = parlab.clock()
    local r = cond:with(function() return cond:wait_for(function() return state.value == 4 end, 0.2) end)
    q:put({ r, parlab.clock() - t0 })
  end, cond, state, q)
  p:start()
  for _ = 1, 3 do
    parlab.sleep(0.02)
    cond:with(function() state.value = state.value + 1 cond:notify() end)
  end
  local r = q:get(10)
  A.eq(r[1], false)
  A.between(r[2], 0.15, 5)
  p:join(10)
end)

-- _test_multiprocessing._TestEvent.test_event: several children wait for one set
case("_test_multiprocessing._TestEvent.test_event (many waiters)", function()
  local ev, passed = parlab.Event(), parlab.Semaphore(0)
  local ps = procs(3, function(_, ev, passed) if ev:wait(10) then passed:release() end end, ev, passed)
  parlab.sleep(0.05)
  A.eq(passed:get_value(), 0)
  ev:set()
  join_all(ps)
  A.eq(passed:get_value(), 3)
end)

-- _test_multiprocessing._TestBarrier.test_action: the action runs once per round, in some party
case("_test_multiprocessing._TestBarrier.test_action", function()
  local ran = parlab.Value("i", 0)
  local b = parlab.Barrier(3, function() ran:add(1) end)
  local ps = procs(2, function(_, b) b:wait(10) b:wait(10) end, b)
  b:wait(10)
  b:wait(10)
  join_all(ps)
  A.eq(ran.value, 2)
end)

-- _test_multiprocessing._TestBarrier.test_abort: a child aborts, the parent's wait fails
case("_test_multiprocessing._TestBarrier.test_abort", function()
  local b = parlab.Barrier(3)
  local p = parlab.Process(function(b) parlab.sleep(0.1) b:abort() end, b)
  p:start()
  A.raises("broken", b.wait, b, 10)
  A.eq(b.broken, true)
  p:join(10)
end)

-- _test_multiprocessing._TestBarrier.test_wait_return: indices 0..n-1 across processes
case("_test_multiprocessing._TestBarrier.test_wait_return", function()
  local b, q = parlab.Barrier(3), parlab.Queue()
  local ps = procs(2, function(_, b, q) q:put(b:wait(10)) end, b, q)
  local seen = { [b:wait(10)] = true }
  seen[q:get(10)] = true
  seen[q:get(10)] = true
  join_all(ps)
  A.ok(seen[0] and seen[1] and seen[2], "each index once")
end)

-- _test_multiprocessing._TestLock.test_lock_context: a child that dies holding a Lock (Python's waiters
-- hang; parlab's acquire fails naming the holder, docs/sync.md)
case("_test_multiprocessing._TestLock.test_lock (holder died)", function()
  local lock = parlab.Lock()
  local p = parlab.Process(function(lock) lock:acquire() os.exit(0) end, lock)
  p:start()
  p:join(10)
  A.raises("ended without releasing it", lock.acquire, lock, true, 5)
end)

H.run("test_cp_mp_sync")
