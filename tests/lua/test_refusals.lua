-- Refusals found as raw Lua errors from parlab's own files, or at the wrong line (issue 20, and the
-- CPython port's notes): each names the function and the argument, at the caller's line.
local T = require "check"
local here = debug.getinfo(1, "S").short_src

-- The error of fn(...) must start with this file's name and the line that called it.
local function raises_here(pattern, line, fn, ...)
  local err = T.raises(pattern, fn, ...)
  T.ok(tostring(err):find(here .. ":" .. line .. ": ", 1, true), "at the caller's line: " .. tostring(err))
end

T.test("as_completed and wait check their timeout", function()
  local ex = parlab.ThreadPoolExecutor(1)
  local fs = { ex:submit(function() return 1 end) }
  T.raises("as_completed: timeout must be a number of seconds, got u8", parlab.as_completed, fs, "u8")
  T.raises("wait: timeout must be a number of seconds, got soon", parlab.wait, fs, "soon")
  T.raises("wait: timeout must be a number of seconds, got nan", parlab.wait, fs, 0 / 0)
  ex:shutdown()
end)

T.test("parlab.with refuses what is not a scoped object, and scopes a lock", function()
  T.raises("with: expected a scoped object (a pool, an executor, a lock), got number", parlab.with, 2 ^ 63, print)
  T.raises("with: expected a scoped object (a pool, an executor, a lock), got nil", parlab.with, nil, print)
  T.raises("with: the object has no __exit method", parlab.with, {}, print)
  local lock = parlab.Lock()
  T.eq(parlab.with(lock, function(l, x) T.ok(not l:acquire(false)) return x * 2 end, 21), 42)
  T.ok(lock:acquire(false), "released after the function returned")
  lock:release()
  T.raises("inside", parlab.with, lock, function() error("inside") end)
  T.ok(lock:acquire(false), "released after the function raised")
  lock:release()
  local sem = parlab.Semaphore(1)
  parlab.with(sem, function(s) T.ok(not s:acquire(false)) end)
  T.ok(sem:acquire(false))
end)

T.test("map_async and starmap_async name the caller's line", function()
  local pool = parlab.ThreadPool(1)
  raises_here("ThreadPool.map_async: chunksize must be a positive integer, got 0", 40, function()
    local r = pool:map_async(print, { 1 }, 0)  -- not a tail call: a tail call leaves no line to name
    return r
  end)
  raises_here("ThreadPool.starmap_async: expected a table of items, got string", 44, function()
    local r = pool:starmap_async(print, "x")
    return r
  end)
  pool:close()
  pool:join()
end)

T.test("Value and Array take Python's lock option and refuse anything else", function()
  T.eq(parlab.Value("i", 3, { lock = false }).value, 3)
  T.eq(parlab.Array("i", { 1, 2 }, { lock = true })[1], 2)
  T.raises("Value: options must be a table {lock = true|false}, got number", parlab.Value, "i", 0, 5)
  T.raises("Value: unknown option locked (it takes lock)", parlab.Value, "i", 0, { locked = true })
  T.raises("Array: lock must be true or false, got string", parlab.Array, "i", 2, { lock = "yes" })
  T.raises("Value: takes at most 3 arguments, got 4", parlab.Value, "i", 0, {}, 1)
end)

T.done()
