-- MPI through parlab: ping-pong latency and bandwidth over message sizes for the object path (send/recv
-- of a Lua string: value transport + probe + receive) and the buffer path (Send/Recv on an array, no copy),
-- next to the same sizes in plain C (bench/mpi_pingpong.c, built with mpicc into a temporary directory when
-- mpicc is on PATH; run first, and each row shows its round trip and the ratio), then the lecture's
-- integral over 1..K computing ranks.
--   parlab bench/mpi.lua [--quick] [--ranks K]       drives mpirun itself (needs mpirun on PATH)
--   mpirun -n 2 parlab bench/mpi.lua pingpong [--quick] [--sizes B1,B2,...]   the ping-pong alone
--     (--sizes: only those message sizes in bytes, each with the round trips of the default plan)
-- Times are wall-clock (mpi.wtime); a round trip is a send and the reply; bandwidth = 2 * bytes / round trip,
-- as bench/mpi_pingpong.c counts it (its latency, OSU's, is half a round trip).
local here = arg[0]:gsub("[^/]*$", "")
local quick = false
local mode, max_ranks, only_sizes = "driver", 4, nil
for i = 1, #arg do
  if arg[i] == "--quick" then quick = true
  elseif arg[i] == "pingpong" then mode = "pingpong"
  elseif arg[i] == "--ranks" then max_ranks = tonumber(arg[i + 1])
  elseif arg[i] == "--sizes" then only_sizes = arg[i + 1] end
end

-- Message sizes and round trips per size, the same for the Lua paths and the C baseline.
local sizes = { 1, 64, 1024, 16384, 262144, 1048576, 16777216 }
if quick then sizes = { 1, 1024, 1048576 } end
if only_sizes then
  sizes = {}
  for b in only_sizes:gmatch("[^,]+") do
    sizes[#sizes + 1] = assert(tonumber(b), "bench/mpi.lua: --sizes takes byte counts such as 1,1048576")
  end
end
local function iters(bytes)
  local n = bytes <= 1024 and 20000 or bytes <= 262144 and 2000 or bytes <= 1048576 and 300 or 30
  return quick and math.max(10, math.floor(n / 10)) or n
end

local function pingpong()
  local ffi = require "ffi"
  local mpi = parlab.mpi
  local rank = mpi.rank
  assert(mpi.size == 2, "bench/mpi.lua pingpong: run it with mpirun -n 2")
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

-- Builds bench/mpi_pingpong.c into a temporary directory and runs it over `sizes`; prints its table and
-- returns its round trips by size (seconds), or nil without mpicc.
local function c_baseline(launcher)
  if run("command -v mpicc") == "" then
    print("(no mpicc on PATH: the C baseline is skipped)")
    return nil
  end
  local dir = run("mktemp -d"):match("^%S+")
  local bin = dir .. "/mpi_pingpong"
  local out = run(string.format("mpicc -O2 %q -o %q", here .. "mpi_pingpong.c", bin))
  local f = io.open(bin)
  if not f then
    os.execute(string.format("rm -rf %q", dir))
    error("bench/mpi.lua: mpicc could not build bench/mpi_pingpong.c:\n" .. out)
  end
  f:close()
  local plan = {}
  for _, bytes in ipairs(sizes) do plan[#plan + 1] = bytes .. ":" .. iters(bytes) end
  out = run(string.format("%s -n 2 %q %s", launcher, bin, table.concat(plan, " ")))
  os.execute(string.format("rm -rf %q", dir))
  local library = out:match('"library":"([^"]*)"')
  print(string.format("%10s  %14s %14s %12s", "bytes", "C rt us", "C latency us", "C GB/s"))
  local rows, by_size = 0, {}
  for line in out:gmatch("[^\n]+") do
    local bytes = tonumber(line:match('"bytes":(%d+)'))
    local rt = tonumber(line:match('"round_trip_us":([^,}]+)'))
    local lat = tonumber(line:match('"latency_us":([^,}]+)'))
    local bw = tonumber(line:match('"bandwidth_GBps":([^,}]+)'))
    if bytes and rt and lat and bw then
      print(string.format("%10d  %14.2f %14.2f %12.3f", bytes, rt, lat, bw))
      rows = rows + 1
      by_size[bytes] = rt
    end
  end
  if rows ~= #sizes then error("bench/mpi.lua: bench/mpi_pingpong.c printed " .. rows .. " of " .. #sizes ..
    " sizes:\n" .. out) end
  print("library: " .. (library or "?"))
  return by_size
end

-- The ping-pong's table (from `out`, the ranks' output) with C's round trip for each size beside it and
-- the ratios (parlab's round trip over C's: 1.00 is C's speed); other lines pass through.
local function with_c(out, c_rt)
  for line in out:gmatch("[^\n]*\n?") do
    local bytes, ort, brt = line:match("^%s*(%d+)%s+([%d.]+)%s+[%d.]+%s+([%d.]+)%s+[%d.]+%s*$")
    local c = bytes and c_rt and c_rt[tonumber(bytes)]
    if c then
      local text = line:gsub("%s+$", "")
      io.write(string.format("%s  %10.2f %9.2fx %9.2fx\n", text, c, tonumber(ort) / c, tonumber(brt) / c))
    elseif line:match("object rt us") and c_rt then
      local text = line:gsub("%s+$", "")
      io.write(string.format("%s  %10s %10s %10s\n", text, "C rt us", "object/C", "buffer/C"))
    else
      io.write(line)
    end
  end
end

local function driver()
  local exe = arg[-1] or "parlab"
  local launcher = "mpirun --oversubscribe --allow-run-as-root"
  if os.getenv("USER") ~= "root" and run("id -u"):match("^%d+") ~= "0" then
    launcher = "mpirun --oversubscribe"
  end
  -- C first: the same ping-pong in plain C on the same machine, what MPI itself costs; each parlab row
  -- below then carries C's round trip for its size and the ratio.
  print("== the sizes in C first (bench/mpi_pingpong.c, mpicc -O2): what MPI itself costs ==")
  local c_rt = c_baseline(launcher)
  print("\n== ping-pong, 2 ranks (" .. launcher .. "), MPI_THREAD_MULTIPLE (the default) ==")
  with_c(run(string.format("%s -n 2 %s %q pingpong%s", launcher, exe, here .. "mpi.lua",
    quick and " --quick" or "")), c_rt)
  -- Open MPI locks inside every call at MPI_THREAD_MULTIPLE; a single-threaded script can ask for less.
  print("\n== the same with PARLAB_MPI_THREAD_LEVEL=single ==")
  with_c(run(string.format("PARLAB_MPI_THREAD_LEVEL=single %s -x PARLAB_MPI_THREAD_LEVEL -n 2 %s" ..
    " %q pingpong%s",
    launcher, exe, here .. "mpi.lua", quick and " --quick" or "")), c_rt)
  -- 1e9 rather than the lecture's 1e8: LuaJIT does 1e8 steps in ~0.1 s, less than the ranks' start-up skew.
  local n = quick and 3000000 or 1000000000
  print(string.format("\n== integral of x*x on [0,100], n = %d: rank 0 collects, ranks 1..K-1 compute ==", n))
  print(string.format("%6s %10s %10s %10s", "ranks", "computing", "seconds", "speed-up"))
  local base
  for k = 1, max_ranks do
    local script = here .. "../scripts/integral_mpi.lua"
    local cmd = k == 1 and string.format("%s %q %d", exe, script, n)
      or string.format("%s -n %d %s %q %d", launcher, k, exe, script, n)
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
