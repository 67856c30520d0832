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

-- Best of 3 runs of fn(), in seconds per item (fn handles n items), after one warm-up run.
function common.per_item(fn, n)
  fn()
  return common.best(3, fn) / n
end

-- A pool's cost per task with an empty task (bench/mpi_pool.lua, bench/mpi_spawn.lua): map over `items` at
-- chunksize 100 and a quarter of them at chunksize 1 (seconds per item), apply_async with items/20 in
-- flight, and apply round trips one at a time (seconds per task).
function common.pool_overhead(pool, items)
  local function noop(x) return x end
  local row = {}
  for _, c in ipairs { 1, 100 } do
    local n = c == 1 and math.floor(items / 4) or items
    local part = {}
    for i = 1, n do part[i] = i end
    row["map" .. c] = common.per_item(function() assert(pool:map(noop, part, c).n == n) end, n)
  end
  local k = math.floor(items / 20)
  row.apply = common.per_item(function()
    local rs = {}
    for i = 1, k do rs[i] = pool:apply_async(noop, i) end
    for i = 1, k do rs[i]:get() end
  end, k)
  row.roundtrip = common.per_item(function()
    for i = 1, k / 10 do pool:apply(noop, i) end
  end, k / 10)
  return row
end

-- Prints rows of { name, pool_overhead's row } as a table in microseconds.
function common.print_overhead(rows)
  print(string.format("%-26s %14s %14s %16s %14s", "pool", "map c=1 us", "map c=100 us", "apply_async us",
    "apply rt us"))
  for _, r in ipairs(rows) do
    local v = r[2]
    print(string.format("%-26s %14.2f %14.3f %16.2f %14.2f", r[1], v.map1 * 1e6, v.map100 * 1e6, v.apply * 1e6,
      v.roundtrip * 1e6))
  end
end

-- The Python the benchmarks compare with: $BENCH_PYTHON, else Debian's (it has NumPy), else the PATH's.
common.python = os.getenv("BENCH_PYTHON") or (io.open("/usr/bin/python3") and "/usr/bin/python3") or "python3"

-- The output lines of a Python twin, bench/NAME.py run with `args` by common.python in this same run
-- (so both sides meet the same machine); an empty list when it cannot run.
function common.python_lines(name, args)
  local here = arg[0]:match("^(.*)/[^/]*$") or "."
  local p = io.popen(("%s %s/%s.py %s 2>/dev/null"):format(common.python, here, name, args or ""))
  local lines = {}
  if not p then return lines end
  for line in p:lines() do lines[#lines + 1] = line end
  p:close()
  return lines
end

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

-- Echo processes for round-trip benchmarks (bench/ipc.lua, bench/hogs.lua), as bench/ipc.py's make_pipe and
-- make_queue: each returns send(msg), recv() and stop() (sends the empty message that ends the echo, joins).
local function echo_bytes(conn)
  while true do
    local m = conn:recv_bytes()
    if #m == 0 then break end
    conn:send_bytes(m)
  end
end

local function echo_queue(inq, outq)
  while true do
    local m = inq:get()
    if m == "" then break end
    outq:put(m)
  end
end

function common.pipe_echo()
  local a, b = parlab.Pipe()
  local p = parlab.Process(echo_bytes, b)
  p:start()
  b:close()
  return function(m) a:send_bytes(m) end, function() return a:recv_bytes() end,
    function() a:send_bytes("") p:join() end
end

function common.queue_echo()
  local to, from = parlab.Queue(), parlab.Queue()
  local p = parlab.Process(echo_queue, to, from)
  p:start()
  return function(m) to:put(m) end, function() return from:get() end, function() to:put("") p:join() end
end

-- Round trips of msg through an echo, after up to 100 unmeasured ones: seconds per round trip.
function common.round_trips(send, recv, msg, rounds)
  for _ = 1, math.min(100, rounds) do send(msg) recv() end
  local t0 = parlab.clock()
  for _ = 1, rounds do send(msg) recv() end
  return (parlab.clock() - t0) / rounds
end

return common
