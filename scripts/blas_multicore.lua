-- blas_multicore: seed 003's "one NumPy call keeps every core busy": a single matrix-product call, with
-- each core's utilisation over the call read from /proc/stat (what htop shows).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { d = 3000 },
  "usage: parlab scripts/blas_multicore.lua [--d N] [--quick] [--json FILE]\n")
if opts.quick then opts.d = 600 end

-- Per-core {busy, total} jiffies from /proc/stat (nil where it cannot be read).
local function core_times()
  local f = io.open("/proc/stat")
  if not f then return nil end
  local cores = {}
  for line in f:lines() do
    local id, rest = line:match("^cpu(%d+)%s+(.*)$")
    if id then
      local v = {}
      for x in rest:gmatch("%d+") do v[#v + 1] = tonumber(x) end
      local idle = v[4] + (v[5] or 0)
      local total = 0
      for _, x in ipairs(v) do total = total + x end
      cores[#cores + 1] = { busy = total - idle, total = total }
    end
  end
  f:close()
  return cores
end

lab.header("One matrix-product call, every core", "seed 003, 'the C library saturates all cores'")
local a, b = parlab.array("f64", { opts.d, opts.d }), parlab.array("f64", { opts.d, opts.d })
parlab.kernels.random(a, 1)
parlab.kernels.random(b, 2)
parlab.kernels.matmul(a, b)  -- warm up the BLAS threads
local before = core_times()
local t = parlab.time(parlab.kernels.matmul, a, b)  -- np.dot(arr1, arr2): a single call
local after = core_times()
print(("d = %d: %.3f s, process CPU %.0f%% with %d BLAS threads"):format(opts.d, t.real, t.cpu,
  parlab.omp.blas_threads()))
local bars, busy_cores = {}, 0
if before and after then
  for i = 1, #after do
    local dt = after[i].total - before[i].total
    local u = dt > 0 and 100 * (after[i].busy - before[i].busy) / dt or 0
    bars[#bars + 1] = { ("core %d"):format(i - 1), u }
    if u > 70 then busy_cores = busy_cores + 1 end
  end
  local names, values = {}, {}
  for i, bar in ipairs(bars) do names[i], values[i] = bar[1], bar[2] end
  lab.chart(opts, { title = ("Per-core utilisation during one matrix product (d = %d)"):format(opts.d),
    kind = "bars", x = { label = "core" }, y = { label = "utilisation", unit = "%" }, categories = names,
    series = { { name = "busy during the call", values = values } } })
else
  print("/proc/stat is not readable here: per-core view unavailable")
end
lab.claim("a single BLAS call keeps every core near 100%",
  t.cpu > 70 * math.min(ncpu, parlab.omp.blas_threads()),
  ("process CPU %.0f%% of %d%% possible; %d of %d cores above 70%%"):format(t.cpu, 100 * ncpu, busy_cores,
    #bars))
lab.finish(opts, "blas_multicore", { d = opts.d, seconds = t.real, cpu = t.cpu, cores = bars })
