-- CPython's lock tests (Lib/test/lock_tests.py: BaseLockTests, LockTests, RLockTests, run by test_threading
-- on threading's locks) ported to parlab.Lock and parlab.RLock. parlab's `with` is lock:with(fn);
-- acquire(false, t) follows multiprocessing.synchronize (the timeout is ignored, docs/sync.md).
local H = require "cp_harness"
local A = H.A
local case = H.case

-- lock_tests.BaseLockTests.test_acquire_release
case("lock_tests.LockTests.test_acquire_release", function()
  local lock = parlab.Lock()
  A.eq(lock:acquire(), true)
  A.eq(lock:locked(), true)
  lock:release()
  A.eq(lock:locked(), false)
end)

-- lock_tests.BaseLockTests.test_try_acquire
case("lock_tests.LockTests.test_try_acquire", function()
  local lock = parlab.Lock()
  A.eq(lock:acquire(false), true)
  A.eq(lock:acquire(false), false)
  lock:release()
end)

-- lock_tests.BaseLockTests.test_try_acquire_contended
case("lock_tests.LockTests.test_try_acquire_contended", function()
  local lock = parlab.Lock()
  lock:acquire()
  local join = A.bunch(1, function(_, lock) return lock:acquire(false) end, lock)
  A.eq(join()[1], false)
  lock:release()
end)

-- lock_tests.BaseLockTests.test_acquire_contended: waiters block until the release
case("lock_tests.LockTests.test_acquire_contended", function()
  local lock, got = parlab.Lock(), parlab.Value("i64", 0)
  lock:acquire()
  local join = A.bunch(5, function(_, lock, got)
    lock:acquire()
    got:add(1)
    lock:release()
  end, lock, got)
  parlab.sleep(0.1)
  A.eq(got:get(), 0, "a waiter got through a held lock")
  lock:release()
  join()
  A.eq(got:get(), 5)
end)

-- lock_tests.BaseLockTests.test_with: with releases on return and on error
case("lock_tests.LockTests.test_with", function()
  local lock = parlab.Lock()
  A.eq(lock:with(function(a, b) A.eq(lock:locked(), true) return a + b end, 2, 3), 5)
  A.eq(lock:locked(), false)
  A.raises("inside with", lock.with, lock, function() error("inside with") end)
  A.eq(lock:locked(), false, "the error released the lock")
end)

-- lock_tests.BaseLockTests.test_thread_leak: many threads acquire and release in turn
case("lock_tests.LockTests.test_thread_leak", function()
  local lock = parlab.Lock()
  A.bunch(15, function(_, lock) lock:acquire() lock:release() end, lock)()
  A.eq(lock:locked(), false)
end)

-- lock_tests.BaseLockTests.test_timeout
case("lock_tests.LockTests.test_timeout", function()
  local lock = parlab.Lock()
  A.ok(not pcall(lock.acquire, lock, true, -100), "a negative timeout is refused")
  A.eq(lock:acquire(true, 0), true, "timeout 0 on a free lock")
  lock:release()
  lock:acquire()
  local r = A.bunch(1, function(_, lock)
    local t0 = parlab.clock()
    local got = lock:acquire(true, 0.2)
    return { got, parlab.clock() - t0 }
  end, lock)()[1]
  A.eq(r[1], false)
  A.between(r[2], 0.15, 5, "a timed acquire waited its timeout")
  lock:release()
end)

-- lock_tests.LockTests.test_reacquire: a Lock is not reentrant; another thread's release frees it
case("lock_tests.LockTests.test_reacquire", function()
  local lock = parlab.Lock()
  lock:acquire()
  local t = parlab.thread.start(function(lock) lock:acquire() lock:release() return "got it" end, lock)
  parlab.sleep(0.05)
  A.eq(t:is_alive(), true)
  lock:release()
  A.eq(t:join(10), "got it")
end)

-- lock_tests.LockTests.test_different_thread: a Lock may be released by another thread
case("lock_tests.LockTests.test_different_thread", function()
  local lock = parlab.Lock()
  lock:acquire()
  A.bunch(1, function(_, lock) lock:release() end, lock)()
  A.eq(lock:acquire(false), true)
  lock:release()
end)

-- lock_tests.LockTests.test_state_after_timeout: a timed-out acquire leaves the lock usable
case("lock_tests.LockTests.test_state_after_timeout", function()
  local lock = parlab.Lock()
  lock:acquire()
  A.eq(A.bunch(1, function(_, lock) return lock:acquire(true, 0.01) end, lock)()[1], false)
  lock:release()
  A.eq(lock:acquire(false), true)
  lock:release()
end)

-- lock_tests.LockTests.test_locked
case("lock_tests.LockTests.test_locked", function()
  local lock = parlab.Lock()
  A.eq(lock:locked(), false)
  lock:acquire()
  A.eq(lock:locked(), true)
  A.eq(A.bunch(1, function(_, lock) return lock:locked() end, lock)()[1], true, "seen from another thread")
  lock:release()
end)

-- lock_tests.RLockTests.test_reacquire
case("lock_tests.RLockTests.test_reacquire", function()
  local lock = parlab.RLock()
  lock:acquire() lock:acquire() lock:acquire()
  lock:release() lock:release()
  A.eq(A.bunch(1, function(_, lock) return lock:acquire(false) end, lock)()[1], false, "still held once")
  lock:release()
  A.eq(A.bunch(1, function(_, lock)
    local ok = lock:acquire(false)
    if ok then lock:release() end
    return ok
  end, lock)()[1], true)
end)

-- lock_tests.RLockTests.test_release_unacquired
case("lock_tests.RLockTests.test_release_unacquired", function()
  local lock = parlab.RLock()
  A.ok(not pcall(lock.release, lock))
  lock:acquire() lock:acquire()
  lock:release()
  lock:acquire()
  lock:release() lock:release()
  A.ok(not pcall(lock.release, lock))
end)

-- lock_tests.RLockTests.test_different_thread: only the owner may release an RLock
case("lock_tests.RLockTests.test_different_thread", function()
  local lock = parlab.RLock()
  lock:acquire()
  A.eq(A.bunch(1, function(_, lock) return (pcall(lock.release, lock)) end, lock)()[1], false)
  lock:release()
end)

-- lock_tests.RLockTests.test_with (reentrant with)
case("lock_tests.RLockTests.test_with", function()
  local lock = parlab.RLock()
  A.eq(lock:with(function() return lock:with(function() return "inner" end) end), "inner")
  A.eq(lock:acquire(false), true)
  lock:release()
end)

H.run("test_cp_lock")
