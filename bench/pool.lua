-- Process pools and processes against Python's multiprocessing (bench/pool.py prints the same lines).
-- Run: parlab bench/pool.lua [ntasks]. Each figure is the best of a few runs (wall time), so a busy shared
-- machine inflates it least; the load average is printed with them.
local N = tonumber(arg and arg[1]) or 20000
local REPS = 5
local internal = require "parlab.internal"

local best = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua").best  -- best(reps, fn)

local function out(fmt, ...) io.write(string.format(fmt, ...), "\n") io.flush() end

local function loadavg()
  local f = io.open("/proc/loadavg")
  local s = f and f:read("*l") or "?"
  if f then f:close() end
  return s:match("^(%S+)") or s
end

-- kB of a process's memory: RSS (counts pages shared with the parent) and PSS (shares split fairly).
local function memory(pid)
  local rss, pss
  for line in io.lines("/proc/" .. pid .. "/status") do
    rss = rss or tonumber(line:match("^VmRSS:%s+(%d+)"))
  end
  local f = io.open("/proc/" .. pid .. "/smaps_rollup")
  if f then
    pss = tonumber(f:read("*a"):match("\nPss:%s+(%d+)"))
    f:close()
  end
  return rss or 0, pss or 0
end

local function identity(x) return x end

out("# parlab %s, %d CPUs, load average %s, %s", parlab.version, parlab.cpus(), loadavg(),
  os.date("!%Y-%m-%d %H:%M UTC"))
out("# default start method: %s", parlab.get_start_method())

for _, m in ipairs { "forkserver", "fork", "spawn" } do
  local s = best(REPS, function()
    local p = parlab.Pool(1, { start_method = m })
    p:map(identity, { 1 })
    p:close()
    p:join()
  end)
  out("pool1_start_map   method=%-10s %8.2f ms", m, s * 1e3)
  s = best(REPS, function()
    local p = parlab.Process { target = function() end, start_method = m }
    p:start()
    p:join()
  end)
  out("process_start_join method=%-10s %8.2f ms", m, s * 1e3)
end

local items = {}
for i = 1, N do items[i] = i end
for _, m in ipairs { parlab.get_start_method(), "fork" } do
  local pool = parlab.Pool(2, { start_method = m })
  pool:map(identity, { 1, 2, 3, 4 }, 1)
  for _, cs in ipairs { 1, 100 } do
    local s = best(3, function() pool:map(identity, items, cs) end)
    out("pool_map          method=%-10s chunksize=%-3d %8.3f us/task", m, cs, s / N * 1e6)
  end
  local M = math.floor(N / 2)
  local s = best(3, function()
    local rs = {}
    for i = 1, M do rs[i] = pool:apply_async(identity, i) end
    for i = 1, M do rs[i]:get() end
  end)
  out("apply_async       method=%-10s %8.3f us/task", m, s / M * 1e6)
  local seen, pids = {}, {}
  for _, pid in ipairs(pool:map(function() parlab.sleep(0.02) return internal.getpid() end, { 1, 2, 3, 4, 5, 6 }, 1)) do
    if not seen[pid] then seen[pid] = true; pids[#pids + 1] = pid end
  end
  for _, pid in ipairs(pids) do
    local rss, pss = memory(pid)
    out("worker_memory     method=%-10s pid=%d RSS %6.1f MB  PSS %6.1f MB", m, pid, rss / 1024, pss / 1024)
  end
  pool:close()
  pool:join()
end
local rss, pss = memory(internal.getpid())
out("parent_memory     RSS %6.1f MB  PSS %6.1f MB", rss / 1024, pss / 1024)
