#!/bin/sh
# tests/cluster/check_placement.sh: ranks land on both nodes, whichever way they are started: `srun -N 2
# -n 4` straight from the login node (Slurm's PMIx plugin wires up MPI), and `mpirun` inside an
# allocation (Open MPI reads the allocation and starts its daemons through srun). Each rank reports the
# host name its kernel gives it (whoami.lua); two ranks on node0 and two on node1 is the only pass, and
# the allreduce across them proves the ranks form one world over the network.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
J=$PARLAB_CLUSTER/jobs
cp "$here/whoami.lua" "$J/whoami.lua"
cd "$J" || exit 1

# placed HOW OUTFILE: the checks on one launch's output.
placed() {
  hosts=$(hosts_of "$2")
  if [ "$hosts" = "node0 node0 node1 node1 " ]; then
    log "ok: $1: ranks on node0 node0 node1 node1"
  else
    fail "$1: ranks on '$hosts', expected two on each node"
    sed 's/^/  | /' "$2"
  fi
  expect "$2" "^allreduce: 6 \(expected 6\)" "$1: an allreduce over the 4 ranks on 2 nodes"
}

log "srun -N 2 -n 4 --mpi=pmix parlab whoami.lua"
on_node0 timeout -k 5 120 srun -N 2 -n 4 --mpi=pmix parlab whoami.lua > srun.out 2>&1 || fail "srun: exit $?"
placed "srun --mpi=pmix" srun.out

log "salloc -N 2 -n 4 mpirun parlab whoami.lua"
on_node0 timeout -k 5 120 salloc -N 2 -n 4 mpirun parlab whoami.lua > mpirun.out 2>&1 || fail "salloc mpirun: exit $?"
placed "mpirun in salloc" mpirun.out
