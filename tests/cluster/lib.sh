# tests/cluster/lib.sh: what every harness script shares, sourced, never run. The cluster's state lives in
# one directory, $PARLAB_CLUSTER (made by up.sh); its file `env` names the namespaces and the addresses, so
# every script (and a person debugging by hand) can reach the cluster from it alone.
# Node names are fixed (node0, node1: the host names the ranks report); namespace names carry the
# harness's pid so that two runs on one machine never collide.

# Loads $PARLAB_CLUSTER/env (NS0, NS1, SUBNET, SLURM_CONF, the MPI settings) into the environment.
cluster_env() {
  [ -n "${PARLAB_CLUSTER:-}" ] && [ -f "$PARLAB_CLUSTER/env" ] || { echo "cluster: no cluster (PARLAB_CLUSTER)" >&2; return 1; }
  set -a
  . "$PARLAB_CLUSTER/env"
  set +a
}

# on_node0 CMD...: runs CMD on node0, the "login node" (its network namespace, host name node0), where
# slurmctld also runs: sbatch, srun, sinfo and squeue are used from here, as a user would from a login node.
on_node0() {
  ip netns exec "$NS0" unshare --uts sh -c 'hostname node0; exec "$@"' sh "$@"
}

# log MESSAGE: one line on stdout, prefixed so that the ctest log shows which step spoke.
log() { echo "cluster: $*"; }

# fail MESSAGE: records a failed check (run.sh counts them) and says why; the checks go on.
fail() {
  echo "cluster: FAIL: $*"
  echo "$*" >> "$PARLAB_CLUSTER/failures"
}

# wait_for SECONDS CMD...: runs CMD every half second until it succeeds; non-zero after SECONDS.
wait_for() {
  limit=$1; shift
  end=$(( $(date +%s) + limit ))
  until "$@" >/dev/null 2>&1; do
    [ "$(date +%s)" -ge "$end" ] && return 1
    sleep 0.5
  done
}

# expect FILE ERE WHAT: a check that FILE holds a line matching ERE; on failure shows FILE.
expect() {
  if grep -Eq -- "$2" "$1" 2>/dev/null; then
    log "ok: $3"
  else
    fail "$3 (no line matching '$2' in $(basename "$1"))"
    sed 's/^/  | /' "$1" 2>/dev/null | tail -n 40
  fi
}

# submit NAME SCRIPT [SBATCH OPTIONS...]: sbatch --wait from node0 in the jobs directory, the job's output
# in NAME.out there; prints the job id, returns sbatch's status (the job's exit code). SCRIPT may be ""
# with --wrap among the options. The options come before SCRIPT and
# override its #SBATCH lines, as they would on any cluster: the harness shrinks the lecture's sizes
# (80 ranks, 20 cores a rank) to what two 2-CPU nodes hold.
submit() {
  name=$1 script=$2; shift 2
  ( cd "$PARLAB_CLUSTER/jobs" && on_node0 timeout -k 5 240 sbatch --wait --parsable --output="$name.out" "$@" ${script:+"$script"} )
  rc=$?
  # A job that outlived sbatch's timeout would hold the nodes and stall every later check: cancel it.
  [ $rc -eq 124 ] || [ $rc -eq 137 ] && on_node0 timeout 20 scancel --quiet --user=root
  return $rc
}

# hosts_of FILE: the sorted host names in FILE's lines "rank R of N on HOST", one per rank, space-separated.
hosts_of() { sed -n 's/^rank [0-9]* of [0-9]* on \([^ ]*\).*/\1/p' "$1" | sort | tr '\n' ' '; }
