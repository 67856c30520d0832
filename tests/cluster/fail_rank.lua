-- tests/cluster/fail_rank.lua MODE: the last rank (on node1 when the ranks are mapped by node) fails while
-- the others wait for a message from it that never comes; the job must end at once. MODE "error": an
-- uncaught Lua error two calls deep (its traceback must reach the job's output); "kill": the rank
-- SIGKILLs itself (no traceback possible; the launcher must notice the dead process). Each rank first
-- reports its host, so the check knows the failing rank really ran on the other node.
local mpi = parlab.mpi
local mode = arg[1] or "error"
local f = assert(io.open("/proc/sys/kernel/hostname"))
local host = f:read("*l")
f:close()
io.write(("rank %d of %d on %s\n"):format(mpi.rank, mpi.size, host))
io.flush()

local function fail_deep()
  if mode == "kill" then
    os.execute("kill -9 " .. parlab.current_process().pid)
  end
  error(("boom on rank %d on %s"):format(mpi.rank, host))
end

mpi.barrier()
local last = mpi.size - 1
if mpi.rank == last then
  fail_deep()
else
  mpi.recv(last) -- would block forever without the abort
end
