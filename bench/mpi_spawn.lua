-- parlab.mpi.Pool with spawned workers (a run of one process: MPI_Comm_spawn) next to a local process pool:
-- the start-up of the first pool (MPI's singleton start included) and of a second one, then the per-task
-- overhead measured as bench/mpi_pool.lua does for the mpirun-started pool (map of an empty task at
-- chunksize 1 and 100, apply_async in flight, apply round trips; best of 3 after a warm-up).
--   parlab bench/mpi_spawn.lua [--quick] [--workers K]   (Open MPI: OMPI_MCA_btl must allow tcp, the default)
local quick, workers = false, 2
for i = 1, #arg do
  if arg[i] == "--quick" then quick = true
  elseif arg[i] == "--workers" then workers = tonumber(arg[i + 1]) end
end
local mpi = parlab.mpi
assert(mpi.size == 1, "run it as a single process (parlab bench/mpi_spawn.lua), not under mpirun -n K")
local items = quick and 2000 or 20000
local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")

local function noop(x) return x end

-- Start-up: construction until the first task's answer is back.
local function start(make)
  local t0 = parlab.clock()
  local pool = make()
  pool:apply(noop, 1)
  return pool, parlab.clock() - t0
end

local lp, local_start = start(function() return parlab.Pool(workers) end)
local rows = { { "parlab.Pool (processes)", common.pool_overhead(lp, items) } }
lp:close()
lp:join()
local first, first_start = start(function() return mpi.Pool(workers) end)
local second, second_start = start(function() return mpi.Pool(workers) end)
second:close()
second:join()
rows[2] = { "parlab.mpi.Pool (spawned)", common.pool_overhead(first, items) }
first:close()
first:join()

print(string.format("== start-up to the first answer, %d workers, %d CPUs ==", workers, parlab.cpus()))
print(string.format("parlab.Pool (processes)              %8.3f s", local_start))
print(string.format("parlab.mpi.Pool, first (MPI start)   %8.3f s", first_start))
print(string.format("parlab.mpi.Pool, second              %8.3f s", second_start))
print(string.format("== per-task overhead, %d workers ==", workers))
common.print_overhead(rows)
