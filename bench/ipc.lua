-- bench/ipc.lua: communication between two processes, side by side with bench/ipc.py (Python's
-- multiprocessing on the same machine, run first in the same run): Queue items/s, Pipe 1-byte round trip,
-- Lock acquire + release, and Pipe/Queue bandwidth over message sizes next to this machine's memcpy
-- bandwidth. Each figure is followed by Python's and the ratio (parlab/Python: above 1 is better for a
-- rate, below 1 for a time).
--   parlab bench/ipc.lua [--quick] [--items N] [--rounds N] [--nopython]
-- Methods follow the lecture's Python benchmark: the queue rate counts from before
-- the producer starts (as Python's does) and also from its first item; bandwidth = 2*size*rounds/s
-- over echo round trips.
local ffi = require "ffi"
local internal = require "parlab.internal"
local opts = { items = 1000000, rounds = 20000, quick = false, python = true }
for i = 1, #arg do
  local k, v = arg[i]:match("^%-%-(%w+)=?(.*)$")
  if k == "quick" then opts.quick = true
  elseif k == "nopython" then opts.python = false
  elseif k and opts[k] ~= nil then opts[k] = tonumber(v ~= "" and v or arg[i + 1]) end
end
if opts.quick then opts.items, opts.rounds = 100000, 2000 end
local clock = parlab.clock
local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")

local function cpu()
  local u, s = internal.cputimes()
  return u + s
end

local function producer(q, n)
  q:put("go")
  local c0 = cpu()
  for i = 1, n do q:put(i) end
  q:put(cpu() - c0)
end

local function bench_queue(n)
  local q = parlab.Queue()
  local p = parlab.Process(producer, q, n)
  local t0 = clock()
  p:start()
  q:get()
  local t1, c1 = clock(), cpu()
  local sum = 0
  for _ = 1, n do sum = sum + q:get() end
  local t2, c2 = clock(), cpu()
  local producer_cpu = q:get()
  p:join()
  assert(sum == n * (n + 1) / 2, "queue lost or duplicated items")
  -- CPU seconds per item on each side: on a busy machine the wall-clock rate measures the scheduler,
  -- the CPU time what each side costs (the rate with a free core for each: 1 / the larger).
  return n / (t2 - t0), n / (t2 - t1), (c2 - c1) / n, producer_cpu / n
end

local sizes = { 1, 1024, 65536, 1048576, 16777216, 67108864 }
local function rounds_for(size) return math.max(3, math.min(opts.quick and 200 or 2000, math.floor(2 ^ 27 / size))) end

-- The 1-byte round trip, then bandwidth per message size (an echo round trip moves 2 x size bytes).
local function latency_and_bandwidth(send, recv)
  local rtt = common.round_trips(send, recv, "x", opts.rounds)
  local bw = {}
  for _, size in ipairs(sizes) do
    local msg = string.rep("x", size)
    local r = rounds_for(size)
    bw[size] = 2 * size * r / (common.round_trips(send, recv, msg, r) * r) / 1e9
  end
  return rtt, bw
end

-- A channel's figures through an echo process (common.pipe_echo, common.queue_echo), which it then stops.
local function channel(send, recv, stop)
  local rtt, bw = latency_and_bandwidth(send, recv)
  stop()
  return rtt, bw
end

-- memcpy between two private buffers: the ceiling for any copy-based transfer.
ffi.cdef [[ void* malloc(size_t); void free(void*); void* memset(void*, int, size_t); ]]
local function bench_memcpy(size)
  local src, dst = ffi.C.malloc(size), ffi.C.malloc(size)
  ffi.C.memset(src, 1, size)
  ffi.C.memset(dst, 2, size)
  local r = rounds_for(size) * 2
  local t0 = clock()
  for _ = 1, r do ffi.copy(dst, src, size) end
  local t = clock() - t0
  ffi.C.free(src)
  ffi.C.free(dst)
  return size * r / t / 1e9
end

-- Seconds per uncontended acquire + release, the loop included (as a script calls them).
local function bench_lock(make, n)
  local lock = make()
  for _ = 1, 1000 do lock:acquire(); lock:release() end
  local t0 = clock()
  for _ = 1, n do lock:acquire(); lock:release() end
  return (clock() - t0) / n
end

-- bench/ipc.py's figures, from its output lines (the same wording as ours below); {} without Python.
local function python_figures()
  if not opts.python then return { bw = {} } end
  local here = arg[0]:match("^(.*)/[^/]*$") or "."
  local args = opts.quick and "--quick" or ("--items %d --rounds %d"):format(opts.items, opts.rounds)
  local p = io.popen(("%s %s/ipc.py %s 2>/dev/null"):format(common.python, here, args))
  local py = { bw = {} }
  for line in p:lines() do
    local all = line:match("^queue: %d+ items between two processes: ([%d%.]+) items/s")
    py.rate_all = tonumber(all) or py.rate_all
    py.pipe_rtt = tonumber(line:match("^pipe: 1%-byte round trip ([%d%.]+) us")) or py.pipe_rtt
    py.queue_rtt = tonumber(line:match("^queue pair: 1%-item round trip ([%d%.]+) us")) or py.queue_rtt
    py.lock = tonumber(line:match("^lock: .-Lock ([%d%.]+) ns, RLock")) or py.lock
    local size, pipe, queue = line:match("^%s*(%d+)%s+([%d%.]+)%s+([%d%.]+)%s+[%d%.]+%s*$")
    if size then py.bw[tonumber(size)] = { pipe = tonumber(pipe), queue = tonumber(queue) } end
  end
  p:close()
  return py
end

-- "  (Python X, ratio R)" for a figure with Python's, "" without.
local function vs(ours, theirs, fmt)
  if not theirs or theirs == 0 then return "" end
  return ("   (Python " .. fmt .. ", parlab/Python %.2f)"):format(theirs, ours / theirs)
end

local n_cpus = parlab.cpus()
print(("bench/ipc.lua  %s  %d CPUs  start method: default"):format(os.date("!%Y-%m-%d %H:%M UTC"), n_cpus))
print(common.machine_note())
local py = python_figures()
local rate_all, rate_steady, get_cpu, put_cpu = bench_queue(opts.items)
print(("queue: %d items between two processes: %.0f items/s (from start), %.0f items/s (from the first item)")
  :format(opts.items, rate_all, rate_steady) .. vs(rate_all, py.rate_all, "%.0f items/s from start"))
print(("queue: CPU per item: get %.3f us, put %.3f us -> %.0f items/s with a free core for each side")
  :format(get_cpu * 1e6, put_cpu * 1e6, 1 / math.max(get_cpu, put_cpu)))
local rtt, pipe_bw = channel(common.pipe_echo())
print(("pipe: 1-byte round trip %.2f us (send_bytes/recv_bytes)"):format(rtt * 1e6)
  .. vs(rtt * 1e6, py.pipe_rtt, "%.2f us"))
local qrtt, queue_bw = channel(common.queue_echo())
print(("queue pair: 1-item round trip %.2f us (put/get)"):format(qrtt * 1e6) .. vs(qrtt * 1e6, py.queue_rtt, "%.2f us"))
local n_lock = math.floor(opts.items / 2)
local lock_ns, rlock_ns = bench_lock(parlab.Lock, n_lock) * 1e9, bench_lock(parlab.RLock, n_lock) * 1e9
print(("lock: acquire + release, uncontended: Lock %.0f ns, RLock %.0f ns"):format(lock_ns, rlock_ns)
  .. vs(lock_ns, py.lock, "Lock %.0f ns"))
-- A bandwidth column of Python's: its figure and ours / its.
local function col(ours, t)
  if not t then return "-" end
  if t == 0 then return "below 0.0005" end  -- Python's figure rounded to 0.000
  return ("%10.3f (%5.1f)"):format(t, ours / t)
end
print(("%12s %14s %14s %14s %18s %18s"):format("bytes", "pipe GB/s", "queue GB/s", "memcpy GB/s",
  "Python pipe (x)", "Python queue (x)"))
for _, size in ipairs(sizes) do
  local theirs = py.bw[size] or {}
  print(("%12d %14.3f %14.3f %14.3f %18s %18s"):format(size, pipe_bw[size], queue_bw[size], bench_memcpy(size),
    col(pipe_bw[size], theirs.pipe), col(queue_bw[size], theirs.queue)))
end
