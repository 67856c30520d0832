-- io_bound: seeds 004 and 003's I/O-bound tasks: do_work sleeps (standing in for waiting on a disk or a
-- network), through executor.map(partial(do_work, secs), range(1, 10)). Sleeping releases the GIL, so
-- even GIL-bound threads overlap the waits, and so do processes.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { secs = 0.3, workers = 9 },
  "usage: parlab scripts/io_bound.lua [--secs S] [--workers W] [--quick] [--json FILE]\n")
if opts.quick then opts.secs = 0.05 end

local function do_work(sleep_secs, i)
  parlab.sleep(sleep_secs)
  return "foo-" .. i
end
-- functools.partial
local function partial(fn, a) return function(...) return fn(a, ...) end end

local range = {}
for i = 1, 9 do range[i] = i end

lab.header("Nine tasks that wait", "seeds 004 and 003, concurrent.futures with sleeps")
local rows = {}
local serial = parlab.time(function() for _, i in ipairs(range) do do_work(opts.secs, i) end end)
rows[1] = { how = "serial", t = serial.real, cpu = serial.cpu, s = 1 }
parlab.gil.enable(true)
for _, case in ipairs { { "ThreadPoolExecutor, GIL on", parlab.ThreadPoolExecutor },
  { "ProcessPoolExecutor", parlab.ProcessPoolExecutor } } do
  local executor = case[2](opts.workers)
  executor:submit(function() end):result()
  local t, results = parlab.time(function() return executor:map(partial(do_work, opts.secs), range) end)
  executor:shutdown()
  assert(results[9] == "foo-9" and #results == 9)
  rows[#rows + 1] = { how = case[1], t = t.real, cpu = t.cpu, s = serial.real / t.real }
end
parlab.gil.enable(false)
lab.tables.print({ { "how", "how" }, { "real (s)", "t", "%.3f" }, { "CPU%", "cpu", "%.0f" },
  { "speed-up", "s", "%.1f" } }, rows)
lab.bars(opts, { title = "Nine tasks that sleep: speed-up over running them one by one", rows = rows,
  label = "how", value = "s", x = { label = "how" }, y = { label = "speed-up over serial", unit = "x" } })
lab.claim("sleeping releases the GIL: threads overlap the waits as well as processes do (9 tasks -> ~9x)",
  rows[2].s > 4 and rows[3].s > 4, ("GIL threads %.1fx, processes %.1fx, on %d CPUs"):format(rows[2].s,
    rows[3].s, (parlab.cpus())))
lab.finish(opts, "io_bound", rows)
