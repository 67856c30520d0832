-- shared_list: seed 004's ShareableList(range(2000)) split between two processes, each working on its
-- half in place, the parent summing the partial results afterwards: a correct total, no copies.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { n = 2000 },
  "usage: parlab scripts/shared_list.lua [--n N] [--quick] [--json FILE]\n")

-- do_work: square each item of its half, in the shared list.
local function do_work(sl, lo, hi)
  for i = lo, hi - 1 do sl[i] = sl[i] * sl[i] end
end

lab.header("A shared list worked on by two processes", "seed 004, SharedMemoryManager.ShareableList")
local range = {}
for i = 0, opts.n - 1 do range[#range + 1] = i end
local sl = parlab.ShareableList(range)
local half = math.floor(opts.n / 2)
-- Divide the work among two processes, storing partial results in sl.
local p1 = parlab.Process(do_work, sl, 0, half)
local p2 = parlab.Process(do_work, sl, half, opts.n)
p1:start()
p2:start()
p1:join()
p2:join()
local total_result = 0
for i = 0, #sl - 1 do total_result = total_result + sl[i] end  -- consolidate the partial results
local expected = (opts.n - 1) * opts.n * (2 * opts.n - 1) / 6
local halves = { 0, 0 }
for i = 0, #sl - 1 do local k = i < half and 1 or 2 halves[k] = halves[k] + sl[i] end
local function exact(lo, hi) -- sum of i*i for lo <= i < hi
  local function upto(m) return (m - 1) * m * (2 * m - 1) / 6 end
  return upto(hi) - upto(lo)
end
lab.chart(opts, { title = "Sums of squares computed in place in one shared list", kind = "bars",
  x = { label = "part" }, y = { label = "sum of squares", unit = "" },
  categories = { "process 1's half", "process 2's half", "parent's total" },
  series = { { name = "read back by the parent", values = { halves[1], halves[2], total_result } },
             { name = "exact value (Python's result)", ref = true,
               values = { exact(0, half), exact(half, opts.n), exact(0, opts.n) } } } })
print(("sum of squares 0..%d computed in place by two processes: %d (expected %d)"):format(opts.n - 1,
  total_result, expected))
lab.claim("two processes fill one shared list in place; the parent's total is correct",
  total_result == expected and p1.exitcode == 0 and p2.exitcode == 0, ("total %d, exit codes %s and %s"):format(
    total_result, tostring(p1.exitcode), tostring(p2.exitcode)))
lab.finish(opts, "shared_list", { total = total_result, expected = expected })
