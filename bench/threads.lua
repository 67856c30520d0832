-- Threads and thread pools against Python: thread start, per-task dispatch overhead of ThreadPool, and
-- the sums experiment (lecture 000): an interpreted loop over 10 lists and a native sum over 10
-- references to one array, on 1, 2, 4 threads, without the GIL (JIT on and off) and with it.
--   parlab bench/threads.lua [quick] [nopython]
-- Prints a table per experiment (best of 3 runs each); Python's figures come from bench/threads.py run on
-- this machine (best of 3 as well).
-- my_list: each pool worker's own list, a global set by the initializer (sums_interp below).
-- luacheck: globals my_list
local quick, with_python = false, true
for _, a in ipairs(arg) do
  if a == "quick" then quick = true elseif a == "nopython" then with_python = false end
end
local WORKERS = { 1, 2, 4 }
local clock, format = parlab.clock, string.format
local LIST_LEN = quick and 200000 or 2000000
local ARRAY_LEN = quick and 2 ^ 20 or 2 ^ 24
local DISPATCH_TASKS = quick and 5000 or 20000

-- Best of REPS runs: the machine may be shared, and the minimum is the least disturbed run.
local REPS = quick and 2 or 3
local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")
local function best(fn) return common.best(REPS, fn) end

local function median(t)
  table.sort(t)
  return t[math.floor(#t / 2) + 1]
end

local function python_figures()
  local py = common.python
  local here = arg[0]:match("^(.*)/[^/]*$") or "."
  local f = io.popen(format("%s %s/threads.py %s 2>/dev/null", py, here, quick and "quick" or ""))
  local rows = {}
  for line in f:lines() do
    local exp = line:match('"exp": "([%w_]+)"')
    if exp then
      local row = { exp = exp }
      for k, v in line:gmatch('"([%w_]+)": ([%d%.e%-]+)') do row[k] = tonumber(v) end
      for k, v in line:gmatch('"([%w_]+)": "([^"]*)"') do row[k] = v end
      rows[#rows + 1] = row
    end
  end
  f:close()
  return rows
end

local function py_find(rows, exp, match)
  for _, r in ipairs(rows) do
    if r.exp == exp then
      local ok = true
      for k, v in pairs(match) do if r[k] ~= v then ok = false end end
      if ok then return r end
    end
  end
end

-- ---- thread start ----
local function thread_start(reps)
  local ts = {}
  for i = 1, reps do
    local t0 = clock()
    parlab.Thread(function(x) return x end, 1):start():join()
    ts[i] = clock() - t0
  end
  local sorted = { unpack(ts) }
  table.sort(sorted)
  return sorted[1] * 1e3, median(ts) * 1e3
end

-- ---- dispatch ----
local function dispatch(n)
  local pool = parlab.ThreadPool(2)
  local noop = function(x) return x end
  local items = {}
  for i = 1, n do items[i] = i end
  pool:map(noop, items, 1)  -- warm: workers started, traces compiled
  local rows = {}
  for _, cs in ipairs { 1, 100 } do
    rows[#rows + 1] = { "map", cs, best(function() pool:map(noop, items, cs) end) / n * 1e6 }
  end
  local m = math.floor(n / 4)
  local s = best(function()
    local rs = {}
    for i = 1, m do rs[i] = pool:apply_async(noop, i) end
    for i = 1, m do rs[i]:get() end
  end)
  rows[#rows + 1] = { "apply_async", 1, s / m * 1e6 }
  pool:close()
  pool:join()
  return rows
end

-- ---- sums ----
local function manual_sum(list)
  local s = 0
  for i = 1, #list do s = s + list[i] end
  return s
end

local function make_list() local t = {} for i = 1, LIST_LEN do t[i] = 0 end return t end

-- mode: "free-jit", "free-nojit", "gil" (the GIL needs the JIT off).
local function set_mode(mode)
  if mode == "gil" then
    parlab.gil.enable(true)
  else
    parlab.gil.enable(false, { jit = mode == "free-jit" })
  end
end

-- The serial time in this mode, then for each worker count the time of a ThreadPool(w) mapping fn
-- over items, chunksize 1: rows of {workers, seconds, speed-up}.
local function speedups(mode, serial, fn, items, pool_opts)
  set_mode(mode)
  local base = best(serial)
  local rows = { { 0, base, 1 } }
  for _, w in ipairs(WORKERS) do
    local pool = parlab.ThreadPool(w, pool_opts)
    pool:map(function() parlab.sleep(0.01) end, { 1, 2, 3, 4 }, 1)
    local s = best(function() pool:map(fn, items, 1) end)
    rows[#rows + 1] = { w, s, base / s }
    pool:close()
    pool:join()
  end
  set_mode("free-jit")
  return rows
end

local function sums_interp(mode)
  local list = make_list()
  -- Each worker builds its own list once (threads share no Lua tables), before the timing.
  local opts = { initializer = function(n)
    my_list = {}
    for i = 1, n do my_list[i] = 0 end
  end, initargs = { LIST_LEN } }
  return speedups(mode, function() for _ = 1, 10 do manual_sum(list) end end,
    function() return manual_sum(my_list) end, { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 }, opts)
end

local function sums_native(mode)
  local a = parlab.array("f64", ARRAY_LEN)
  parlab.kernels.fill(a, 1.0)
  local refs = {}
  for i = 1, 10 do refs[i] = a end
  return speedups(mode, function() for i = 1, 10 do parlab.kernels.sum(refs[i], 1) end end,
    function(x) return parlab.kernels.sum(x, 1) end, refs)
end

-- ---- report ----
print(format("parlab %s, %s, %d CPUs (%s)%s", parlab.version, os.date("!%Y-%m-%d %H:%M UTC"), parlab.cpus(),
  select(2, parlab.cpus()).reason, quick and ", quick sizes" or ""))
local py = with_python and python_figures() or {}

local smin, smed = thread_start(quick and 20 or 100)
local pys = py_find(py, "thread_start", {})
print("\nthread start + join of a trivial function (ms)")
print(format("  %-10s %10s %10s", "", "min", "median"))
print(format("  %-10s %10.3f %10.3f", "parlab", smin, smed))
if pys then print(format("  %-10s %10.3f %10.3f", "python", pys.ms_min, pys.ms_median)) end

print("\nThreadPool(2) dispatch overhead of a trivial task (us per task)")
print(format("  %-12s %9s %10s %10s", "method", "chunksize", "parlab", "python"))
for _, r in ipairs(dispatch(DISPATCH_TASKS)) do
  local p = py_find(py, "dispatch", { kind = r[1], chunksize = r[2] })
  print(format("  %-12s %9d %10.2f %10s", r[1], r[2], r[3], p and format("%.2f", p.us_per_task) or "-"))
end

local experiments = {
  { "sums_interp", sums_interp, "interpreted loop over 10 lists of " .. LIST_LEN },
  { "sums_native", sums_native, "native sum over 10 references to one array of " .. ARRAY_LEN },
}
for _, exp in ipairs(experiments) do
  print(format("\n%s: %s (seconds, speed-up over serial in the same mode)", exp[1], exp[3]))
  local cols = { "free-jit", "free-nojit", "gil" }
  local results = {}
  for _, mode in ipairs(cols) do results[mode] = exp[2](mode) end
  print(format("  %-8s %18s %18s %18s %18s", "threads", "parlab free, JIT", "parlab free, no JIT",
    "parlab GIL", "python GIL"))
  for i = 1, #WORKERS + 1 do
    local w = results["gil"][i][1]
    local cells = {}
    for _, mode in ipairs(cols) do
      local r = results[mode][i]
      cells[#cells + 1] = format("%8.3f  %5.2fx", r[2], r[3])
    end
    local p = py_find(py, exp[1], { workers = w })
    cells[#cells + 1] = p and p.seconds and format("%8.3f  %5.2fx", p.seconds, p.speedup) or "-"
    print(format("  %-8s %18s %18s %18s %18s", w == 0 and "serial" or tostring(w), unpack(cells)))
  end
end
