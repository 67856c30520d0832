-- Processes SIGKILLed at random moments in the middle of Queue gets and puts of large messages (issue 14;
-- seeded: PARLAB_STRESS_SEED replays it). Every item is delivered exactly once or its loss is reported in
-- q:faults(); nobody waits for ever; the arena comes back.
local T = require "check"
local internal = require "parlab.internal"
local ffi = require "ffi"
ffi.cdef "int kill(int pid, int sig);"

T.seed_random("PARLAB_STRESS_SEED")

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

-- A killed process keeps its reference to the queue (docs/reliability.md), so each queue stays with the
-- one spare block a get leaves for reuse; no message block of a dead reader or writer may stay besides.
T.test("after the kills no message block is left behind, only each leaked queue's spare", function()
  collectgarbage()
  collectgarbage()
  local used, bound = internal.queue.arena_used(), 2 * ROUNDS * (SIZE + 2 ^ 16)
  T.ok(used <= bound, string.format("%.1f MiB of arena in use (bound %.1f)", used / 2 ^ 20, bound / 2 ^ 20))
end)

T.done()
