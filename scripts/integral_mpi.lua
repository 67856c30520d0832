-- The lecture's integral_mpi.py (UTSA, "MPI for Python"), line for line: rank 0 is the master and
-- receives one partial trapezoid sum from each other rank.
--   mpirun -n K parlab scripts/integral_mpi.lua [n | --quick]     (K-1 ranks compute)
-- One deviation, marked below: run alone (size 1, no mpirun) the master computes the whole integral,
-- where the Python original would print 0.
-- Line for line also means the Python's unused loop variable and its partial = 0 (W213, W311), and
-- lines as long as the code and the Python beside it make them (W631).
-- luacheck: ignore 213 311 631
local MPI = parlab.mpi                                      -- from mpi4py import MPI
local time = { perf_counter = parlab.clock }                -- import time

local function f(x)                                         -- def f(x):
  return x * x                                              --     return x * x
end

local function compute_integral(a, b, n)                    -- def compute_integral(a, b, n):
  local h = (b - a) / n                                     --     h = (b - a) / n
  local x = a                                               --     x = a
  local integral = 0                                        --     integral = 0
  for i = 0, n - 1 do                                       --     for i in range(n):
    integral = integral + ((f(x) + f(x + h)) / 2.0) * h     --         integral = integral + ((f(x) + f(x + h)) / 2.0) * h
    x = x + h                                               --         x = x + h
  end
  return integral                                           --     return integral
end

local elapsed, pool_elapsed                                  -- (parlab: kept for the chart below)
local comm = MPI.COMM_WORLD                                 -- comm = MPI.COMM_WORLD
local rank = comm:Get_rank()                                -- rank = comm.Get_rank()
local size = comm:Get_size()                                -- size = comm.Get_size()
local start = time.perf_counter()                           -- start = time.perf_counter()

local a = 0                                                 -- a = 0
local b = 100                                               -- b = 100
local n = 100000000                                         -- n = 100000000
-- parlab's command line: [n | --quick] [--json FILE] [--plot FILE.svg|png] (the lab's options, read below)
local lab_args = {}
for i = 1, arg and #arg or 0 do
  if arg[i] == "--quick" then n = 3000000 elseif tonumber(arg[i]) then n = tonumber(arg[i])
  else lab_args[#lab_args + 1] = arg[i] end
end
local h = (b - a) / n                                       -- h = (b-a)/n
if rank == 0 then                                           -- if rank == 0:
  local partial = 0                                         --     partial = 0
  local integral = 0                                        --     integral = 0
  for i = 1, size - 1 do                                    --     for i in range(1, size):
    partial = comm:recv()                                   --         partial = comm.recv()
    integral = integral + partial                           --         integral = integral + partial
    print(string.format("master received value %s from process %d", partial, i))
  end
  if size == 1 then integral = compute_integral(a, b, n) end -- (parlab: a lone rank does the work itself)
  local finish = time.perf_counter()                        --     finish = time.perf_counter()
  elapsed = finish - start                                  -- (parlab: for the chart)
  print(string.format("the integral is %.10g", integral))   --     print(f'the integral is {integral}')
  print(string.format("finish in %.3f second", finish - start)) -- print(f'finish in {round(finish - start, 3)} second')
  print(string.format("lecture: the same value 333333.33 with a speed-up over ranks;" ..
    " here: %d computing rank(s), n = %d",
    math.max(size - 1, 1), n))
else                                                        -- else:
  print(string.format("process %d starts", rank))           --     print(f"process {rank} starts")
  local n1 = math.floor(n / (size - 1))                     --     n1 = (int)(n/(size -1))
  local a1 = a + (rank - 1) * n1 * h                        --     a1 = a + (rank -1)*n1*h
  local b1 = a + rank * n1 * h                              --     b1 = a + rank*n1*h
  local partial = compute_integral(a1, b1, n1)              --     partial = compute_integral(a1, b1, n1)
  comm:send(partial, 0)                                     --     comm.send(partial, dest=0)
end

-- parlab's addition, not in the lecture: the same chunks through parlab.mpi.Pool (the "ranks" row of
-- scripts/integral.lua). Ranks 1.. serve in MPI.Pool() until rank 0 closes the pool; rank 0 hands them
-- the chunks with starmap and adds up the list that comes back.
if size > 1 then
  local pool = MPI.Pool()
  local t0 = time.perf_counter()
  local n1 = math.floor(n / (size - 1))
  local chunks = {}
  for i = 1, size - 1 do chunks[i] = { a + (i - 1) * n1 * h, a + i * n1 * h, n1 } end
  local parts = pool:starmap(compute_integral, chunks, 1)
  local integral = 0
  for i = 1, parts.n do integral = integral + parts[i] end
  pool:close()
  pool:join()
  pool_elapsed = time.perf_counter() - t0
  print(string.format("ranks (mpi.Pool, %d ranks): the integral is %.10g in %.3f second", size - 1, integral,
    pool_elapsed))
end

-- parlab's addition for `parlab lab`: rank 0 draws the finish times (--plot) and keeps them (--json).
if rank == 0 then
  package.path = arg[0]:gsub("[^/]*$", "") .. "lib/?.lua;" .. package.path
  local lab = require "lab"
  local opts = lab.args(lab_args, {}, "usage: [mpirun -n K] parlab scripts/integral_mpi.lua [n | --quick] " ..
    "[--json FILE] [--plot FILE.svg|png]\n")
  local k = math.max(size - 1, 1)
  local rows = { { how = ("lecture's scheme, %d computing rank%s"):format(k, k > 1 and "s" or ""), t = elapsed } }
  if pool_elapsed then rows[2] = { how = ("mpi.Pool, %d ranks"):format(k), t = pool_elapsed } end
  lab.bars(opts, { title = ("Trapezoid of x*x, n = %d, over MPI ranks"):format(n), rows = rows,
    label = "how", value = "t", x = { label = "how the ranks computed" }, y = { label = "finish time", unit = "s" } })
  lab.finish(opts, "integral_mpi", { n = n, ranks = k, rows = rows })
end
