-- parlab.kernels from Lua: each kernel against a Lua reference (Kahan sums) on sizes 0, 1, primes and
-- large, thread counts 1..4, and the error paths (types, lengths, thread counts, argument types).
local T = require "check"
local K = parlab.kernels
local SIZES = { 0, 1, 2, 7, 31, 1009, 65537 }
local EPS = 2 ^ -52

-- Compensated (Kahan-Babuska) sum of f(i) for i = 0..n-1, and the sum of |f(i)|.
local function ksum(n, f)
  local s, c, abs = 0, 0, 0
  for i = 0, n - 1 do
    local v = f(i)
    local t = s + v
    if math.abs(s) >= math.abs(v) then c = c + ((s - t) + v) else c = c + ((v - t) + s) end
    s, abs = t, abs + math.abs(v)
  end
  return s + c, abs
end

local function rand(t, n, seed)
  local a = parlab.array(t, n)
  if t == "f64" or t == "f32" then return K.scale(K.random(a, seed), 2) end
  local r = K.random(parlab.array("f64", n), seed)
  local hi = t == "u8" and 256 or 2001
  for i = 0, n - 1 do a[i] = math.floor(r[i] * hi) - (t == "u8" and 0 or 1000) end
  return a
end

T.test("sum and dot match compensated references for every type, size and thread count", function()
  for _, t in ipairs { "f64", "f32", "i64", "i32", "u8" } do
    for _, n in ipairs(SIZES) do
      local a, b = rand(t, n, n + 1), rand(t, n, n + 2)
      local ref, abs = ksum(n, function(i) return a[i] end)
      local dref, dabs = ksum(n, function(i) return a[i] * b[i] end)
      for threads = 1, 4 do
        local what = t .. " n=" .. n .. " threads=" .. threads
        T.near(K.sum(a, threads), ref, n * EPS * abs + 1e-300, what)
        T.near(K.dot(a, b, threads), dref, 2 * n * EPS * dabs + 1e-300, what)
      end
    end
  end
end)

T.test("min, max, minmax and histogram", function()
  for _, n in ipairs(SIZES) do
    if n > 0 then
      local a = rand("f64", n, n)
      local lo, hi = math.huge, -math.huge
      for i = 0, n - 1 do lo, hi = math.min(lo, a[i]), math.max(hi, a[i]) end
      local counts, ref = parlab.array("i64", 5), { 0, 0, 0, 0, 0 }
      for i = 0, n - 1 do
        local bin = math.min(math.floor((a[i] + 2) / 4 * 5), 4) + 1
        ref[bin] = ref[bin] + 1
      end
      for threads = 1, 4 do
        T.eq(K.min(a, threads), lo)
        T.eq(K.max(a, threads), hi)
        local x, y = K.minmax(a, threads)
        T.eq({ x, y }, { lo, hi })
        T.eq(K.histogram(a, counts, -2, 2, threads):totable(), ref)
      end
    end
  end
  T.raises("kernels.min: the array is empty", K.min, parlab.array("f64", 0))
  T.raises("kernels.histogram: counts must be an i64 array, got f64", K.histogram, parlab.array("f64", 3),
    parlab.array("f64", 3), 0, 1)
  T.raises("kernels.histogram: lo must be a number, got no value", K.histogram, parlab.array("f64", 3),
    parlab.array("i64", 3))
end)

T.test("fill, scale, copy, axpy and triad", function()
  for _, n in ipairs(SIZES) do
    for threads = 1, 4 do
      local x, y, z = rand("f64", n, 1), rand("f64", n, 2), parlab.array("f64", n)
      local x0, y0 = x:totable(), y:totable()
      T.ok(K.axpy(x, y, 3, threads) == y)
      for i = 0, n - 1 do assert(y[i] == 3 * x0[i + 1] + y0[i + 1]) end
      K.triad(z, x, y, 0.5, threads)
      for i = 0, n - 1 do assert(z[i] == x[i] + 0.5 * y[i]) end
      K.scale(x, -2, threads)
      for i = 0, n - 1 do assert(x[i] == -2 * x0[i + 1]) end
      K.copy(x, y, threads)
      for i = 0, n - 1 do assert(y[i] == x[i]) end
      K.fill(z, 1.5, threads)
      for i = 0, n - 1 do assert(z[i] == 1.5) end
    end
  end
end)

T.test("random is seeded and the same for any thread count; montecarlo_pi", function()
  local a, b = parlab.array("f64", 100003), parlab.array("f64", 100003)
  K.random(a, 42, "normal", 1)
  for threads = 2, 4 do
    K.random(b, 42, "normal", threads)
    for i = 0, #a - 1, 997 do assert(a[i] == b[i]) end
    T.eq(K.sum(b, 1), K.sum(a, 1))
  end
  K.random(b, 42)  -- uniform by default
  T.ok(K.min(b) >= 0 and K.max(b) < 1)
  local p = K.montecarlo_pi(1e6, 3, 1)
  T.eq(K.montecarlo_pi(1e6, 3, 4), p)
  T.near(p, math.pi, 6 * math.sqrt(math.pi * (4 - math.pi) / 1e6))
  T.raises('kernels.random: distribution must be "uniform" or "normal", got "gauss"', K.random, a, 1, "gauss")
  T.raises("kernels.random: a must be an f64 or f32 array, got i32", K.random, parlab.array("i32", 3), 1)
  T.raises("kernels.random: seed must be an integer", K.random, a, -1)
end)

T.test("trapz: built-in integrands, polynomial coefficients and a Lua function agree", function()
  for threads = 1, 4 do
    T.near(K.trapz("x*x", 0, 100, 4e6, threads), 1e6 / 3, 1e-6)
    T.near(K.trapz("sin", 0, math.pi, 1e5, threads), 2, 1e-9)
    T.near(K.trapz("exp", 0, 1, 1e5, threads), math.exp(1) - 1, 1e-9)
    T.near(K.trapz({ 1, 2, 3 }, 0, 2, 1e5, threads), 14, 1e-8)
  end
  local native = K.trapz("x*x", 0, 3, 1000, 1)
  T.near(K.trapz(function(x) return x * x end, 0, 3, 1000), native, 1e-12)
  T.raises('kernels.trapz: unknown integrand "tan"', K.trapz, "tan", 0, 1, 10)
  T.raises("kernels.trapz: number of intervals must be an integer", K.trapz, "sin", 0, 1, 0)
  T.raises("kernels.trapz: coefficient 2 must be a number", K.trapz, { 1, "x" }, 0, 1, 10)
  T.raises("kernels.trapz: number of intervals must be a positive integer", K.trapz, math.sin, 0, 1, 0)
end)

T.test("jacobi step in 1-D and 2-D against a Lua stencil", function()
  local u = rand("f64", 35, 9):reshape(5, 7)
  local v = parlab.array("f64", { 5, 7 })
  for threads = 1, 4 do
    local change = K.jacobi(u, v, threads)
    local want = 0
    for r = 0, 4 do
      for c = 0, 6 do
        local i = r * 7 + c
        local ref = u[i]
        if r > 0 and r < 4 and c > 0 and c < 6 then
          ref = 0.25 * (u[i - 1] + u[i + 1] + u[i - 7] + u[i + 7])
          want = math.max(want, math.abs(ref - u[i]))
        end
        T.eq(v[i], ref)
      end
    end
    T.eq(change, want)
  end
  local a, b = rand("f64", 11, 1), parlab.array("f64", 11)
  K.jacobi(a, b, 2)
  T.eq(b[5], 0.5 * (a[4] + a[6]))
  T.raises("kernels.jacobi: u and v share memory", K.jacobi, a, a)
end)

T.test("matmul through BLAS and the naive loop", function()
  for _, d in ipairs { { 1, 1, 1 }, { 3, 5, 2 }, { 17, 13, 11 } } do
    local m, k, n = d[1], d[2], d[3]
    local a, b = rand("f64", m * k, 1):reshape(m, k), rand("f64", k * n, 2):reshape(k, n)
    for threads = 1, 4 do
      local c = K.matmul(a, b, nil, threads)
      local c2 = K.matmul_naive(a, b, parlab.array("f64", { m, n }), threads)
      T.eq(c.shape, { m, n })
      for i = 0, m - 1 do
        for j = 0, n - 1 do
          local ref, abs = ksum(k, function(p) return a[i * k + p] * b[p * n + j] end)
          T.near(c[i * n + j], ref, (k + 2) * EPS * abs + 1e-300)
          T.near(c2[i * n + j], ref, (k + 2) * EPS * abs + 1e-300)
        end
      end
    end
  end
  local f = parlab.array("f32", { 2, 2 }):fill(1)
  T.eq(K.matmul(f, f):totable(), { 2, 2, 2, 2 })
  T.raises("kernels.matmul: shape mismatch: a is 2x3, b is 2x3", K.matmul, parlab.array("f64", { 2, 3 }),
    parlab.array("f64", { 2, 3 }))
  T.raises("kernels.matmul: a and b must be matrices", K.matmul, parlab.array("f64", 4),
    parlab.array("f64", 4))
  T.raises("kernels.matmul_naive: c must be a parlab array, got string", K.matmul_naive, f, f, "c")
end)

T.test("named errors: type and length mismatch, thread counts, argument types", function()
  local f64, f32, short = parlab.array("f64", 4), parlab.array("f32", 4), parlab.array("f64", 3)
  T.raises("kernels.dot: type mismatch: a is f64, b is f32", K.dot, f64, f32)
  T.raises("kernels.axpy: length mismatch: x has 4 elements, y has 3", K.axpy, f64, short, 1)
  T.raises("kernels.triad: type mismatch", K.triad, f64, f64, f32, 1)
  T.raises("kernels.copy: length mismatch", K.copy, f64, short)
  T.raises("kernels.sum: thread count must be an integer between 1 and 1024, got 0", K.sum, f64, 0)
  T.raises("kernels.sum: thread count must be an integer between 1 and 1024, got -3", K.sum, f64, -3)
  T.raises("kernels.sum: thread count must be an integer between 1 and 1024, got 1.5", K.sum, f64, 1.5)
  T.raises("kernels.dot: thread count must be a number, got string", K.dot, f64, f64, "2")
  T.raises("kernels.sum: a must be a parlab array, got table", K.sum, { 1, 2 })
  T.raises("kernels.sum: a must be a parlab array, got no value", K.sum)
  T.raises("kernels.fill: value must be a number, got string", K.fill, f64, "1")
  T.raises("kernels.fill: value 0.5 does not fit the array's integer type", K.fill, parlab.array("i64", 2),
    0.5)
  T.raises("kernels.scale: alpha must be a number", K.scale, f64)
  T.raises("kernels.montecarlo_pi: number of points must be an integer", K.montecarlo_pi, 0, 1)
end)

T.test("omp thread counts and BLAS threads", function()
  local before = parlab.omp.threads()
  parlab.omp.set_threads(3)
  T.eq(parlab.omp.threads(), 3)
  local info = parlab.omp.info()
  T.ok(#info.reason > 0 and #info.blas_config > 0)
  if info.blas_follows then T.eq(parlab.omp.blas_threads(), 3) end
  parlab.omp.set_blas_threads(1)
  T.eq(parlab.omp.blas_threads(), 1)
  parlab.omp.set_threads(2)
  T.eq(parlab.omp.blas_threads(), 1)
  parlab.omp.set_blas_threads(0)
  T.eq(parlab.omp.blas_threads(), 2)
  T.raises("omp.set_threads: thread count must be an integer between 1 and 1024, got 0",
    parlab.omp.set_threads, 0)
  T.raises("omp.set_threads: thread count must be a number, got no value", parlab.omp.set_threads)
  T.raises("omp.set_blas_threads: thread count must be an integer between 0 and 1024, got -1",
    parlab.omp.set_blas_threads, -1)
  parlab.omp.set_threads(before)
end)

T.test("OpenBLAS runs the widest kernels this CPU has, unless the user chose a core", function()
  local function run(env)
    local code = "local i = parlab.omp.info() print(i.blas_core, i.blas_core_replaced)"
    local p = io.popen(("%s %q -e '%s'"):format(env, arg[-1], code))
    local line = p:read("*l")
    p:close()
    return line
  end
  T.eq(run("OPENBLAS_CORETYPE=Prescott"), "Prescott\tnil")
  local flags = (T.slurp("/proc/cpuinfo"):match("\nflags%s*:([^\n]*)") or "") .. " "
  local function has(f) return flags:find(" " .. f .. " ", 1, true) ~= nil end
  local want = (has("avx512f") and has("avx512bw") and has("avx512vl") and has("avx512dq")) and 3
    or (has("avx2") and has("fma")) and 2 or has("avx") and 1 or 0
  local ranks = { prescott = 0, core2 = 0, penryn = 0, dunnington = 0, nehalem = 0, atom = 0, barcelona = 0,
    bobcat = 0, sandybridge = 1, bulldozer = 1, piledriver = 1, steamroller = 1, excavator = 2, haswell = 2,
    zen = 2, skylakex = 3, cooperlake = 3, sapphirerapids = 3 }
  local core = run("env -u OPENBLAS_CORETYPE"):match("^(%S+)")
  local rank = ranks[core:lower()]
  if rank then T.ok(rank >= want, ("core %s on a CPU that runs rank-%d kernels"):format(core, want)) end
end)

-- os.exit skips finalizers: collect now, so a leak checker sees every view released.
collectgarbage()
collectgarbage()
T.done()
