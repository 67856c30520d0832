-- Native kernels against NumPy on this machine: STREAM-style bandwidth (copy, triad, sum), np.sum per
-- 1M doubles, the marshaling loops, BLAS matmul GFLOP/s, the trapezoid of x*x at n = 1e8 against
-- CPython's loop, and speed-up over thread counts. Prints markdown tables.
--   parlab bench/kernels.lua [--no-numpy]      (BENCH_REPS=n for fewer or more repetitions)
local K, clock = parlab.kernels, parlab.clock
local REPS = tonumber(os.getenv("BENCH_REPS") or "5")
local THREADS = parlab.omp.threads()
local with_numpy = arg[1] ~= "--no-numpy"
local fmt = string.format

local function best(fn, reps)
  local t = math.huge
  for _ = 1, reps or REPS do
    local t0 = clock()
    fn()
    t = math.min(t, clock() - t0)
  end
  return t
end

local function numpy(which)
  if not with_numpy then return {} end
  local cmd = fmt("OPENBLAS_NUM_THREADS=%d BENCH_REPS=%d /usr/bin/python3 bench/kernels.py %s", THREADS, REPS, which)
  local p = io.popen(cmd)
  local r = {}
  for line in p:lines() do
    local name = line:match('"name": "([%w_]+)"')
    if name then
      r[name] = {}
      for k, v in line:gmatch('"([%w_]+)": ([%d%.e%-]+)') do r[name][k] = tonumber(v) end
    end
  end
  p:close()
  return r
end

local function row(...) print("| " .. table.concat({ ... }, " | ") .. " |") end
local function get(t, name, field) return t[name] and t[name][field] and fmt("%.3g", t[name][field]) or "-" end

local info = parlab.omp.info()
print(fmt("# parlab kernels bench: %s, %d threads (%s), BLAS %d threads (%s, core %s)", os.date("!%Y-%m-%d %H:%M UTC"),
  THREADS, info.reason, info.blas_threads, info.blas_config, info.blas_core))

-- STREAM-style: arrays of 2^25 doubles (256 MiB each), far beyond any cache; bytes as STREAM counts them
-- (copy and scale 16 per element, triad 24, sum 8). Each kernel at 1 thread and at the default count;
-- "machine" is the best rate any of them reached, as STREAM reports its best.
do
  local n = 2 ^ 25
  local a, b, c = parlab.array("f64", n):fill(1), parlab.array("f64", n):fill(2), parlab.array("f64", n):fill(0.5)
  local kernels = {
    { "copy", 16, function(t) K.copy(b, a, t) end, "np_copy" },
    { "scale", 16, function(t) K.scale(a, 1.0, t) end },
    { "triad", 24, function(t) K.triad(a, b, c, 3, t) end, "np_triad" },
    { "sum", 8, function(t) K.sum(b, t) end, "np_sum" },
  }
  local rates, machine = {}, 0
  for i, k in ipairs(kernels) do
    local one = k[2] * n / best(function() k[3](1) end, 2 * REPS) / 1e9
    local all = k[2] * n / best(function() k[3](THREADS) end, 2 * REPS) / 1e9
    rates[i] = { one, all }
    machine = math.max(machine, one, all)
  end
  local np = numpy("stream")
  print("\n## Memory bandwidth (GB/s), 2^25 doubles per array")
  row("kernel", "parlab 1 thread", fmt("parlab %d threads", THREADS), "best, % of machine", "NumPy")
  row("---", "---", "---", "---", "---")
  for i, k in ipairs(kernels) do
    local r = rates[i]
    row(k[1], fmt("%.1f", r[1]), fmt("%.1f", r[2]), fmt("%.0f%%", 100 * math.max(r[1], r[2]) / machine),
      k[4] and (get(np, k[4], "GBs") .. (k[1] == "triad" and " (2 passes)" or "")) or "-")
  end
  print(fmt("\nmachine bandwidth (best STREAM-style rate above): %.1f GB/s", machine))
end

-- The marshaling experiment: one sum over 1M doubles, native, and interpreted loops over it.
do
  local n = 1e6
  local a = K.random(parlab.array("f64", n), 1)
  local t = a:totable()
  local native = best(function() K.sum(a) end, 50) * 1e3
  local native1 = best(function() K.sum(a, 1) end, 50) * 1e3
  local ffi_loop = best(function() local s = 0 for i = 0, n - 1 do s = s + a[i] end return s end) * 1e3
  local boxed = best(function() local s, get = 0, a.get for i = 0, n - 1 do s = s + get(a, i) end return s end, 2) * 1e3
  local tloop = best(function() local s = 0 for i = 1, n do s = s + t[i] end return s end) * 1e3
  local np = numpy("sums")
  print("\n## Sum of 1M doubles (ms)")
  row("how", "parlab", "Python/NumPy")
  row("---", "---", "---")
  row(fmt("native sum, %d threads (kernels.sum / np.sum)", THREADS), fmt("%.3f", native), get(np, "np_sum_1M", "ms"))
  row("native sum, 1 thread", fmt("%.3f", native1), "-")
  row("loop over the array (FFI a[i] / for x in ndarray)", fmt("%.2f", ffi_loop), get(np, "py_loop_ndarray_1M", "ms"))
  row("boxed loop (a:get(i), one C call each)", fmt("%.1f", boxed), "-")
  row("loop over a table / list", fmt("%.2f", tloop), get(np, "py_loop_list_1M", "ms"))
  row("sum(list)", "-", get(np, "py_sum_list_1M", "ms"))
end

-- Matrix product, d = 2000, BLAS through parlab and NumPy at the same BLAS thread count.
do
  local d = 2000
  local a, b = K.random(parlab.array("f64", { d, d }), 1), K.random(parlab.array("f64", { d, d }), 2)
  local c = K.matmul(a, b)
  local s = best(function() K.matmul(a, b, c) end)
  local np = numpy("matmul")
  local ours = 2 * d ^ 3 / s / 1e9
  print("\n## Matrix product d = 2000 (GFLOP/s)")
  row("parlab (OpenBLAS dgemm)", "NumPy (a @ b)", "ratio")
  row("---", "---", "---")
  row(fmt("%.1f", ours), get(np, "np_matmul", "GFLOPs"),
    np.np_matmul and fmt("%.0f%%", 100 * ours / np.np_matmul.GFLOPs) or "-")
  local dn = 1000
  local an, bn = K.random(parlab.array("f64", { dn, dn }), 1), K.random(parlab.array("f64", { dn, dn }), 2)
  local cn = K.matmul(an, bn)
  local naive = 2 * dn ^ 3 / best(function() K.matmul_naive(an, bn, cn) end, 1) / 1e9
  local blas = 2 * dn ^ 3 / best(function() K.matmul(an, bn, cn) end, 3) / 1e9
  print(fmt("\nd = 1000: naive OpenMP loop %.1f GFLOP/s, BLAS %.1f GFLOP/s (%.0fx)", naive, blas, blas / naive))
end

-- The lecture's integral: trapezoid of x*x on [0, 100].
do
  local n = 1e8
  local native = best(function() K.trapz("x*x", 0, 100, n) end, 3)
  local function f(x) return x * x end
  local t0 = clock()
  local h, x, integral = 100 / n, 0, 0  -- the lecture's loop, JIT-compiled
  for _ = 0, n - 1 do
    integral = integral + ((f(x) + f(x + h)) / 2.0) * h
    x = x + h
  end
  local jit_loop = clock() - t0
  local np = numpy("integral")
  local py = np.py_trapz and np.py_trapz.scaled_1e8
  print("\n## Trapezoid of x*x on [0, 100], n = 1e8 (s)")
  row("native kernel", "JIT-compiled Lua loop", "CPython loop (n = 4e6, x25)", "native vs CPython")
  row("---", "---", "---", "---")
  row(fmt("%.4f", native), fmt("%.3f", jit_loop), py and fmt("%.1f", py) or "-", py and fmt("%.0fx", py / native) or "-")
end

-- Speed-up over thread counts (this machine's CPUs; counts above them oversubscribe).
do
  local n = 2 ^ 25
  local a, b, c = parlab.array("f64", n):fill(1), parlab.array("f64", n):fill(2), parlab.array("f64", n):fill(0.5)
  local m1, m2 = K.random(parlab.array("f64", { 1000, 1000 }), 1), K.random(parlab.array("f64", { 1000, 1000 }), 2)
  local mc = K.matmul(m1, m2)
  local cases = {
    { "sum 2^25", function(t) K.sum(a, t) end },
    { "triad 2^25", function(t) K.triad(a, b, c, 3, t) end },
    { "trapz x*x 1e8", function(t) K.trapz("x*x", 0, 100, 1e8, t) end },
    { "montecarlo_pi 1e7", function(t) K.montecarlo_pi(1e7, 1, t) end },
    { "matmul_naive 1000", function(t) K.matmul_naive(m1, m2, mc, t) end },
    { "matmul BLAS 1000", function(t) K.matmul(m1, m2, mc, t) end },
  }
  local counts = {}
  for t = 1, math.max(2, THREADS) do counts[#counts + 1] = t end
  print("\n## Speed-up over threads (time at 1 thread / time at t)")
  local head, rule = { "kernel", "1 thread (s)" }, { "---", "---" }
  for i = 2, #counts do head[#head + 1], rule[#rule + 1] = counts[i] .. " threads", "---" end
  row(unpack(head))
  row(unpack(rule))
  for _, case in ipairs(cases) do
    local base = best(function() case[2](1) end, 3)
    local cells = { case[1], fmt("%.4f", base) }
    for i = 2, #counts do cells[#cells + 1] = fmt("%.2f", base / best(function() case[2](counts[i]) end, 3)) end
    row(unpack(cells))
  end
end
