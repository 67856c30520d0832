-- What the benchmarks share: `local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")`.
local common = {}

-- The best (smallest) wall time of `reps` runs of fn: a busy machine inflates the minimum least.
function common.best(reps, fn)
  local b = math.huge
  for _ = 1, reps do
    local t0 = parlab.clock()
    fn()
    b = math.min(b, parlab.clock() - t0)
  end
  return b
end

-- The Python the benchmarks compare with: $BENCH_PYTHON, else Debian's (it has NumPy), else the PATH's.
common.python = os.getenv("BENCH_PYTHON") or (io.open("/usr/bin/python3") and "/usr/bin/python3") or "python3"

return common
