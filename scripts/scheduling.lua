-- scheduling: seed 000's load balancing. Tasks of uneven cost (the first quarter are 8 times heavier,
-- as when one region of the data is harder); static scheduling hands each worker a fixed block up
-- front, dynamic hands out the next chunk to whichever worker is free, guided hands out shrinking
-- chunks. The timeline shows idle workers under static and balanced ones under dynamic.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { tasks = 40, unit = 0.01, workers = 0 },
  "usage: parlab scripts/scheduling.lua [--tasks N] [--unit SECONDS] [--workers W] [--quick] [--json FILE]\n")
if opts.quick then opts.tasks, opts.unit = 16, 0.004 end
local workers = opts.workers > 0 and opts.workers or math.max(2, (parlab.cpus()))

-- Task i busy-computes for cost * unit seconds.
local function work(cost, unit)
  local t0 = parlab.clock()
  local x = 0
  while parlab.clock() - t0 < cost * unit do x = x + 1 end
  return { pid = parlab.current_process().pid, start = t0, stop = parlab.clock() }
end
local args = {}
for i = 1, opts.tasks do args[i] = { i <= opts.tasks / 4 and 8 or 1, opts.unit } end

local function timeline(spans, t0, t1, width)
  local lanes, order = {}, {}
  for _, s in ipairs(spans) do
    if not lanes[s.pid] then lanes[s.pid] = {} order[#order + 1] = s.pid end
    table.insert(lanes[s.pid], s)
  end
  local out = {}
  for w, pid in ipairs(order) do
    local line = {}
    for c = 1, width do line[c] = "." end
    for k, s in ipairs(lanes[pid]) do
      local a = math.floor((s.start - t0) / (t1 - t0) * width) + 1
      local b = math.floor((s.stop - t0) / (t1 - t0) * width)
      for c = math.max(1, a), math.min(width, math.max(a, b)) do
        line[c] = string.char(64 + (k - 1) % 26 + 1)
      end
    end
    out[#out + 1] = ("  worker %d |%s|"):format(w, table.concat(line))
  end
  return table.concat(out, "\n") .. "\n"
end

lab.header("Static vs dynamic vs guided scheduling of uneven tasks", "seed 000, load balancing")
local rows = {}
for _, case in ipairs { { "static", nil }, { "dynamic", 1 }, { "guided", nil } } do
  local pool = parlab.Pool(workers, { scheduling = case[1] })
  pool:map(function(x) return x end, { 1, 2 })
  local t0 = parlab.clock()
  local spans = pool:starmap(work, args, case[2])
  local t1 = parlab.clock()
  pool:close() pool:join()
  local busy = 0
  for _, s in ipairs(spans) do busy = busy + (s.stop - s.start) end
  rows[#rows + 1] = { sched = case[1], t = t1 - t0, eff = busy / (workers * (t1 - t0)) }
  print(("%s (letters = successive tasks of a worker, . = idle), %.3f s:"):format(case[1], t1 - t0))
  io.write(timeline(spans, t0, t1, 60))
end
lab.tables.print({ { "scheduling", "sched" }, { "time (s)", "t", "%.3f" },
  { "busy fraction", "eff", "%.2f" } }, rows)
lab.bars(opts, { title = "Uneven tasks: time to finish by scheduling", rows = rows, label = "sched", value = "t",
  x = { label = "scheduling" }, y = { label = "time to finish all tasks", unit = "s" } })
lab.claim("static scheduling leaves workers idle on uneven tasks; dynamic balances them",
  rows[2].t < rows[1].t, ("static %.3f s (busy %.0f%%), dynamic %.3f s (busy %.0f%%)"):format(rows[1].t,
  100 * rows[1].eff, rows[2].t, 100 * rows[2].eff))
lab.finish(opts, "scheduling", rows)
