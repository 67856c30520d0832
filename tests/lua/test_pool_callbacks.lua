-- Pool callbacks as multiprocessing's: apply_async{fn, args =, callback =, error_callback =} and
-- map_async/starmap_async(fn, list, {callback =, error_callback =}) run in the pool's owner, once, in
-- completion order, with every callback run by the time join() returns; an error inside a callback is
-- reported and counted, never lost, and the pool goes on. Result lists carry n (table.pack's rule).
local T = require "check"

local function pools()
  return { { "ThreadPool", function() return parlab.ThreadPool(2) end },
    { "Pool", function() return parlab.Pool(2) end } }
end

for _, p in ipairs(pools()) do
  local name, make = p[1], p[2]

  T.test(name .. ": apply_async callbacks run before join returns, each once", function()
    local pool, got, errs = make(), {}, {}
    for i = 1, 6 do
      pool:apply_async { function(x, y) return x * y, "second" end, args = { i, 10 },
        callback = function(v, w) got[#got + 1] = v; T.eq(w, "second") end,
        error_callback = function(e) errs[#errs + 1] = e end }
    end
    pool:apply_async { function() error("boom") end, callback = function() got[#got + 1] = "wrong" end,
      error_callback = function(e) errs[#errs + 1] = e end }
    pool:close()
    T.ok(pool:join(30))
    table.sort(got)
    T.eq(got, { 10, 20, 30, 40, 50, 60 })
    T.eq(#errs, 1)
    T.ok(tostring(errs[1]):find("boom", 1, true), tostring(errs[1]))
  end)

  T.test(name .. ": map_async callback gets the whole list, error_callback the first error", function()
    local pool, lists, errs = make(), {}, {}
    local r = pool:map_async(function(x) return x + 1 end, { 1, 2, 3 },
      { chunksize = 1, callback = function(l) lists[#lists + 1] = l end })
    T.eq(r:get(10)[3], 4)
    T.eq(#lists, 1, "the callback ran once, by the time get returned")
    T.eq(lists[1].n, 3)
    pool:starmap_async(function(a, b) if a == 2 then error("bad pair") end return a + b end, { { 1, 2 }, { 2, 3 } },
      { callback = function() lists[#lists + 1] = "wrong" end, error_callback = function(e) errs[#errs + 1] = e end })
    pool:close()
    pool:join(30)
    T.eq(#lists, 1)
    T.eq(#errs, 1)
    T.ok(tostring(errs[1]):find("bad pair", 1, true))
  end)

  T.test(name .. ": an error in a callback is reported and counted, and the pool goes on", function()
    local pool = make()
    local r = pool:apply_async { function() return 1 end, callback = function() error("callback broke") end }
    T.eq(r:get(10), 1, "the task's own result is intact")
    T.eq(pool:info().callback_errors, 1)
    T.eq(pool:apply(function() return 2 end), 2, "the pool goes on")
    pool:close()
    T.ok(pool:join(30))
  end)

  T.test(name .. ": a function that returns nil leaves holes, and n says how many items", function()
    local pool = make()
    local r = pool:map(function(x) if x % 2 == 0 then return x end end, { 1, 2, 3, 4, 5 })
    T.eq(r.n, 5)
    T.eq(r[2], 2)
    T.eq(r[5], nil)
    T.eq(pool:map(function() end, {}).n, 0)
    pool:close()
    pool:join(30)
  end)
end

T.test("callback options are checked at the call, by name", function()
  local pool = parlab.ThreadPool(1)
  local f = function() end
  T.raises("ThreadPool.apply_async: callback must be a function, got number", pool.apply_async, pool,
    { f, callback = 3 })
  T.raises("ThreadPool.apply_async: unknown option colback", pool.apply_async, pool, { f, colback = f })
  T.raises("ThreadPool.apply_async: extra item 2 in the call table", pool.apply_async, pool, { f, 1 })
  T.raises("ThreadPool.apply_async: args must be a table, got number", pool.apply_async, pool, { f, args = 1 })
  T.raises("ThreadPool.apply_async: kwds: Lua functions take no keyword arguments", pool.apply_async, pool,
    { f, kwds = {} })
  T.raises("ThreadPool.apply_async: expected a function, got nil", pool.apply_async, pool, { args = {} })
  T.raises("ThreadPool.map_async: error_callback must be a function, got string", pool.map_async, pool, f, { 1 },
    { error_callback = "x" })
  T.raises("ThreadPool.map_async: chunksize must be a positive integer, got 0", pool.map_async, pool, f, { 1 },
    { chunksize = 0 })
  T.raises("ThreadPool.map_async: unknown option timeout", pool.map_async, pool, f, { 1 }, { timeout = 1 })
  pool:close()
  pool:join()
end)

T.test("a plain table argument of apply_async is still an argument when more follow", function()
  local pool = parlab.ThreadPool(1)
  T.eq(pool:apply_async(function(t, x) return #t + x end, { 1, 2 }, 3):get(10), 5)
  pool:close()
  pool:join()
end)

T.test("terminate fails the tasks still out through their error_callback", function()
  local pool, errs = parlab.ThreadPool(1), {}
  for _ = 1, 3 do
    pool:apply_async { function() parlab.sleep(5) end, error_callback = function(e) errs[#errs + 1] = e end }
  end
  parlab.sleep(0.05)
  pool:terminate()
  T.eq(#errs, 3)
  T.ok(tostring(errs[1]):find("terminated", 1, true), tostring(errs[1]))
end)

T.done()
