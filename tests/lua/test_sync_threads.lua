-- The shared objects from many threads (parlab.Thread) and processes (parlab.Process): hammer tests with
-- exact totals, and the race experiment (an unlocked read-modify-write of a shared Value loses updates).
local T = require "check"

local function run_threads(n, fn, ...)
  local ts = {}
  for i = 1, n do
    ts[i] = parlab.Thread(fn, i, ...)
    ts[i]:start()
  end
  local results = {}
  for i = 1, n do results[i] = ts[i]:join() end
  return results
end

local function run_processes(n, fn, ...)
  local ps = {}
  for i = 1, n do
    ps[i] = parlab.Process(fn, i, ...)
    ps[i]:start()
  end
  local codes = {}
  for i = 1, n do
    ps[i]:join()
    codes[i] = ps[i].exitcode
  end
  return codes
end

T.test("Lock hammer: 8 threads x 100k increments, exact total", function()
  local v, l = parlab.Value("i64", 0), parlab.Lock()
  run_threads(8, function(_, v, l)
    for _ = 1, 100000 do
      l:acquire()
      v.value = v.value + 1
      l:release()
    end
  end, v, l)
  T.eq(v.value, 800000)
  T.eq(l:locked(), false)
end)

T.test("the race experiment: unlocked += loses updates; get_lock and add never do", function()
  local lost = false
  for _ = 1, 5 do  -- losing needs the threads to overlap; a few tries make it certain on a busy machine
    local v = parlab.Value("i64", 0)
    run_threads(2, function(_, v)
      for _ = 1, 1000000 do v.value = v.value + 1 end
    end, v)
    if v.value < 2000000 then lost = true break end
  end
  T.ok(lost, "2 threads x 1e6 unlocked increments should lose some")
  -- (two Values: a locked read-modify-write and an unlocked atomic add on the same Value would race)
  local v, w = parlab.Value("i64", 0), parlab.Value("i64", 0)
  run_threads(4, function(_, v, w)
    local lock = v:get_lock()
    for _ = 1, 20000 do lock:with(function() v.value = v.value + 1 end) end
    for _ = 1, 20000 do w:add(1) end
  end, v, w)
  T.eq(v.value, 80000)
  T.eq(w.value, 80000)
end)

T.test("Semaphore(2): never more than 2 threads inside", function()
  local s, inside, worst = parlab.Semaphore(2), parlab.Value("i64", 0), parlab.Value("i64", 0)
  run_threads(6, function(_, s, inside, worst)
    for _ = 1, 2000 do
      s:with(function()
        local now = inside:add(1)
        if now > worst.value then worst.value = now end
        inside:add(-1)
      end)
    end
  end, s, inside, worst)
  T.ok(worst.value >= 1 and worst.value <= 2, "worst " .. worst.value)
  T.eq(s:get_value(), 2)
end)

T.test("Event wakes every waiting thread; Condition hands items from producers to consumers", function()
  local e, woke = parlab.Event(), parlab.Value("i64", 0)
  local ts = {}
  for i = 1, 4 do
    ts[i] = parlab.Thread(function(e, woke) if e:wait(10) then woke:add(1) end end, e, woke)
    ts[i]:start()
  end
  parlab.sleep(0.02)
  e:set()
  for i = 1, 4 do ts[i]:join() end
  T.eq(woke.value, 4)

  local c, items, sum = parlab.Condition(), parlab.Value("i64", 0), parlab.Value("i64", 0)
  local n = 2000
  local producers, consumers = {}, {}
  for i = 1, 2 do
    producers[i] = parlab.Thread(function(c, items, n)
      for _ = 1, n do
        c:with(function()
          c:wait_for(function() return items.value < 4 end)
          items:add(1)
          c:notify_all()
        end)
      end
    end, c, items, n)
    consumers[i] = parlab.Thread(function(c, items, sum, n)
      for _ = 1, n do
        c:with(function()
          c:wait_for(function() return items.value > 0 end)
          items:add(-1)
          sum:add(1)
          c:notify_all()
        end)
      end
    end, c, items, sum, n)
    producers[i]:start()
    consumers[i]:start()
  end
  for i = 1, 2 do producers[i]:join(); consumers[i]:join() end
  T.eq(sum.value, 2 * n)
  T.eq(items.value, 0)
end)

T.test("Barrier(4, action): rounds in step, the action runs once per round", function()
  local rounds = 50
  local actions, arrived, bad = parlab.Value("i64", 0), parlab.Array("i64", rounds), parlab.Value("i64", 0)
  local b = parlab.Barrier(4, function() actions:add(1) end)
  local indices = run_threads(4, function(_, b, arrived, bad, rounds)
    local seen = {}
    for r = 0, rounds - 1 do
      arrived:get_lock():with(function() arrived[r] = arrived[r] + 1 end)
      seen[#seen + 1] = b:wait()
      if arrived[r] ~= 4 then bad:add(1) end
    end
    return seen
  end, b, arrived, bad, rounds)
  T.eq(actions.value, rounds)
  T.eq(bad.value, 0)
  for r = 1, rounds do
    local got = {}
    for t = 1, 4 do got[indices[t][r] + 1] = true end
    T.eq(got, { true, true, true, true })
  end
end)

T.test("Barrier: a thread's timeout breaks the barrier for the others", function()
  local b = parlab.Barrier(3)
  local res = run_threads(2, function(i, b)
    local ok, err = pcall(b.wait, b, i == 1 and 0.05 or 10)
    return ok and "passed" or tostring(err)
  end, b)
  for i = 1, 2 do T.ok(res[i]:find("the barrier is broken", 1, true), res[i]) end
  T.eq(b.broken, true)
end)

T.test("Lock and Value across 4 processes: exact total", function()
  local v, l = parlab.Value("i64", 0), parlab.Lock()
  local codes = run_processes(4, function(_, v, l)
    for _ = 1, 20000 do l:with(function() v.value = v.value + 1 end) end
  end, v, l)
  T.eq(codes, { 0, 0, 0, 0 })
  T.eq(v.value, 80000)
end)

T.test("Barrier and Event across processes", function()
  local b, e, count = parlab.Barrier(3, 10), parlab.Event(), parlab.Value("i64", 0)
  local ps = {}
  for i = 1, 3 do
    ps[i] = parlab.Process(function(b, e, count)
      for _ = 1, 20 do b:wait() end
      count:add(1)
      if not e:wait(10) then os.exit(3) end
    end, b, e, count)
    ps[i]:start()
  end
  local deadline = parlab.clock() + 10
  while count.value < 3 and parlab.clock() < deadline do parlab.sleep(0.005) end
  T.eq(count.value, 3)
  e:set()
  for i = 1, 3 do
    ps[i]:join()
    T.eq(ps[i].exitcode, 0)
  end
end)

T.test("a Lock whose holder process ended unreleased gives an error, not a hang", function()
  local l = parlab.Lock()
  local p = parlab.Process(function(l) l:acquire() os.exit(0) end, l)
  p:start()
  p:join()
  T.raises("ended without releasing it", l.acquire, l, true, 30)
  T.eq(l:acquire(false), false)  -- still locked: nothing was taken over
end)

T.done()
