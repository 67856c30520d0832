#!/bin/sh
# tests/cluster/bench.sh: MPI between the two nodes, measured (`sh tests/cluster/run.sh PARLAB bench`;
# not part of the ctest run, which checks rather than times). One rank on node0, one on node1, mpirun
# inside an allocation, Open MPI on TCP over the veth pair (btl tcp,self): bench/mpi.lua's ping-pong on
# parlab's object path (send/recv of a Lua string) and buffer path (Send/Recv of an array), then
# bench/mpi_pingpong.c, the same ping-pong in C, built with mpicc, same sizes and round trips, run just
# after. docs/results.md ("MPI between two nodes") has the figures and the method.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
J=$PARLAB_CLUSTER/jobs
cd "$J" || exit 1
cp "$here/whoami.lua" "$J/whoami.lua"
cp "$PARLAB_REPO/bench/mpi.lua" "$PARLAB_REPO/bench/mpi_pingpong.c" "$J/"
mpicc -O2 mpi_pingpong.c -o mpi_pingpong || { fail "bench: mpicc failed"; exit 1; }

# on_two_nodes CMD...: CMD under mpirun, 2 ranks mapped one per node, in a fresh 2-node allocation.
on_two_nodes() { on_node0 timeout -k 5 400 salloc -Q -N 2 -n 2 mpirun --map-by node "$@"; }

on_two_nodes parlab whoami.lua > bench_hosts.out 2>&1
[ "$(hosts_of bench_hosts.out)" = "node0 node1 " ] || { fail "bench: ranks not one per node"; cat bench_hosts.out; exit 1; }
log "bench: rank 0 on node0, rank 1 on node1; Open MPI btl $OMPI_MCA_btl on $OMPI_MCA_btl_tcp_if_include"
uptime

# Sizes 1 B, 1 MiB, 16 MiB with bench/mpi.lua's --quick round trips (2000, 30, 10; best of 3 runs for
# parlab), the C ping-pong over the same plan. Over TCP a round trip takes longer than parlab's 200 us of
# spinning before it sleeps between polls (docs/mpi.md, "Waiting"), so parlab runs twice: as it comes,
# and spinning throughout (PARLAB_MPI_SPIN_US, as C's MPI_Recv does).
sizes=1,1048576,16777216
log "bench: parlab (bench/mpi.lua pingpong), MPI_THREAD_MULTIPLE, default waiting"
on_two_nodes parlab mpi.lua pingpong --quick --sizes $sizes 2>&1 | tee bench_parlab.out
log "bench: parlab, spinning while it waits (PARLAB_MPI_SPIN_US=10000000)"
PARLAB_MPI_SPIN_US=10000000 on_two_nodes -x PARLAB_MPI_SPIN_US parlab mpi.lua pingpong --quick --sizes $sizes 2>&1 |
  tee bench_parlab_spin.out
log "bench: C (bench/mpi_pingpong.c, mpicc -O2), the same sizes and round trips"
on_two_nodes ./mpi_pingpong 1:2000 1048576:30 16777216:10 2>&1 | tee bench_c.out
uptime
grep -q '"bytes":16777216' bench_c.out || fail "bench: the C ping-pong did not finish"
grep -q '^  16777216 ' bench_parlab.out || fail "bench: the parlab ping-pong did not finish"
grep -q '^  16777216 ' bench_parlab_spin.out || fail "bench: the spinning parlab ping-pong did not finish"
