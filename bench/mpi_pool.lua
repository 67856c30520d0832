-- parlab.mpi.Pool's cost per task next to a local process pool's (parlab.Pool): map of an empty task over
-- N items at chunksize 1 and 100, and apply_async round trips, with the same number of workers (the
-- worker ranks). Per-task overhead = wall time / items, best of 3 runs after a warm-up.
--   parlab bench/mpi_pool.lua [--quick] [--ranks K]   starts mpirun -n K (default 3: 2 worker ranks) itself
--   mpirun -n 3 parlab bench/mpi_pool.lua [--quick]   the same, under a launcher you start
-- Ranks beyond the machine's cores share them: mpirun -n 3 on 2 cores oversubscribes (rank 0 mostly
-- waits, so the 2 worker ranks get about a core each).
local quick, ranks = false, 3
for i = 1, #arg do
  if arg[i] == "--quick" then quick = true
  elseif arg[i] == "--ranks" then ranks = tonumber(arg[i + 1]) end
end

local mpi = parlab.mpi
if mpi.size == 1 then -- not launched: start the launcher on this same file
  local launcher = "mpirun --oversubscribe"
  if io.popen("id -u"):read("*l") == "0" then launcher = launcher .. " --allow-run-as-root" end
  local cmd = string.format("%s -n %d %s %q%s 2>&1", launcher, ranks, arg[-1] or "parlab", arg[0],
    quick and " --quick" or "")
  local p = assert(io.popen(cmd))
  io.write(p:read("*a"))
  local ok = p:close()
  os.exit(ok and 0 or 1)
end

local rank_pool = mpi.Pool() -- ranks 1.. serve here and never return
local workers = mpi.size - 1
local items = quick and 2000 or 20000
local common = dofile(arg[0]:gsub("[^/]*$", "") .. "common.lua")

local local_pool = parlab.Pool(workers)
local rows = { { "parlab.Pool (processes)", common.pool_overhead(local_pool, items) } }
local_pool:close()
local_pool:join()
rows[2] = { "parlab.mpi.Pool (ranks)", common.pool_overhead(rank_pool, items) }
rank_pool:close()
rank_pool:join()

print(string.format("== per-task overhead, %d workers (mpirun -n %d: rank 0 + %d worker ranks), %d CPUs ==",
  workers, mpi.size, workers, parlab.cpus()))
common.print_overhead(rows)
print("us per item (map) or per task (apply_async: many in flight; apply: one at a time, a full round trip)")
print("library: " .. mpi.library)
