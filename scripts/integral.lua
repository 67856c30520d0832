-- integral: seed 001's trapezoid integral of f(x) = x*x on [0, 100] in N chunks: serially, with a
-- ThreadPoolExecutor under the GIL, with a ProcessPoolExecutor, with free threads, and as a native
-- kernel; under mpirun also with parlab.mpi.PoolExecutor over the other ranks (the "ranks" row:
-- `mpirun -n 3 parlab scripts/integral.lua`, rank 0 runs the script, ranks 1 and 2 the chunks).
-- The value is 333333.33; GIL threads give ~1x, processes ~cores x.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { n = 2e7, chunks = 8, workers = 0 },
  "usage: parlab scripts/integral.lua [--n STEPS] [--chunks N] [--workers W] [--quick] [--json FILE]\n")
if opts.quick then opts.n = 1e6 end
local workers = opts.workers > 0 and opts.workers or ncpu

function f(x)
  return x * x
end

-- compute_integral reads the global f: it travels with the function to every worker.
function compute_integral(a, b, n)
  local h = (b - a) / n
  local x = a
  local integral = 0
  for _ = 1, n do
    integral = integral + ((f(x) + f(x + h)) / 2.0) * h
    x = x + h
  end
  return integral
end

-- Under mpirun, ranks 1.. serve the pool's tasks from here on and never return; alone, no ranks row.
local ranks_ex = lab.mpi_size() > 1 and parlab.mpi.PoolExecutor() or nil

local a, b, n, N = 0, 100, opts.n, opts.chunks
local h = (b - a) / n

-- The lecture's loop: submit N chunks, then add up p:result().
local function with_executor(executor)
  local processes = {}
  for i = 0, N - 1 do
    local n1 = math.floor(n / N)
    local a1 = a + i * n1 * h
    local b1 = a + (i + 1) * n1 * h
    processes[#processes + 1] = executor:submit(compute_integral, a1, b1, n1)
  end
  local final = 0
  for _, p in ipairs(processes) do final = final + p:result() end
  return final
end

-- Each phase: (label, JIT on?, function returning the value). Executors start before the clock.
local function executor_phase(make, jit_on)
  local ex = make(workers)
  ex:submit(function(on) if on then jit.on() else jit.off() end end, jit_on):result()
  for _ = 2, workers do ex:submit(function(on) if on then jit.on() else jit.off() end end, jit_on) end
  local t, v = parlab.time(with_executor, ex)
  ex:shutdown(true)
  return t, v
end

lab.header(("Trapezoid integral of x*x on [0, 100], n = %g, %d chunks"):format(n, N), "seed 001")
local rows = {}
local function add(how, jit_mode, t, v, base)
  rows[#rows + 1] = { how = how, jit = jit_mode, t = t.real, cpu = t.cpu, v = v,
    s = base and base / t.real or 1 }
  return t.real
end
jit.off()
local t, v = parlab.time(compute_integral, a, b, n)
local base_interp = add("serial", "off", t, v)
jit.on()
t, v = parlab.time(compute_integral, a, b, n)
local base_jit = add("serial", "on", t, v)

parlab.gil.enable(true)
t, v = executor_phase(parlab.ThreadPoolExecutor, false)
add("ThreadPoolExecutor, GIL", "off", t, v, base_interp)
parlab.gil.enable(false, { jit = true })
t, v = executor_phase(parlab.ThreadPoolExecutor, true)
add("ThreadPoolExecutor, no GIL", "on", t, v, base_jit)
t, v = executor_phase(parlab.ProcessPoolExecutor, false)
add("ProcessPoolExecutor", "off", t, v, base_interp)
t, v = executor_phase(parlab.ProcessPoolExecutor, true)
add("ProcessPoolExecutor", "on", t, v, base_jit)
t, v = parlab.time(parlab.kernels.trapz, "x*x", a, b, n)
add("native kernel (OpenMP)", "-", t, v, base_jit)
if ranks_ex then
  ranks_ex:map(function() return true end, { 1, 2 }) -- every rank has started and answered once
  t, v = parlab.time(with_executor, ranks_ex)
  ranks_ex:shutdown(true)
  add(("mpi.PoolExecutor, %d ranks"):format(parlab.mpi.size - 1), "on", t, v, base_jit)
end

lab.tables.print({ { "how", "how" }, { "JIT", "jit" }, { "real (s)", "t", "%.4f" }, { "CPU%", "cpu", "%.0f" },
                   { "speed-up", "s", "%.2f" }, { "integral", "v", "%.4f" } }, rows)
print("speed-ups compare each row with the serial run of the same JIT mode")
lab.bars(opts, { title = "Trapezoid integral: speed-up over the serial loop", rows = rows,
  label = function(r) return r.how .. (r.jit ~= "-" and ", JIT " .. r.jit or "") end, value = "s",
  x = { label = "how" }, y = { label = "speed-up over serial, same JIT mode", unit = "x" },
  ref = { name = "Python (lecture, 2 cores)", values = { [1] = 1, [3] = 0.97, [5] = 1.45 } } })
for _, r in ipairs(rows) do
  assert(math.abs(r.v - 1e6 / 3) < 1e-3 * 1e6 / 3, r.how .. ": wrong value " .. r.v)
end
lab.claim("threads under the GIL give ~1x (lecture 0.97x), processes ~cores x (1.45x on 2 cores);" ..
  " value 333333.33",
  rows[3].s < 1.2 and (ncpu == 1 or rows[5].s > 1.3),
  ("GIL threads %.2fx, processes %.2fx (interpreted), native %.0fx over the JIT loop"):format(rows[3].s,
    rows[5].s, rows[7].s))
lab.finish(opts, "integral", rows)
