-- The lecture experiments that the other benches do not cover, side by side with the lectures' own Python
-- (bench/lectures.py) on this machine: the trapezoid integral with a thread executor (GIL) and a process
-- executor, and the work-bins totals of threads (GIL) and processes against one thread.
--   parlab bench/lectures.lua [--no-python]
local here = arg[0]:gsub("[^/]*$", "")
local no_python = arg[1] == "--no-python"
local PYTHON = dofile(here .. "common.lua").python
local N, n, a, b = 8, 2000000, 0, 100

function f(x) return x * x end
function compute_integral(a, b, n)
  local h = (b - a) / n
  local x, integral = a, 0
  for _ = 1, n do
    integral = integral + ((f(x) + f(x + h)) / 2.0) * h
    x = x + h
  end
  return integral
end

local function executor_run(make)
  local ex = make(2)
  ex:submit(function() jit.off() end):result()
  ex:submit(function() jit.off() end):result()
  local h = (b - a) / n
  local t0 = parlab.clock()
  local fs = {}
  for i = 0, N - 1 do
    local n1 = math.floor(n / N)
    fs[#fs + 1] = ex:submit(compute_integral, a + i * n1 * h, a + (i + 1) * n1 * h, n1)
  end
  local v = 0
  for _, fu in ipairs(fs) do v = v + fu:result() end
  local s = parlab.clock() - t0
  ex:shutdown(true)
  return s, v
end

-- parlab, interpreted as in CPython (the JIT off everywhere, the GIL on for the thread executor).
jit.off()
local t0 = parlab.clock()
compute_integral(a, b, n)
local serial = parlab.clock() - t0
parlab.gil.enable(true)
local t_thr = executor_run(parlab.ThreadPoolExecutor)
parlab.gil.enable(false, { jit = false })
local t_proc = executor_run(parlab.ProcessPoolExecutor)

local py = {}
if not no_python then
  local p = io.popen(("%s %q integral 2>&1"):format(PYTHON, here .. "lectures.py"))
  for line in p:lines() do
    local how, secs = line:match('"how": "(%a+)", "seconds": ([%d.e-]+)')
    if how then py[how] = tonumber(secs) end
  end
  p:close()
end
print(("trapezoid integral, n = %d, %d chunks, 2 workers (seconds; speed-up over serial)"):format(n, N))
print(("  %-28s %10s %9s %10s %9s %8s"):format("", "parlab", "", "python", "", "ratio"))
local function row(name, t, base, pt, pbase)
  print(("  %-28s %10.4f %8.2fx %10s %9s %8s"):format(name, t, base / t,
    pt and ("%.4f"):format(pt) or "-", pt and ("%.2fx"):format(pbase / pt) or "",
    pt and ("%.1fx"):format(pt / t) or "-"))
end
row("serial (interpreted)", serial, serial, py.serial, py.serial)
row("ThreadPoolExecutor (GIL)", t_thr, serial, py.threads, py.serial)
row("ProcessPoolExecutor", t_proc, serial, py.processes, py.serial)
print("  ratio = Python's time / parlab's time")

-- Work bins: iterations counted into 1000 bins of 50 us by 1 thread, N GIL threads, N processes.
-- As many workers as CPUs on both sides (the lecture ran 2 on 2 cores).
local W = math.max(2, (parlab.cpus()))
local out = io.popen(("%q %q --bins 1000 --workers %d --json /dev/stdout 2>&1"):format(arg[-1],
  here .. "../scripts/workbins.lua", W)):read("*a")
local thr, proc = out:match("threads ([%d.]+)x, processes ([%d.]+)x")
local pyw = no_python and "" or io.popen(("%s %q workbins %d 2>&1"):format(PYTHON, here .. "lectures.py",
  W)):read("*a")
local pthr, pproc = pyw:match('"threads": ([%d.]+), "processes": ([%d.]+)')
print(("\nwork bins (1000 x 50 us): total iterations relative to one thread, %d workers"):format(W))
print(("  parlab: GIL threads %sx, processes %sx"):format(thr or "?", proc or "?"))
print(("  python: threads %s, processes %s"):format(pthr and ("%.2fx"):format(tonumber(pthr)) or "-",
  pproc and ("%.2fx"):format(tonumber(pproc)) or "-"))
