-- CPython's executor tests (Lib/test/test_concurrent_futures/: test_executor, test_thread_pool,
-- test_process_pool, test_shutdown, test_wait, test_as_completed) ported to parlab.ThreadPoolExecutor,
-- ProcessPoolExecutor, parlab.wait and parlab.as_completed. parlab differs on purpose (docs/threads.md):
-- executor map returns a table, not an iterator (compared item by item here); as_completed's timeout is an
-- error naming the unfinished count; a dead process worker fails its task instead of breaking the pool.
local H = require "cp_harness"
local A = H.A
local case = H.case

local mul, sleep_and, fail = H.work.mul, H.work.sleep_and, H.work.fail

-- test_executor.ExecutorTest.test_submit / test_submit_keyword (positional only)
case("test_executor.ExecutorTest.test_submit", function()
  for _, make in ipairs { parlab.ThreadPoolExecutor, parlab.ProcessPoolExecutor } do
    local ex = make(2)
    A.eq(ex:submit(function(a, b) return a ^ b end, 2, 8):result(10), 256)
    A.eq(ex:submit(mul, 2, 3):result(10), 6)
    ex:shutdown()
  end
end)

-- test_executor.ExecutorTest.test_map
case("test_executor.ExecutorTest.test_map", function()
  for _, make in ipairs { parlab.ThreadPoolExecutor, parlab.ProcessPoolExecutor } do
    local ex = make(2)
    local r = ex:map(function(x) return x * x end, A.range(10))
    for i = 1, 10 do A.eq(r[i], i * i) end
    r = ex:map(function(x) return x + 1 end, A.range(50), { chunksize = 7 })
    for i = 1, 50 do A.eq(r[i], i + 1, "chunksize 7") end
    ex:shutdown()
  end
end)

-- test_executor.ExecutorTest.test_map_exception
case("test_executor.ExecutorTest.test_map_exception", function()
  local ex = parlab.ThreadPoolExecutor(2)
  A.raises("division", ex.map, ex, function(x) if x == 0 then error("division by zero") end return 5 / x end,
    { 1, 1, 0 })
  ex:shutdown()
end)

-- test_executor.ExecutorTest.test_map_timeout
case("test_executor.ExecutorTest.test_map_timeout", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local dt = A.timed(function()
    A.raises("timed out after", ex.map, ex, function(s) parlab.sleep(s) return s end, { 0, 0, 2 }, { timeout = 0.2 })
  end)
  A.between(dt, 0.15, 1.9)
  ex:shutdown()
end)

-- test_executor.ExecutorTest.test_max_workers_negative
case("test_executor.ExecutorTest.test_max_workers_negative", function()
  for _, n in ipairs { 0, -1 } do
    A.raises("number of workers must be a positive integer", parlab.ThreadPoolExecutor, n)
    A.raises("number of workers must be a positive integer", parlab.ProcessPoolExecutor, n)
  end
end)

-- test_executor.ExecutorTest.test_map_empty (executor map of nothing)
case("test_executor.ExecutorTest.test_map_empty", function()
  local ex = parlab.ThreadPoolExecutor(1)
  A.eq(ex:map(mul, {})[1], nil)
  ex:shutdown()
end)

-- test_thread_pool.ThreadPoolExecutorTest.test_default_workers
case("test_thread_pool.ThreadPoolExecutorTest.test_default_workers", function()
  local ex = parlab.ThreadPoolExecutor()
  local fs = {}
  for i = 1, 8 do fs[i] = ex:submit(mul, i, 2) end
  for i = 1, 8 do A.eq(fs[i]:result(10), i * 2) end
  ex:shutdown()
end)

-- test_thread_pool.ThreadPoolExecutorTest.test_map_submits_without_iteration: every item's task ran
-- by the time shutdown(true) returns (the function reaches the shared Value as an upvalue: a handle)
case("test_thread_pool.ThreadPoolExecutorTest.test_map_submits_without_iteration", function()
  local ex, done = parlab.ThreadPoolExecutor(2), parlab.Value("i64", 0)
  ex:map(function(x) done:add(x) end, A.range(10))
  ex:shutdown(true)
  A.eq(done:get(), 55)
end)

-- test_shutdown.ExecutorShutdownTest.test_run_after_shutdown
case("test_shutdown.ExecutorShutdownTest.test_run_after_shutdown", function()
  local ex = parlab.ThreadPoolExecutor(1)
  ex:shutdown()
  A.raises("cannot submit after shutdown", ex.submit, ex, mul, 2, 2)
  A.raises("cannot submit after shutdown", ex.map, ex, mul, { 1 })
  ex:shutdown()  -- twice is fine
end)

-- test_shutdown.ExecutorShutdownTest.test_hang_issue12364: many sleeping tasks, then shutdown
case("test_shutdown.ExecutorShutdownTest.test_hang_issue12364", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local fs = {}
  for i = 1, 20 do fs[i] = ex:submit(sleep_and, 0.01, i) end
  ex:shutdown(true)
  for i = 1, 20 do A.eq(fs[i]:result(0), i) end
end)

-- test_shutdown.ExecutorShutdownTest.test_cancel_futures: the running task finishes, queued ones cancel
case("test_shutdown.ExecutorShutdownTest.test_cancel_futures", function()
  local ex, started = parlab.ThreadPoolExecutor(1), parlab.Event()
  local first = ex:submit(function(started) started:set() parlab.sleep(0.1) return 0 end, started)
  local fs = {}
  for i = 1, 20 do fs[i] = ex:submit(sleep_and, 0.05, i) end
  A.eq(started:wait(10), true)
  ex:shutdown(true, true)
  A.eq(first:result(0), 0, "the running task finished")
  local cancelled = 0
  for i = 1, 20 do
    if fs[i]:cancelled() then cancelled = cancelled + 1 else A.eq(fs[i]:result(0), i) end
  end
  A.ok(cancelled >= 19, "queued futures cancelled: " .. cancelled)
end)

-- test_shutdown.ThreadPoolShutdownTest.test_context_manager_shutdown
case("test_shutdown.ThreadPoolShutdownTest.test_context_manager_shutdown", function()
  local f
  local r = parlab.with(parlab.ThreadPoolExecutor(2), function(ex)
    f = ex:submit(sleep_and, 0.1, "done")
    return ex:submit(mul, 3, 3):result(10)
  end)
  A.eq(r, 9)
  A.eq(f:done(), true, "with waited for the executor's tasks")
  A.eq(f:result(0), "done")
end)

-- test_shutdown.ThreadPoolShutdownTest.test_shutdown_no_wait: wait=false returns at once
case("test_shutdown.ThreadPoolShutdownTest.test_shutdown_no_wait", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(sleep_and, 1.0, "late")
  local dt = A.timed(ex.shutdown, ex, false)
  A.ok(dt < 0.9, "shutdown(false) waited")
  A.eq(f:result(10), "late")
end)

-- test_wait.WaitTests.test_first_completed
case("test_wait.WaitTests.test_first_completed", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local f1 = ex:submit(mul, 21, 2)
  local f2 = ex:submit(sleep_and, 1.0, 0)
  local done, not_done = parlab.wait({ f1, f2 }, 5, parlab.FIRST_COMPLETED)
  A.eq(#done, 1) A.eq(done[1], f1)
  A.eq(#not_done, 1) A.eq(not_done[1], f2)
  ex:shutdown(false, true)
end)

-- test_wait.WaitTests.test_first_completed_some_already_completed
case("test_wait.WaitTests.test_first_completed_some_already_completed", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local f0 = ex:submit(mul, 1, 1)
  f0:result(10)
  local f1 = ex:submit(sleep_and, 1.0, 0)
  local done, not_done = parlab.wait({ f0, f1 }, 5, parlab.FIRST_COMPLETED)
  A.eq(#done, 1) A.eq(done[1], f0)
  A.eq(#not_done, 1)
  ex:shutdown(false, true)
end)

-- test_wait.WaitTests.test_first_exception
case("test_wait.WaitTests.test_first_exception", function()
  local ex = parlab.ThreadPoolExecutor(3)
  local f1 = ex:submit(mul, 2, 5)
  local f2 = ex:submit(function() parlab.sleep(0.1) error("first exception") end)
  local f3 = ex:submit(sleep_and, 1.5, 0)
  local done, not_done = parlab.wait({ f1, f2, f3 }, 5, parlab.FIRST_EXCEPTION)
  A.eq(#done, 2)
  A.eq(#not_done, 1) A.eq(not_done[1], f3)
  ex:shutdown(false, true)
end)

-- test_wait.WaitTests.test_first_exception_one_already_failed
case("test_wait.WaitTests.test_first_exception_one_already_failed", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local failed = ex:submit(fail, "already")
  failed:exception(10)
  local slow = ex:submit(sleep_and, 1.0, 0)
  local done, not_done = parlab.wait({ failed, slow }, 5, parlab.FIRST_EXCEPTION)
  A.eq(#done, 1) A.eq(done[1], failed)
  A.eq(#not_done, 1)
  ex:shutdown(false, true)
end)

-- test_wait.WaitTests.test_all_completed
case("test_wait.WaitTests.test_all_completed", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local fs = { ex:submit(mul, 2, 2), ex:submit(fail, "x"), ex:submit(sleep_and, 0.05, 1) }
  local done, not_done = parlab.wait(fs, 5, parlab.ALL_COMPLETED)
  A.eq(#done, 3) A.eq(#not_done, 0)
  ex:shutdown()
end)

-- test_wait.WaitTests.test_timeout
case("test_wait.WaitTests.test_timeout", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local quick = ex:submit(mul, 1, 1)
  local slow = ex:submit(sleep_and, 2, 0)
  local dt = A.timed(function()
    local done, not_done = parlab.wait({ quick, slow }, 0.3)
    A.eq(#done, 1) A.eq(done[1], quick)
    A.eq(#not_done, 1) A.eq(not_done[1], slow)
  end)
  A.between(dt, 0.2, 1.9)
  ex:shutdown(false, true)
end)

-- test_as_completed.AsCompletedTests.test_no_timeout
case("test_as_completed.AsCompletedTests.test_no_timeout", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local fs = { ex:submit(sleep_and, 0.2, "slow"), ex:submit(mul, 2, 3) }
  local order = {}
  for f in parlab.as_completed(fs) do order[#order + 1] = f:result() end
  A.eq(#order, 2)
  A.eq(order[1], 6) A.eq(order[2], "slow")
  ex:shutdown()
end)

-- test_as_completed.AsCompletedTests.test_future_times_out
case("test_as_completed.AsCompletedTests.test_future_times_out", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local quick = ex:submit(mul, 1, 1)
  local slow = ex:submit(sleep_and, 2, 0)
  local seen = {}
  local err = A.raises("1 of 2 futures unfinished", function()
    for f in parlab.as_completed({ quick, slow }, 0.2) do seen[#seen + 1] = f end
  end)
  A.eq(#seen, 1, err) A.eq(seen[1], quick)
  ex:shutdown(false, true)
end)

-- test_as_completed.AsCompletedTests.test_duplicate_futures
case("test_as_completed.AsCompletedTests.test_duplicate_futures", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(mul, 2, 2)
  local n = 0
  for _ in parlab.as_completed({ f, f, f }) do n = n + 1 end
  A.eq(n, 1)
  local done = parlab.wait({ f, f })
  A.eq(#done, 1)
  ex:shutdown()
end)

-- test_process_pool.ProcessPoolExecutorTest.test_killed_child (Python breaks the whole pool with
-- BrokenProcessPool; parlab fails that task by name and goes on, docs/processes.md)
case("test_process_pool.ProcessPoolExecutorTest.test_killed_child", function()
  local ex = parlab.ProcessPoolExecutor(2)
  local f = ex:submit(function() os.exit(1) end)
  A.raises("died", f.result, f, 10)
  A.eq(ex:submit(mul, 6, 7):result(10), 42)
  ex:shutdown()
end)

-- test_process_pool.ProcessPoolExecutorTest.test_traceback
case("test_process_pool.ProcessPoolExecutorTest.test_traceback", function()
  local ex = parlab.ProcessPoolExecutor(1)
  local f = ex:submit(fail, "from the process")
  local e = f:exception(10)
  A.ok(e:find("from the process", 1, true) and e:find("stack traceback", 1, true), e)
  ex:shutdown()
end)

-- test_process_pool.ProcessPoolExecutorTest.test_map_chunksize
case("test_process_pool.ProcessPoolExecutorTest.test_map_chunksize", function()
  local ex = parlab.ProcessPoolExecutor(2)
  for _, c in ipairs { 1, 2, 5, 100 } do
    local r = ex:map(function(x) return -x end, A.range(17), { chunksize = c })
    for i = 1, 17 do A.eq(r[i], -i) end
  end
  A.raises("chunksize must be a positive integer", ex.map, ex, mul, { 1 }, { chunksize = 0 })
  A.raises("chunksize must be a positive integer", ex.map, ex, mul, { 1 }, { chunksize = -1 })
  ex:shutdown()
end)

H.run("test_cp_executor")
