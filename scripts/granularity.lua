-- granularity: seed 004's fine-, medium- and coarse-grained parallelism. The same total work is cut into
-- many small tasks (overhead per task dominates), a medium number, or as many tasks as workers (one slow
-- task leaves the rest idle: load imbalance). Task costs vary, as real work does.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { work = 4e8, workers = 0 },
  "usage: parlab scripts/granularity.lua [--work ITERATIONS] [--workers W] [--quick] [--json FILE]\n")
if opts.quick then opts.work = 4e7 end
local W = opts.workers > 0 and opts.workers or math.max(2, ncpu)

-- Iterations spread over `tasks` tasks with costs varying +-50% (a fixed pattern, same total).
local function plan(tasks)
  local costs, total = {}, 0
  for i = 1, tasks do costs[i] = 1 + 0.5 * math.sin(i * 2.4) total = total + costs[i] end
  for i = 1, tasks do costs[i] = math.floor(costs[i] / total * opts.work) end
  return costs
end
local function compute(n)
  local x = 0
  for i = 1, n do x = (x + i) % 1000003 end
  return x
end

lab.header("The same work, cut fine, medium and coarse", "seed 004, Granularity")
local pool = parlab.Pool(W)
pool:map(compute, { 1 })
local rows = {}
-- fine: a couple of microseconds of work per task, about what handing a task to a worker costs here.
for _, case in ipairs { { "fine", 200000 }, { "medium", 8 * W }, { "coarse", W } } do
  local costs = plan(case[2])
  local t = parlab.time(function() pool:map(compute, costs, 1) end)
  rows[#rows + 1] = { grain = case[1], tasks = case[2], per = opts.work / case[2], t = t.real }
end
pool:close() pool:join()
lab.tables.print({ { "grain", "grain" }, { "tasks", "tasks", "%d" }, { "iterations per task", "per", "%.0f" },
  { "time (s)", "t", "%.3f" } }, rows)
lab.bars(opts, { title = "The same work cut fine, medium and coarse", rows = rows,
  label = function(r) return ("%s (%d tasks)"):format(r.grain, r.tasks) end, value = "t",
  x = { label = "grain" }, y = { label = "time", unit = "s" } })
local best = rows[2].t < rows[1].t and rows[2].t <= rows[3].t * 1.05
lab.claim("fine grains pay overhead per task, coarse grains risk imbalance; a medium grain is the compromise",
  best, ("fine %.3f s, medium %.3f s, coarse %.3f s"):format(rows[1].t, rows[2].t, rows[3].t))
lab.finish(opts, "granularity", rows)
