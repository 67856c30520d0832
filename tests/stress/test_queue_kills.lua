-- Processes SIGKILLed at random moments in the middle of Queue gets and puts of large messages (issue 14;
-- seeded: PARLAB_STRESS_SEED replays it). Every item is delivered exactly once or its loss is reported in
-- q:faults(); nobody waits for ever; the arena comes back.
local T = require "check"
local ffi = require "ffi"
ffi.cdef "int kill(int pid, int sig);"

T.seed_random("PARLAB_STRESS_SEED")
collectgarbage()
local BASELINE = parlab.memory().arena_used

local SIZE, ITEMS, ROUNDS = 16 * 2 ^ 20, 12, 8

local function item(i) return string.char(64 + i) .. string.rep("x", SIZE - 1) end

-- The victim takes items and marks each in a shared array as soon as get returns.
local function reader(q, seen, started)
  started:set()
  while true do
    local v = q:get()
    local i = v:byte(1) - 64
    seen[i - 1] = seen[i - 1] + 1
  end
end

T.test("a reader killed at random during gets of 16 MiB items: each item once, or its loss reported", function()
  local redelivered, lost = 0, 0
  for _ = 1, ROUNDS do
    local q, seen, started = parlab.Queue(), parlab.Array("i", ITEMS), parlab.Event()
    for i = 1, ITEMS do q:put(item(i)) end
    local p = parlab.Process(reader, q, seen, started)
    p:start()
    T.ok(started:wait(30), "the reader started")
    parlab.sleep(math.random() * 0.04)
    ffi.C.kill(p.pid, 9)
    p:join(30)
    while true do  -- the survivor drains the queue, taken items put back included
      local ok, v = pcall(q.get, q, 0.5)
      if not ok then break end
      local i = v:byte(1) - 64
      seen[i - 1] = seen[i - 1] + 1
    end
    local f = q:faults()
    local missing = 0
    for i = 0, ITEMS - 1 do
      T.ok(seen[i] <= 1, "item " .. i + 1 .. " delivered " .. seen[i] .. " times")
      if seen[i] == 0 then missing = missing + 1 end
    end
    T.ok(missing <= f.maybe_lost, missing .. " items missing, " .. f.maybe_lost .. " reported")
    redelivered, lost = redelivered + f.redelivered, lost + f.maybe_lost
  end
  print(string.format("  %d kills: %d items put back, %d reported lost", ROUNDS, redelivered, lost))
end)

T.test("a writer killed at random during puts of 16 MiB items: readers go on, the puts that landed arrive", function()
  local dropped = 0
  for _ = 1, ROUNDS do
    local q, started = parlab.Queue(), parlab.Event()
    local p = parlab.Process(function(q, started)
      local items = {}
      for i = 1, ITEMS do items[i] = item(i) end
      started:set()
      for i = 1, ITEMS do q:put(items[i]) end
    end, q, started)
    p:start()
    T.ok(started:wait(30), "the writer started")
    parlab.sleep(math.random() * 0.3)  -- each put encodes, then copies into fresh pages: ~50 ms here
    ffi.C.kill(p.pid, 9)
    p:join(30)
    local t0, n, last = parlab.clock(), 0, 0
    while true do
      local ok, v = pcall(q.get, q, 0.5)
      if not ok then break end
      local i = v:byte(1) - 64
      T.ok(i > last, "in order")
      last, n = i, n + 1
    end
    T.ok(parlab.clock() - t0 < 10, "drained without waiting on the dead writer")
    T.ok(n <= ITEMS)
    dropped = dropped + q:faults().lost_puts
  end
  print(string.format("  %d kills: %d puts reported as never arrived", ROUNDS, dropped))
end)

-- A killed process's references to the queue are given back when the last live holder drops it
-- (Queue::reclaim_dead), so the queue, the items a killed reader had taken and the spare block go away.
T.test("after the kills and with every queue dropped, the arena is back to its baseline", function()
  collectgarbage()
  collectgarbage()
  local used = parlab.memory().arena_used
  T.ok(used <= BASELINE + 2 ^ 20, string.format("%.2f MiB of arena in use, %.2f MiB before the kills",
    used / 2 ^ 20, BASELINE / 2 ^ 20))
end)

-- Round k kills a reader (odd k) or a writer (even k) in the middle of a transfer of 16-64 MiB, then closes
-- the queue; the caller drops everything when this returns. Returns the item size.
local function kill_mid_transfer(round)
  local size = math.random(16, 64) * 2 ^ 20
  local q, started = parlab.Queue(), parlab.Event()
  local p
  if round % 2 == 1 then
    q:put(string.rep("r", size))
    q:put(string.rep("s", size))
    p = parlab.Process(function(q, started)
      started:set()
      while true do q:get() end
    end, q, started)
  else
    p = parlab.Process(function(q, started, size)
      local s = string.rep("w", size)
      started:set()
      while true do q:put(s) end
    end, q, started, size)
  end
  p:start()
  T.ok(started:wait(30), "the victim started")
  parlab.sleep(0.02 + math.random() * 0.1)
  ffi.C.kill(p.pid, 9)
  p:join(30)
  q:close()
  return size
end

T.test("kill a reader or a writer mid 16-64 MiB transfer, then close and drop: no arena left (x6)", function()
  collectgarbage()
  local before = parlab.memory().arena_used
  for round = 1, 6 do
    local size = kill_mid_transfer(round)
    collectgarbage()
    collectgarbage()
    local grew = parlab.memory().arena_used - before
    T.ok(grew <= 2 ^ 20, string.format("round %d (%d MiB): the arena grew by %.2f MiB", round, size / 2 ^ 20,
      grew / 2 ^ 20))
  end
end)

T.done()
