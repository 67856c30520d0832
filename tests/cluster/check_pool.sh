#!/bin/sh
# tests/cluster/check_pool.sh: parlab.mpi.Pool across the two nodes (issue 18's pool that spans nodes).
# mpirun inside a 2-node allocation, ranks spread node by node: rank 0 runs the script on node0, its
# worker ranks answer from node0 and node1. Then the lecture's integral and work-bin experiments gain their
# "ranks on two nodes" rows. Last, the same pool script without a launcher on node0: mpi.Pool spawns its
# workers there (MPI_Comm_spawn), and none is left once it returns.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
J=$PARLAB_CLUSTER/jobs
cp "$here/pool_hosts.lua" "$J/pool_hosts.lua"
cd "$J" || exit 1

log "salloc -N 2 -n 4 mpirun --map-by node parlab pool_hosts.lua"
on_node0 timeout -k 5 180 salloc -N 2 -n 4 mpirun --map-by node parlab pool_hosts.lua > pool.out 2>&1 ||
  fail "mpi.Pool across nodes: exit $?"
expect pool.out "^pool hosts: node0 node1$" "mpi.Pool: tasks ran on worker ranks of both nodes"
expect pool.out "^pool sum: 650 \(expected 650\)" "mpi.Pool: every answer came back"

log "salloc -N 2 -n 3 mpirun --map-by node parlab scripts/integral.lua --quick"
on_node0 timeout -k 5 240 salloc -N 2 -n 3 mpirun --map-by node parlab scripts/integral.lua --quick \
  > integral.out 2>&1 || fail "integral with ranks on two nodes: exit $?"
expect integral.out "mpi.PoolExecutor, 2 ranks" "the integral's ranks row, its ranks on two nodes"
grep -E "serial|mpi.PoolExecutor" integral.out | head -4 | sed 's/^/  | /'  # the figures, for the log

log "salloc -N 2 -n 3 mpirun --map-by node parlab scripts/workbins.lua --quick"
on_node0 timeout -k 5 240 salloc -N 2 -n 3 mpirun --map-by node parlab scripts/workbins.lua --quick \
  > workbins.out 2>&1 || fail "workbins with ranks on two nodes: exit $?"
expect workbins.out "2 ranks \(mpi.Pool\)" "the work-bin experiment's ranks row, its ranks on two nodes"
grep -E "(1 thread|GIL|processes|ranks) " workbins.out | head -4 | sed 's/^/  | /'  # the figures, for the log

log "parlab pool_hosts.lua on node0, no launcher: mpi.Pool spawns its workers"
on_node0 timeout -k 5 120 parlab pool_hosts.lua > spawn.out 2>&1 || fail "spawned mpi.Pool: exit $?"
expect spawn.out "^pool hosts: node0$" "spawned mpi.Pool: the spawned workers answered on node0"
expect spawn.out "^pool sum: 650 \(expected 650\)" "spawned mpi.Pool: every answer came back"
# Live ones only: an orted that exited may stay a zombie a moment until init reaps it.
spawn_left() { ip netns pids "$NS0" | xargs -r ps -o stat=,comm= -p | grep -v '^Z' | grep -c -e parlab -e orted; }
no_spawn_left() { [ "$(spawn_left)" -eq 0 ]; }
if wait_for 15 no_spawn_left; then
  log "ok: spawned mpi.Pool: no worker or orted left"
else
  fail "spawned mpi.Pool: $(spawn_left) parlab/orted processes left on node0"
fi
