-- jit: the lecture's Numba slides (seed 004) in LuaJIT. Numba compiles on the first call (0.33 s) and
-- then runs machine code (6.7 us); LuaJIT compiles hot loops into traces while they run, so the first
-- call pays only milliseconds. JIT on vs off shows what the compiler buys.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n = 1e7, repeats = 5 },
  "usage: parlab scripts/jit.lua [--n SAMPLES] [--repeats R] [--quick] [--json FILE]\n")
if opts.quick then opts.n, opts.repeats = 2e5, 3 end

local function monte_carlo_pi(nsamples)
  local acc = 0
  for _ = 1, nsamples do
    local x = math.random()
    local y = math.random()
    if x ^ 2 + y ^ 2 < 1.0 then acc = acc + 1 end
  end
  return 4.0 * acc / nsamples
end

-- go_fast(a): trace of tanh over the diagonal of a 10 x 10 matrix, as on the slide.
local x = {}
for i = 0, 99 do x[i] = i end
local function go_fast(a)
  local trace = 0.0
  for i = 0, 9 do trace = trace + math.tanh(a[i * 10 + i]) end
  return trace
end
-- One call takes well under a microsecond: time 10^5 of them and report per call.
local CALLS = 1e5
local function go_fast_many(a)
  for _ = 1, CALLS do go_fast(a) end
end

local function first_and_after(fn, ...)
  jit.flush()  -- forget every compiled trace, so the first call compiles from scratch
  local t0 = parlab.clock()
  fn(...)
  local first = parlab.clock() - t0
  local best = math.huge
  for _ = 1, opts.repeats do
    t0 = parlab.clock()
    fn(...)
    best = math.min(best, parlab.clock() - t0)
  end
  return first, best
end

lab.header("JIT warm-up and compiled speed", "seed 004, Numba slides")
local rows = {}
for _, case in ipairs { { "monte_carlo_pi(" .. ("%g"):format(opts.n) .. ")", monte_carlo_pi, opts.n },
                        { "go_fast(x) x 1e5", go_fast_many, x } } do
  local first_on, after_on = first_and_after(case[2], case[3])
  jit.off(case[2], true)
  jit.off(go_fast, true)
  local _, after_off = first_and_after(case[2], case[3])
  jit.on(case[2], true)
  jit.on(go_fast, true)
  rows[#rows + 1] = { fn = case[1], first = first_on, after = after_on, off = after_off,
                      gain = after_off / after_on }
end
lab.tables.print({ { "function", "fn" }, { "JIT: first call (s)", "first", "%.6f" },
                   { "JIT: after (s)", "after", "%.6f" }, { "interpreter (s)", "off", "%.6f" },
                   { "JIT gain", "gain", "%.1fx" } }, rows)
local names, firsts, afters, offs = {}, {}, {}, {}
for i, r in ipairs(rows) do names[i], firsts[i], afters[i], offs[i] = r.fn, r.first, r.after, r.off end
lab.chart(opts, { title = "JIT: the first call, later calls and the interpreter", kind = "bars",
  x = { label = "function" }, y = { label = "time per call", unit = "s", log = true }, categories = names,
  series = { { name = "JIT, first call", values = firsts }, { name = "JIT, later calls", values = afters },
             { name = "interpreter", values = offs },
             { name = "Numba (lecture): first call 0.33 s", ref = true, values = { 0.33, false } } } })
local pi = monte_carlo_pi(opts.n)
print(("monte_carlo_pi = %.5f (error %.1e, expected ~%.1e)"):format(pi, math.abs(pi - math.pi),
  1.64 / math.sqrt(opts.n)))
-- Numba compiles the whole function before the first call (0.33 s); LuaJIT records and compiles traces
-- while the loop runs, so the first call costs only milliseconds more than the later ones.
lab.claim("compiled code is much faster than the interpreter; the first call pays for compiling" ..
  " (Numba: 0.33 s)",
  rows[1].gain > 1.5, ("first call %.4f s, later calls %.4f s (compiling: %.1f ms), interpreter %.4f s"):format(
    rows[1].first, rows[1].after, 1e3 * math.max(0, rows[1].first - rows[1].after), rows[1].off))
assert(math.abs(pi - math.pi) < 10 * 1.64 / math.sqrt(opts.n), "Monte Carlo pi is off")
lab.finish(opts, "jit", rows)
