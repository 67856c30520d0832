-- Process trees four processes deep (parent -> child -> grandchild -> great-grandchild) under each start
-- method, with a Pool and a Queue used at every level: a child must start processes of its own as its
-- parent does, whatever the parent's fork server, locks and registries were doing when it was forked.
-- Every wait is bounded, so a regression fails (and kills what it started) instead of hanging.
local T = require "check"

local DEPTH = 3        -- levels below the test process
local SLICE = 20       -- seconds a level may take, on a loaded machine, for its own pool and process

-- Runs one level: a Pool maps over a few numbers, a Queue carries the result of the level below, and the
-- result goes up on `up`. Raises on any timeout after killing what it started.
local function level(depth, method, up)
  local budget = SLICE * (DEPTH - depth + 1)
  local pool = parlab.Pool(2, { start_method = method })
  local ok, squares = pcall(function()
    return pool:map_async(function(x) return x * x end, { depth, depth + 1 }):get(SLICE)
  end)
  if ok then
    pool:close()
    ok = pool:join(SLICE)
    if not ok then squares = "level " .. depth .. ": Pool.join timed out" end
  end
  if not ok then
    pool:terminate()
    error(squares, 0)
  end
  local trail = { { depth = depth, pid = parlab.current_process().pid, squares = squares } }
  if depth < DEPTH then
    local q = parlab.Queue()
    local p = parlab.Process { target = level, args = { depth + 1, method, q }, start_method = method,
      name = "level" .. (depth + 1) }
    p:start()
    local got, below = pcall(q.get, q, budget - SLICE)
    if not got or not p:join(SLICE) then
      p:kill()
      p:join(5)
      error("level " .. depth .. ": the level below gave no result: " .. tostring(below), 0)
    end
    if p.exitcode ~= 0 then error("level " .. depth .. ": the level below exited " .. p.exitcode, 0) end
    for _, t in ipairs(below) do trail[#trail + 1] = t end
  end
  if up then up:put(trail) end
  return trail
end

for _, m in ipairs { "fork", "spawn", "forkserver" } do
  T.test(m .. ": a Process and a Pool in each of " .. DEPTH .. " levels of children", function()
    parlab.set_start_method(m)  -- the method the children's defaults follow too
    local t0 = parlab.clock()
    local trail = level(0, m, nil)
    T.eq(#trail, DEPTH + 1)
    local pids = {}
    for d, t in ipairs(trail) do
      T.eq(t.depth, d - 1)
      T.list(t.squares, { (d - 1) ^ 2, d ^ 2 })
      T.ok(not pids[t.pid], "each level runs in its own process")
      pids[t.pid] = true
    end
    T.ok(parlab.clock() - t0 < SLICE * (DEPTH + 1))
  end)
end

T.test("forkserver: a child started by default (no start_method) starts its own children", function()
  parlab.set_start_method("forkserver")
  local q = parlab.Queue()
  local p = parlab.Process(function(out)
    local inner = parlab.Queue()
    local c = parlab.Process(function(o) o:put(parlab.current_process().pid) end, inner)
    c:start()
    out:put(inner:get(SLICE))
    c:join(SLICE)
    local pool = parlab.Pool(1)
    out:put(pool:apply_async(function() return 7 end):get(SLICE))
    pool:terminate()
  end, q)
  p:start()
  local ok, pid = pcall(q.get, q, 2 * SLICE)
  local ok2, seven = pcall(q.get, q, SLICE)
  if not (ok and ok2 and p:join(SLICE)) then p:kill() end
  p:join(5)
  T.ok(ok and type(pid) == "number" and pid ~= p.pid, tostring(pid))
  T.eq(seven, 7)
  T.eq(p.exitcode, 0)
end)

T.test("forkserver: a raw fork of a process whose server runs gets a server of its own", function()
  parlab.set_start_method("forkserver")
  local warm = parlab.Process(function() end)
  warm:start()  -- the parent's server now runs
  T.eq(warm:join(SLICE), true)
  local pid = T.forked(function()
    local c = parlab.Process(function() os.exit(3) end)
    c:start()
    assert(c:join(SLICE), "the child's Process did not end")
    assert(c.exitcode == 3, "exitcode " .. tostring(c.exitcode))
  end)
  local st = T.wait_status(pid)
  T.eq(st, 0)
  local after = parlab.Process(function() os.exit(4) end)
  after:start()  -- the parent's connection is untouched by the child's
  T.eq(after:join(SLICE), true)
  T.eq(after.exitcode, 4)
end)

T.test("fork: a child holds none of its parent's threads (not alive there, join raises, nothing hangs)",
  function()
    local ev = parlab.Event()
    local t = parlab.Thread(function(e) return e:wait(SLICE) and 42 end, ev)
    t:start()
    local q = parlab.Queue()
    local p = parlab.Process { target = function(out)
      local ok, err = pcall(t.join, t, SLICE)
      out:put({ t:is_alive(), ok, tostring(err) })
      t = nil
      collectgarbage()  -- the Thread's finalizer must not wait for the parent's thread either
      collectgarbage()
    end, args = { q }, start_method = "fork" }
    p:start()
    local got, seen = pcall(q.get, q, SLICE)
    if not p:join(SLICE) then p:kill() end
    ev:set()
    T.ok(got, tostring(seen))
    T.eq(seen[1], false)
    T.eq(seen[2], false)
    T.ok(seen[3]:find("runs in the parent process, not in this fork child", 1, true), seen[3])
    T.eq(p.exitcode, 0)
    T.eq(t:join(SLICE), 42)
  end)

T.done()
