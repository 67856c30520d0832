-- Process pools and processes against Python's multiprocessing, side by side: bench/pool.py runs first,
-- in the same run, and each parlab line carries Python's figure for the same line and the ratio.
-- Run: parlab bench/pool.lua [ntasks]. Start figures are medians of REPS runs; "first" is the run's very
-- first start (it also starts the fork server: a first call). Map figures are the best of 3 (steady state:
-- the pool is warm), but pool_map_first: the pool's first map of ntasks items (a first call). The
-- machine's load and page-fault cost head the output.
local N = tonumber(arg and arg[1]) or 20000
local REPS = 9
local internal = require "parlab.internal"

local here = arg[0]:gsub("[^/]*$", "")
local common = dofile(here .. "common.lua")
local best, median = common.best, common.median

local function out(fmt, ...) io.write(string.format(fmt, ...), "\n") io.flush() end

-- Python's figures from bench/pool.py, keyed by the line's label ("pool1_start_map method=fork").
local function python_figures()
  local py, p = {}, io.popen(("%s %spool.py %d 2>/dev/null"):format(common.python, here, N))
  for line in p:lines() do
    local label, v = line:match("^(%S+%s+method=%S+.-)%s+([%d%.]+) %S+$")
    if label then py[(label:gsub("%s+", " "))] = tonumber(v) end
  end
  p:close()
  return py
end

-- One figure with Python's for the same label: "  python X  parlab/python R".
local py = {}
local function figure(label, value, unit)
  local theirs = py[(label:gsub("%s+", " "))]
  local tail = theirs and ("   python %9.3f %s   parlab/python %6.3f"):format(theirs, unit, value / theirs)
    or "   python -"
  out("%-46s %9.3f %s%s", label, value, unit, tail)
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

out("# parlab %s, %d CPUs, %s", parlab.version, parlab.cpus(), os.date("!%Y-%m-%d %H:%M UTC"))
out("%s", common.machine_note())
out("# default start method: %s; Python: %s", parlab.get_start_method(), common.python)
py = python_figures()

local function process_start(m)
  local p = parlab.Process { target = function() end, start_method = m }
  p:start()
  p:join()
end
local function pool1(m)
  local p = parlab.Pool(1, { start_method = m })
  p:map(identity, { 1 })
  p:close()
  p:join()
end

local t0 = parlab.clock()
process_start(parlab.get_start_method())
out("%-46s %9.3f ms   (first call: starts the fork server too)", "process_start_join first",
  (parlab.clock() - t0) * 1e3)
for _, m in ipairs { "forkserver", "fork", "spawn" } do
  local s = median(REPS, function() pool1(m) end)
  figure(("pool1_start_map method=%s"):format(m), s * 1e3, "ms")
  s = median(REPS, function() process_start(m) end)
  figure(("process_start_join method=%s"):format(m), s * 1e3, "ms")
end

local items = {}
for i = 1, N do items[i] = i end
for _, m in ipairs { parlab.get_start_method(), "fork" } do
  local pool = parlab.Pool(2, { start_method = m })
  pool:map(identity, { 1, 2, 3, 4 }, 1)
  -- The first map of N items on this pool (a first call: its result and task tables grow from nothing).
  local t = parlab.clock()
  pool:map(identity, items, 1)
  figure(("pool_map_first method=%s chunksize=1"):format(m), (parlab.clock() - t) / N * 1e6, "us/task")
  for _, cs in ipairs { 1, 100 } do
    local s = best(3, function() pool:map(identity, items, cs) end)
    figure(("pool_map method=%s chunksize=%d"):format(m, cs), s / N * 1e6, "us/task")
  end
  local M = math.floor(N / 2)
  local s = best(3, function()
    local rs = {}
    for i = 1, M do rs[i] = pool:apply_async(identity, i) end
    for i = 1, M do rs[i]:get() end
  end)
  figure(("apply_async method=%s"):format(m), s / M * 1e6, "us/task")
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
-- Big messages: 4 tasks of a MiB-sized string argument (the task returns its length), and 4 tasks that
-- each return a string of that size; best of 5 maps after two warm-up maps (steady state: the first
-- maps of a size meet fresh memory, and so does the first map with all four tasks out at once). Each side's
-- default start method (parlab: forkserver; Python 3.11: fork); Python sends bytes, its cheapest type.
do
  local pool = parlab.Pool(2)
  local function length(s) return #s end
  local function make(n) return string.rep("r", n) end
  for _, mib in ipairs { 8, 64 } do
    local n = mib * 2 ^ 20
    local arg_s = string.rep("a", n)
    local args, sizes = { arg_s, arg_s, arg_s, arg_s }, { n, n, n, n }
    pool:map(length, args, 1)
    pool:map(length, args, 1)
    figure(("pool_big_args method=default mib=%d"):format(mib),
      best(5, function() pool:map(length, args, 1) end) / 4 * 1e3, "ms/task")
    pool:map(make, sizes, 1)
    pool:map(make, sizes, 1)
    figure(("pool_big_results method=default mib=%d"):format(mib),
      best(5, function() pool:map(make, sizes, 1) end) / 4 * 1e3, "ms/task")
  end
  pool:close()
  pool:join()
end

local rss, pss = memory(internal.getpid())
out("parent_memory     RSS %6.1f MB  PSS %6.1f MB", rss / 1024, pss / 1024)
