-- CPython's pool tests (Lib/test/_test_multiprocessing.py: _TestPool, _TestPoolWorkerErrors,
-- _TestPoolWorkerLifetime, TestInitializers), ported to parlab.Pool (processes) and parlab.ThreadPool
-- (multiprocessing.dummy's pool, which CPython runs the same tests on). Results of map are compared item by
-- item (a result list may carry fields of its own). A task's error reaches the caller as an error text
-- ("<Pool>.map: a task raised an error:" and the worker's traceback), where Python re-raises the exception.
-- luacheck: globals INIT_VALUE
local H = require "cp_harness"
local A = H.A
local case = H.case

local function sqr(x, wait)
  if wait then parlab.sleep(wait) end
  return x * x
end

local function check_squares(r, n, what)
  for i = 1, n do A.eq(r[i], i * i, what) end
end

for _, kind in ipairs { "Pool", "ThreadPool" } do
  local function new(n, opts) return parlab[kind](n, opts) end

  -- _test_multiprocessing._TestPool.test_apply
  case("_test_multiprocessing._TestPool.test_apply (" .. kind .. ")", function()
    local pool = new(2)
    A.eq(pool:apply(sqr, 5), 25)
    A.eq(pool:apply(sqr, 2), 4)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_map
  case("_test_multiprocessing._TestPool.test_map (" .. kind .. ")", function()
    local pool = new(2)
    local r = pool:map(sqr, A.range(10))
    check_squares(r, 10)
    A.eq(r[11], nil)
    r = pool:map(sqr, A.range(100), 2)
    check_squares(r, 100, "chunksize 2")
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_starmap
  case("_test_multiprocessing._TestPool.test_starmap (" .. kind .. ")", function()
    local pool = new(2)
    local args = {}
    for i = 1, 10 do args[i] = { i, i + 1 } end
    local r = pool:starmap(function(a, b) return a * b end, args)
    for i = 1, 10 do A.eq(r[i], i * (i + 1)) end
    r = pool:starmap(function(a, b) return a * b end, args, 3)
    for i = 1, 10 do A.eq(r[i], i * (i + 1), "chunksize 3") end
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_starmap_async
  case("_test_multiprocessing._TestPool.test_starmap_async (" .. kind .. ")", function()
    local pool = new(2)
    local r = pool:starmap_async(function(a, b) return a + b end, { { 1, 2 }, { 3, 4 } }):get(10)
    A.eq(r[1], 3) A.eq(r[2], 7)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_map_async
  case("_test_multiprocessing._TestPool.test_map_async (" .. kind .. ")", function()
    local pool = new(2)
    local res = pool:map_async(sqr, A.range(10))
    check_squares(res:get(10), 10)
    A.eq(res:ready(), true)
    A.eq(res:successful(), true)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_map_chunksize: bad chunksizes are refused
  case("_test_multiprocessing._TestPool.test_map_chunksize (" .. kind .. ")", function()
    local pool = new(2)
    A.raises("chunksize must be a positive integer", pool.map, pool, sqr, { 1 }, 0)
    A.raises("chunksize must be a positive integer", pool.map, pool, sqr, { 1 }, 1.5)
    check_squares(pool:map(sqr, A.range(7), 100), 7, "a chunksize above the count")
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_async: apply_async, get, ready, successful
  case("_test_multiprocessing._TestPool.test_async (" .. kind .. ")", function()
    local pool = new(2)
    local res = pool:apply_async(sqr, 7, 0.2)
    A.eq(res:ready(), false)
    local dt, v = A.timed(res.get, res)
    A.eq(v, 49)
    A.between(dt, 0.02, 5)
    A.eq(res:ready(), true)
    A.eq(res:successful(), true)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_async_timeout
  case("_test_multiprocessing._TestPool.test_async_timeout (" .. kind .. ")", function()
    local pool = new(2)
    local res = pool:apply_async(sqr, 6, 1.0)
    local dt = A.timed(function() A.raises("timed out", res.get, res, 0.1) end)
    A.between(dt, 0.05, 5)
    A.eq(res:wait(0.01), false)
    A.raises("not ready", res.successful, res)
    pool:terminate()
  end)

  -- _test_multiprocessing._TestPool.test_imap
  case("_test_multiprocessing._TestPool.test_imap (" .. kind .. ")", function()
    local pool = new(2)
    local k = 0
    for i, v in pool:imap(sqr, A.range(10)) do
      k = k + 1
      A.eq(i, k) A.eq(v, k * k)
    end
    A.eq(k, 10)
    k = 0
    for i, v in pool:imap(sqr, A.range(100), 5) do k = k + 1 A.eq(v, i * i) end
    A.eq(k, 100)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_imap_handle_iterable_exception (parlab: the error is raised at
  -- the item that failed; the items before it arrive)
  case("_test_multiprocessing._TestPool.test_imap_handle_iterable_exception (" .. kind .. ")", function()
    local pool = new(2)
    local it = pool:imap(function(x) if x == 3 then error("item three") end return x end, A.range(5))
    A.eq(select(2, it()), 1)
    A.eq(select(2, it()), 2)
    A.raises("item three", it)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_imap_unordered
  case("_test_multiprocessing._TestPool.test_imap_unordered (" .. kind .. ")", function()
    local pool = new(2)
    local seen, k = {}, 0
    for i, v in pool:imap_unordered(sqr, A.range(30)) do
      A.eq(v, i * i)
      A.eq(seen[i], nil, "each item once")
      seen[i], k = true, k + 1
    end
    A.eq(k, 30)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_make_pool
  case("_test_multiprocessing._TestPool.test_make_pool (" .. kind .. ")", function()
    A.raises("the number of workers must be a positive integer", parlab[kind], -1)
    A.raises("the number of workers must be a positive integer", parlab[kind], 0)
    local pool = new(3)
    A.eq(pool:info().workers or 3, 3)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_terminate: queued and running tasks fail, terminate returns soon
  case("_test_multiprocessing._TestPool.test_terminate (" .. kind .. ")", function()
    local pool = new(2)
    local res = pool:map_async(function() parlab.sleep(5) end, A.range(20), 1)
    parlab.sleep(0.05)
    local dt = A.timed(pool.terminate, pool)
    A.ok(dt < 4, "terminate waited for the tasks")
    A.raises("terminated", res.get, res, 1)
    A.eq(pool:join(5), true)
  end)

  -- _test_multiprocessing._TestPool.test_empty_iterable
  case("_test_multiprocessing._TestPool.test_empty_iterable (" .. kind .. ")", function()
    local pool = new(1)
    A.eq(pool:map(sqr, {})[1], nil)
    A.eq(pool:starmap(sqr, {})[1], nil)
    local k = 0
    for _ in pool:imap(sqr, {}) do k = k + 1 end
    for _ in pool:imap_unordered(sqr, {}) do k = k + 1 end
    A.eq(k, 0)
    A.eq(pool:map_async(sqr, {}):get(1)[1], nil)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_context: with closes and joins on return, terminates on error
  case("_test_multiprocessing._TestPool.test_context (" .. kind .. ")", function()
    local p
    local r = parlab.with(new(2), function(pool) p = pool return pool:apply(sqr, 4) end)
    A.eq(r, 16)
    A.raises("closed", p.apply, p, sqr, 1)
    A.raises("boom", parlab.with, new(1), function() error("boom") end)
  end)

  -- _test_multiprocessing._TestPool.test_traceback: the worker's traceback comes with the error
  case("_test_multiprocessing._TestPool.test_traceback (" .. kind .. ")", function()
    local pool = new(1)
    local err = A.raises("a task raised an error", pool.apply, pool, function() error("raised in worker") end)
    A.ok(err:find("raised in worker", 1, true) and err:find("stack traceback", 1, true), err)
    A.eq(pool:apply(sqr, 3), 9, "the pool goes on")
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_map_no_failfast: a failed item does not stop the other results
  case("_test_multiprocessing._TestPool.test_map_no_failfast (" .. kind .. ")", function()
    local pool = new(2)
    A.raises("bad item", pool.map, pool, function(x) if x == 5 then error("bad item") end return x end,
      A.range(20), 1)
    check_squares(pool:map(sqr, A.range(4)), 4, "the pool works after a failed map")
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_enter: a closed pool refuses work
  case("_test_multiprocessing._TestPool.test_enter (" .. kind .. ")", function()
    local pool = new(1)
    pool:close()
    A.raises("the pool is closed", pool.map, pool, sqr, { 1 })
    A.raises("closed", pool.apply_async, pool, sqr, 1)
    A.raises("call close() or terminate() first", new(1).join, new(1))
    pool:join()
  end)

  -- _test_multiprocessing._TestPoolWorkerErrors.test_unpickleable_result
  case("_test_multiprocessing._TestPoolWorkerErrors.test_unpickleable_result (" .. kind .. ")", function()
    local pool = new(1)
    local res = pool:apply_async(function() return coroutine.create(print) end)
    A.raises("a task raised an error", res.get, res, 10)
    A.eq(res:successful(), false)
    A.eq(pool:apply(sqr, 2), 4)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_wrapped_exception
  case("_test_multiprocessing._TestPool.test_wrapped_exception (" .. kind .. ")", function()
    local pool = new(1)
    local err = A.raises("original message", pool.apply, pool, function()
      error(setmetatable({}, { __tostring = function() return "original message" end }))
    end)
    A.ok(not err:find("table: 0x", 1, true), err)
    pool:close() pool:join()
  end)

  -- _test_multiprocessing.TestInitializers.test_pool_initializer
  case("_test_multiprocessing.TestInitializers.test_pool_initializer (" .. kind .. ")", function()
    local pool = new(2, { initializer = function(v) INIT_VALUE = v end, initargs = { 42 } })
    local r = pool:map(function() return INIT_VALUE end, A.range(6), 1)
    for i = 1, 6 do A.eq(r[i], 42) end
    pool:close() pool:join()
  end)

  -- _test_multiprocessing._TestPool.test_release_task_refs / many small tasks all answered
  case("_test_multiprocessing._TestPool.test_release_task_refs (" .. kind .. ")", function()
    local pool = new(2)
    local rs = {}
    for i = 1, 200 do rs[i] = pool:apply_async(sqr, i) end
    for i = 1, 200 do A.eq(rs[i]:get(10), i * i) end
    pool:close() pool:join()
  end)
end

-- _test_multiprocessing._TestPoolWorkerLifetime.test_pool_worker_lifetime: maxtasksperchild replaces workers
case("_test_multiprocessing._TestPoolWorkerLifetime.test_pool_worker_lifetime", function()
  local pool = parlab.Pool(2, { maxtasksperchild = 2 })
  local r = pool:map(function() parlab.sleep(0.01) return parlab.current_process().pid end, A.range(20), 1)
  local pids, n = {}, 0
  for i = 1, 20 do
    if not pids[r[i]] then pids[r[i]], n = true, n + 1 end
  end
  A.ok(n >= 10, "20 tasks at 2 per worker need at least 10 workers, saw " .. n)
  pool:close() pool:join()
end)

-- _test_multiprocessing._TestPoolWorkerLifetime.test_pool_maxtasksperchild_invalid
case("_test_multiprocessing._TestPoolWorkerLifetime.test_pool_maxtasksperchild_invalid", function()
  A.raises("maxtasksperchild must be a positive integer", parlab.Pool, 1, { maxtasksperchild = -1 })
  A.raises("maxtasksperchild must be a positive integer", parlab.Pool, 1, { maxtasksperchild = 0 })
end)

-- test_process_pool.ProcessPoolExecutorTest.test_killed_child, on the Pool (Python's Pool hangs here; parlab
-- fails the task by name and replaces the worker, docs/processes.md)
case("test_process_pool.ProcessPoolExecutorTest.test_killed_child (Pool)", function()
  local pool = parlab.Pool(2)
  local res = pool:apply_async(function() os.exit(7) end)
  A.raises("died while running this task", res.get, res, 10)
  A.eq(pool:apply(sqr, 9), 81)
  pool:close() pool:join()
end)

-- _test_multiprocessing._TestPoolWorkerErrors.test_async_error_callback
case("_test_multiprocessing._TestPoolWorkerErrors.test_async_error_callback", function()
  local pool = parlab.Pool(1)
  local got
  local res = pool:apply_async { function() error("to the callback") end, error_callback = function(e) got = e end }
  pcall(res.get, res, 10)
  A.ok(got and tostring(got):find("to the callback", 1, true))
  pool:close() pool:join()
end)

-- _test_multiprocessing._TestPool.test_async callback
case("_test_multiprocessing._TestPool.test_map_async_callbacks", function()
  local pool = parlab.Pool(1)
  local got
  local res = pool:map_async(sqr, { 1, 2 }, { callback = function(r) got = r end })
  res:get(10)
  A.eq(got[2], 4)
  pool:close() pool:join()
end)

H.run("test_cp_pool")
