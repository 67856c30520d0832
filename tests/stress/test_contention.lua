-- Exactness under contention: threads and processes at once on one Queue, one Value, one Barrier, one
-- Condition. Every item exactly once, every increment counted, every round of the barrier whole.
-- Run twice by ctest: as is, and under --gil.
local T = require "check"

local GIL = parlab.gil and parlab.gil.enabled and parlab.gil.enabled() or false
print("GIL " .. tostring(GIL))

local function start_all(list)
  for _, w in ipairs(list) do w:start() end
end
local function join_all(list)
  for _, w in ipairs(list) do
    if w.pid then
      T.ok(w:join(120), "a process ended")
      T.eq(w.exitcode, 0)
    else
      w:join()
    end
  end
end

T.test("one Queue, 4 thread and 2 process producers, 4 thread and 2 process consumers: every item once", function()
  local per, producers, consumers = 40000, 6, 6
  local q = parlab.Queue()
  local seen = parlab.Array("u8", per * producers)
  local function produce(qq, first, n)
    for i = first, first + n - 1 do qq:put(i) end
  end
  local function consume(qq, s)
    while true do
      local i = qq:get()
      if i < 0 then return end
      s[i] = s[i] + 1
    end
  end
  local ps, cs = {}, {}
  for k = 1, producers do
    local make = k <= 4 and parlab.Thread or parlab.Process
    ps[k] = make(produce, q, (k - 1) * per, per)
  end
  for k = 1, consumers do
    local make = k <= 4 and parlab.Thread or parlab.Process
    cs[k] = make(consume, q, seen)
  end
  start_all(cs)
  start_all(ps)
  join_all(ps)
  for _ = 1, consumers do q:put(-1) end
  join_all(cs)
  local wrong = 0
  for i = 0, per * producers - 1 do
    if seen[i] ~= 1 then wrong = wrong + 1 end
  end
  T.eq(wrong, 0, "items not seen exactly once")
  T.eq(q:empty(), true)
end)

T.test("a Value incremented under its lock by 4 processes and 2 threads: the exact total", function()
  local v, each = parlab.Value("i", 0), 5000
  local function bump(vv, n)
    for _ = 1, n do
      local lock = vv:get_lock()
      lock:acquire()
      vv.value = vv.value + 1
      lock:release()
    end
  end
  local ws = {}
  for k = 1, 6 do ws[k] = (k <= 4 and parlab.Process or parlab.Thread)(bump, v, each) end
  start_all(ws)
  join_all(ws)
  T.eq(v.value, 6 * each)
end)

T.test("a Barrier of 4 threads and 4 processes: every round hands out each index once", function()
  local parties, rounds = 8, 40
  local b = parlab.Barrier(parties)
  local got = parlab.Array("i", parties * rounds)
  local function run(bb, g, me, n)
    for r = 0, n - 1 do g[r * 8 + me] = bb:wait(60) end
  end
  local ws = {}
  for k = 1, parties do ws[k] = (k <= 4 and parlab.Thread or parlab.Process)(run, b, got, k - 1, rounds) end
  start_all(ws)
  join_all(ws)
  for r = 0, rounds - 1 do
    local ids = {}
    for me = 0, parties - 1 do ids[#ids + 1] = got[r * parties + me] end
    table.sort(ids)
    T.eq(ids, { 0, 1, 2, 3, 4, 5, 6, 7 }, "round " .. r)
  end
end)

T.test("a Condition with 6 thread and 2 process waiters: notify_all wakes every one", function()
  local c, flag, woke = parlab.Condition(), parlab.Value("i", 0), parlab.Value("i", 0)
  local function waiter(cc, f, w)
    cc:acquire()
    assert(cc:wait_for(function() return f.value == 1 end, 60), "not woken")
    cc:release()
    w:get_lock():acquire()
    w.value = w.value + 1
    w:get_lock():release()
  end
  local ws = {}
  for k = 1, 8 do ws[k] = (k <= 6 and parlab.Thread or parlab.Process)(waiter, c, flag, woke) end
  start_all(ws)
  parlab.sleep(0.3)
  c:acquire()
  flag.value = 1
  c:notify_all()
  c:release()
  join_all(ws)
  T.eq(woke.value, 8)
end)

T.done()
