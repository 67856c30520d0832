#!/bin/sh
# tests/cluster/run.sh PARLAB [CHECK...]: the two-node cluster test (ctest "cluster: two nodes", label
# cluster). Builds the cluster (up.sh), runs the checks (check_jobs, check_placement, check_allocation,
# check_pool, check_abort, or those named; "bench" and "speedup" run those measurements instead), and
# always tears the cluster down (down.sh), on success, on a failed check, on Ctrl-C or a kill by signal.
# Exit 0: every check passed; 1: a check failed (each says why); 77: skipped, with the reason (no root, no
# network namespaces, packages or MPI missing), which ctest reports as skipped. Afterwards it checks that
# nothing was left behind.
set -u
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
skip() { echo "cluster: SKIPPED: $*"; exit 77; }

[ $# -ge 1 ] && [ -x "$1" ] || { echo "usage: tests/cluster/run.sh PARLAB [CHECK...]" >&2; exit 2; }
parlab=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
shift
checks=${*:-jobs placement allocation pool abort}

[ "$(id -u)" = 0 ] || skip "needs root (network namespaces, slurmd); run it as root or in CI"
for cmd in ip unshare munged munge slurmctld slurmd sbatch srun salloc sinfo mpirun; do
  command -v "$cmd" >/dev/null 2>&1 || skip "$cmd not found (tools/install-deps.sh installs slurm-wlm, munge, openmpi-bin, iproute2)"
done
"$parlab" -e 'assert(parlab.mpi.library)' >/dev/null 2>&1 || skip "this parlab was built without MPI"
probe=parlab$$-probe
ip netns add "$probe" 2>/dev/null && ip netns del "$probe" || skip "cannot create network namespaces here"

# A run killed outright (SIGKILL, a ctest timeout) cannot tear down; the next run does, for each cluster
# whose harness (OWNER in its env file) is gone.
for d in /tmp/parlab-cluster.*; do
  [ -f "$d/env" ] || continue
  owner=$(sed -n 's/^OWNER=//p' "$d/env")
  kill -0 "$owner" 2>/dev/null && continue
  echo "cluster: removing $d, left by an earlier run (pid $owner) that was killed"
  sh "$here/down.sh" "$d"
done

PARLAB_CLUSTER=$(mktemp -d /tmp/parlab-cluster.XXXXXX)
export PARLAB_CLUSTER
# Each step runs in the background and the shell waits for it: a signal then runs its trap at once
# (a shell runs traps only between foreground commands), which stops the step and tears the cluster down;
# down.sh also ends the step's Slurm commands, which all run inside node0's namespace.
step=""
trap 'sh "$here/down.sh" "$PARLAB_CLUSTER" || { echo "cluster: FAIL: down.sh could not remove everything"; exit 1; }' EXIT
trap 'echo "cluster: interrupted"; [ -n "$step" ] && kill "$step" 2>/dev/null; exit 130' INT TERM HUP
# run_step SCRIPT ARGS...: sh SCRIPT ARGS in the background, waited for; returns its status.
# Its pid is in DIR/step.pid while it runs, for down.sh after a SIGKILL of this script.
run_step() {
  sh "$@" &
  step=$!
  echo "$step" > "$PARLAB_CLUSTER/step.pid"
  wait "$step"
  rc=$?
  step=""
  rm -f "$PARLAB_CLUSTER/step.pid"
  return $rc
}

t0=$(date +%s)
run_step "$here/up.sh" "$PARLAB_CLUSTER" "$parlab" || { echo "cluster: FAIL: the cluster did not come up"; exit 1; }
ln -s "$repo/scripts" "$PARLAB_CLUSTER/jobs/scripts"
echo "cluster: up in $(( $(date +%s) - t0 )) s"
export PARLAB_REPO="$repo"
for c in $checks; do
  script=$here/check_$c.sh
  [ "$c" = bench ] && script=$here/bench.sh
  [ "$c" = speedup ] && script=$here/speedup.sh
  run_step "$script" || echo "check_$c.sh exited $?" >> "$PARLAB_CLUSTER/failures"
done
echo "cluster: checks done in $(( $(date +%s) - t0 )) s"
[ -d "$PARLAB_CLUSTER/jobs" ] || { echo "cluster: FAIL: the cluster's directory vanished during the checks"; exit 1; }
if [ -s "$PARLAB_CLUSTER/failures" ]; then
  echo "cluster: $(wc -l < "$PARLAB_CLUSTER/failures") failed:"
  sed 's/^/  /' "$PARLAB_CLUSTER/failures"
  echo "cluster: daemon logs:"
  tail -n 15 "$PARLAB_CLUSTER"/log/slurm*.log
  exit 1
fi
echo "cluster: all checks passed"
