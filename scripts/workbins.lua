-- workbins: seed 003's threads-vs-processes experiment. Each worker counts loop iterations into 50 us time
-- bins (1000 bins = 50 ms): one thread alone, N threads under the GIL, N processes. Under the GIL the
-- threads share one interpreter and together do about what one thread does; processes do N times more.
-- Under mpirun a last row runs the same work on the other ranks through parlab.mpi.Pool (`mpirun -n 3
-- parlab scripts/workbins.lua`: rank 0 runs the script, ranks 1 and 2 count).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { bins = 1000, dt = 50e-6, workers = 0 },
  "usage: parlab scripts/workbins.lua [--bins N] [--dt SECONDS] [--workers N] [--quick] [--plot FILE]" ..
    " [--json FILE]\n")
if opts.quick then opts.bins = 400 end
local N = opts.workers > 0 and opts.workers or math.max(2, ncpu)
local cols = N + 1

-- report_work: repeatedly add one to the bin of "now" in this worker's column, until the last bin.
local function report_work(t_start, array, target_index, bins, dt, cols)
  jit.off()  -- an interpreter, as in the lecture
  t_start = t_start or parlab.clock()
  while true do
    local i = math.floor((parlab.clock() - t_start) / dt)
    if i >= bins then break end
    array[i * cols + target_index] = array[i * cols + target_index] + 1
  end
  return array
end

-- Under mpirun, ranks 1.. serve the pool's tasks from here on and never return; alone, no ranks row.
local ranks_pool = lab.mpi_size() > 1 and parlab.mpi.Pool() or nil

local function column_total(array, c)
  local s = 0
  for i = 0, opts.bins - 1 do s = s + array[i * cols + c] end
  return s
end

lab.header(("Work per %g us bin: 1 thread, %d GIL threads, %d processes"):format(opts.dt * 1e6, N, N),
  "seed 003")
-- main(): a single thread.
local single = parlab.array("i64", { opts.bins, cols })
report_work(parlab.clock(), single, 1, opts.bins, opts.dt, cols)

-- multi_threading_main(): N threads, one shared array, the GIL on.
parlab.gil.enable(true)
local threaded = parlab.array("i64", { opts.bins, cols })
local t_start = parlab.clock()
local threads = {}
for i = 1, N do threads[i] = parlab.Thread(report_work, t_start, threaded, i, opts.bins, opts.dt, cols) end
for _, t in ipairs(threads) do t:start() end
for _, t in ipairs(threads) do t:join() end
parlab.gil.enable(false)

-- multi_processed_main(): N processes, each its own column (shared memory, so no copies come back).
local processed = parlab.array("i64", { opts.bins, cols })
local pool = parlab.Pool(N)
pool:map(function(x) return x end, { 1 })
local args = {}
for i = 1, N do args[i] = { false, processed, i, opts.bins, opts.dt, cols } end
pool:starmap(function(_, ...) report_work(nil, ...) return true end, args, 1)
pool:close() pool:join()

-- The ranks: each counts into an array of its own (a parlab array cannot cross ranks) and sends it back as
-- a table, copied into one more array's columns 1..ranks.
local ranked, R
if ranks_pool then
  R = math.min(parlab.mpi.size - 1, N)
  ranked = parlab.array("i64", { opts.bins, cols })
  ranks_pool:map(function(x) return x end, { 1, 2 })
  local rargs = {}
  for i = 1, R do rargs[i] = { opts.bins, opts.dt } end
  local per = ranks_pool:starmap(function(bins, dt)
    local mine = parlab.array("i64", bins)
    report_work(nil, mine, 0, bins, dt, 1)
    return mine:totable()
  end, rargs, 1)
  for c = 1, R do
    for i = 0, opts.bins - 1 do ranked[i * cols + c] = per[c][i + 1] end
  end
  ranks_pool:close() ranks_pool:join()
end

local one = column_total(single, 1)
local thr, proc = 0, 0
for c = 1, N do thr, proc = thr + column_total(threaded, c), proc + column_total(processed, c) end
local rows = {
  { how = "1 thread", work = one, x = 1 },
  { how = N .. " threads, GIL", work = thr, x = thr / one },
  { how = N .. " processes", work = proc, x = proc / one },
}
if ranked then
  local rk = 0
  for c = 1, R do rk = rk + column_total(ranked, c) end
  rows[#rows + 1] = { how = R .. " ranks (mpi.Pool)", work = rk, x = rk / one }
end
lab.tables.print({ { "how", "how" }, { "iterations", "work", "%.0f" }, { "x one thread", "x", "%.2f" } },
  rows)

-- The histogram: iterations per bin over time, for each way (aggregated to 60 columns).
local function series(name, array, from, to)
  local pts, per = {}, math.max(1, math.floor(opts.bins / 60))
  for b = 0, opts.bins - 1, per do
    local s = 0
    for i = b, math.min(opts.bins - 1, b + per - 1) do for c = from, to do s = s + array[i * cols + c] end end
    pts[#pts + 1] = { (b + per / 2) * opts.dt * 1e3, s / per }
  end
  return { name = name, points = pts }
end
local chart = { series("1 thread", single, 1, 1), series("threads+GIL", threaded, 1, N),
  series("processes", processed, 1, N) }
if ranked then chart[#chart + 1] = series("ranks", ranked, 1, R) end
lab.chart(opts, { title = ("Work per %g us bin: 1 thread, GIL threads, processes"):format(opts.dt * 1e6),
  x = { label = "time", unit = "ms" }, y = { label = "loop iterations per bin", unit = "count" }, series = chart })
lab.claim(("GIL threads do ~1x the work of one thread, processes ~%dx (lecture: 0.99x and 2.08x on 2 cores)")
    :format(math.min(N, ncpu)),
  rows[2].x < 1.3 and (ncpu == 1 or rows[3].x > 1.4),
  ("threads %.2fx, processes %.2fx"):format(rows[2].x, rows[3].x))
lab.finish(opts, "workbins", rows)
