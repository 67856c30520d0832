-- reduction: seed 002's exercise "gathering of results in a single process; reduction algorithms".
-- P workers each hold a partial sum; the parent gathers them one by one (linear: P-1 steps in one
-- process) or the workers combine them pairwise in a tree (log2 P rounds, half the workers idle each).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { workers = 8, n = 4e6 },
  "usage: parlab scripts/reduction.lua [--workers P] [--n ELEMENTS] [--quick] [--json FILE]\n")
if opts.quick then opts.workers, opts.n = 4, 4e5 end
local P = opts.workers

local data = parlab.array("f64", opts.n)
parlab.kernels.random(data, 3)
local expected = parlab.kernels.sum(data)
local step = math.ceil(opts.n / P)

-- Worker r: sum its slice, then either send the partial to the parent (linear) or take part in the tree.
local function partial(data, r, step, n)
  return parlab.kernels.sum(data:slice(r * step, math.min(n, (r + 1) * step)), 1)
end
local function tree_worker(data, r, step, n, P, boxes)
  local value, stride = partial(data, r, step, n), 1
  while stride < P do
    if r % (2 * stride) == 0 then
      if r + stride < P then value = value + boxes[r + stride + 1]:get() end
    else
      boxes[r + 1]:put(value)      -- hand the partial to the partner and stop
      return nil
    end
    stride = stride * 2
  end
  return value                     -- rank 0 holds the total
end

lab.header(("Reduction of %d partial sums"):format(P), "seed 002, exercises")
local pool = parlab.Pool(math.min(P, math.max(2, (parlab.cpus()))))
pool:map(function(x) return x end, { 1 })
local rows = {}
-- Linear: gather every partial in the parent, add them there.
local t_lin, v_lin = parlab.time(function()
  local args = {}
  for r = 0, P - 1 do args[#args + 1] = { data, r, step, opts.n } end
  local total = 0
  for _, v in ipairs(pool:starmap(partial, args)) do total = total + v end
  return total
end)
rows[#rows + 1] = { how = "linear gather in the parent", steps = P - 1, t = t_lin.real, v = v_lin }
-- Tree: pairs combine through queues, log2(P) rounds; needs P workers running at once.
local tree_pool = parlab.Pool(P)
tree_pool:map(function(x) return x end, { 1 })
local t_tree, v_tree = parlab.time(function()
  local boxes = {}
  for r = 1, P do boxes[r] = parlab.Queue(1) end
  local args = {}
  for r = 0, P - 1 do args[#args + 1] = { data, r, step, opts.n, P, boxes } end
  return tree_pool:starmap(tree_worker, args, 1)[1]
end)
rows[#rows + 1] = { how = "tree (pairwise through queues)", steps = math.ceil(math.log(P) / math.log(2)),
  t = t_tree.real, v = v_tree }
pool:close() pool:join() tree_pool:close() tree_pool:join()
lab.tables.print({ { "scheme", "how" }, { "combining steps", "steps" }, { "time (s)", "t", "%.4f" },
  { "total", "v", "%.6f" } }, rows)
lab.bars(opts, { title = ("Reduction of %d partial sums: linear gather against a tree"):format(P), rows = rows,
  label = function(r) return ("%s, %d steps"):format(r.how, r.steps) end, value = "t", x = { label = "scheme" },
  y = { label = "time", unit = "s" } })
local ok = math.abs(v_lin - expected) < 1e-9 * opts.n and math.abs(v_tree - expected) < 1e-9 * opts.n
lab.claim("both schemes give the same total; the tree needs log2 P combining steps instead of P - 1", ok,
  ("linear %.6f, tree %.6f, reference %.6f"):format(v_lin, v_tree, expected))
lab.finish(opts, "reduction", rows)
