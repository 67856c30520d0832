-- CPython's tests of the waiting objects (Lib/test/lock_tests.py: EventTests, ConditionTests,
-- SemaphoreTests, BoundedSemaphoreTests, BarrierTests, run by test_threading) ported to parlab.Event,
-- Condition, Semaphore, BoundedSemaphore and Barrier. parlab's `with` is obj:with(fn); a broken Barrier is
-- an error text containing "broken" (Python's BrokenBarrierError), docs/sync.md.
local H = require "cp_harness"
local A = H.A
local case = H.case

-- lock_tests.EventTests.test_is_set
case("lock_tests.EventTests.test_is_set", function()
  local ev = parlab.Event()
  A.eq(ev:is_set(), false)
  ev:set() A.eq(ev:is_set(), true)
  ev:set() A.eq(ev:is_set(), true)
  ev:clear() A.eq(ev:is_set(), false)
  ev:clear() A.eq(ev:is_set(), false)
end)

-- lock_tests.EventTests.test_notify: every waiter wakes, wait returns true
case("lock_tests.EventTests.test_notify", function()
  local ev = parlab.Event()
  local join = A.bunch(5, function(_, ev) return ev:wait(10) end, ev)
  parlab.sleep(0.05)
  ev:set()
  local r = join()
  for i = 1, 5 do A.eq(r[i], true) end
  ev:clear()
  join = A.bunch(3, function(_, ev) return ev:wait(10) end, ev)
  parlab.sleep(0.05)
  ev:set()
  r = join()
  for i = 1, 3 do A.eq(r[i], true, "after clear and set again") end
end)

-- lock_tests.EventTests.test_timeout
case("lock_tests.EventTests.test_timeout", function()
  local ev = parlab.Event()
  local dt, r = A.timed(ev.wait, ev, 0.2)
  A.eq(r, false)
  A.between(dt, 0.15, 5)
  ev:set()
  A.eq(ev:wait(0), true)
  A.eq(ev:wait(0.5), true)
end)

-- lock_tests.EventTests.test_set_and_clear: waiters see a set that is cleared right after
case("lock_tests.EventTests.test_set_and_clear", function()
  local ev = parlab.Event()
  local join = A.bunch(5, function(_, ev) return ev:wait(10) end, ev)
  parlab.sleep(0.1)
  ev:set()
  ev:clear()
  local r = join()
  for i = 1, 5 do A.eq(r[i], true) end
end)

-- lock_tests.ConditionTests.test_acquire: a Condition's default lock is an RLock
case("lock_tests.ConditionTests.test_acquire", function()
  local cond = parlab.Condition()
  cond:acquire() cond:acquire()
  cond:release() cond:release()
  local lock = parlab.Lock()
  cond = parlab.Condition(lock)
  cond:acquire()
  A.eq(cond:acquire(false), false, "a Lock under the condition is not reentrant")
  cond:release()
  A.eq(lock:locked(), false)
end)

-- lock_tests.ConditionTests.test_unacquired_wait
case("lock_tests.ConditionTests.test_unacquired_wait", function()
  local cond = parlab.Condition()
  A.ok(not pcall(cond.wait, cond, 0.01))
end)

-- lock_tests.ConditionTests.test_unacquired_notify
case("lock_tests.ConditionTests.test_unacquired_notify", function()
  local cond = parlab.Condition()
  A.ok(not pcall(cond.notify, cond))
end)

-- lock_tests.ConditionTests.test_notify: notify(n) wakes n waiters, notify_all the rest
case("lock_tests.ConditionTests.test_notify", function()
  local cond, waiting, woken = parlab.Condition(), parlab.Value("i64", 0), parlab.Value("i64", 0)
  local join = A.bunch(5, function(_, cond, waiting, woken)
    cond:with(function()
      waiting:add(1)
      A.eq(cond:wait(10), true)
      woken:add(1)
    end)
  end, cond, waiting, woken)
  while waiting:get() < 5 do parlab.sleep(0.005) end
  parlab.sleep(0.05)
  A.eq(woken:get(), 0)
  cond:with(function() cond:notify(3) end)
  local t0 = parlab.clock()
  while woken:get() < 3 and parlab.clock() - t0 < 5 do parlab.sleep(0.005) end
  parlab.sleep(0.05)
  A.eq(woken:get(), 3, "notify(3)")
  cond:with(function() cond:notify_all() end)
  join()
  A.eq(woken:get(), 5)
end)

-- lock_tests.ConditionTests.test_timeout
case("lock_tests.ConditionTests.test_timeout", function()
  local cond = parlab.Condition()
  local dt, r = A.timed(function() return cond:with(function() return cond:wait(0.2) end) end)
  A.eq(r, false)
  A.between(dt, 0.15, 5)
end)

-- lock_tests.ConditionTests.test_waitfor
case("lock_tests.ConditionTests.test_waitfor", function()
  local cond, state = parlab.Condition(), parlab.Value("i64", 0)
  local t = parlab.thread.start(function(cond, state)
    return cond:with(function() return cond:wait_for(function() return state:get() == 4 end) end)
  end, cond, state)
  for _ = 1, 4 do
    parlab.sleep(0.02)
    cond:with(function() state:add(1) cond:notify() end)
  end
  A.eq(t:join(10), true)
end)

-- lock_tests.ConditionTests.test_waitfor_timeout
case("lock_tests.ConditionTests.test_waitfor_timeout", function()
  local cond = parlab.Condition()
  local dt, r = A.timed(function()
    return cond:with(function() return cond:wait_for(function() return false end, 0.1) end)
  end)
  A.eq(r, false)
  A.between(dt, 0.08, 5)
end)

-- lock_tests.SemaphoreTests.test_constructor
case("lock_tests.SemaphoreTests.test_constructor", function()
  A.ok(not pcall(parlab.Semaphore, -1))
  A.eq(parlab.Semaphore(0):get_value(), 0)
  A.eq(parlab.Semaphore(2):get_value(), 2)
end)

-- lock_tests.SemaphoreTests.test_default_value
case("lock_tests.SemaphoreTests.test_default_value", function()
  local s = parlab.Semaphore()
  A.eq(s:acquire(false), true)
  A.eq(s:acquire(false), false)
  s:release()
end)

-- lock_tests.SemaphoreTests.test_acquire: counts down to 0, then refuses
case("lock_tests.SemaphoreTests.test_acquire", function()
  local s = parlab.Semaphore(3)
  A.eq(s:acquire(), true) A.eq(s:acquire(), true) A.eq(s:acquire(), true)
  A.eq(s:acquire(false), false)
  s:release() s:release() s:release()
  A.eq(s:get_value(), 3)
end)

-- lock_tests.SemaphoreTests.test_acquire_contended: only as many threads pass as releases
case("lock_tests.SemaphoreTests.test_acquire_contended", function()
  local s, passed = parlab.Semaphore(0), parlab.Value("i64", 0)
  local join = A.bunch(6, function(_, s, passed) A.eq(s:acquire(10), true) passed:add(1) end, s, passed)
  parlab.sleep(0.05)
  A.eq(passed:get(), 0)
  s:release(2)
  local t0 = parlab.clock()
  while passed:get() < 2 and parlab.clock() - t0 < 5 do parlab.sleep(0.005) end
  parlab.sleep(0.05)
  A.eq(passed:get(), 2)
  s:release(4)
  join()
  A.eq(passed:get(), 6)
end)

-- lock_tests.SemaphoreTests.test_multirelease
case("lock_tests.SemaphoreTests.test_multirelease", function()
  local s = parlab.Semaphore(0)
  s:release(3)
  A.eq(s:get_value(), 3)
  for _ = 1, 3 do A.eq(s:acquire(false), true) end
  A.eq(s:acquire(false), false)
end)

-- lock_tests.SemaphoreTests.test_acquire_timeout
case("lock_tests.SemaphoreTests.test_acquire_timeout", function()
  local s = parlab.Semaphore(2)
  A.eq(s:acquire(false), true) A.eq(s:acquire(true, 0.01), true)
  local dt, r = A.timed(s.acquire, s, true, 0.2)
  A.eq(r, false)
  A.between(dt, 0.15, 5)
end)

-- lock_tests.SemaphoreTests.test_with
case("lock_tests.SemaphoreTests.test_with", function()
  local s = parlab.Semaphore(2)
  A.eq(s:with(function() return s:with(function() return s:acquire(false) end) end), false)
  A.eq(s:get_value(), 2)
end)

-- lock_tests.BoundedSemaphoreTests.test_release_unacquired
case("lock_tests.BoundedSemaphoreTests.test_release_unacquired", function()
  local s = parlab.BoundedSemaphore(2)
  A.ok(not pcall(s.release, s))
  s:acquire()
  s:release()
  A.ok(not pcall(s.release, s))
  A.eq(s:get_value(), 2)
end)

-- lock_tests.BarrierTests.test_barrier: 5 threads pass two rounds together
case("lock_tests.BarrierTests.test_barrier", function()
  local b, before, after = parlab.Barrier(5), parlab.Value("i64", 0), parlab.Value("i64", 0)
  A.bunch(5, function(_, b, before, after)
    for round = 1, 2 do
      before:add(1)
      b:wait(10)
      A.ok(before:get() >= 5 * round, "a thread left the barrier before all arrived")
      after:add(1)
      b:wait(10)
    end
  end, b, before, after)()
  A.eq(after:get(), 10)
end)

-- lock_tests.BarrierTests.test_wait_return: the indices are 0..n-1, each once
case("lock_tests.BarrierTests.test_wait_return", function()
  local b = parlab.Barrier(5)
  local r = A.bunch(5, function(_, b) return b:wait(10) end, b)()
  local seen = {}
  for i = 1, 5 do seen[r[i]] = true end
  for i = 0, 4 do A.ok(seen[i], "index " .. i) end
end)

-- lock_tests.BarrierTests.test_action: the action runs once per round
case("lock_tests.BarrierTests.test_action", function()
  local ran = parlab.Value("i64", 0)
  local b = parlab.Barrier(3, function() ran:add(1) end)
  A.bunch(3, function(_, b) b:wait(10) b:wait(10) end, b)()
  A.eq(ran:get(), 2)
end)

-- lock_tests.BarrierTests.test_abort: abort breaks the barrier for the waiters
case("lock_tests.BarrierTests.test_abort", function()
  local b = parlab.Barrier(3)
  local join = A.bunch(2, function(_, b)
    local ok, err = pcall(b.wait, b, 10)
    return ok and "passed" or tostring(err)
  end, b)
  parlab.sleep(0.1)
  b:abort()
  local r = join()
  for i = 1, 2 do A.ok(r[i]:find("broken", 1, true), r[i]) end
  A.eq(b.broken, true)
  A.raises("broken", b.wait, b, 1)
end)

-- lock_tests.BarrierTests.test_reset: reset mends a broken barrier
case("lock_tests.BarrierTests.test_reset", function()
  local b = parlab.Barrier(2)
  b:abort()
  A.eq(b.broken, true)
  b:reset()
  A.eq(b.broken, false)
  local r = A.bunch(2, function(_, b) return b:wait(10) end, b)()
  A.eq(r[1] + r[2], 1)
end)

-- lock_tests.BarrierTests.test_timeout: a wait that times out breaks the barrier
case("lock_tests.BarrierTests.test_timeout", function()
  local b = parlab.Barrier(2)
  local dt = A.timed(function() A.raises("Barrier.wait", b.wait, b, 0.1) end)
  A.between(dt, 0.05, 5)
  A.eq(b.broken, true)
end)

-- lock_tests.BarrierTests.test_default_timeout: the barrier's own timeout applies
case("lock_tests.BarrierTests.test_default_timeout", function()
  local b = parlab.Barrier(2, 0.1)
  A.raises("Barrier.wait", b.wait, b)
  A.eq(b.broken, true)
end)

-- lock_tests.BarrierTests.test_single_thread
case("lock_tests.BarrierTests.test_single_thread", function()
  local b = parlab.Barrier(1)
  A.eq(b:wait(), 0)
  A.eq(b:wait(), 0)
  A.eq(b.parties, 1)
  A.eq(b.n_waiting, 0)
end)

H.run("test_cp_sync")
