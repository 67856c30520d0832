-- parlab.ThreadPool: every method's results and errors, ordering, scheduling, timeouts, terminate,
-- initializer, scoped use, pools inside threads, bad input, and a hammer with exact totals.
-- Globals the tests set on purpose: they travel with a function, or stay in a worker for later tasks.
-- luacheck: globals helper_global offset POOL_FACTOR
local T = require "check"
local exe = arg[-1]

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

local pool = parlab.ThreadPool(2)

T.test("map keeps order for every chunk size and scheduling", function()
  T.list(pool:map(sq, range(100)), squares(100))
  for _, cs in ipairs { 1, 3, 100, 1000 } do
    T.list(pool:map(sq, range(100), cs), squares(100), "chunksize " .. cs)
  end
  for _, sched in ipairs { "static", "dynamic", "guided" } do
    local p = parlab.ThreadPool(2, { scheduling = sched })
    T.list(p:map(sq, range(37)), squares(37), sched)
    T.list(p:map(sq, range(37), 4), squares(37), sched .. " chunk 4")
    T.list(p:map(sq, {}), {}, sched .. " empty")
    p:close()
    p:join()
  end
end)

T.test("static scheduling gives each worker one contiguous block", function()
  local p = parlab.ThreadPool(2, { scheduling = "static" })
  local ids = p:map(function() parlab.sleep(0.001) return parlab.thread.ident() end, range(10))
  for i = 2, 5 do T.eq(ids[i], ids[1]) end
  for i = 7, 10 do T.eq(ids[i], ids[6]) end
  T.ok(ids[1] ~= ids[6], "two workers")
  p:terminate()
end)

T.test("starmap, apply, apply_async, map_async", function()
  T.list(pool:starmap(function(a, b) return a * b end, { { 1, 2 }, { 3, 4 }, { 5, 6 } }), { 2, 12, 30 })
  T.eq({ pool:apply(function(a, b) return a + b, a - b end, 5, 3) }, { 8, 2 })
  local r = pool:apply_async(function(t) return #t, t.k end, { 1, 2, 3, k = "v" })
  T.eq({ r:get(5) }, { 3, "v" })
  T.ok(r:ready() and r:successful())
  T.list(pool:map_async(sq, range(5)):get(), squares(5))
end)

T.test("functions with upvalues and globals travel", function()
  local k = 10
  helper_global = function(x) return x + 1 end
  T.list(pool:map(function(x) return helper_global(x) * k end, { 1, 2 }), { 20, 30 })
  T.eq(pool:info().functions, 0, "function bytes freed once no task uses them")
end)

T.test("a function is sent once per batch and cached in the worker", function()
  -- The upvalue lives in the worker's decoded copy: it counts across tasks only if the copy is reused.
  local p = parlab.ThreadPool(1)
  local calls = 0
  local count = function() calls = calls + 1 return calls end
  T.list(p:map(count, range(10), 1), range(10))
  T.eq(calls, 0, "the caller's upvalue is untouched")
  p:close()
  p:join()
end)

T.test("defaults: n is parlab.cpus(), opts.chunksize applies to every map", function()
  local p = parlab.ThreadPool()
  T.eq(p:info().size, (parlab.cpus()))
  p:terminate()
  local q = parlab.ThreadPool(2, { chunksize = 4 })
  T.list(q:map(sq, range(9)), squares(9))
  T.eq(q:_plan(9, q._chunksize, function() end), 3)  -- chunks emitted
  q:close()
  q:join()
end)

T.test("imap yields in order, imap_unordered as tasks finish", function()
  local got = {}
  for i, v in pool:imap(sq, range(30)) do got[#got + 1] = { i, v } end
  T.eq(#got, 30)
  for i = 1, 30 do T.eq(got[i], { i, i * i }) end
  local order = {}
  for i in pool:imap_unordered(function(d) parlab.sleep(d) return d end, { 0.3, 0.01 }) do order[#order + 1] = i end
  T.eq(order, { 2, 1 })
end)

T.test("errors come back through every method, with the worker's traceback", function()
  local bad = function(x) if x == 3 then error("three is bad") end return x end
  local e = T.raises("three is bad", pool.map, pool, bad, range(5))
  T.ok(e:find("ThreadPool.map", 1, true) and e:find("stack traceback", 1, true), e)
  T.raises("three is bad", pool.starmap, pool, bad, { { 1 }, { 3 } })
  T.raises("three is bad", pool.apply, pool, bad, 3)
  local r = pool:apply_async(bad, 3)
  T.raises("three is bad", r.get, r)
  T.eq(r:successful(), false)
  T.raises("three is bad", function() for _ in pool:imap(bad, range(5)) do end end)
  T.raises("three is bad", function() for _ in pool:imap_unordered(bad, range(5)) do end end)
  T.raises("cannot send", pool.apply, pool, function() return coroutine.create(print) end)
  T.list(pool:map(sq, { 2 }), { 4 }, "the pool goes on")
end)

T.test("timeouts: get and wait", function()
  local r = pool:apply_async(function() parlab.sleep(0.3) return "done" end)
  local t0 = parlab.clock()
  T.raises("timed out", r.get, r, 0.02)
  T.eq(r:wait(0.02), false)
  T.ok(parlab.clock() - t0 < 0.25)
  T.eq(r:ready(), false)
  T.raises("not ready", r.successful, r)
  T.eq(r:get(5), "done")
end)

T.test("terminate stops an interpreted task and fails what is left", function()
  local p = parlab.ThreadPool(1)
  local busy = p:apply_async(function() jit.off() while true do end end)
  local queued = p:apply_async(sq, 3)
  parlab.sleep(0.05)
  local t0 = parlab.clock()
  p:terminate()
  T.ok(parlab.clock() - t0 < 5)
  T.raises("terminated", busy.get, busy)
  T.raises("terminated", queued.get, queued)
  T.raises("the pool is terminated", p.map, p, sq, { 1 })
end)

T.test("close, join and their misuse", function()
  local p = parlab.ThreadPool(2)
  local r = p:apply_async(function() parlab.sleep(0.05) return 1 end)
  T.raises("ThreadPool.join: call close() or terminate() first", p.join, p)
  p:close()
  T.raises("ThreadPool.map: the pool is closed", p.map, p, sq, { 1 })
  T.raises("ThreadPool.apply_async: the pool is closed", p.apply_async, p, sq, 1)
  p:join()
  T.eq(r:get(), 1, "results of tasks queued before close")
end)

T.test("a task's error value that is not a string reads as it does in the main script", function()
  for _, case in ipairs(T.error_objects) do
    local fn = assert(loadstring(case[1]))
    T.error_text_in(T.raises("a task raised an error", pool.apply, pool, fn), case[2], case[1])
    T.error_text_in(T.raises("a task raised an error", pool.map, pool, fn, { 1 }), case[2], case[1])
  end
end)

T.test("bad input gives named errors", function()
  T.raises("number of workers must be a positive integer, got -1", parlab.ThreadPool, -1)
  T.raises("got 0", parlab.ThreadPool, 0)
  T.raises("got 1.5", parlab.ThreadPool, 1.5)
  T.raises("ThreadPool: the number of workers", parlab.ThreadPool, "two")
  T.raises("ThreadPool: scheduling must be", parlab.ThreadPool, 1, { scheduling = "fast" })
  T.raises("ThreadPool: chunksize must be a positive integer", parlab.ThreadPool, 1, { chunksize = 0 })
  T.raises("ThreadPool: initializer must be a function", parlab.ThreadPool, 1, { initializer = 3 })
  T.raises("ThreadPool: maxtasksperchild must be a positive integer, got -1", parlab.ThreadPool, 1,
           { maxtasksperchild = -1 })
  T.raises("ThreadPool: maxtasksperchild must be a positive integer, got 1.5", parlab.ThreadPool, 1,
           { maxtasksperchild = 1.5 })
  T.raises("ThreadPool: maxtasksperchild must be a positive integer, got table", parlab.ThreadPool, 1,
           { maxtasksperchild = {} })
  T.raises("ThreadPool.map: expected a function, got number", pool.map, pool, 42, { 1 })
  T.raises("ThreadPool.map: expected a table of items, got string", pool.map, pool, sq, "abc")
  T.raises("ThreadPool.map: chunksize must be a positive integer, got 0", pool.map, pool, sq, { 1 }, 0)
  T.raises("ThreadPool.imap: chunksize must be", pool.imap, pool, sq, { 1 }, -2)
  T.raises("ThreadPool.apply_async: expected a function", pool.apply_async, pool, nil)
  T.raises("AsyncResult.get: timeout must be a number", function() pool:apply_async(sq, 1):get("soon") end)
  -- errors point at the caller's line, not into parlab
  T.raises("test_threadpool.lua:", function() pool:map(42, { 1 }) end)
  T.raises("test_threadpool.lua:", function() pool:imap(sq, { 1 }, 0) end)
  T.raises("test_threadpool.lua:", function() pool:apply_async(nil) end)
  T.raises("test_threadpool.lua:", function() parlab.ThreadPool(-1) end)
  T.raises("test_threadpool.lua:", function() pool.map(sq, { 1 }) end)
end)

T.test("initializer runs once per worker before tasks; its failure breaks the pool", function()
  local p = parlab.ThreadPool(2, { initializer = function(base) offset = base end, initargs = { 100 } })
  T.list(p:map(function(x) return x + offset end, { 1, 2, 3 }), { 101, 102, 103 })
  p:close()
  p:join()
  local b = parlab.ThreadPool(2, { initializer = function() error("no database") end })
  local e = T.raises("initializer failed", b.map, b, sq, { 1, 2 })
  T.ok(e:find("no database", 1, true), e)
  T.raises("the pool is broken", b.apply, b, sq, 1)
  b:join()
end)

-- pending.lua keys the tasks out by id - base, base moving only when none is out: answers must still find
-- their owners when submissions overlap, after the book empties, and when a pool is stopped with tasks out.
-- (A lost answer would make get wait for ever: each waits 30 s at most.)
T.test("each answer reaches its owner as the book of tasks out fills, empties and refills", function()
  local p = parlab.ThreadPool(2)
  local slow = p:apply_async(function() parlab.sleep(0.2) return "slow" end)
  local m = p:map_async(sq, range(500), 1)
  T.eq(p:info().pending, 501, "one apply and 500 map tasks out")
  T.list(m:get(30), squares(500))
  T.eq(slow:get(30), "slow")
  T.eq(p:info().pending, 0)
  local m2 = p:map_async(sq, range(300), 7)
  local a = p:apply_async(sq, 9)
  T.eq(a:get(30), 81)
  T.list(m2:get(30), squares(300))
  T.eq(p:info().pending, 0)
  local stuck = p:map_async(function(x) parlab.sleep(0.05) return x end, range(40), 1)
  p:terminate()
  T.raises("terminated", stuck.get, stuck)  -- a running task is stopped, a queued one failed
  T.eq(p:info().pending, 0, "terminate fails every task out")
  p:join()
end)

T.test("a caller that always keeps tasks out does not grow the book of tasks out without end", function()
  local p = parlab.ThreadPool(2)
  local window, most = {}, 0
  for i = 1, 20000 do
    window[#window + 1] = { i, p:apply_async(sq, i) }
    if #window > 4 then
      local w = table.remove(window, 1)
      T.eq(w[2]:get(30), w[1] * w[1])
    end
    most = math.max(most, p._pending.top)
  end
  T.ok(most < 3 * 4096, "slots used at most: " .. most)  -- 20000 without the shelf
  local ids = p._pending:ids()  -- shelved or not, in submission order
  T.eq(#ids, #window)
  for k, w in ipairs(window) do T.eq(ids[k], w[2]._id) end
  for _, w in ipairs(window) do T.eq(w[2]:get(30), w[1] * w[1]) end
  T.eq(p:info().pending, 0)
  p:close()
  p:join()
end)

T.test("parlab.with closes on success and terminates on error", function()
  local p2
  local got = parlab.with(parlab.ThreadPool(2), function(p)
    p2 = p
    return p:map(sq, { 1, 2 })
  end)
  T.list(got, { 1, 4 })
  T.eq(p2:info().state, "closed")
  T.raises("inside with", parlab.with, parlab.ThreadPool(1), function(p)
    p2 = p
    error("inside with")
  end)
  T.eq(p2:info().state, "terminated")
  T.raises("with: the object has no __exit", parlab.with, {}, print)
end)

T.test("pools work inside threads", function()
  local ts = {}
  for i = 1, 3 do
    ts[i] = parlab.thread.start(function(k)
      local p = parlab.ThreadPool(2)
      local r = p:map(function(x) return x * k end, { 1, 2, 3 })
      p:close()
      p:join()
      return r[1] + r[2] + r[3]
    end, i)
  end
  for i = 1, 3 do T.eq(ts[i]:join(), 6 * i) end
end)

T.test("a forgotten pool does not hang the program", function()
  local script = [[
    local p = parlab.ThreadPool(2)
    for i = 1, 4 do p:apply_async(function() parlab.sleep(0.05) end) end
    print("bye")
  ]]
  local t0 = parlab.clock()
  local f = io.popen(string.format("timeout 20 %q -e %q 2>&1; echo rc=$?", exe, script))
  local out = f:read("*a")
  f:close()
  T.ok(out:find("bye", 1, true) and out:find("rc=0", 1, true), out)
  T.ok(parlab.clock() - t0 < 10)
end)

T.test("hammer: many tasks from many submitters, exact totals", function()
  local ts = {}
  for s = 1, 3 do
    ts[s] = parlab.thread.start(function(s)
      local p = parlab.ThreadPool(2)
      local rs, total = {}, 0
      for i = 1, 1000 do rs[i] = p:apply_async(function(a, b) return a * b end, i, s) end
      for i = 1, 1000 do total = total + rs[i]:get() end
      local items = {}
      for i = 1, 3000 do items[i] = i end
      for _, v in ipairs(p:map(function(x) return x end, items, 1)) do
        total = total + v
      end
      p:terminate()
      return total
    end, s)
  end
  local rs, mine = {}, 0
  for i = 1, 2000 do rs[i] = pool:apply_async(function(x) return x end, i) end
  for i = 1, 2000 do mine = mine + rs[i]:get() end
  T.eq(mine, 2000 * 2001 / 2)
  for s = 1, 3 do T.eq(ts[s]:join(), 500500 * s + 3000 * 3001 / 2) end
end)

pool:close()
pool:join()
T.test("globals set by the initializer are seen by later tasks (threads and processes)", function()
  for _, make in ipairs { parlab.ThreadPool, parlab.Pool } do
    local p = make(2, { initializer = function(k) POOL_FACTOR = k end, initargs = { 10 } })
    T.list(p:map(function(x) return x * POOL_FACTOR end, { 1, 2, 3 }), { 10, 20, 30 })
    p:close()
    p:join()
  end
  T.eq(rawget(_G, "POOL_FACTOR"), nil, "nothing flows back to the parent")
end)

T.test("a map of more chunks than are sent ahead (4096) keeps order and reports a task's error", function()
  for _, make in ipairs { parlab.ThreadPool, parlab.Pool } do
    local p = make(2)
    local xs = range(10000)
    local out = p:map(function(x) return x * 2 end, xs, 1)
    T.eq(#out, 10000)
    for i = 1, 10000 do T.eq(out[i], 2 * i) end
    local ok, err = pcall(p.map, p, function(x) if x == 50 then error("fifty") end return x end, xs, 1)
    T.eq(ok, false)
    T.ok(tostring(err):find("fifty"), "the task's error comes back")
    T.eq(#p:starmap(function(a, b) return a + b end, p:map(function(x) return { x, x } end, xs, 100), 1), 10000)
    p:close()
    p:join()
  end
end)

T.done()
