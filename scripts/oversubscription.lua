-- oversubscription: seed 003's "don't parallelise already-parallel code". A process pool whose tasks each
-- call a multi-threaded BLAS product puts processes x BLAS threads on the cores: contention. Giving BLAS
-- one thread per process (OPENBLAS_NUM_THREADS=1) fixes it.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { d = 800, tasks = 0, blas = 0 },
  "usage: parlab scripts/oversubscription.lua [--d N] [--tasks T] [--blas THREADS] [--quick] [--json FILE]\n")
if opts.quick then opts.d = 300 end
local procs = math.max(2, ncpu)
local tasks = opts.tasks > 0 and opts.tasks or 4 * procs
local oversub = opts.blas > 0 and opts.blas or 4 * ncpu

local function product(d, seed, blas_threads)
  parlab.omp.set_blas_threads(blas_threads)
  local a, b = parlab.array("f64", { d, d }), parlab.array("f64", { d, d })
  parlab.kernels.random(a, seed) parlab.kernels.random(b, seed + 1)
  return parlab.kernels.sum(parlab.kernels.matmul(a, b), 1)
end

lab.header(("%d processes, each calling BLAS"):format(procs),
  "seed 003, 'Don't parallelize already-parallel code'")
local pool = parlab.Pool(procs)
pool:map(function() end, { 1 })
local rows = {}
for _, blas in ipairs { oversub, 1 } do
  local args = {}
  for i = 1, tasks do args[i] = { opts.d, i, blas } end
  pool:starmap(product, { args[1] })
  local t = parlab.time(function() pool:starmap(product, args, 1) end)
  rows[#rows + 1] = { how = ("%d processes x %d BLAS threads"):format(procs, blas), threads = procs * blas,
    t = t.real }
end
pool:close() pool:join()
lab.tables.print({ { "setting", "how" }, { "threads on " .. ncpu .. " CPUs", "threads" },
  { "time (s)", "t", "%.3f" } }, rows)
lab.bars(opts, { title = ("%d processes calling BLAS: oversubscribed against 1 BLAS thread each"):format(procs),
  rows = rows, label = "how", value = "t", x = { label = "setting" }, y = { label = "time", unit = "s" } })
lab.claim("threads x processes > cores slows the work down; one BLAS thread per process fixes it",
  rows[1].t > rows[2].t, ("%.3f s oversubscribed vs %.3f s with 1 BLAS thread (%.2fx)"):format(rows[1].t,
    rows[2].t, rows[1].t / rows[2].t))
lab.finish(opts, "oversubscription", rows)
