-- multitask: several independent runs, each on its own portion of the data (seed 001, multi-task.py and
-- its Slurm job that starts `python multi-task.py 1 &` ... in one allocation). Without --portion this
-- script plays the job: it runs the portions one after another, then all at once with `&`, and compares.
package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
local lab = require "lab"
local opts = lab.args(arg, { portion = 0, portions = 4, work = 3e8 },
  "usage: parlab scripts/multitask.lua [--portion K] [--portions N] [--work ITER] [--quick] [--json FILE]\n")
if opts.quick then opts.work = 2e7 end

if opts.portion > 0 then
  -- multi-task.py: process the selected portion of the data.
  print(("Processing data portion: %d"):format(opts.portion))
  local s = 0
  for i = 1, opts.work do s = s + (i % 7) end
  print(("portion %d done: %d"):format(opts.portion, s))
  return
end

local exe, script = arg[-1] or "parlab", arg[0]
local function run(cmd)
  local t0 = parlab.clock()
  local p = assert(io.popen(cmd))
  local out = p:read("*a")
  p:close()
  return parlab.clock() - t0, out
end
local function portion_cmd(k)
  return ("%q %q --portion %d --work %d"):format(exe, script, k, opts.work)
end

lab.header("Independent runs on portions of the data", "seed 001, multi-task.job")
local serial_cmd, parallel_cmd = {}, {}
for k = 1, opts.portions do
  serial_cmd[k] = portion_cmd(k)
  parallel_cmd[k] = portion_cmd(k) .. (k < opts.portions and " &" or "")
end
local t_serial = run(table.concat(serial_cmd, "; "))
local t_par, out = run(table.concat(parallel_cmd, "\n") .. "\nwait")
local done = select(2, out:gsub("done:", ""))
local n = parlab.cpus()
local rows = { { how = "one after another", k = opts.portions, t = t_serial, s = 1 },
  { how = "all at once (&)", k = opts.portions, t = t_par, s = t_serial / t_par } }
lab.tables.print({ { "how", "how" }, { "portions", "k" }, { "time (s)", "t", "%.3f" },
  { "speed-up", "s", "%.2f" } }, rows)
lab.bars(opts, { title = ("%d independent portions: one after another or all at once"):format(opts.portions),
  rows = rows, label = "how", value = "t", x = { label = "how" }, y = { label = "time for all portions", unit = "s" } })
local expected = math.min(n, opts.portions)
lab.claim("independent portions run concurrently in one allocation",
  done == opts.portions and (n == 1 or t_serial / t_par > 1 + 0.4 * (expected - 1)),
  ("%d of %d portions done, %.2fx faster on %d CPUs"):format(done, opts.portions, t_serial / t_par, n))
lab.finish(opts, "multitask", { serial = t_serial, parallel = t_par, portions = opts.portions })
