-- tests/cluster/whoami.lua: each rank says where it runs, as the kernel names its host (the node's UTS
-- namespace), not as any launcher variable claims: "rank R of N on HOST". Rank 0 then checks that the
-- world works across the hosts: a sum over all ranks (an allreduce over TCP between the nodes).
local mpi = parlab.mpi
local f = assert(io.open("/proc/sys/kernel/hostname"))
local host = f:read("*l")
f:close()
io.write(("rank %d of %d on %s\n"):format(mpi.rank, mpi.size, host))
io.flush()
local sum = mpi.allreduce(mpi.rank, "sum")
if mpi.rank == 0 then
  print(("allreduce: %d (expected %d)"):format(sum, mpi.size * (mpi.size - 1) / 2))
end
