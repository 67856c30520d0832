-- Leak loops: make and close many of each object; open descriptors, threads, child processes and the
-- shared arena's use come back to a bound of their baseline. The bounds are generous on purpose (a
-- first use may allocate once: slabs, the fork server); a leak per object would exceed them by far.
local T = require "check"
local internal = require "parlab.internal"
local ffi = require "ffi"
ffi.cdef "int getpid(void);"
local pid = ffi.C.getpid()

local function count(cmd)
  local n = 0
  local p = io.popen(cmd)
  for _ in p:lines() do n = n + 1 end
  p:close()
  return n
end

local function facts()
  collectgarbage()
  collectgarbage()
  return {
    fds = count("ls /proc/" .. pid .. "/fd"),
    tasks = count("ls /proc/" .. pid .. "/task"),
    children = count("pgrep -P " .. pid),
    arena = internal.queue.arena_used(),
  }
end

-- Runs make() n times (each result dropped at once), after a warm-up round; settle(), when given, runs
-- before the second count (to let what was dropped finish ending on a loaded machine).
local function loop(what, n, make, arena_bound, settle)
  T.test(what .. " x" .. n .. ": descriptors, threads, children and arena back to baseline", function()
    for _ = 1, 3 do make() end
    local before = facts()
    for _ = 1, n do make() end
    if settle then settle(before) end
    local after = facts()
    T.ok(after.fds <= before.fds + 2, "fds " .. before.fds .. " -> " .. after.fds)
    T.ok(after.tasks <= before.tasks, "threads " .. before.tasks .. " -> " .. after.tasks)
    T.ok(after.children <= before.children + 1, "children " .. before.children .. " -> " .. after.children)
    local grew = after.arena - before.arena
    T.ok(grew <= arena_bound, string.format("arena grew by %d bytes (bound %d)", grew, arena_bound))
  end)
end

loop("Queue put/get/close", 1000, function()
  local q = parlab.Queue()
  q:put({ 1, "two" })
  q:get()
  q:close()
end, 64 * 1024)

loop("Pipe send/recv/close", 1000, function()
  local a, b = parlab.Pipe()
  a:send("x")
  b:recv()
  a:close()
  b:close()
end, 64 * 1024)

-- A fork child takes a reference to each pipe it inherits and gives it back when it exits.
loop("Pipe open across a fork child", 100, function()
  parlab.set_start_method("fork")
  local a, b = parlab.Pipe()
  local p = parlab.Process(function() end)
  p:start()
  p:join()
  a:close()
  b:close()
  parlab.set_start_method("forkserver")
end, 64 * 1024)

loop("Lock, RLock, Event, Value", 1000, function()
  local l, r, e, v = parlab.Lock(), parlab.RLock(), parlab.Event(), parlab.Value("d", 1)
  l:acquire() l:release() r:acquire() r:release() e:set() v.value = 2
end, 64 * 1024)

loop("Thread start/join", 300, function()
  parlab.Thread(function() return 1 end):start():join()
end, 64 * 1024)

loop("Thread terminated in a compiled loop", 100, function()
  local t = parlab.Thread(function() local x = 0 while true do x = x + 1 end end):start()
  t:terminate()
end, 256 * 1024)

loop("Process start/join (forkserver)", 100, function()
  local p = parlab.Process(function() end)
  p:start()
  p:join()
end, 64 * 1024)

-- Dropped without join: the next start reaps the ended ones and closes their status sockets (issue 20:
-- each kept a descriptor until exit). A short sleep lets the last ones end before the count.
loop("Process started and dropped without join (forkserver)", 300, function()
  parlab.Process(function() end):start()
  parlab.sleep(0.002)
end, 64 * 1024, function(before)
  -- The last ones may still be running on a loaded machine: each further start reaps those that ended.
  local deadline = parlab.clock() + 20
  repeat
    parlab.sleep(0.02)
    local p = parlab.Process(function() end)
    p:start()
    p:join(20)
    collectgarbage()
  until count("ls /proc/" .. pid .. "/fd") <= before.fds + 2 or parlab.clock() > deadline
end)

T.test("threads with the GIL off leave no GIL statistics record behind (issue 20: one per thread)", function()
  local before = #parlab.gil.stats().threads
  for _ = 1, 300 do parlab.Thread(function() return 1 end):start():join() end
  T.eq(#parlab.gil.stats().threads, before)
end)

loop("ThreadPool map/close/join", 100, function()
  local pool = parlab.ThreadPool(2)
  pool:map(function(x) return x end, { 1, 2, 3 })
  pool:close()
  pool:join()
end, 256 * 1024)

loop("Pool(2) map/close/join", 30, function()
  local pool = parlab.Pool(2)
  pool:map(function(x) return x end, { 1, 2, 3 })
  pool:close()
  pool:join()
end, 256 * 1024)

loop("Pool(2) terminate (workers killed, not joined)", 30, function()
  local pool = parlab.Pool(2)
  pool:map(function(x) return x end, { 1, 2, 3 })
  pool:terminate()
  pool:join()
end, 256 * 1024)

loop("Pool(2) dropped to the garbage collector", 30, function()
  parlab.Pool(2):map(function(x) return x end, { 1, 2 })
end, 256 * 1024)

loop("Pool(2) ended by parlab.with's error path", 30, function()
  pcall(parlab.with, parlab.Pool(2), function(p)
    p:map(function(x) return x end, { 1 })
    error("leave")
  end)
end, 256 * 1024)

loop("ThreadPool terminate", 100, function()
  local pool = parlab.ThreadPool(2)
  pool:map(function(x) return x end, { 1, 2, 3 })
  pool:terminate()
  pool:join()
end, 256 * 1024)

T.done()
