#!/bin/sh
# tests/cluster/check_abort.sh: a rank that dies on node1 ends the whole job, and the allocation with it.
# Two ranks, one a node (mpirun --map-by node inside an sbatch job, fail_rank.lua): rank 1 on node1 fails
# while rank 0 on node0 blocks in recv. Passes only if the job ends well within its timeout, not
# COMPLETED, with the failure in its output (the traceback naming the failing function for an error; the
# launcher's notice for SIGKILL), Slurm no longer runs it, and no parlab process is left on either node.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
J=$PARLAB_CLUSTER/jobs
cp "$here/fail_rank.lua" "$J/fail_rank.lua"

# job_state ID: Slurm's state for job ID (kept for MinJobAge after the end).
job_state() { on_node0 scontrol show job "$1" | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }

for mode in error kill; do
  log "sbatch -N 2 -n 2: mpirun --map-by node parlab fail_rank.lua $mode"
  t0=$(date +%s)
  id=$(submit "abort_$mode" "" -N 2 -n 2 --wrap "mpirun --map-by node parlab fail_rank.lua $mode") &&
    fail "abort $mode: the job succeeded"
  took=$(( $(date +%s) - t0 ))
  [ "$took" -lt 120 ] || fail "abort $mode: the job took ${took}s to end"
  out=$J/abort_$mode.out
  expect "$out" "^rank 1 of 2 on node1$" "abort $mode: the failing rank ran on node1"
  if [ "$mode" = error ]; then
    expect "$out" "boom on rank 1 on node1" "abort error: the error message reached the job output"
    expect "$out" "stack traceback" "abort error: its traceback"
    expect "$out" "fail_deep" "abort error: the traceback names the failing function"
    expect "$out" "parlab.mpi: rank 1 of 2 failed" "abort error: parlab.mpi's abort notice"
  else
    expect "$out" "rank 1 .* on node node1 exited on signal 9" "abort kill: mpirun noticed the killed rank"
  fi
  queued=$(on_node0 squeue -h -o %i)
  [ -z "$queued" ] || fail "abort $mode: jobs still queued or running: $queued"
  state=$(job_state "$id")
  case $state in
    FAILED|CANCELLED) log "ok: abort $mode: the allocation ended ($state) after ${took}s" ;;
    *) fail "abort $mode: job '$id' ended in state '$state'" ;;
  esac
  left=$(for ns in $NS0 $NS1; do ip netns pids "$ns"; done | xargs -r ps -o comm= -p | grep -c parlab)
  [ "$left" -eq 0 ] || fail "abort $mode: $left parlab processes left on the nodes"
done
