-- parlab.mpi.Pool's terminate (through parlab.with and an error, as a script's failing block would): queued
-- tasks never run, every unfinished result fails at once, and the call returns once the tasks the ranks
-- already run have ended (a rank cannot be interrupted from another node). Under mpirun -n 2 and -n 4.
local T = require "check"
local mpi = parlab.mpi
local pool = mpi.Pool() -- ranks 1.. serve here and never return

T.test("terminate: running tasks end, queued ones never run, every result fails; the pool refuses work", function()
  local rs, log = {}, os.tmpname() -- each task that starts appends a line (the ranks share this node)
  local function task()
    local f = io.open(log, "a")
    f:write("started\n")
    f:close()
    parlab.sleep(0.3)
    return 1
  end
  local function started()
    local text = T.slurp(log) or ""
    return select(2, text:gsub("\n", ""))
  end
  for i = 1, 4 * (mpi.size - 1) do rs[i] = pool:apply_async(task) end
  local wait_until = parlab.clock() + 10
  while started() < mpi.size - 1 and parlab.clock() < wait_until do parlab.sleep(0.01) end
  T.eq(started(), mpi.size - 1, "every rank runs its first task")
  local t0 = parlab.clock()
  local ok, err = pcall(parlab.with, pool, function() error("leaving the block") end)
  T.ok(not ok and tostring(err):find("leaving the block", 1, true), tostring(err))
  T.ok(parlab.clock() - t0 < 10, "terminate returned once the running tasks ended")
  for i = 1, #rs do T.raises("mpi.Pool: the pool was terminated before this task finished", rs[i].get, rs[i], 0) end
  T.eq(pool:info().state, "terminated")
  T.raises("mpi.Pool.map: the pool is terminated", pool.map, pool, print, { 1 })
  T.ok(pool:join(5), "join after terminate returns true")
  T.eq(started(), mpi.size - 1, "no task started after terminate (queued on rank 0 or held by a rank)")
  os.remove(log)
end)

T.done()
