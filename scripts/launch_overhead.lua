-- launch_overhead: seed 002's "what does it cost to launch additional processes?": Pool(1).map of one
-- trivial task, one Process sending back through a Queue, one Thread, and nothing, for each start
-- method, with real, user, sys and CPU% as `time` prints them (Python, 2 cores: Pool(1) 28 ms with fork,
-- 147 ms with spawn; a thread 0.14 ms).
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { repeats = 5 },
  "usage: parlab scripts/launch_overhead.lua [--repeats R] [--quick] [--json FILE]\n")
if opts.quick then opts.repeats = 2 end

local function hard_work(a) return a end
local function wrap(queue) queue:put(hard_work(1)) end

-- Best of `repeats`, with the `time` figures of that run.
local function measure(fn)
  local best
  for _ = 1, opts.repeats do
    local t = parlab.time(fn)
    if not best or t.real < best.real then best = t end
  end
  return best
end

lab.header("The cost of launching", "seed 002, Overhead")
local rows = {}
local function add(what, method, t)
  rows[#rows + 1] = { what = what, method = method, ms = t.real * 1e3, user = t.user * 1e3, sys = t.sys * 1e3,
    cpu = t.cpu }
end
add("no multiprocessing", "-", measure(function() return hard_work(1) end))
add("Thread", "-", measure(function()
  local th = parlab.Thread(hard_work, 1)
  th:start()
  th:join()
end))
for _, method in ipairs { "forkserver", "fork", "spawn" } do
  add("Pool(1).map", method, measure(function()
    parlab.with(parlab.Pool(1, { start_method = method }), function(pool) pool:map(hard_work, { 1 }) end)
  end))
  add("Process + Queue", method, measure(function()
    local queue = parlab.Queue()
    local p = parlab.Process { target = wrap, args = { queue }, start_method = method }
    p:start()
    queue:get()
    p:join()
  end))
end
print(("best of %d; default start method: %s"):format(opts.repeats, parlab.get_start_method()))
lab.tables.print({ { "what", "what" }, { "start method", "method" }, { "real (ms)", "ms", "%.3f" },
                   { "user (ms)", "user", "%.2f" }, { "sys (ms)", "sys", "%.2f" }, { "CPU%", "cpu",
                     "%.0f" } }, rows)
local python = {}  -- the lecture's 2-core Python figures, in ms
for i, r in ipairs(rows) do
  python[i] = (r.what == "Thread" and 0.14) or (r.what == "Pool(1).map" and ({ fork = 28, spawn = 147 })[r.method])
end
lab.bars(opts, { title = "The cost of launching, per start method", rows = rows,
  label = function(r) return r.what .. (r.method ~= "-" and " (" .. r.method .. ")" or "") end, value = "ms",
  x = { label = "what is launched" }, y = { label = "real time", unit = "ms", log = true },
  ref = { name = "Python (lecture, 2 cores)", values = python } })
local pool_default
for _, r in ipairs(rows) do
  if r.what == "Pool(1).map" and r.method == parlab.get_start_method() then pool_default = r.ms end
end
lab.claim("launching a process pool costs more than a thread, which costs more than nothing" ..
  " (Python: 28 ms, 0.14 ms)",
  pool_default > rows[2].ms and rows[2].ms > rows[1].ms,
  ("Pool(1) %.2f ms (%s), Thread %.3f ms, nothing %.4f ms"):format(pool_default, parlab.get_start_method(),
    rows[2].ms, rows[1].ms))
lab.finish(opts, "launch_overhead", rows)
