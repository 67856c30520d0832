-- sums_interp: seed 000's manual_sum: an interpreted loop summing each of 10 lists, serially, with a
-- thread pool under the GIL, with free threads, and with a process pool. Under the GIL only one thread
-- runs Lua at a time, so threads are no faster; processes each have their own interpreter and are.
-- Every loop runs in LuaJIT's interpreter (JIT off) so that the comparison isolates the lock.
-- (A pool worker's new globals, like ARR below, stay in that worker for the tasks that follow.)
-- luacheck: globals ARR
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { n = 2e6, workers = { 1, 2, 4 }, repeats = 3 },
  "usage: parlab scripts/sums_interp.lua [--n LIST_LENGTH] [--workers 1,2,4] [--quick] [--json FILE]\n")
if opts.quick then opts.n, opts.workers, opts.repeats = 1e5, { 1, 2 }, 1 end

local function manual_sum(arr)
  jit.off()  -- the lecture's loop runs in CPython's interpreter; this one in LuaJIT's
  local s = 0
  for i = 1, #arr do s = s + arr[i] end
  return s
end

local arr = {}
for i = 1, opts.n do arr[i] = i % 10 end
local arr_x10 = {}
for i = 1, 10 do arr_x10[i] = arr end
local expected = 10 * manual_sum(arr)

local function total(results)
  local s = 0
  for _, v in ipairs(results) do s = s + v end
  assert(s == expected, "wrong sum " .. s)
  return s
end

lab.header("Interpreted sums: GIL threads vs free threads vs processes", "seed 000, sums.py with manual_sum")
local rows = {}
local function row(kind, w, t)
  rows[#rows + 1] = { kind = kind, w = w, t = t.real, cpu = t.cpu, s = rows[1] and rows[1].t / t.real or 1 }
end
row("serial", 1, (parlab.time(function()
  local r = {}
  for i, a in ipairs(arr_x10) do r[i] = manual_sum(a) end
  total(r)
end)))

-- Each worker builds its own copy of the list once (threads share no Lua tables; a forked Python worker
-- would inherit it), so the timed part is the interpreted summing, not the copying. The last row sends the
-- list with every task instead, as Python's Pool.map pickles it, to show what that copying costs.
local function make_list(n)
  ARR = {}
  for i = 1, n do ARR[i] = i % 10 end
end
local function sum_list(_) return manual_sum(ARR) end
local tasks = {}
for i = 1, 10 do tasks[i] = i end

local function pooled(kind, make, copied)
  for _, w in ipairs(opts.workers) do
    local pool = make(w, { initializer = make_list, initargs = { copied and 1 or opts.n } })
    pool:map(sum_list, tasks, 1)  -- start the workers before the clock
    local best  -- the best of opts.repeats runs: one run of 0.1 s is at the mercy of the machine
    for _ = 1, opts.repeats do
      local t = parlab.time(function()
        total(copied and pool:map(manual_sum, arr_x10, 1) or pool:map(sum_list, tasks, 1))
      end)
      if not best or t.real < best.real then best = t end
    end
    row(kind, w, best)
    pool:close() pool:join()
  end
end
parlab.gil.enable(true)
pooled("threads, GIL", parlab.ThreadPool)
local stats = parlab.gil.stats()
parlab.gil.enable(false, { jit = false })
pooled("threads, no GIL", parlab.ThreadPool)
pooled("processes", parlab.Pool)
local last = opts.workers
opts.workers = { last[#last] }
pooled("processes, list sent per task", parlab.Pool, true)
opts.workers = last

lab.tables.print({ { "how", "kind" }, { "workers", "w" }, { "real (s)", "t", "%.3f" },
  { "CPU%", "cpu", "%.0f" },
                   { "speed-up", "s", "%.2f" } }, rows)
print(("GIL: %d switches (%d forced) while the GIL threads ran"):format(stats.switches or 0,
  stats.forced_switches or 0))
local by_kind = {}
for _, r in ipairs(rows) do
  if r.kind ~= "serial" and r.kind ~= "processes, list sent per task" then
    by_kind[r.kind] = by_kind[r.kind] or {}
    table.insert(by_kind[r.kind], { r.w, r.s })
  end
end
lab.chart(opts, { title = "Interpreted sums: GIL threads, free threads and processes",
  x = { label = "workers", unit = "threads or processes" }, y = { label = "speed-up over serial", unit = "x" },
  series = { { name = "threads, GIL", points = by_kind["threads, GIL"] },
             { name = "threads, no GIL", points = by_kind["threads, no GIL"] },
             { name = "processes", points = by_kind["processes"] },
             { name = "Python threads (lecture)", ref = true, points = { { 2, 1.916 / 1.855 }, { 4, 1.916 / 3.254 } } },
             { name = "Python Pool (lecture)", ref = true, points = { { 2, 1.49 } } } } })
-- Each kind against its own 1-worker run: the workers' states run the same code in the same mode, so the
-- ratio isolates what a second worker adds (the serial row ran in the main state, alongside its data).
local function best(kind)
  local one, b = nil, 0
  for _, r in ipairs(rows) do
    if r.kind == kind and r.w == 1 then one = r.t end
  end
  for _, r in ipairs(rows) do
    if r.kind == kind and r.w > 1 and one then b = math.max(b, one / r.t) end
  end
  return b
end
local gil_best, free_best, proc_best = best("threads, GIL"), best("threads, no GIL"), best("processes")
lab.claim("threads under the GIL are no faster than one thread on interpreted work", gil_best <= 1.1,
  ("best GIL-thread speed-up over 1 thread %.2fx"):format(gil_best))
lab.claim("processes (and threads without a GIL) run the interpreted loops in parallel",
  ncpu == 1 or (proc_best > 1.3 and free_best > 1.3),
  ("best speed-up over 1 worker: processes %.2fx, free threads %.2fx on %d CPUs"):format(proc_best, free_best,
    ncpu))
lab.finish(opts, "sums_interp", rows)
