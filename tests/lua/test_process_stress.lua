-- Hammer tests: many processes at once, started from several threads (the fork server's client lock,
-- the registry of children), with exact totals.
local T = require "check"
local internal = require "parlab.internal"

T.test("4 threads each start and join 15 processes of every method; every exit code arrives", function()
  local threads = {}
  for t = 1, 4 do
    threads[t] = parlab.Thread(function(base)
      local methods = { "forkserver", "spawn", "fork" }
      local ps, sum = {}, 0
      for i = 1, 15 do
        local m = methods[i % 3 + 1]
        if m == "spawn" and i > 3 then m = "forkserver" end  -- a few spawns: they cost an exec each
        local p = parlab.Process { target = function(n) os.exit(n) end, args = { base + i }, start_method = m }
        p:start()
        ps[i] = p
      end
      for i = 1, 15 do
        ps[i]:join()
        sum = sum + ps[i].exitcode
      end
      return sum
    end, t * 16)
    threads[t]:start()
  end
  local total, want = 0, 0
  for t = 1, 4 do
    total = total + threads[t]:join()
    for i = 1, 15 do want = want + t * 16 + i end
  end
  T.eq(total, want)
  T.eq(internal.live_children(), 0)
end)

T.test("200 forkserver children in flight at once, all reaped with their codes", function()
  local ps = {}
  for i = 1, 200 do
    ps[i] = parlab.Process { target = function(n) parlab.sleep(0.01) os.exit(n % 256) end, args = { i },
                            start_method = "forkserver" }
    ps[i]:start()
  end
  local ok = 0
  for i = 1, 200 do
    ps[i]:join()
    if ps[i].exitcode == i % 256 then ok = ok + 1 end
  end
  T.eq(ok, 200)
  T.eq(internal.live_children(), 0)
end)

T.test("a pool survives many worker deaths in a row and still answers every other task", function()
  local pool = parlab.Pool(2)
  local rs = {}
  for i = 1, 60 do
    rs[i] = pool:apply_async(function(x)
      if x % 10 == 0 then os.exit(1) end
      return x
    end, i)
  end
  local good, died = 0, 0
  for i = 1, 60 do
    local ok, v = pcall(rs[i].get, rs[i])
    if ok and v == i then
      good = good + 1
    elseif not ok and v:find("died while running", 1, true) then
      died = died + 1
    end
  end
  T.eq(good, 54)
  T.eq(died, 6)
  pool:close()
  pool:join()
  T.eq(internal.live_children(), 0)
end)

T.done()
