-- Run by test_mpi_abort.sh under mpirun: rank 1 raises an uncaught error while rank 0 waits for a message
-- that never comes. The job must end at once, non-zero, with rank 1's traceback.
local mpi = parlab.mpi
local mode = arg[1] or "error"

local function fail_deep()
  if mode == "exit" then os.exit(3) end
  error("boom on rank " .. mpi.rank)
end

if mode == "interrupt" then
  -- Ctrl-C reaches a rank blocked in recv: rank 0 sends SIGINT to rank 1 (same node), whose recv raises
  -- "interrupted"; the uncaught error then aborts the job.
  if mpi.rank == 1 then
    mpi.send(parlab.current_process().pid, 0)
    mpi.recv(0) -- blocks until the signal
  elseif mpi.rank == 0 then
    os.execute("kill -INT " .. mpi.recv(1))
    mpi.recv(1) -- would block forever without the abort
  else
    -- The other ranks wait too: Open MPI 4.1.4's mpirun can crash or hang when a rank aborts after
    -- others already finished (seen with a plain C program as well), which is not what this tests.
    mpi.recv(1)
  end
  return
end

mpi.barrier()
if mpi.rank == 1 then
  fail_deep()
else
  mpi.recv(1) -- would block forever without the abort
end
