-- MPI through parlab: ping-pong latency and bandwidth over message sizes for the object path (send/recv
-- of a Lua string: value transport + probe + receive) and the buffer path (Send/Recv on an array, no copy),
-- then the lecture's integral over 1..K computing ranks.
--   parlab bench/mpi.lua [--quick] [--ranks K]       drives mpirun itself (needs mpirun on PATH)
--   mpirun -n 2 parlab bench/mpi.lua pingpong [--quick]   the ping-pong alone
-- Times are wall-clock (mpi.wtime); a round trip is a send and the reply; bandwidth = 2 * bytes / round trip,
-- as OSU's and /work/shared/reference/mpi_pingpong.c count it.
local quick = false
local mode, max_ranks = "driver", 4
for i = 1, #arg do
  if arg[i] == "--quick" then quick = true
  elseif arg[i] == "pingpong" then mode = "pingpong"
  elseif arg[i] == "--ranks" then max_ranks = tonumber(arg[i + 1]) end
end

local function pingpong()
  local ffi = require "ffi"
  local mpi = parlab.mpi
  local rank = mpi.rank
  assert(mpi.size == 2, "bench/mpi.lua pingpong: run it with mpirun -n 2")
  local sizes = { 1, 64, 1024, 16384, 262144, 1048576, 16777216 }
  if quick then sizes = { 1, 1024, 1048576 } end
  local function iters(bytes)
    local n = bytes <= 1024 and 20000 or bytes <= 262144 and 2000 or bytes <= 1048576 and 300 or 30
    return quick and math.max(10, math.floor(n / 10)) or n
  end
  local rows = {}
  for _, bytes in ipairs(sizes) do
    local n = iters(bytes)
    local s = string.rep("x", bytes)
    local buf = parlab.array and parlab.array("u8", bytes) or ffi.new("uint8_t[?]", bytes)
    local paths = {
      object = function()
        if rank == 0 then mpi.send(s, 1) ; mpi.recv(1) else mpi.send(mpi.recv(0), 0) end
      end,
      buffer = function()
        if rank == 0 then mpi.Send(buf, 1) ; mpi.Recv(buf, 1) else mpi.Recv(buf, 0) ; mpi.Send(buf, 0) end
      end,
    }
    local row = { bytes = bytes }
    for _, name in ipairs({ "object", "buffer" }) do
      local fn, best = paths[name], math.huge
      for _ = 1, 3 do -- best of 3 runs of n round trips, after the same warm-up
        mpi.barrier()
        local t0 = mpi.wtime()
        for _ = 1, n do fn() end
        best = math.min(best, (mpi.wtime() - t0) / n)
      end
      row[name] = best
    end
    rows[#rows + 1] = row
    buf = nil
  end
  if rank == 0 then
    print(string.format("%10s  %14s %12s  %14s %12s", "bytes", "object rt us", "object GB/s", "buffer rt us",
      "buffer GB/s"))
    for _, r in ipairs(rows) do
      print(string.format("%10d  %14.2f %12.3f  %14.2f %12.3f", r.bytes, r.object * 1e6,
        2 * r.bytes / r.object / 1e9,
        r.buffer * 1e6, 2 * r.bytes / r.buffer / 1e9))
    end
    print("library: " .. mpi.library .. "; thread level " .. mpi.thread_level)
  end
end

local function run(cmd)
  local p = assert(io.popen(cmd .. " 2>&1"))
  local out = p:read("*a")
  p:close()
  return out
end

local function driver()
  local exe = arg[-1] or "parlab"
  local launcher = "mpirun --oversubscribe --allow-run-as-root"
  if os.getenv("USER") ~= "root" and run("id -u"):match("^%d+") ~= "0" then
    launcher = "mpirun --oversubscribe"
  end
  print("== ping-pong, 2 ranks (" .. launcher .. "), MPI_THREAD_MULTIPLE (the default) ==")
  io.write(run(string.format("%s -n 2 %s bench/mpi.lua pingpong%s", launcher, exe,
    quick and " --quick" or "")))
  -- Open MPI locks inside every call at MPI_THREAD_MULTIPLE; a single-threaded script can ask for less.
  print("\n== the same with PARLAB_MPI_THREAD_LEVEL=single ==")
  io.write(run(string.format("PARLAB_MPI_THREAD_LEVEL=single %s -x PARLAB_MPI_THREAD_LEVEL -n 2 %s" ..
    " bench/mpi.lua pingpong%s",
    launcher, exe, quick and " --quick" or "")))
  -- The same ping-pong in C on the same machine and moment, when the reference source and mpicc are there.
  local ref = os.getenv("PARLAB_MPI_REFERENCE") or "/work/shared/reference/mpi_pingpong.c"
  local f = io.open(ref)
  if f and not quick and run("command -v mpicc") ~= "" then
    f:close()
    local bin = os.tmpname()
    run(string.format("mpicc -O2 %s -o %s", ref, bin))
    print("C reference (" .. ref .. "), run just after:")
    io.write(run(string.format("%s -n 2 %s", launcher, bin)))
    os.remove(bin)
  elseif f then
    f:close()
  end
  -- 1e9 rather than the lecture's 1e8: LuaJIT does 1e8 steps in ~0.1 s, less than the ranks' start-up skew.
  local n = quick and 3000000 or 1000000000
  print(string.format("\n== integral of x*x on [0,100], n = %d: rank 0 collects, ranks 1..K-1 compute ==", n))
  print(string.format("%6s %10s %10s %10s", "ranks", "computing", "seconds", "speed-up"))
  local base
  for k = 1, max_ranks do
    local cmd = k == 1 and string.format("%s scripts/integral_mpi.lua %d", exe, n)
      or string.format("%s -n %d %s scripts/integral_mpi.lua %d", launcher, k, exe, n)
    local best = math.huge
    for _ = 1, quick and 1 or 3 do
      local out = run(cmd)
      local t = tonumber(out:match("finish in ([%d.]+) second"))
      if not t then error("bench/mpi.lua: no timing in the output of " .. cmd .. ":\n" .. out) end
      best = math.min(best, t)
    end
    base = base or best
    print(string.format("%6d %10d %10.3f %10.2f", k, math.max(k - 1, 1), best, base / best))
  end
  print(string.format("(machine: %d CPUs for this run; ranks beyond that share cores)", (parlab.cpus())))
end

if mode == "pingpong" then pingpong() else driver() end
