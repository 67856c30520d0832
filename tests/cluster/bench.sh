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

# Sizes 1 B, 1 MiB, 16 MiB with bench/mpi.lua's --quick round trips (2000, 30, 10 per run; parlab keeps
# the best of 3 runs), the C ping-pong over the same plan. The two alternate, 3 rounds, so that both see
# the same moments of a shared machine; the summary keeps each one's best round (the least disturbed).
sizes=1,1048576,16777216
: > bench_parlab.out
: > bench_c.out
for round in 1 2 3; do
  log "bench: round $round: parlab (bench/mpi.lua pingpong --quick --sizes $sizes), then C (bench/mpi_pingpong.c)"
  on_two_nodes parlab mpi.lua pingpong --quick --sizes $sizes >> bench_parlab.out 2>&1
  on_two_nodes ./mpi_pingpong 1:2000 1048576:30 16777216:10 >> bench_c.out 2>&1
  uptime
done
cat bench_parlab.out bench_c.out
[ "$(grep -c '^  16777216 ' bench_parlab.out)" = 3 ] || fail "bench: the parlab ping-pong did not finish 3 rounds"
[ "$(grep -c '"bytes":16777216' bench_c.out)" = 3 ] || fail "bench: the C ping-pong did not finish 3 rounds"

# The best round of each: round trip in us and GB/s (2 x bytes / round trip) per size and path.
log "bench: best of 3 rounds, rank 0 on node0 and rank 1 on node1, TCP over the veth pair"
{
  awk '$1 ~ /^[0-9]+$/ && NF == 5 { print $1, "object", $2; print $1, "buffer", $4 }' bench_parlab.out
  sed -n 's/.*"bytes":\([0-9]*\),.*"round_trip_us":\([0-9.e+]*\),.*/\1 C \2/p' bench_c.out
} | awk '{ k = $1 " " $2; if (!(k in best) || $3 + 0 < best[k]) best[k] = $3 + 0 }
  END { for (k in best) { split(k, a, " "); printf "%10d  %-6s  rt %12.1f us  %8.3f GB/s\n", a[1], a[2], best[k],
        2 * a[1] / best[k] / 1000 } }' | sort -k1,1n -k2,2
