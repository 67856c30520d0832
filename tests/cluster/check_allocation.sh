#!/bin/sh
# tests/cluster/check_allocation.sh: parlab reads a real allocation's SLURM_* variables, as set by slurmd
# on each node, not by hand. parlab.cpus() follows -c on both nodes (2 CPUs online, -c 1 given: 1), and
# scripts/misconfig.lua, the lecture's misconfiguration check, decides by SLURM_CPUS_PER_TASK and warns
# when 4 workers are asked of a 1-CPU task.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
cd "$PARLAB_CLUSTER/jobs" || exit 1

log "srun -N 2 -n 2 -c 1 parlab: parlab.cpus() on each node"
on_node0 timeout -k 5 60 srun -N 2 -n 2 -c 1 parlab -e '
  local n, info = parlab.cpus()
  local host = io.open("/proc/sys/kernel/hostname"):read("*l")
  print(("task %s on %s: cpus %d of %d online, %s, nodes %s"):format(os.getenv("SLURM_PROCID"), host, n,
    info.online, info.reason, os.getenv("SLURM_JOB_NODELIST")))' > cpus.out 2>&1 || fail "srun cpus: exit $?"
for node in node0 node1; do
  expect cpus.out "^task [01] on $node: cpus 1 of [0-9]+ online, SLURM_CPUS_PER_TASK=1, nodes node\[0-1\]$" \
    "parlab.cpus() on $node is the allocation's -c 1"
done

log "srun -w node1 -c 1 parlab scripts/misconfig.lua --workers 4"
on_node0 timeout -k 5 60 srun -w node1 -n 1 -c 1 parlab scripts/misconfig.lua --workers 4 > misconfig.out 2>&1 ||
  fail "srun misconfig: exit $?"
expect misconfig.out "^decided by: SLURM_CPUS_PER_TASK=1$" "misconfig.lua: decided by the allocation's SLURM_CPUS_PER_TASK"
expect misconfig.out "^workers = 4 +warning: 4 workers on 1 CPUs \\(SLURM_CPUS_PER_TASK=1\\)" "misconfig.lua: warns for 4 workers on 1 CPU"
