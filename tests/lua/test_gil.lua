-- The GIL from Lua with real parlab threads: mutual exclusion (counted by a probe in the hook), switching
-- (every thread makes progress), blocking calls release it, stats move, switching it on or off is
-- refused while other threads run, and the JIT choice in free mode.
local T = require "check"
local internal = require "parlab.internal"
local gil = parlab.gil

local function busy_pair(seconds)
  local ts = {}
  for i = 1, 2 do
    ts[i] = parlab.Thread(function(seconds)
      local n, stop = 0, parlab.clock() + seconds
      while parlab.clock() < stop do
        for _ = 1, 1000 do n = n + 1 end
      end
      return n
    end, seconds)
    ts[i]:start()
  end
  return ts[1]:join(), ts[2]:join()
end

T.test("control: without the GIL the same probe sees threads overlap", function()
  parlab.jit(false)  -- compiled traces never run the hook
  local overlaps = 0
  for _ = 1, 10 do  -- overlapping needs both cores at once; retry on a busy machine
    internal.gil_probe(true)
    busy_pair(0.3)
    local _, o = internal.gil_probe(false)
    overlaps = o
    if overlaps > 0 then break end
  end
  parlab.jit(true)
  T.ok(overlaps > 0, "overlaps: " .. overlaps)
end)

T.test("free mode: the JIT choice reaches new threads", function()
  T.eq(gil.enabled(), false)
  gil.enable(false, { jit = false })
  T.eq(parlab.jit(), false)
  local t = parlab.Thread(function() return parlab.jit() end)
  t:start()
  T.eq(t:join(), false)
  T.eq(parlab.jit(true), false)  -- returns the previous setting
  T.eq(parlab.jit(), true)
  T.raises("jit: expected true or false", parlab.jit, "on")
end)

T.test("enable, enabled, switch interval, JIT off under the GIL", function()
  T.raises("gil.enable: expected true or false", gil.enable, 1)
  T.raises("the GIL needs the JIT off", gil.enable, true, { jit = true })
  T.raises("options must be a table", gil.enable, true, 5)
  gil.enable(true)
  T.eq(gil.enabled(), true)
  T.eq(parlab.jit(), false)
  T.raises("the JIT cannot run under the GIL", parlab.jit, true)
  T.raises("positive", gil.setswitchinterval, 0)
  T.raises("positive", gil.setswitchinterval, -1)
  T.raises("expected seconds", gil.setswitchinterval, "fast")
  gil.setswitchinterval(0.001)
  T.near(gil.getswitchinterval(), 0.001, 1e-9)
  -- Threads and thread-pool workers alike run the interpreter under the GIL.
  local t = parlab.Thread(function() return (jit.status()) end)
  t:start()
  T.eq(t:join(), false, "a Thread's JIT")
  local pool = parlab.ThreadPool(2)
  T.list(pool:map(function() return (jit.status()) end, { 1, 2, 3 }), { false, false, false }, "pool workers' JIT")
  pool:close()
  pool:join()
  gil.reset_stats()
end)

T.test("mutual exclusion: two threads never run Lua at once (hook probe)", function()
  internal.gil_probe(true)
  local a, b = busy_pair(0.3)
  local checks, overlaps = internal.gil_probe(false)
  T.ok(a > 0 and b > 0)
  T.ok(checks > 100, "hook checks: " .. checks)
  T.eq(overlaps, 0)
end)

T.test("switching: every thread makes progress while all want the GIL", function()
  local progress, stop = parlab.Array("i64", 3), parlab.Value("i32", 0)
  local ts = {}
  for i = 0, 2 do
    ts[i + 1] = parlab.Thread(function(i, progress, stop)
      while stop.value == 0 do progress[i] = progress[i] + 1 end
    end, i, progress, stop)
    ts[i + 1]:start()
  end
  local deadline = parlab.clock() + 20
  local function moved()
    return progress[0] > 1000 and progress[1] > 1000 and progress[2] > 1000
  end
  while not moved() and parlab.clock() < deadline do parlab.sleep(0.01) end
  stop.value = 1
  for _, t in ipairs(ts) do t:join() end
  T.ok(moved(), table.concat(progress:totable(), ", "))
  local s = gil.stats()
  T.ok(s.switches > 0 and s.forced_switches > 0 and s.drop_requests > 0,
       string.format("switches %d forced %d requests %d", s.switches, s.forced_switches, s.drop_requests))
end)

T.test("a blocking call (parlab.sleep, Event.wait) releases the GIL", function()
  local count, stop = parlab.Value("i64", 0), parlab.Event()
  local t = parlab.Thread(function(count, stop)
    while not stop:is_set() do count:add(1) end
  end, count, stop)
  t:start()
  -- First make sure the counter runs (on a loaded machine its start can take longer than one wait): we
  -- spin in interpreted Lua, which hands the GIL over at switch intervals.
  local deadline = parlab.clock() + 20
  while count.value == 0 and parlab.clock() < deadline do end
  local before = count.value
  stop:wait(0.1)  -- the counter runs while we wait
  local c0 = count.value - before
  parlab.sleep(0.1)  -- and while we sleep
  local c1 = count.value - before
  stop:set()
  t:join()
  T.ok(c0 > 0, "counted during Event.wait: " .. c0)
  T.ok(c1 > c0, "counted during sleep: " .. c0 .. " -> " .. c1)
end)

T.test("a native kernel releases the GIL while it runs (the holder's hold time stops)", function()
  local function main_hold()
    for _, th in ipairs(gil.stats().threads) do
      if th.name == "main" then return th.hold end
    end
  end
  local a = parlab.array("f64", 2 ^ 22)
  parlab.kernels.fill(a, 1)
  local h0, t0 = main_hold(), parlab.clock()
  for _ = 1, 10 do T.eq(parlab.kernels.sum(a, 1), 2 ^ 22) end
  local held, elapsed = main_hold() - h0, parlab.clock() - t0
  T.ok(held < elapsed / 2, string.format("held the GIL %.4f s of %.4f s inside kernels", held, elapsed))
  h0, t0 = main_hold(), parlab.clock()
  parlab.sleep(0.05)
  held, elapsed = main_hold() - h0, parlab.clock() - t0
  T.ok(held < elapsed / 2, string.format("held the GIL %.4f s of %.4f s asleep", held, elapsed))
end)

T.test("stats: switches, forced switches, wait and hold per thread", function()
  local s = gil.stats()
  T.eq(s.enabled, true)
  T.ok(s.switches >= s.forced_switches)
  local main, workers = nil, 0
  for _, th in ipairs(s.threads) do
    if th.name == "main" then main = th end
    if th.name ~= "main" then workers = workers + 1 end
    T.ok(th.wait >= 0 and th.hold >= 0 and th.acquisitions >= 0)
  end
  T.ok(main and main.alive and main.hold > 0 and main.acquisitions > 0, "main thread takes part")
  T.ok(workers >= 2, "threads appear: " .. workers)
  gil.reset_stats()
  T.eq(gil.stats().switches, 0)
end)

T.test("switching the GIL is refused while other threads run", function()
  local e = parlab.Event()
  local t = parlab.Thread(function(e) return e:wait(10) end, e)
  t:start()
  parlab.sleep(0.02)
  T.raises("other Lua thread(s) are running", gil.enable, false)
  T.eq(gil.enabled(), true)
  e:set()
  T.eq(t:join(), true)
  gil.enable(false)
  T.eq(gil.enabled(), false)
  T.eq(parlab.jit(), true)
  gil.setswitchinterval(0.005)
end)

T.done()
