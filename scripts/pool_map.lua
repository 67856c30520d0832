-- pool_map: seeds 002 and 004: `with Pool(4) as pool: rets = pool.map(hard_work, range(20))` and
-- `Pool(5).map(f, [1, 2, 3])`. map returns the results in the order of its arguments.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, {}, "usage: parlab scripts/pool_map.lua [--quick] [--json FILE]\n")

local function hard_work(a)
  local s = 0
  for i = 1, 1e5 * (1 + a % 3) do s = s + i % 7 end  -- uneven work, so tasks finish out of order
  return a * a
end
local function f(x) return x * x end

lab.header("Pool.map returns results in order", "seeds 002 and 004")
-- with multiprocessing.Pool(4) as pool: rets = pool.map(hard_work, range(20))
local range20 = {}
for i = 0, 19 do range20[#range20 + 1] = i end
local rets = parlab.with(parlab.Pool(4), function(pool) return pool:map(hard_work, range20) end)
print("Pool(4):map(hard_work, range(20)) = {" .. table.concat(rets, ", ") .. "}")
-- with Pool(5) as p: print(p.map(f, [1, 2, 3]))
local small = parlab.with(parlab.Pool(5), function(p) return p:map(f, { 1, 2, 3 }) end)
print("Pool(5):map(f, {1, 2, 3}) = {" .. table.concat(small, ", ") .. "}")
local got, lecture = {}, {}
for i = 0, 19 do got[i + 1], lecture[i + 1] = { i, rets[i + 1] }, { i, i * i } end
lab.chart(opts, { title = "Pool(4):map(hard_work, range(20)): each result at its argument's place",
  x = { label = "position in the argument list", unit = "" }, y = { label = "result", unit = "hard_work(i) = i*i" },
  series = { { name = "parlab's results", points = got },
             { name = "Python's map (lecture): i*i in order", ref = true, points = lecture } } })
local in_order = #rets == 20 and small[1] == 1 and small[2] == 4 and small[3] == 9
for i = 0, 19 do in_order = in_order and rets[i + 1] == i * i end
lab.claim("map returns results in argument order, whatever order the tasks finish in", in_order,
  in_order and "all 23 results in order" or "results out of order")
lab.finish(opts, "pool_map", { rets = rets, small = small })
