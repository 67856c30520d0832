-- queue_order: seed 002's "Using Queue: simple, but non-deterministic": 20 pool tasks each put their
-- number into one shared queue; reading it back shows the order in which they finished, which changes
-- from run to run.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { runs = 3, tasks = 20 },
  "usage: parlab scripts/queue_order.lua [--runs R] [--tasks N] [--quick] [--json FILE]\n")

local function run(i, queue)
  local s = 0
  for k = 1, 2e4 * (1 + (i * 7) % 5) do s = s + k % 3 end
  queue:put(i)
  return s
end

lab.header("The order of a shared queue", "seed 002, Python communication")
local orders, distinct = {}, {}
for r = 1, opts.runs do
  local queue = parlab.Queue()
  local args = {}
  for i = 0, opts.tasks - 1 do args[#args + 1] = { i, queue } end
  parlab.with(parlab.Pool(4), function(pool) pool:starmap(run, args, 1) end)
  local got = {}
  while not queue:empty() do got[#got + 1] = queue:get() end
  assert(#got == opts.tasks, "lost items")
  orders[r] = got
  distinct[table.concat(got, ",")] = true
  print(("run %d: %s"):format(r, table.concat(got, " ")))
end
local series = { { name = "submission order", points = {} } }
for i = 1, opts.tasks do series[1].points[i] = { i, i - 1 } end
for r, got in ipairs(orders) do
  local pts = {}
  for i, v in ipairs(got) do pts[i] = { i, v } end
  series[#series + 1] = { name = ("run %d"):format(r), points = pts }
end
lab.chart(opts, { title = "Which task's item came out of the queue where, run by run",
  x = { label = "position read from the queue", unit = "" }, y = { label = "task number", unit = "" },
  series = series })
local n = 0
for _ in pairs(distinct) do n = n + 1 end
lab.claim("the order of the queue differs from run to run (and from submission order)",
  n > 1 or orders[1][1] ~= 0 or orders[1][2] ~= 1, ("%d distinct orders in %d runs"):format(n, opts.runs))
lab.finish(opts, "queue_order", orders)
