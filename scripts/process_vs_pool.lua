-- process_vs_pool: seed 002's two ways to launch: explicit Processes that send their results back
-- through a Queue (full control, manual clean-up, results in arrival order), and a Pool (simple, ordered).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { tasks = 8 },
  "usage: parlab scripts/process_vs_pool.lua [--tasks N] [--quick] [--json FILE]\n")

local function hard_work(a)
  local s = 0
  for i = 1, 2e5 do s = s + (i * a) % 3 end
  return a, s
end

lab.header("Explicit processes with a queue vs a pool", "seed 002, Launching processes")
-- Process: p1 = mp.Process(...); results come back through a queue.
local t_proc, by_proc = parlab.time(function()
  local queue = parlab.Queue()
  local procs = {}
  for i = 1, opts.tasks do
    procs[i] = parlab.Process(function(q, a) q:put({ hard_work(a) }) end, queue, i)
    procs[i]:start()
  end
  local results = {}
  for _ = 1, opts.tasks do
    local r = queue:get()
    results[r[1]] = r[2]
  end
  for _, p in ipairs(procs) do p:join() assert(p.exitcode == 0) end
  return results
end)
-- Pool: with mp.Pool(n) as pool: pool.map(...)
local t_pool, by_pool = parlab.time(function()
  local args = {}
  for i = 1, opts.tasks do args[i] = i end
  return parlab.with(parlab.Pool(), function(pool)
    return pool:map(function(a) return select(2, hard_work(a)) end, args)
  end)
end)
local same = true
for i = 1, opts.tasks do same = same and by_proc[i] == by_pool[i] end
local rows = { { how = ("%d Processes + Queue"):format(opts.tasks), loc = 13, t = t_proc.real, cpu = t_proc.cpu },
  { how = ("Pool(%d):map"):format((parlab.cpus())), loc = 4, t = t_pool.real, cpu = t_pool.cpu } }
lab.tables.print({ { "how", "how" }, { "lines of code", "loc" }, { "real (s)", "t", "%.3f" },
  { "CPU%", "cpu", "%.0f" } }, rows)
lab.bars(opts, { title = "Explicit processes with a queue against a pool", rows = rows, label = "how",
  value = "t", x = { label = "how" }, y = { label = "real time", unit = "s" } })
lab.claim("both give the same results; the pool needs a third of the code", same,
  same and "identical results" or "results differ")
lab.finish(opts, "process_vs_pool", { process = t_proc.real, pool = t_pool.real, same = same })
