-- amdahl: seeds 000 and 001's Amdahl's law. A program whose serial fraction is B runs on p workers;
-- its speed-up follows S(p) = 1 / (B + (1 - B) / p) and can never pass 1/B ("10% serial -> max 10x").
-- The serial part runs in the main process, the parallel part is split over a process pool.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local ncpu = parlab.cpus()
local opts = lab.args(arg, { serial = 0.1, work = 2.0, workers = {}, repeats = 1 },
  "usage: parlab scripts/amdahl.lua [--serial B] [--work SECONDS] [--workers 1,2,4] [--quick]" ..
    " [--plot FILE] [--json FILE]\n")
if opts.quick then opts.work = 0.4 end
if #opts.workers == 0 then
  for p = 1, ncpu do opts.workers[#opts.workers + 1] = p end
end

-- A fixed amount of work: n iterations of a loop the compiler cannot remove.
local function compute(n)
  local x = 0
  for i = 1, n do x = (x + i) % 1000003 end
  return x
end
-- Iterations per second on this machine, so --work is in seconds of one core.
local t0 = parlab.clock()
compute(2e7)
local rate = 2e7 / (parlab.clock() - t0)
local total = math.floor(opts.work * rate)

local function program(pool, p)
  compute(math.floor(opts.serial * total))               -- the serial part
  local parts = {}
  for i = 1, p do parts[i] = math.floor((1 - opts.serial) * total / p) end
  pool:map(compute, parts, 1)                            -- the parallel part, split p ways
end

lab.header(("Amdahl's law with a serial fraction of %.0f%%"):format(100 * opts.serial), "seeds 000 and 001")
local rows, measured, law, t1 = {}, {}, {}, nil
for _, p in ipairs(opts.workers) do
  local pool = parlab.Pool(p)
  pool:map(compute, { 0 })
  local t = lab.timeit(function() program(pool, p) end, opts.repeats)
  pool:close() pool:join()
  t1 = t1 or t * p / (opts.workers[1] == 1 and 1 or p)
  local S = t1 / t
  rows[#rows + 1] = { p = p, t = t, S = S, law = lab.fits.amdahl(opts.serial, p),
    kf = lab.fits.karp_flatt(S, p) }
  measured[#measured + 1] = { p, S }
  law[#law + 1] = { p, lab.fits.amdahl(opts.serial, p) }
end
local fitted = lab.fits.fit_serial_fraction(measured)
lab.tables.print({ { "workers", "p" }, { "time (s)", "t", "%.3f" }, { "speed-up", "S", "%.2f" },
                   { "Amdahl", "law", "%.2f" }, { "Karp-Flatt B", "kf", "%.3f" } }, rows)
lab.chart(opts, { title = ("Amdahl's law, serial fraction B = %.2f: measured against the law"):format(opts.serial),
  x = { label = "workers", unit = "processes" }, y = { label = "speed-up over 1 worker", unit = "x" },
  series = { { name = "measured", points = measured },
             { name = ("Amdahl 1/(B + (1-B)/p), B = %.2f"):format(opts.serial), points = law } } })
local fitted_text = fitted and ("%.3f"):format(fitted) or "n/a (one point)"
print(("fitted serial fraction B = %s; the law's ceiling 1/B = %.1fx"):format(fitted_text, 1 / opts.serial))
local worst = 0
for _, r in ipairs(rows) do if r.p <= ncpu then worst = math.max(worst, math.abs(r.S - r.law) / r.law) end end
lab.claim(("the measured speed-up follows 1/(B + (1-B)/p) and stays under 1/B = %.0fx"):format(1 / opts.serial),
  worst < 0.25 and rows[#rows].S < 1 / opts.serial,
  ("largest gap from the law %.0f%% (p <= %d CPUs); fitted B %s"):format(100 * worst, ncpu,
    fitted and ("%.3f"):format(fitted) or "n/a"))
lab.finish(opts, "amdahl", { rows = rows, fitted = fitted })
