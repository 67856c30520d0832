-- blas_threads: seeds 001 and 003. A matrix product through BLAS uses every core (OPENBLAS_NUM_THREADS
-- limits it); the lecture's hand-written triple loop is orders of magnitude slower.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { d = 2000, loop_d = 120, repeats = 3 },
  "usage: parlab scripts/blas_threads.lua [--d N] [--loop-d N] [--quick] [--json FILE]\n" ..
  "  OPENBLAS_NUM_THREADS / PARLAB_NUM_THREADS set the defaults, as for NumPy.\n")
if opts.quick then opts.d, opts.loop_d, opts.repeats = 300, 40, 1 end

-- The lecture's matrix_multiply over Lua tables of rows (result[i][j] += A[i][k] * B[k][j]).
local function matrix_multiply(A, B)
  if #A[1] ~= #B then error("Incompatible dimensions for matrix multiplication") end
  local result = {}
  for i = 1, #A do
    result[i] = {}
    for j = 1, #B[1] do result[i][j] = 0 end
  end
  for i = 1, #A do
    for j = 1, #B[1] do
      for k = 1, #B do result[i][j] = result[i][j] + A[i][k] * B[k][j] end
    end
  end
  return result
end

local function random_matrix(d, seed)
  local m = parlab.array("f64", { d, d })
  parlab.kernels.random(m, seed)
  return m
end

lab.header("Matrix product: BLAS threads and a hand-written loop", "seeds 001 and 003")
local d = opts.d
local a, b = random_matrix(d, 1), random_matrix(d, 2)
local flops = 2 * d ^ 3
local rows = {}
local counts = { 1 }
if ncpu > 1 then counts[2] = ncpu end
local default_blas = parlab.omp.blas_threads()
for _, t in ipairs(counts) do
  parlab.omp.set_blas_threads(t)
  local best, _, _, _ = lab.timeit(function() return parlab.kernels.matmul(a, b) end, opts.repeats, 1)
  local cpu = parlab.time(parlab.kernels.matmul, a, b).cpu
  rows[#rows + 1] = { how = ("BLAS, %d thread%s"):format(t, t > 1 and "s" or ""), d = d, t = best,
    g = flops / best / 1e9, cpu = cpu }
end
parlab.omp.set_blas_threads(0)

-- The loop at a small size (the lecture's d = 10000 would take days), checked against BLAS.
local ld = opts.loop_d
local sa, sb = random_matrix(ld, 3), random_matrix(ld, 4)
local A, B = {}, {}
for i = 1, ld do
  A[i], B[i] = {}, {}
  for j = 1, ld do A[i][j], B[i][j] = sa[(i - 1) * ld + j - 1], sb[(i - 1) * ld + j - 1] end
end
jit.off(matrix_multiply)  -- the lecture's loop runs in an interpreter
local t_loop, C = parlab.time(matrix_multiply, A, B)
jit.on(matrix_multiply)
local ref = parlab.kernels.matmul(sa, sb)
for i = 1, ld do for j = 1, ld do assert(math.abs(C[i][j] - ref[(i - 1) * ld + j - 1]) < 1e-9 * ld) end end
local t_blas_small = lab.timeit(function() return parlab.kernels.matmul(sa, sb) end, 5)
rows[#rows + 1] = { how = "triple loop (interpreted)", d = ld, t = t_loop.real,
  g = 2 * ld ^ 3 / t_loop.real / 1e9, cpu = t_loop.cpu }
rows[#rows + 1] = { how = "BLAS at the loop's size", d = ld, t = t_blas_small,
  g = 2 * ld ^ 3 / t_blas_small / 1e9 }
print(("BLAS threads by default: %d (OPENBLAS_NUM_THREADS=%s)"):format(default_blas,
  tostring(os.getenv("OPENBLAS_NUM_THREADS"))))
lab.tables.print({ { "how", "how" }, { "d", "d" }, { "time (s)", "t", "%.4f" }, { "GFLOP/s", "g", "%.2f" },
  { "CPU%", "cpu", "%.0f" } }, rows)
lab.bars(opts, { title = "Matrix product: BLAS threads against a hand-written loop", rows = rows,
  label = function(r) return ("%s, d = %d"):format(r.how, r.d) end, value = "g", x = { label = "how" },
  y = { label = "speed", unit = "GFLOP/s", log = true },
  ref = { name = "NumPy (lecture, 2 cores, d = 2000)", values = { [#counts] = 94 } } })
local multi = rows[2] and rows[1].t / rows[2].t or 1
lab.claim("BLAS uses all cores (CPU% ~ cores x 100) and the hand-written loop is orders of magnitude slower",
  (ncpu == 1 or (multi > 1.3 and rows[2].cpu > 130)) and rows[#rows].g > 50 * rows[#rows - 1].g,
  ("%d threads %.2fx faster than 1 (CPU %.0f%%); BLAS %.0fx the loop's GFLOP/s"):format(counts[#counts],
    multi,
    rows[#counts].cpu or 0, rows[#rows].g / rows[#rows - 1].g))
lab.finish(opts, "blas_threads", rows)
