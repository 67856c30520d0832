-- gpu_matmul: seed 001's "Cupy For GPU Computing": a d x d matrix product with BLAS on the CPU, then on
-- the GPU, the clock stopped only after the device has finished (synchronize), and the transfers to and
-- from the device shown as part of the bill.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local gpu = parlab.gpu
local opts = lab.args(arg, { d = 0, type = "f32", repeats = 3 },
  "usage: parlab scripts/gpu_matmul.lua [--d N] [--type f32|f64] [--repeats R] [--quick] [--json FILE]\n" ..
  "  PARLAB_GPU=cuda|opencl|off picks the back end.\n")

lab.header("Matrix product on the CPU and on the GPU", "seed 001, CuPy slide")
local ok, why = gpu.available()
if not ok then
  print("no GPU device: " .. why)
  print("(on a GPU node: load the CUDA module so libcudart and libcublas are found; see docs/gpu.md)")
  lab.claim("the GPU is faster for large d", false, "not measured: " .. why)
  lab.finish(opts, "gpu_matmul", { available = false, reason = why })
  return
end
local dev = gpu.devices()[1]
local emulated = dev.emulation
print(("device: %s (%s %s%s, %.1f GiB)"):format(dev.name, dev.backend, dev.kind,
  emulated and ", a CPU standing in for a GPU" or "", dev.memory / 2 ^ 30))
local d = opts.d > 0 and opts.d or (opts.quick and 128 or (emulated and 1000 or 10000))
local flops = 2 * d ^ 3

-- a = np.random.rand(d, d); b = np.random.rand(d, d)
local a, b = parlab.array(opts.type, { d, d }), parlab.array(opts.type, { d, d })
parlab.kernels.random(a, 1)
parlab.kernels.random(b, 2)

-- c = a @ b on the CPU (BLAS, every core).
local t_cpu, _, _, c = lab.timeit(function() return parlab.kernels.matmul(a, b) end, opts.repeats, 1)

-- Warm-up: the first product compiles kernels (seconds on PoCL) and is kept out of the repeats.
local t0 = parlab.clock()
gpu.matmul(gpu.from_host(a), gpu.from_host(b))
gpu.synchronize()
local warmup = parlab.clock() - t0
print(("first device product (kernel compilation, warm-up): %.3f s, not counted below"):format(warmup))

local a_gpu, b_gpu = gpu.from_host(a), gpu.from_host(b)
local c_gpu = gpu.array(opts.type, { d, d })
-- c_gpu = a_gpu @ b_gpu, timed to the end of the device's work.
local t_dev = lab.timeit(function() gpu.matmul(a_gpu, b_gpu, c_gpu) gpu.synchronize() end, opts.repeats)
-- The same with the transfers: host -> device, product, device -> host.
local steps = { h2d = math.huge, d2h = math.huge }
local t_all, _, _, c_back = lab.timeit(function()
  local s = parlab.clock()
  local x, y = gpu.from_host(a), gpu.from_host(b)
  gpu.synchronize()
  steps.h2d = math.min(steps.h2d, parlab.clock() - s)
  gpu.matmul(x, y, c_gpu)
  gpu.synchronize()
  s = parlab.clock()
  local h = c_gpu:to_host()
  steps.d2h = math.min(steps.d2h, parlab.clock() - s)
  return h
end, opts.repeats)

-- The device's answer must be the CPU's, within float error.
local worst = 0
for i = 0, math.min(#c, 10000) - 1 do
  worst = math.max(worst, math.abs(c[i] - c_back[i]) / math.max(1, math.abs(c[i])))
end
local bound = opts.type == "f32" and d * 2 ^ -22 or d * 2 ^ -50
assert(worst <= bound, ("device and CPU products differ by %g (bound %g)"):format(worst, bound))

local rows = {
  { what = "CPU BLAS (" .. parlab.omp.blas_threads() .. " threads)", t = t_cpu, g = flops / t_cpu / 1e9 },
  { what = "device: compute only", t = t_dev, g = flops / t_dev / 1e9 },
  { what = "device: with transfers", t = t_all, g = flops / t_all / 1e9 },
  { what = "  host -> device (a, b)", t = steps.h2d },
  { what = "  device -> host (c)", t = steps.d2h },
}
print(("d = %d, %s, best of %d"):format(d, opts.type, opts.repeats))
lab.tables.print({ { "", "what" }, { "time (s)", "t", "%.4f" }, { "GFLOP/s", "g", "%.1f" } }, rows)
lab.bars(opts, { title = ("Matrix product, d = %d %s: CPU against the device"):format(d, opts.type), rows = rows,
  label = "what", value = "t", x = { label = "what" }, y = { label = "time", unit = "s", log = true } })
print(("largest relative difference from the CPU product: %.1e (bound %.1e)"):format(worst, bound))
if emulated then
  print("note: this 'device' is the CPU through OpenCL (PoCL): it shows the path and the costs," ..
    " not GPU speed.")
end
lab.claim("the GPU is faster than the CPU for large d, and transfers are part of the bill",
  (not emulated) and t_dev < t_cpu and t_all > t_dev,
  ("compute %.4f s vs CPU %.4f s; with transfers %.4f s%s"):format(t_dev, t_cpu, t_all,
    emulated and " (CPU emulation: not a GPU)" or ""))
lab.finish(opts, "gpu_matmul", { d = d, type = opts.type, device = dev, rows = rows, warmup = warmup })
