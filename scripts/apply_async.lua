-- apply_async: seed 000's variant of sums.py: one apply_async per array, then close() and join(),
-- which must give what map gives; the timing sits next to map's.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n = 2 ^ 24, workers = 2 },
  "usage: parlab scripts/apply_async.lua [--n ELEMENTS] [--workers W] [--quick] [--json FILE]\n")
if opts.quick then opts.n = 2 ^ 18 end

local arrays = {}
for i = 1, 10 do
  arrays[i] = parlab.array("f64", opts.n)
  parlab.kernels.fill(arrays[i], i)
end
local function np_sum(a) return parlab.kernels.sum(a, 1) end

lab.header("apply_async, close, join vs map", "seed 000, sums.py with apply_async")
local pool = parlab.ThreadPool(opts.workers)
local t_map, by_map = parlab.time(function() return pool:map(np_sum, arrays) end)

local t_async, by_async = parlab.time(function()
  local results = {}
  for i, a in ipairs(arrays) do
    results[i] = pool:apply_async(np_sum, a)
  end
  pool:close()  -- no more tasks
  pool:join()   -- wait for completion
  local values = {}
  for i, r in ipairs(results) do values[i] = r:get() end
  return values
end)

local rows = {}
for i = 1, 10 do rows[i] = { i = i, map = by_map[i], async = by_async[i] } end
lab.tables.print({ { "array", "i" }, { "map", "map", "%.0f" }, { "apply_async", "async", "%.0f" } }, rows)
local timings = { { how = "pool:map", t = t_map.real, cpu = t_map.cpu }, { how = "apply_async + close + join",
  t = t_async.real, cpu = t_async.cpu } }
lab.tables.print({ { "how", "how" }, { "real (s)", "t", "%.4f" }, { "CPU%", "cpu", "%.0f" } }, timings)
lab.bars(opts, { title = "Ten native sums: map against apply_async", rows = timings, label = "how", value = "t",
  x = { label = "how" }, y = { label = "real time", unit = "s" } })
local same = true
for i = 1, 10 do same = same and by_map[i] == by_async[i] and by_map[i] == i * opts.n end
lab.claim("apply_async per item, then close and join, gives the same results as map", same,
  same and "all 10 sums identical and correct" or "results differ")
lab.finish(opts, "apply_async", { map = t_map.real, apply_async = t_async.real, same = same })
