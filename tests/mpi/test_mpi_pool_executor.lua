-- parlab.mpi.PoolExecutor under mpirun (-n 2 and -n 4): concurrent.futures' interface over worker ranks
-- (submit, map with chunksize and timeout, as_completed, wait, callbacks, cancel, shutdown), with an
-- initializer whose globals the tasks read. Ranks 1.. serve in the constructor and never return.
local T = require "check"
local mpi = parlab.mpi
local ex = mpi.PoolExecutor(nil, { initializer = function(v) base = v end, initargs = { 100 } }) -- luacheck: ignore
assert(mpi.rank == 0, "only rank 0 returns from mpi.PoolExecutor()")

local function range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

T.test("submit: results, errors, the initializer's globals, done callbacks", function()
  local f = ex:submit(function(a, b) return a + b + base end, 1, 2) -- luacheck: ignore
  T.eq(f:result(30), 103)
  T.ok(f:done() and not f:cancelled() and not f:running())
  local called
  local g = ex:submit(function() error("future boom") end)
  g:add_done_callback(function(fut) called = fut end)
  T.raises("future boom", g.result, g, 30)
  T.ok(tostring(g:exception()):find("future boom", 1, true))
  T.eq(called, g)
  T.raises("mpi.PoolExecutor.submit: expected a function, got string", ex.submit, ex, "f")
end)

T.test("map: in order, any chunksize; a timeout that passes raises", function()
  for _, c in ipairs { 1, 100 } do
    local r = ex:map(function(x) return x * 3 end, range(40), c)
    T.eq(r.n, 40)
    T.eq(r[40], 120)
  end
  T.raises("mpi.PoolExecutor.map: timed out after 0.2 s", ex.map, ex, function(x) parlab.sleep(0.5) return x end,
    range(mpi.size), { timeout = 0.2 })
  T.raises("mpi.PoolExecutor.map: options must be a table", ex.map, ex, print, { 1 }, "x")
end)

T.test("as_completed and wait see every future once; cancel only what no rank took", function()
  local fs = {}
  for i = 1, 12 do fs[i] = ex:submit(function(k) parlab.sleep(0.01 * (k % 3)) return k end, i) end
  local seen, count = {}, 0
  for f in parlab.as_completed(fs, 60) do
    seen[f:result()] = true
    count = count + 1
  end
  T.eq(count, 12)
  for i = 1, 12 do T.ok(seen[i], "future " .. i) end
  local slow = {}
  for i = 1, 3 * mpi.size do slow[i] = ex:submit(function() parlab.sleep(0.2) return 1 end) end
  local last = slow[#slow]
  T.ok(last:cancel(), "a queued task can be cancelled")
  T.ok(last:cancelled())
  T.ok(not slow[1]:cancel(), "a task a rank took runs to its end") -- every rank was idle: sent at submit
  local done, not_done = parlab.wait(slow, 60)
  T.eq(#done, #slow)
  T.eq(#not_done, 0)
end)

T.test("shutdown: waits, then refuses new work", function()
  local f = ex:submit(function() parlab.sleep(0.1) return "last" end)
  ex:shutdown(true)
  T.eq(f:result(0), "last")
  T.raises("mpi.PoolExecutor.submit: cannot submit after shutdown()", ex.submit, ex, print)
end)

T.done()
