-- parlab.ThreadPoolExecutor, futures, as_completed, wait: concurrent.futures over the pool engine.
local T = require "check"

local function range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

T.test("submit -> future: result, done, exception", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local f = ex:submit(function(a, b) return a + b, a * b end, 3, 4)
  T.eq({ f:result(5) }, { 7, 12 })
  T.ok(f:done())
  T.eq(f:exception(), nil)
  local g = ex:submit(function() error("bad future") end)
  local e = T.raises("bad future", g.result, g)
  T.ok(e:find("Future.result", 1, true) and e:find("stack traceback", 1, true), e)
  T.ok(g:exception():find("bad future", 1, true))
  ex:shutdown()
end)

T.test("result and exception time out; done is false meanwhile", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local f = ex:submit(function() parlab.sleep(0.3) return "ok" end)
  T.eq(f:done(), false)
  T.raises("Future.result: timed out", f.result, f, 0.02)
  T.raises("Future.exception: timed out", f.exception, f, 0.02)
  T.eq(f:result(), "ok")
  ex:shutdown()
end)

T.test("cancel takes back a queued task only", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local running = ex:submit(function() parlab.sleep(0.2) return 1 end)
  parlab.sleep(0.05)
  local queued = ex:submit(function() return 2 end)
  T.eq(queued:cancel(), true)
  T.ok(queued:cancelled() and queued:done())
  T.raises("cancelled", queued.result, queued)
  T.eq(running:cancel(), false)
  T.eq(running:result(), 1)
  T.eq(running:cancel(), false)
  ex:shutdown()
end)

T.test("map, shutdown, and submit after shutdown", function()
  local ex = parlab.ThreadPoolExecutor(2)
  T.list(ex:map(function(x) return x * 3 end, range(10)), { 3, 6, 9, 12, 15, 18, 21, 24, 27, 30 })
  local f = ex:submit(function() parlab.sleep(0.05) return "last" end)
  ex:shutdown(true)
  T.eq(f:result(), "last")
  T.raises("ThreadPoolExecutor.submit: cannot submit after shutdown", ex.submit, ex, print)
  T.raises("ThreadPoolExecutor.map: cannot submit after shutdown", ex.map, ex, print, {})
  T.raises("expected a function, got number", parlab.ThreadPoolExecutor(1).submit,
    parlab.ThreadPoolExecutor(1), 5)
end)

T.test("as_completed yields futures as they finish", function()
  local ex = parlab.ThreadPoolExecutor(3)
  local fs = {}
  for i, d in ipairs { 0.3, 0.01, 0.15 } do fs[i] = ex:submit(function(d) parlab.sleep(d) return d end, d) end
  local order = {}
  for f in parlab.as_completed(fs) do order[#order + 1] = f:result() end
  T.eq(order, { 0.01, 0.15, 0.3 })
  local slow = { ex:submit(function() parlab.sleep(0.5) end) }
  T.raises("as_completed: 1 of 1 futures unfinished", function() for _ in parlab.as_completed(slow, 0.05) do end end)
  T.raises("as_completed: item 1 is not a Future", parlab.as_completed, { 1 })
  ex:shutdown()
end)

T.test("wait: ALL_COMPLETED, FIRST_COMPLETED, FIRST_EXCEPTION, timeout", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local fast = ex:submit(function() return 1 end)
  local slow = ex:submit(function() parlab.sleep(0.3) return 2 end)
  local done, not_done = parlab.wait({ fast, slow }, nil, parlab.FIRST_COMPLETED)
  T.eq(#done, 1)
  T.ok(done[1] == fast)
  T.eq(#not_done, 1)
  done, not_done = parlab.wait({ fast, slow }, 0.01)
  T.eq(#done, 1)
  T.eq(#not_done, 1)
  done, not_done = parlab.wait({ fast, slow })
  T.eq(#done, 2)
  T.eq(#not_done, 0)
  local bad = ex:submit(function() error("x") end)
  local long = ex:submit(function() parlab.sleep(0.3) end)
  done = parlab.wait({ bad, long }, nil, parlab.FIRST_EXCEPTION)
  T.eq(#done, 1)
  T.raises("return_when must be", parlab.wait, { fast }, nil, "SOMETIME")
  ex:shutdown()
end)

T.test("wait(FIRST_EXCEPTION): a cancelled future raised nothing, so it does not end the wait", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local long = ex:submit(function() parlab.sleep(0.4) return 1 end)
  local queued = ex:submit(function() return 2 end)
  T.eq(queued:cancel(), true)
  local done, not_done = parlab.wait({ queued, long }, 0.1, parlab.FIRST_EXCEPTION)
  T.eq(#done, 1)  -- the timeout ended it, as in Python
  T.ok(done[1] == queued)
  T.eq(#not_done, 1)
  done, not_done = parlab.wait({ queued, long }, nil, parlab.FIRST_EXCEPTION)
  T.eq(#done, 2)  -- no exception: it waits for all, as ALL_COMPLETED
  T.eq(#not_done, 0)
  ex:shutdown()
end)

T.test("as_completed yields a future listed twice once, then stops", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local f = ex:submit(function() return 1 end)
  local g = ex:submit(function() parlab.sleep(0.05) return 2 end)
  local seen = {}
  for h in parlab.as_completed({ f, f, g, f }, 5) do seen[#seen + 1] = h end
  T.eq(#seen, 2)
  T.ok(seen[1] == f and seen[2] == g)
  local slow = ex:submit(function() parlab.sleep(0.5) end)
  T.raises("as_completed: 1 of 1 futures unfinished", function()
    for _ in parlab.as_completed({ slow, slow }, 0.05) do end
  end)
  ex:shutdown()
end)

T.test("wait lists a future given twice once", function()
  local ex = parlab.ThreadPoolExecutor(2)
  local f = ex:submit(function() return 1 end)
  local slow = ex:submit(function() parlab.sleep(0.3) return 2 end)
  local done, not_done = parlab.wait({ f, f }, 5)
  T.eq(#done, 1)
  T.ok(done[1] == f)
  T.eq(#not_done, 0)
  done, not_done = parlab.wait({ slow, f, slow, f }, 0.01)
  T.eq(#done, 1)
  T.eq(#not_done, 1)
  T.ok(done[1] == f and not_done[1] == slow)
  done, not_done = parlab.wait({ slow, slow }, 5)
  T.eq(#done, 1)
  T.eq(#not_done, 0)
  ex:shutdown()
end)

T.test("shutdown(true, true) cancels the queued futures as cancel() does", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local running = ex:submit(function() parlab.sleep(0.2) return 1 end)
  parlab.sleep(0.05)
  local calls = {}
  local queued = {}
  for i = 1, 3 do
    queued[i] = ex:submit(function() return i end)
    queued[i]:add_done_callback(function(f) calls[#calls + 1] = { i, f == queued[i], f:cancelled() } end)
  end
  ex:shutdown(true, true)
  T.eq(running:result(1), 1)
  for i = 1, 3 do
    local f = queued[i]
    T.eq(f:cancelled(), true)
    T.eq(f:done(), true)
    T.raises("cancelled", f.result, f, 1)
    T.raises("cancelled", f.exception, f, 1)
    T.eq(f:cancel(), true)
  end
  T.eq(calls, { { 1, true, true }, { 2, true, true }, { 3, true, true } })
  T.eq(running:cancelled(), false)
  T.eq(tostring(queued[1]), "Future(cancelled)")
end)

T.test("map with {timeout = s} raises once the next result is late", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local t0 = parlab.clock()
  local e = T.raises("ThreadPoolExecutor.map: timed out after 0.1 s", ex.map, ex,
    function(d) parlab.sleep(d) return d end, { 0.01, 0.5, 3, 3 }, { timeout = 0.1 })
  T.ok(parlab.clock() - t0 < 0.4, "map waited " .. (parlab.clock() - t0) .. " s")
  T.ok(not e:find("a task raised", 1, true), e)
  T.list(ex:map(function(x) return x + 1 end, { 1, 2, 3 }, { timeout = 5, chunksize = 2 }), { 2, 3, 4 })
  T.list(ex:map(function(x) return x + 1 end, { 1, 2, 3 }, 2), { 2, 3, 4 })
  T.list(ex:map(function(x) return x end, {}, { timeout = 0 }), {})
  T.raises("ThreadPool.map: a task raised an error", ex.map, ex, function() error("boom") end, { 1 },
    { timeout = 5 })
  T.raises("ThreadPoolExecutor.map: timeout must be a number of seconds, got string", ex.map, ex, print, {},
    { timeout = "1" })
  T.raises("ThreadPoolExecutor.map: chunksize must be a positive integer, got 0", ex.map, ex, print, {},
    { chunksize = 0 })
  T.raises("ThreadPoolExecutor.map: options must be a table", ex.map, ex, print, {}, "x")
  local t1 = parlab.clock()
  ex:shutdown(true)  -- the two 3 s tasks not started were cancelled when map timed out
  T.ok(parlab.clock() - t1 < 2, "shutdown waited " .. (parlab.clock() - t1) .. " s")
end)

T.test("done callbacks run when the result is pulled in", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local seen = {}
  local f = ex:submit(function() return 5 end)
  f:add_done_callback(function(fut) seen[#seen + 1] = fut:result() end)
  f:result()
  f:add_done_callback(function(fut) seen[#seen + 1] = fut:result() * 2 end)
  T.eq(seen, { 5, 10 })
  f:add_done_callback(function() error("a broken callback") end)  -- reported on stderr, not raised
  f:add_done_callback(function(fut) seen[#seen + 1] = fut:result() * 3 end)
  T.eq(seen, { 5, 10, 15 }, "a callback after a broken one still runs")
  ex:shutdown()
end)

T.test("the integral lecture translates: trapezoid chunks on an executor", function()
  local function integral(a, b, n)
    local h, x, s = (b - a) / n, a, 0
    for _ = 1, n do
      s = s + (x * x + (x + h) * (x + h)) / 2 * h
      x = x + h
    end
    return s
  end
  local n, N, a, b = 400000, 8, 0, 100
  local h = (b - a) / n
  local total = parlab.with(parlab.ThreadPoolExecutor(2), function(ex)
    local fs = {}
    for i = 0, N - 1 do
      fs[#fs + 1] = ex:submit(integral, a + i * (n / N) * h, a + (i + 1) * (n / N) * h, n / N)
    end
    local s = 0
    for _, f in ipairs(fs) do s = s + f:result() end
    return s
  end)
  T.near(total, 1e6 / 3, 1e-2)
end)

T.done()
