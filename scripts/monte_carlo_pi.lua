-- monte_carlo_pi: seed 004's Monte Carlo pi, in parallel with independent random streams. The samples
-- come in fixed blocks, each drawn from its own stream (parlab's counter-based generator keyed by the
-- seed and the block number), so however the blocks are spread over workers the answer is the same.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n = 2e7, seed = 2024, workers = { 1, 2, 4 } },
  "usage: parlab scripts/monte_carlo_pi.lua [--n SAMPLES] [--seed S] [--workers 1,2,4] [--quick]" ..
    " [--json FILE]\n")
if opts.quick then opts.n, opts.workers = 1e6, { 1, 2 } end
opts.n = math.max(1, math.floor(opts.n / 1e5)) * 1e5  -- whole blocks

local BLOCK = 1e5

-- One task: the hits inside the circle among the samples of the given blocks.
local function hits(seed, blocks, block)
  local xs = parlab.array("f64", 2 * block)
  local acc = 0
  for _, b in ipairs(blocks) do
    parlab.kernels.random(xs, seed * 1e6 + b, 1)  -- block b's own stream
    for i = 0, block - 1 do
      local x, y = xs[2 * i], xs[2 * i + 1]
      if x * x + y * y < 1.0 then acc = acc + 1 end
    end
  end
  return acc
end

lab.header(("Monte Carlo pi with %g samples"):format(opts.n), "seed 004")
local rows = {}
for _, w in ipairs(opts.workers) do
  local pool = parlab.Pool(w)
  pool:map(function(x) return x end, { 1 })
  local args = {}
  for k = 1, w do args[k] = { opts.seed, {}, BLOCK } end
  for b = 0, opts.n / BLOCK - 1 do table.insert(args[b % w + 1][2], b) end  -- blocks dealt round-robin
  local t, parts = parlab.time(function() return pool:starmap(hits, args, 1) end)
  pool:close() pool:join()
  local acc = 0
  for _, h in ipairs(parts) do acc = acc + h end
  local pi = 4.0 * acc / opts.n
  rows[#rows + 1] = { w = w, pi = pi, err = math.abs(pi - math.pi), t = t.real }
end
local sigma = 4 * math.sqrt(math.pi / 4 * (1 - math.pi / 4) / opts.n)
lab.tables.print({ { "workers", "w" }, { "pi", "pi", "%.8f" }, { "|error|", "err", "%.2e" },
  { "time (s)", "t", "%.3f" } }, rows)
print(("expected error (one standard deviation): %.2e"):format(sigma))
local estimates, truth = {}, {}
for i, r in ipairs(rows) do estimates[i], truth[i] = { r.w, r.pi }, { r.w, math.pi } end
lab.chart(opts, { title = ("Monte Carlo pi with %g samples, fixed seed, by worker count"):format(opts.n),
  x = { label = "workers", unit = "processes" }, y = { label = "estimate of pi", unit = "", zero = false },
  series = { { name = "estimate", points = estimates }, { name = "pi", points = truth } } })
local same = true
for _, r in ipairs(rows) do same = same and r.pi == rows[1].pi end
lab.claim("pi to the expected error, and the same answer for any worker count with a fixed seed",
  same and rows[1].err < 4 * sigma, ("pi = %.8f (error %.1e, %.1f sigma);" ..
    " identical for every worker count: %s"):format(
    rows[1].pi, rows[1].err, rows[1].err / sigma, tostring(same)))
lab.finish(opts, "monte_carlo_pi", rows)
