-- parlab.Pool with process workers (fork, spawn, forkserver) through the shared pool front: every method,
-- dead workers (a signal, os.exit in a task, a segfault), terminate, bad input.
local T = require "check"
local internal = require "parlab.internal"
local methods = { "fork", "spawn", "forkserver" }

local function squares(n)
  local t = {}
  for i = 1, n do t[i] = i * i end
  return t
end

local function range(n)
  local t = {}
  for i = 1, n do t[i] = i end
  return t
end

for _, m in ipairs(methods) do
  T.test(m .. ": map, starmap, imap, imap_unordered, apply, apply_async", function()
    local pool = parlab.Pool(2, { start_method = m })
    local sq = function(x) return x * x end
    T.list(pool:map(sq, range(100)), squares(100))
    T.list(pool:map(sq, range(100), 7), squares(100))
    T.list(pool:starmap(function(a, b) return a * b end, { { 1, 2 }, { 3, 4 } }), { 2, 12 })
    local got = {}
    for i, v in pool:imap(sq, range(20)) do got[i] = v end
    T.eq(got, squares(20))
    local un, count = {}, 0
    for i, v in pool:imap_unordered(sq, range(20)) do un[i] = v; count = count + 1 end
    T.eq(count, 20)
    T.eq(un, squares(20))
    T.eq(pool:apply(function(a, b) return a + b end, 2, 3), 5)
    local rs = {}
    for i = 1, 50 do rs[i] = pool:apply_async(function(x) return x, internal.getpid() end, i) end
    for i = 1, 50 do
      local v, pid = rs[i]:get()
      T.eq(v, i)
      T.ok(pid ~= internal.getpid(), "tasks run in another process")
    end
    pool:close()
    pool:join()
    T.eq(internal.live_children(), 0)
  end)

  T.test(m .. ": a task's error comes back with its message; the pool goes on", function()
    local pool = parlab.Pool(2, { start_method = m })
    local err = T.raises("a task raised an error", pool.map, pool, function(x)
      if x == 3 then error("three is bad") end
      return x
    end, range(5))
    T.ok(err:find("three is bad", 1, true), err)
    T.list(pool:map(function(x) return x + 1 end, { 1, 2 }), { 2, 3 })
    pool:close()
    pool:join()
  end)

  T.test(m .. ": a worker killed by SIGKILL mid-map fails its task by name, is replaced, the rest completes",
    function()
      local pool = parlab.Pool(2, { start_method = m })
      local rs = {}
      for i = 1, 20 do
        rs[i] = pool:apply_async(function(x)
          if x == 5 then os.execute("kill -9 " .. internal.getpid()) parlab.sleep(5) end
          return x * 10
        end, i)
      end
      local failed = 0
      for i = 1, 20 do
        local ok, v = pcall(rs[i].get, rs[i])
        if i == 5 then
          T.ok(not ok, "the killed task fails")
          T.ok(tostring(v):find("died while running this task: signal 9 (SIGKILL)", 1, true), tostring(v))
          T.ok(tostring(v):find("(" .. m .. ", pid ", 1, true), tostring(v))
          failed = failed + 1
        else
          T.ok(ok, tostring(v))
          T.eq(v, i * 10)
        end
      end
      T.eq(failed, 1)
      T.list(pool:map(function(x) return x end, range(10)), range(10))
      T.eq(pool:info().deaths, 1)
      pool:close()
      pool:join()
      T.eq(internal.live_children(), 0)
    end)

  T.test(m .. ": os.exit in a task and a segfault fail their task only", function()
    local pool = parlab.Pool(2, { start_method = m })
    local a = pool:apply_async(function() os.exit(3) end)
    local b = pool:apply_async(function()
      local ffi = require "ffi"
      return ffi.cast("int*", 0)[0]  -- a segfault, as a buggy native kernel would
    end)
    local c = pool:apply_async(function() return "fine" end)
    local ok, err = pcall(a.get, a)
    T.ok(not ok and err:find("died while running this task: exit status 3", 1, true), tostring(err))
    ok, err = pcall(b.get, b)
    -- An ASan build catches the segfault itself and exits with status 1 instead; a TSan build with 66.
    T.ok(not ok and (err:find("died while running this task: signal 11 (SIGSEGV)", 1, true)
      or err:find("died while running this task: exit status 1", 1, true)
      or err:find("died while running this task: exit status 66", 1, true)), tostring(err))
    T.eq(c:get(), "fine")
    T.list(pool:map(function(x) return -x end, { 1, 2, 3 }), { -1, -2, -3 })
    pool:terminate()
    pool:join()
  end)

  T.test(m .. ": terminate stops busy workers at once", function()
    local pool = parlab.Pool(2, { start_method = m })
    local r = pool:apply_async(function() while true do end end)
    local r2 = pool:apply_async(function() parlab.sleep(60) end)
    parlab.sleep(0.1)
    local t0 = parlab.clock()
    pool:terminate()
    pool:join()
    T.ok(parlab.clock() - t0 < 5, "terminate returned")
    -- Each task fails; the message says the pool was terminated (or that its worker got SIGTERM).
    for _, res in ipairs { r, r2 } do
      local ok, err = pcall(res.get, res)
      T.ok(not ok and (err:find("terminated", 1, true) or err:find("SIGTERM", 1, true)), tostring(err))
    end
    T.eq(internal.live_children(), 0)
  end)
end

T.test("big arguments and results travel intact, task after task, and leave no arena bytes behind", function()
  -- A large result is read in place in the arena and its block freed after decoding; a worker keeps its
  -- task and result buffers warm between tasks (docs/results.md, "Big messages through a pool").
  collectgarbage()
  collectgarbage()
  local before = internal.queue.arena_used()
  do  -- the pool itself is dropped before the count
    local pool = parlab.Pool(2)
    local a, b = string.rep("a", 3 * 2 ^ 20 + 1), string.rep("b", 2 ^ 20)
    for round = 1, 3 do
      local got = pool:map(function(s) return s .. s:sub(1, 7), #s end, { a, b, "small", a })
      T.ok(got[1] == a .. "aaaaaaa" and got[2] == b .. "bbbbbbb" and got[3] == "smallsmall"
        and got[4] == a .. "aaaaaaa", "round " .. round)
      local big, n = pool:apply(function(s, k) return s:rep(k), #s end, b, 5)
      T.ok(big == b:rep(5) and n == #b, "apply round " .. round)
    end
    -- an error with a big message comes back whole too
    local ok, err = pcall(pool.apply, pool, function(s) error(s, 0) end, b)
    T.ok(not ok and err:find(b, 1, true), "a big error message")
    pool:close()
    pool:join()
  end
  collectgarbage()
  collectgarbage()
  T.eq(internal.queue.arena_used(), before)
end)

T.test("initializer runs once in each worker process", function()
  local log = os.tmpname()
  local pool = parlab.Pool(2, { initializer = function(path)
    local f = io.open(path, "a"); f:write(internal.getpid(), "\n"); f:close()
  end, initargs = { log } })
  T.list(pool:map(function(x) return x * 3 end, { 1, 2, 3 }), { 3, 6, 9 })
  pool:close()
  pool:join()
  local n, seen = 0, {}
  for line in io.lines(log) do n = n + 1; seen[line] = true end
  os.remove(log)
  T.eq(n, 2)
  T.ok(not seen[tostring(internal.getpid())], "not in the parent")
end)

T.test("ProcessPoolExecutor submits to process workers", function()
  local ex = parlab.ProcessPoolExecutor(2)
  local f = ex:submit(function(a, b) return a + b, internal.getpid() end, 1, 2)
  local v, pid = f:result()
  T.eq(v, 3)
  T.ok(pid ~= internal.getpid())
  ex:shutdown()
end)

T.test("a task's error value that is not a string reads as it does in the main script", function()
  local pool = parlab.Pool(1, { start_method = "fork" })
  for _, case in ipairs(T.error_objects) do
    T.error_text_in(T.raises("a task raised an error", pool.apply, pool, assert(loadstring(case[1]))),
                    case[2], case[1])
  end
  pool:close()
  pool:join()
end)

T.test("bad input: negative or zero workers, bad start method, non-function tasks", function()
  T.raises("Pool: the number of workers must be a positive integer, got -1", parlab.Pool, -1)
  T.raises("Pool: the number of workers must be a positive integer, got 0", parlab.Pool, 0)
  T.raises("no backend named 'vfork'", parlab.Pool, 1, { start_method = "vfork" })
  T.raises("Pool: maxtasksperchild must be a positive integer, got -1", parlab.Pool, 1,
    { maxtasksperchild = -1 })
  T.raises("Pool: maxtasksperchild must be a positive integer, got 1.5", parlab.Pool, 1,
    { maxtasksperchild = 1.5 })
  local pool = parlab.Pool(1)
  T.raises("expected a function", pool.apply_async, pool, 42)
  pool:close()
  pool:join()
  T.raises("the pool is closed", pool.apply, pool, print)
end)

for _, m in ipairs(methods) do
  T.test(m .. ": maxtasksperchild replaces each worker after that many tasks", function()
    local pool = parlab.Pool(2, { maxtasksperchild = 3, start_method = m })
    local pids = pool:map(function() return internal.getpid() end, range(12), 1)
    local per = {}
    for _, pid in ipairs(pids) do per[pid] = (per[pid] or 0) + 1 end
    local workers = 0
    for _, n in pairs(per) do
      workers = workers + 1
      T.ok(n <= 3, "no worker ran more than 3 tasks")
    end
    T.ok(workers >= 4, "12 tasks at 3 per worker need at least 4 workers, saw " .. workers)
    T.eq(pool:info().deaths, 0)
    pool:close()
    pool:join()
    T.eq(internal.live_children(), 0)
  end)
end

T.done()
