-- chunking: seed 000's many tiny tasks through Pool.map with chunksize swept from 1 up: each chunk is one
-- message each way, so the per-task overhead falls as chunks grow (Python: 29.9 us per task at
-- chunksize 1, 0.43 us at 100, on a 2-core machine).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { tasks = 2e5, workers = 0, chunks = { 1, 2, 5, 10, 20, 50, 100, 1000 } },
  "usage: parlab scripts/chunking.lua [--tasks N] [--workers W] [--chunks 1,10,100] [--quick]" ..
    " [--plot FILE] [--json FILE]\n")
if opts.quick then opts.tasks, opts.chunks = 2e4, { 1, 10, 100 } end
local workers = opts.workers > 0 and opts.workers or parlab.cpus()

local function hard_work(a) return a end

local items = {}
for i = 1, opts.tasks do items[i] = i end

lab.header("Per-task overhead against chunk size", "seed 000, chunksize slides")
local pool = parlab.Pool(workers)
pool:map(hard_work, { 1, 2, 3 })
local rows, points = {}, {}
for _, cs in ipairs(opts.chunks) do
  local _, t, _, out = lab.timeit(function() return pool:map(hard_work, items, cs) end, 3)
  assert(#out == opts.tasks and out[opts.tasks] == opts.tasks, "map lost results")
  rows[#rows + 1] = { cs = cs, t = t, us = t / opts.tasks * 1e6 }
  points[#points + 1] = { cs, t / opts.tasks * 1e6 }
end
pool:close() pool:join()
print(("%d tasks of `return a`, Pool(%d) (%s start method), median of 3"):format(opts.tasks, workers,
  parlab.get_start_method()))
lab.tables.print({ { "chunksize", "cs" }, { "time (s)", "t", "%.4f" }, { "us per task", "us", "%.3f" } },
  rows)
lab.chart(opts, { title = "Per-task overhead of Pool.map against chunk size",
  x = { label = "chunk size", unit = "tasks per message", log = true },
  y = { label = "overhead per task", unit = "us", log = true },
  series = { { name = ("parlab Pool(%d)"):format(workers), points = points },
             { name = "Python (lecture, 2 cores)", ref = true, points = { { 1, 29.9 }, { 100, 0.43 } } } } })
lab.claim("per-task overhead falls with chunk size (Python: 29.9 us at 1, 0.43 us at 100)",
  rows[#rows].us < rows[1].us / 3, ("%.2f us at chunksize %d, %.3f us at %d"):format(rows[1].us, rows[1].cs,
  rows[#rows].us, rows[#rows].cs))
lab.finish(opts, "chunking", rows)
