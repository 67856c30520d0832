-- Native kernels against NumPy on this machine: STREAM-style bandwidth (copy, triad, sum), np.sum per
-- 1M doubles, the marshaling loops, BLAS matmul GFLOP/s, the trapezoid of x*x at n = 1e8 against
-- CPython's loop, and speed-up over thread counts. Prints markdown tables.
--   parlab bench/kernels.lua [--no-numpy]      (BENCH_REPS=n for fewer or more repetitions)
local K, clock = parlab.kernels, parlab.clock
local REPS = tonumber(os.getenv("BENCH_REPS") or "5")
local THREADS = parlab.omp.threads()
local with_numpy = arg[1] ~= "--no-numpy"
local fmt = string.format
local PYTHON = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua").python

local function best(fn, reps)
  local t = math.huge
  for _ = 1, reps or REPS do
    local t0 = clock()
    fn()
    t = math.min(t, clock() - t0)
  end
  return t
end

-- STREAM's rule: each array at least four times the last-level cache, so that no kernel reads from the
-- cache (a 16-core node's 300 MiB L3 would hold a 2^25-double array whole).
local function last_level_cache_bytes()
  local bytes = 0
  for i = 0, 9 do
    local dir = "/sys/devices/system/cpu/cpu0/cache/index" .. i .. "/"
    local f, g = io.open(dir .. "level"), io.open(dir .. "size")
    if f and g and f:read("*l") == "3" then
      bytes = (tonumber((g:read("*l") or ""):match("^(%d+)K")) or 0) * 1024
    end
    if f then f:close() end
    if g then g:close() end
  end
  return bytes
end
local STREAM_N = 2 ^ 25
while STREAM_N * 8 < 4 * last_level_cache_bytes() do STREAM_N = STREAM_N * 2 end

local function numpy(which)
  if not with_numpy then return {} end
  local cmd = fmt("OPENBLAS_NUM_THREADS=%d BENCH_REPS=%d BENCH_STREAM_N=%d %s bench/kernels.py %s", THREADS,
    REPS,
    STREAM_N, PYTHON, which)
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
print(fmt("# parlab kernels bench: %s, %d threads (%s), BLAS %d threads (%s, core %s)",
  os.date("!%Y-%m-%d %H:%M UTC"),
  THREADS, info.reason, info.blas_threads, info.blas_config, info.blas_core))

-- STREAM-style: arrays of 2^25 doubles (256 MiB) or more, far beyond any cache, bytes counted as STREAM
-- counts them (copy 16 per element, triad 24; sum 8, dot 16). The machine's bandwidth is what STREAM
-- reports: the best rate of its kernels (copy and triad are STREAM's own; its scale and add move the same
-- bytes as copy and triad). parlab's scale and axpy update in place, which STREAM never does (no write-
-- allocate traffic), so they are shown apart and not counted as the machine's figure.
local function shmem_hugepages()
  local f = io.open("/sys/kernel/mm/transparent_hugepage/shmem_enabled")
  local s = f and f:read("*l") or ""
  if f then f:close() end
  return s:match("%[(%w+)%]") or "unknown"
end


do
  local n = STREAM_N
  local a, b, c = parlab.array("f64", n):fill(1), parlab.array("f64", n):fill(2),
    parlab.array("f64", n):fill(0.5)
  local kernels = {
    { "copy (STREAM)", 16, function(t) K.copy(b, a, t) end, "np_copy", stream = true },
    { "triad (STREAM)", 24, function(t) K.triad(a, b, c, 3, t) end, "np_triad", stream = true },
    { "sum", 8, function(t) K.sum(b, t) end, "np_sum" },
    { "dot", 16, function(t) K.dot(a, b, t) end },
    { "scale, in place", 16, function(t) K.scale(a, 1.0, t) end },
    { "axpy, in place", 24, function(t) K.axpy(b, a, 1.0, t) end },
  }
  local rates, machine = {}, 0
  for i, k in ipairs(kernels) do
    local one = k[2] * n / best(function() k[3](1) end, 2 * REPS) / 1e9
    local all = k[2] * n / best(function() k[3](THREADS) end, 2 * REPS) / 1e9
    rates[i] = { one, all }
    if k.stream then machine = math.max(machine, one, all) end
  end
  local np = numpy("stream")
  print(fmt("\n## Memory bandwidth (GB/s), 2^%d doubles per array (L3 %d MiB); shared-memory huge pages: %s",
    math.log(n, 2), last_level_cache_bytes() / 2 ^ 20, shmem_hugepages()))
  row("kernel", "parlab 1 thread", fmt("parlab %d threads", THREADS), "best, % of machine",
    "NumPy (1 thread)")
  row("---", "---", "---", "---", "---")
  for i, k in ipairs(kernels) do
    local r = rates[i]
    row(k[1], fmt("%.1f", r[1]), fmt("%.1f", r[2]), fmt("%.0f%%", 100 * math.max(r[1], r[2]) / machine),
      k[4] and (get(np, k[4], "GBs") .. (k[4] == "np_triad" and " (2 passes)" or "")) or "-")
  end
  print(fmt("\nmachine bandwidth (STREAM's best rate, copy or triad): %.1f GB/s", machine))
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
  row(fmt("native sum, %d threads (kernels.sum / np.sum)", THREADS), fmt("%.3f", native),
    get(np, "np_sum_1M", "ms"))
  row("native sum, 1 thread", fmt("%.3f", native1), "-")
  row("loop over the array (FFI a[i] / for x in ndarray)", fmt("%.2f", ffi_loop),
    get(np, "py_loop_ndarray_1M", "ms"))
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
  print(fmt("\nd = 1000: naive OpenMP loop %.1f GFLOP/s, BLAS %.1f GFLOP/s (%.0fx)", naive, blas,
    blas / naive))
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
  row(fmt("%.4f", native), fmt("%.3f", jit_loop), py and fmt("%.1f", py) or "-",
    py and fmt("%.0fx", py / native) or "-")
end

-- Speed-up over thread counts (this machine's CPUs; counts above them oversubscribe).
do
  local n = STREAM_N
  local a, b, c = parlab.array("f64", n):fill(1), parlab.array("f64", n):fill(2),
    parlab.array("f64", n):fill(0.5)
  local m1, m2 = K.random(parlab.array("f64", { 1000, 1000 }), 1),
    K.random(parlab.array("f64", { 1000, 1000 }), 2)
  local mc = K.matmul(m1, m2)
  local cases = {
    { fmt("sum 2^%d", math.log(n, 2)), function(t) K.sum(a, t) end },
    { fmt("triad 2^%d", math.log(n, 2)), function(t) K.triad(a, b, c, 3, t) end },
    { "trapz x*x 1e8", function(t) K.trapz("x*x", 0, 100, 1e8, t) end },
    { "montecarlo_pi 1e7", function(t) K.montecarlo_pi(1e7, 1, t) end },
    { "matmul_naive 1000", function(t) K.matmul_naive(m1, m2, mc, t) end },
    { "matmul BLAS 1000", function(t) K.matmul(m1, m2, mc, t) end },
  }
  local counts, t = {}, 1
  while t < THREADS do counts[#counts + 1], t = t, 2 * t end  -- 1, 2, 4, ... and the default count
  counts[#counts + 1] = math.max(2, THREADS)
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
