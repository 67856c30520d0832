-- The GIL against CPython's: the sums experiment (lecture 000) as 8 equal tasks of an interpreted loop,
-- and as 8 native sums, on 1, 2, 4 threads: parlab with the GIL (JIT off, as it must be), without it
-- (JIT off, so only the lock differs; and JIT on), next to /usr/bin/python3's threads on the same machine.
-- Also the GIL's own figures for 2 threads: switches, forced switches, and how long each thread waited.
--   parlab bench/gil.lua [quick] [nopython]
local quick, with_python = false, true
for _, a in ipairs(arg) do
  if a == "quick" then quick = true elseif a == "nopython" then with_python = false end
end
local format = string.format
local WORKERS, TASKS = { 1, 2, 4 }, 8
local N = quick and 1e6 or 4e6       -- loop iterations per interpreted task
local NATIVE = quick and 2 ^ 20 or 2 ^ 23  -- doubles per native sum
local REPS = quick and 1 or 3

local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")
local function best(fn) return common.best(REPS, fn) end

-- TASKS tasks split evenly over w threads; each thread runs its share of task(arg) and returns the sum.
local function run(w, task, arg)
  local ts = {}
  for i = 1, w do
    ts[i] = parlab.Thread(function(task, arg, count)
      local s = 0
      for _ = 1, count do s = s + task(arg) end
      return s
    end, task, arg, TASKS / w)
    ts[i]:start()
  end
  local s = 0
  for i = 1, w do s = s + ts[i]:join() end
  return s
end

local function loop_sum(n)
  local s = 0
  for i = 1, n do s = s + i % 10 end
  return s
end
local function native_sum(a) return parlab.kernels.sum(a, 1) end

local arr = parlab.array("f64", NATIVE)
parlab.kernels.fill(arr, 1)

local modes = {
  { name = "parlab, GIL (JIT off)", set = function() parlab.gil.enable(true) end },
  { name = "parlab, no GIL, JIT off", set = function() parlab.gil.enable(false, { jit = false }) end },
  { name = "parlab, no GIL, JIT on", set = function() parlab.gil.enable(false, { jit = true }) end },
}

local rows = {}
local function measure(label, task, arg, expect)
  for _, m in ipairs(modes) do
    m.set()
    local base
    for _, w in ipairs(WORKERS) do
      local t = best(function() assert(run(w, task, arg) == expect, "wrong sum") end)
      base = base or t
      rows[#rows + 1] = { label, m.name, w, t, base / t }
    end
  end
end

local loop_expect = TASKS * loop_sum(N)
measure("interpreted", loop_sum, N, loop_expect)
measure("native", native_sum, arr, TASKS * NATIVE)

-- The GIL's view of 2 interpreted threads: the convoy a student should see.
parlab.gil.enable(true)
parlab.gil.reset_stats()
run(2, loop_sum, N)
local st = parlab.gil.stats()
parlab.gil.enable(false)

if with_python then
  local py = common.python
  local script = os.tmpname()
  local f = io.open(script, "w")
  f:write(format([[
import threading, time, sys
N, TASKS, REPS = %d, %d, %d
def loop_sum(n):
    s = 0
    for i in range(1, n + 1):
        s += i %% 10
    return s
def run(w):
    out = []
    def body():
        s = 0
        for _ in range(TASKS // w):
            s += loop_sum(N)
        out.append(s)
    ts = [threading.Thread(target=body) for _ in range(w)]
    for t in ts: t.start()
    for t in ts: t.join()
    return sum(out)
for w in (1, 2, 4):
    best = min((lambda t0: (run(w), time.perf_counter() - t0)[1])(time.perf_counter()) for _ in range(REPS))
    print(w, best)
]], N, TASKS, REPS))
  f:close()
  local p = io.popen(py .. " " .. script)
  local base
  for line in p:lines() do
    local w, t = line:match("^(%d+) ([%d%.e%-]+)")
    if w then
      t = tonumber(t)
      base = base or t
      rows[#rows + 1] = { "interpreted", "python3 threads (GIL)", tonumber(w), t, base / t }
    end
  end
  p:close()
  os.remove(script)
end

print(format("GIL bench on %s, %d CPUs; %d tasks; interpreted: %d iterations per task;" ..
  " native: %d doubles per sum; best of %d",
  os.date("!%Y-%m-%d %H:%M UTC"), (parlab.cpus()), TASKS, N, NATIVE, REPS))
print(format("%-12s %-26s %7s %10s %9s", "work", "how", "threads", "time (s)", "speed-up"))
for _, r in ipairs(rows) do
  print(format("%-12s %-26s %7d %10.3f %9.2f", r[1], r[2], r[3], r[4], r[5]))
end
print(format("\nGIL, 2 interpreted threads: %d switches, %d forced, %d drop requests (interval %.3f s)",
  st.switches, st.forced_switches, st.drop_requests, st.interval))
for _, th in ipairs(st.threads) do
  if th.acquisitions > 0 then
    print(format("  %-22s acquisitions %6d  waited %.3f s  held %.3f s", th.name, th.acquisitions, th.wait,
      th.hold))
  end
end
