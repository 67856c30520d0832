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

-- The median wall time of `reps` runs of fn, and the first run's (a first call pays set-up once).
function common.median(reps, fn)
  local t = {}
  for i = 1, reps do
    local t0 = parlab.clock()
    fn()
    t[i] = parlab.clock() - t0
  end
  local first = t[1]
  table.sort(t)
  return t[math.floor(reps / 2) + 1], first
end

-- The Python the benchmarks compare with: $BENCH_PYTHON, else Debian's (it has NumPy), else the PATH's.
common.python = os.getenv("BENCH_PYTHON") or (io.open("/usr/bin/python3") and "/usr/bin/python3") or "python3"

-- The 1-minute load average (a number, or nil where /proc/loadavg is missing).
function common.loadavg()
  local f = io.open("/proc/loadavg")
  if not f then return nil end
  local s = f:read("*l")
  f:close()
  return tonumber(s:match("^(%S+)"))
end

-- Microseconds per 4 KiB page for a first touch of a fresh 64 MiB anonymous mapping: what every
-- operation that maps fresh memory pays per page on this machine (about 0.1-0.3 us on bare metal,
-- 10 us and more on some virtual machines).
function common.page_fault_us()
  local ffi = require "ffi"
  pcall(ffi.cdef, [[
    void* mmap(void* addr, size_t len, int prot, int flags, int fd, long off);
    int munmap(void* addr, size_t len);
  ]])
  local bytes, page = 64 * 2 ^ 20, 4096
  local p = ffi.C.mmap(nil, bytes, 3, 0x22, -1, 0)  -- PROT_READ|PROT_WRITE, MAP_PRIVATE|MAP_ANONYMOUS
  if ffi.cast("intptr_t", p) == -1 then return nil end
  local c = ffi.cast("volatile char*", p)
  local t0 = parlab.clock()
  for i = 0, bytes - 1, page do c[i] = 1 end
  local dt = parlab.clock() - t0
  ffi.C.munmap(p, bytes)
  return dt / (bytes / page) * 1e6
end

-- A line about the machine for the top of a benchmark's output, with a warning when it is busy (the
-- figures then measure the other load as much as parlab).
function common.machine_note()
  local cpus = parlab.cpus()
  local load = common.loadavg()
  local fault = common.page_fault_us()
  local s = ("# load average %s on %d CPUs; page-fault cost %s us per 4 KiB page (fresh 64 MiB mapping)")
    :format(load and ("%.2f"):format(load) or "?", cpus, fault and ("%.1f"):format(fault) or "?")
  if load and load > cpus then
    s = s .. ("\n# WARNING: load %.2f is above 1 per CPU: other work shares these cores, so every figure "
      .. "below is inflated and parlab/Python ratios are only rough"):format(load)
  end
  return s
end

return common
