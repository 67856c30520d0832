-- bound_kinds: seeds 004 and 001's CPU-bound, memory-bound and I/O-bound work, each scaled over threads:
-- compute scales with cores, the STREAM triad flattens at the memory bandwidth, waiting scales with the
-- number of waiters whatever the cores.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { threads = {}, n = 2 ^ 24, io = 0.05 },
  "usage: parlab scripts/bound_kinds.lua [--threads 1,2,4] [--n ELEMENTS] [--quick] [--plot FILE]" ..
    " [--json FILE]\n")
if opts.quick then opts.n, opts.io = 2 ^ 21, 0.01 end
if #opts.threads == 0 then
  local t = 1
  while t <= 2 * ncpu do opts.threads[#opts.threads + 1] = t t = t * 2 end
end

local a, b, c = parlab.array("f64", opts.n), parlab.array("f64", opts.n), parlab.array("f64", opts.n)
parlab.kernels.fill(b, 1) parlab.kernels.fill(c, 2)
local pool = parlab.ThreadPool(opts.threads[#opts.threads])
pool:map(function() end, { 1 })

local kinds = {
  { name = "CPU-bound (trapezoid of sin)", run = function(t) parlab.kernels.trapz("sin", 0, 1, opts.n * 4, t) end },
  { name = "memory-bound (STREAM triad)", run = function(t) parlab.kernels.triad(a, b, c, 3, t) end },
  { name = "I/O-bound (waits)", run = function(t)
      local waits = {}
      for i = 1, t do waits[i] = opts.io end
      pool:map(parlab.sleep, waits, 1)  -- t waiters at once: the same waiting, t times the work done
    end, per_task = true },
}
lab.header("CPU-, memory- and I/O-bound work over threads", "seeds 004 and 001")
local rows, series = {}, {}
for _, k in ipairs(kinds) do
  local pts, base = {}, nil
  for _, t in ipairs(opts.threads) do
    local best = lab.timeit(function() k.run(t) end, 3, 1)
    local rate = (k.per_task and t or 1) / best    -- work units per second
    base = base or rate
    rows[#rows + 1] = { kind = k.name, t = t, time = best, s = rate / base }
    pts[#pts + 1] = { t, rate / base }
  end
  series[#series + 1] = { name = k.name, points = pts }
end
pool:close() pool:join()
lab.tables.print({ { "kind", "kind" }, { "threads", "t" }, { "time (s)", "time", "%.4f" },
  { "speed-up", "s", "%.2f" } }, rows)
lab.chart(opts, { title = "CPU-, memory- and I/O-bound work: speed-up against threads",
  x = { label = "threads", unit = "" }, y = { label = "speed-up over 1 thread", unit = "x" }, series = series })
local function at(kind, t) for _, r in ipairs(rows) do if r.kind == kind and r.t == t then return r.s end end end
local top = opts.threads[#opts.threads]
lab.claim("CPU-bound work scales with cores, memory-bound flattens at the bandwidth," ..
  " I/O-bound scales with waiters",
  (ncpu == 1 or at(kinds[1].name, ncpu) > 1.4) and at(kinds[3].name, top) > 0.6 * top,
  ("at %d threads: CPU %.2fx, memory %.2fx; I/O at %d: %.2fx"):format(ncpu, at(kinds[1].name, ncpu) or 0,
    at(kinds[2].name, ncpu) or 0, top, at(kinds[3].name, top)))
lab.finish(opts, "bound_kinds", rows)
