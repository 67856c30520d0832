#!/bin/sh
# tests/cluster/speedup.sh: the lecture's MPI integral on two nodes x one core against one node x one core
# (`sh tests/cluster/run.sh PARLAB speedup`; a measurement, so not part of the ctest run). Rank 0 only
# collects; the computing ranks sit one per node (mpirun --map-by node: rank 1 on node1, rank 2 on node0)
# against a single computing rank on node0. 3 alternating rounds, each run's "finish in" kept; the value
# must be the lecture's 333333.33 every time (within 1e-5). docs/results.md ("MPI between two nodes") has the figures.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
J=$PARLAB_CLUSTER/jobs
cd "$J" || exit 1
n=${PARLAB_SPEEDUP_N:-1000000000}

# run NODES RANKS OUT: the integral under mpirun in a fresh allocation; appends its finish time to OUT.
run() {
  on_node0 timeout -k 5 600 salloc -Q -N "$1" -n "$2" mpirun --map-by node parlab scripts/integral_mpi.lua "$n" \
    > speedup_run.out 2>&1 || fail "speedup: -N $1 -n $2: exit $?"
  # The value within 1e-5 of the exact 333333.33 (the trapezoid's running x = x + h drifts at n = 1e9).
  v=$(sed -n 's/^the integral is \([0-9.e+-]*\)$/\1/p' speedup_run.out)
  awk -v v="${v:-0}" 'BEGIN { d = v - 1e6 / 3; exit !(d < 3.4 && d > -3.4) }' ||
    { fail "speedup: -N $1 -n $2: the integral is '$v', not 333333.33"; cat speedup_run.out; }
  sed -n 's/^finish in \([0-9.]*\) second$/\1/p' speedup_run.out >> "$3"
}
: > one.times
: > two.times
for round in 1 2 3; do
  run 1 2 one.times
  run 2 3 two.times
  log "speedup: round $round: one node $(tail -n 1 one.times) s, two nodes $(tail -n 1 two.times) s"
done
best() { sort -n "$1" | head -n 1; }
log "speedup: n = $n, best of 3: one node x 1 core $(best one.times) s, two nodes x 1 core $(best two.times) s"
awk -v a="$(best one.times)" -v b="$(best two.times)" 'BEGIN { printf "cluster: speedup: %.2fx\n", a / b }'
