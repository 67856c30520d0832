-- parlab.mpi.Pool under mpirun (-n 2 and -n 4): ranks 1.. serve in mpi.Pool() and never return; rank 0
-- checks every method, the result lists' n, callbacks, errors (bad function, a raising task, wrong types,
-- a result that cannot travel, a closed pool) and that tasks run on other ranks. One pool per run, so the
-- closed-pool checks come last. A failing check on rank 0 exits non-zero, which aborts the job.
local T = require "check"
local mpi = parlab.mpi
local pool = mpi.Pool() -- ranks 1..size-1 serve here until rank 0 closes the pool, then exit
assert(mpi.rank == 0, "only rank 0 returns from mpi.Pool()")

local function range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

local function squares(n)
  local t = {}
  for i = 1, n do t[i] = i * i end
  return t
end

local sq = function(x) return x * x end

T.test("constructor errors name the problem (checked on rank 0 while the ranks serve)", function()
  T.raises("mpi.Pool: 99 workers asked, but this run has " .. (mpi.size - 1) .. " worker ranks", mpi.Pool, 99)
  T.raises("mpi.Pool: unknown option start_method", mpi.Pool, nil, { start_method = "fork" })
  T.raises("mpi.Pool: the number of workers must be a positive integer, got 0", mpi.Pool, 0)
  T.raises("one pool per run", mpi.Pool)
  T.raises("one pool per run", mpi.PoolExecutor)
end)

T.test("map, starmap, imap, imap_unordered: every chunksize, results carry n", function()
  for _, c in ipairs { 1, 3, 100 } do
    local r = pool:map(sq, range(50), c)
    T.list(r, squares(50))
    T.eq(r.n, 50)
  end
  T.eq(pool:map(sq, {}).n, 0)
  T.list(pool:starmap(function(a, b) return a * b end, { { 1, 2 }, { 3, 4 }, { 5, 6 } }), { 2, 12, 30 })
  local got, order = {}, {}
  for i, v in pool:imap(sq, range(20)) do got[i] = v order[#order + 1] = i end
  T.eq(got, squares(20))
  T.eq(order, range(20))
  local un, count = {}, 0
  for i, v in pool:imap_unordered(sq, range(20), 4) do un[i] = v count = count + 1 end
  T.eq(count, 20)
  T.eq(un, squares(20))
  local nils = pool:map(function(x) if x % 2 == 0 then return nil end return x end, range(6))
  T.eq(nils.n, 6)
  T.eq(nils[5], 5)
  T.eq(nils[6], nil)
end)

T.test("large arguments and results both ways while every rank holds two tasks", function()
  local big = {}
  for i = 1, 6 * mpi.size do big[i] = string.rep(string.char(64 + i % 26), 200000 + i) end
  local r = pool:map(function(s) return s .. s end, big, 1)
  T.eq(r.n, #big)
  for i = 1, #big do T.ok(r[i] == big[i] .. big[i], "item " .. i) end
end)

T.test("tasks run on the other ranks, spread over all of them", function()
  local ranks = pool:map(function() parlab.sleep(0.01) return parlab.mpi.rank end, range(8 * (mpi.size - 1)), 1)
  local seen = {}
  for i = 1, ranks.n do
    T.ok(ranks[i] >= 1 and ranks[i] < mpi.size, "rank " .. tostring(ranks[i]))
    seen[ranks[i]] = true
  end
  for r = 1, mpi.size - 1 do T.ok(seen[r], "rank " .. r .. " ran no task") end
end)

-- One pool per run, so the scheduling is switched on the pool itself (the option sets this field).
T.test("static scheduling pins chunks to ranks; guided and dynamic give the same results", function()
  local saved, w = pool._scheduling, mpi.size - 1
  pool._scheduling = "static"
  local ranks = pool:map(function() return parlab.mpi.rank end, range(4 * w))
  for i = 1, 4 * w do T.eq(ranks[i], math.floor((i - 1) / 4) + 1, "item " .. i) end
  for _, s in ipairs { "static", "guided", "dynamic" } do
    pool._scheduling = s
    T.list(pool:map(sq, range(33)), squares(33))
    T.list(pool:map(sq, range(33), 5), squares(33))
  end
  pool._scheduling = saved
end)

T.test("apply, apply_async (all results, both call forms), callbacks, upvalues and closures travel", function()
  T.eq(pool:apply(function(a, b) return a + b end, 2, 3), 5)
  local k = 10
  local r = pool:apply_async(function(x) return x + k, "two", nil end, 1)
  local a, b, c = r:get(10)
  T.eq(a, 11) T.eq(b, "two") T.eq(c, nil)
  T.ok(r:ready() and r:successful())
  local got, errs = {}, {}
  local rs = {}
  for i = 1, 10 do
    rs[i] = pool:apply_async { function(x) return x * 2 end, args = { i },
      callback = function(v) got[#got + 1] = v end, error_callback = function(e) errs[#errs + 1] = e end }
  end
  for i = 1, 10 do T.eq(rs[i]:get(10), 2 * i) end
  T.eq(#got, 10)
  T.eq(#errs, 0)
  local mr = pool:map_async(sq, range(5), { chunksize = 2, callback = function(v) got.map = v end })
  T.list(mr:get(10), squares(5))
  T.list(got.map, squares(5))
end)

T.test("a task's error comes back with its message and traceback; the pool goes on", function()
  local err = T.raises("mpi.Pool.map: a task raised an error", pool.map, pool, function(x)
    if x == 3 then error("three is bad") end
    return x
  end, range(5))
  T.ok(err:find("three is bad", 1, true) and err:find("stack traceback", 1, true), err)
  local seen
  local r = pool:apply_async { function() error("apply boom") end, error_callback = function(e) seen = e end }
  T.ok(r:wait(10))
  T.ok(not r:successful())
  T.ok(tostring(seen):find("apply boom", 1, true), tostring(seen))
  T.raises("apply boom", r.get, r)
  T.raises("not a table of arguments", pool.starmap, pool, function(a) return a end, { 1 })
  T.raises("cannot send the task's result", pool.apply, pool, function() return coroutine.create(print) end)
  T.list(pool:map(sq, { 1, 2, 3 }), { 1, 4, 9 })
end)

T.test("wrong types and values are refused by name, before anything is sent", function()
  T.raises("mpi.Pool.map: expected a function, got number", pool.map, pool, 5, { 1 })
  T.raises("mpi.Pool.map: expected a table of items, got string", pool.map, pool, sq, "abc")
  T.raises("chunksize must be a positive integer", pool.map, pool, sq, { 1 }, 0)
  T.raises("mpi.Pool.apply_async: expected a function, got nil", pool.apply_async, pool, nil)
  T.raises("AsyncResult.get: timeout must be a number", function() pool:apply_async(sq, 2):get("x") end)
  T.raises("cannot send", pool.apply, pool, sq, coroutine.create(print))
  T.list(pool:map(sq, { 4 }), { 16 })
end)

T.test("every wait can end: get(timeout) and wait(timeout) return while a task still runs", function()
  local r = pool:apply_async(function() parlab.sleep(1.5) return "late" end)
  local t0 = parlab.clock()
  T.raises("timed out after 0.2 s", r.get, r, 0.2)
  T.ok(not r:wait(0.1))
  T.ok(parlab.clock() - t0 < 5, "the timeouts returned")
  T.eq(r:get(30), "late")
end)

T.test("info and tostring", function()
  local info = pool:info()
  T.eq(info.size, mpi.size - 1)
  T.eq(info.kind, "mpi")
  T.eq(info.state, "running")
  T.ok(tostring(pool):find("mpi.Pool(" .. (mpi.size - 1) .. " workers, running)", 1, true), tostring(pool))
end)

T.test("close: queued work finishes, then the pool refuses new work; join returns", function()
  local r = pool:map_async(function(x) parlab.sleep(0.01) return x end, range(10), 1)
  pool:close()
  T.raises("mpi.Pool.map: the pool is closed", pool.map, pool, sq, { 1 })
  T.raises("mpi.Pool.apply_async: the pool is closed", pool.apply_async, pool, sq, 1)
  T.ok(pool:join(30), "join returned true")
  T.list(r:get(0), range(10))
  T.raises("one pool per run", mpi.Pool)
end)

T.done()
