-- communication: seed 000's point that sending data to workers costs time. Each task sums one slice of a
-- large array; either every task is sent the whole array (copied into the message, as pickling does), or
-- every task is sent only its indices into one shared array (zero copy).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n = 2e6, tasks = 20, workers = 0 },
  "usage: parlab scripts/communication.lua [--n ELEMENTS] [--tasks T] [--workers W] [--quick]" ..
    " [--json FILE]\n")
if opts.quick then opts.n, opts.tasks = 2e5, 8 end
local workers = opts.workers > 0 and opts.workers or parlab.cpus()

-- The same numbers as a Lua table (copied into every message) and as a shared array (sent as a handle).
local list, shared = {}, parlab.array("f64", opts.n)
for i = 1, opts.n do list[i] = i % 100 end
for i = 0, opts.n - 1 do shared[i] = (i + 1) % 100 end
local step = math.ceil(opts.n / opts.tasks)

local function sum_copy(data, lo, hi)
  local s = 0
  for i = lo + 1, hi do s = s + data[i] end
  return s
end
local function sum_shared(a, lo, hi) return parlab.kernels.sum(a:slice(lo, hi), 1) end
local function sum_copy_native(data, lo, hi)  -- the copy path with the same native sum, for fairness
  local a = parlab.array("f64", data)
  return parlab.kernels.sum(a:slice(lo, hi), 1)
end

local copy_args, shared_args = {}, {}
for t = 0, opts.tasks - 1 do
  local lo, hi = t * step, math.min(opts.n, (t + 1) * step)
  copy_args[#copy_args + 1] = { list, lo, hi }
  shared_args[#shared_args + 1] = { shared, lo, hi }
end

lab.header("Copying the data to every task vs sharing it", "seed 000, communication slides")
local pool = parlab.Pool(workers)
pool:map(function(x) return x end, { 1, 2 })
local expected = 0
for i = 1, opts.n do expected = expected + i % 100 end
local rows = {}
for _, case in ipairs {
  { "whole array copied to each task", sum_copy, copy_args },
  { "whole array copied, native sum", sum_copy_native, copy_args },
  { "indices into shared memory", sum_shared, shared_args } } do
  local _, t, _, parts = lab.timeit(function() return pool:starmap(case[2], case[3]) end, 3)
  local total = 0
  for _, v in ipairs(parts) do total = total + v end
  assert(total == expected, case[1] .. ": wrong total " .. total)
  rows[#rows + 1] = { how = case[1], t = t,
    mb = #case[3] * (case[3] == copy_args and opts.n * 8 / 2 ^ 20 or 0) }
end
pool:close() pool:join()
print(("%d elements, %d tasks, Pool(%d), median of 3"):format(opts.n, opts.tasks, workers))
lab.tables.print({ { "how", "how" }, { "time (s)", "t", "%.4f" }, { "MiB sent", "mb", "%.0f" } }, rows)
lab.bars(opts, { title = "Copying the array to every task against sharing it", rows = rows, label = "how",
  value = "t", x = { label = "how the data reach the tasks" }, y = { label = "time", unit = "s" } })
lab.claim("sending the whole array to every task costs time that shared memory removes",
  rows[3].t < rows[2].t, ("copied: %.4f s; shared: %.4f s (%.1fx)"):format(rows[2].t, rows[3].t,
    rows[2].t / rows[3].t))
lab.finish(opts, "communication", rows)
