-- A run that asks MPI for less than MPI_THREAD_MULTIPLE: the level is reported, the main thread works,
-- and another thread's call is refused by name instead of being undefined behaviour inside MPI.
local mpi = parlab.mpi
local world = mpi.init("funneled") -- before any other use, like MPI.Init_thread(MPI.THREAD_FUNNELED)
local T = require "mpicheck"
local rank, size = mpi.rank, mpi.size

T.test("the requested level is reported", function()
  T.eq(world.thread_level_requested, "funneled")
  T.eq(mpi.thread_level_requested, "funneled")
  T.ok(mpi.thread_level == "funneled" or mpi.thread_level == "serialized" or mpi.thread_level == "multiple",
    mpi.thread_level)
  T.raises("already initialised with thread level funneled", mpi.init, "multiple")
end)

T.test("the main thread sends and receives", function()
  T.eq(mpi.allreduce(rank), size * (size - 1) / 2)
  local right, left = (rank + 1) % size, (rank - 1) % size
  local r = mpi.irecv(left, 5)
  mpi.send(rank, right, 5)
  T.eq(r:wait(), left)
end)

T.test("another thread is refused", function()
  if mpi.thread_level == "multiple" then return end
  local th = parlab.Thread(function()
    local ok, err = pcall(parlab.mpi.send, 1, 0)
    return ok, tostring(err)
  end):start()
  local ok, err = th:join()
  T.eq(ok, false)
  T.ok(err:find("only the thread that started MPI may call it at thread level funneled", 1, true), err)
end)

T.done()
