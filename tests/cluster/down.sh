#!/bin/sh
# tests/cluster/down.sh DIR: stops everything up.sh DIR started and removes it, whatever state it is in
# (a half-built cluster, a job still running, a check that failed): every process in the two network
# namespaces (daemons, slurmstepd, job processes), then munged, then the namespaces (their /run/netns
# mounts go with them), then DIR. Safe to run twice. Exits non-zero if something could not be removed,
# after checking that the namespaces, munged and DIR are gone.
set -u
here=$(cd "$(dirname "$0")" && pwd)
PARLAB_CLUSTER=$1
. "$here/lib.sh"
D=$PARLAB_CLUSTER
[ -d "$D" ] || exit 0
status=0

# stop_pids SIGNAL PIDS...: sends SIGNAL to those of PIDS still alive.
stop_pids() {
  sig=$1; shift
  for p in "$@"; do kill "-$sig" "$p" 2>/dev/null; done
}
# ns_pids: the processes in either namespace, one line each.
ns_pids() {
  for ns in $NS0 $NS1; do
    ip netns pids "$ns" 2>/dev/null
  done
}

# The step (a check script) of a run killed outright goes on by itself: stop it first, so that it starts
# no more commands in the namespaces. Known by its pid and by PARLAB_CLUSTER=DIR in its environment.
if [ -f "$D/step.pid" ]; then
  sp=$(cat "$D/step.pid")
  if tr '\0' '\n' < "/proc/$sp/environ" 2>/dev/null | grep -qx "PARLAB_CLUSTER=$D"; then
    stop_pids TERM "$sp"
  fi
fi
if [ -f "$D/env" ]; then
  . "$D/env"
  # TERM first (slurmd and slurmctld save state and exit), KILL after 10 s what is left.
  # shellcheck disable=SC2046
  stop_pids TERM $(ns_pids)
  wait_for 10 sh -c "[ -z \"\$(for ns in $NS0 $NS1; do ip netns pids \$ns 2>/dev/null; done)\" ]" || {
    # shellcheck disable=SC2046
    stop_pids KILL $(ns_pids)
    wait_for 10 sh -c "[ -z \"\$(for ns in $NS0 $NS1; do ip netns pids \$ns 2>/dev/null; done)\" ]"
  }
  for ns in $NS0 $NS1; do
    [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] || { echo "cluster: down: processes left in $ns" >&2; status=1; }
    if ip netns list | grep -qw "$ns"; then
      ip netns del "$ns" || status=1
    fi
  done
fi
if [ -f "$D/run/munged.harness-pid" ]; then
  pid=$(cat "$D/run/munged.harness-pid")
  stop_pids TERM "$pid"
  wait_for 10 sh -c "! kill -0 $pid" || { stop_pids KILL "$pid"; wait_for 5 sh -c "! kill -0 $pid"; }
fi
rm -rf "$D" || status=1

# What must be gone now: the namespaces, munged, the directory.
if [ -n "${NS0:-}" ] && ip netns list | grep -qwE "$NS0|$NS1"; then
  echo "cluster: down: a namespace is left: $(ip netns list | grep -wE "$NS0|$NS1")" >&2; status=1
fi
if [ -n "${pid:-}" ] && kill -0 "$pid" 2>/dev/null; then
  echo "cluster: down: munged (pid $pid) is still running" >&2; status=1
fi
[ ! -e "$D" ] || { echo "cluster: down: $D is left" >&2; status=1; }
exit $status
