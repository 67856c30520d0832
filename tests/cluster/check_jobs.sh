#!/bin/sh
# tests/cluster/check_jobs.sh: the lecture's Slurm job scripts (scripts/slurm/) as a user submits them,
# each with `sbatch --wait` from node0, each checked for its expected output. The job directory holds a
# link to scripts/, so the scripts' relative paths work as they do from a checkout on a cluster's shared
# file system. gpu_matmul.sh needs a GPU node and is reported as skipped.
set -u
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
cluster_env
slurm=scripts/slurm

log "sbatch integral_mpi_2nodes.sh (--ntasks=4: 2 ranks on each node)"
submit integral_2nodes "$slurm/integral_mpi_2nodes.sh" --ntasks=4 >/dev/null || fail "integral_mpi_2nodes.sh: job failed"
expect "$PARLAB_CLUSTER/jobs/integral_2nodes.out" "the integral is 333333\.3" "integral_mpi_2nodes.sh: the integral"
expect "$PARLAB_CLUSTER/jobs/integral_2nodes.out" "^master received value .* from process 3" "integral_mpi_2nodes.sh: rank 0 heard from all 3 computing ranks"

log "sbatch integral_mpi_hybrid.sh (--ntasks=2 --cpus-per-task=2: one rank a node, 2 CPUs each)"
submit hybrid "$slurm/integral_mpi_hybrid.sh" --ntasks=2 --cpus-per-task=2 >/dev/null || fail "integral_mpi_hybrid.sh: job failed"
for r in 0 1; do
  expect "$PARLAB_CLUSTER/jobs/hybrid.out" "^rank $r of 2: 2 CPUs, MPI thread level funneled" \
    "integral_mpi_hybrid.sh: rank $r has the 2 CPUs of -c 2 and the funneled thread level"
done
expect "$PARLAB_CLUSTER/jobs/hybrid.out" "the integral is 333333\.3" "integral_mpi_hybrid.sh: the integral"

log "sbatch multitask.sh (--cpus-per-task=2)"
submit multitask "$slurm/multitask.sh" --cpus-per-task=2 >/dev/null || fail "multitask.sh: job failed"
for k in 1 2 3 4 5; do
  expect "$PARLAB_CLUSTER/jobs/multitask.out" "^portion $k done: " "multitask.sh: portion $k ran"
done

# -c 1, fewer than the node's CPUs: the run must size itself by the allocation, not by the machine.
log "sbatch threads_processes.sh (--cpus-per-task=1)"
submit threads "$slurm/threads_processes.sh" --cpus-per-task=1 >/dev/null || fail "threads_processes.sh: job failed"
expect "$PARLAB_CLUSTER/jobs/threads.out" "^ +1 CPUs: SLURM_CPUS_PER_TASK=1$" "threads_processes.sh: parlab sized the run by -c 1"
expect "$PARLAB_CLUSTER/jobs/threads.out" "^native kernel .* 333333\\.33" "threads_processes.sh: the integral"
ls "$PARLAB_CLUSTER"/jobs/integral-*.json > /dev/null 2>&1 || fail "threads_processes.sh: no integral-JOBID.json"

log "SKIPPED gpu_matmul.sh: it needs a GPU node (--gres=gpu:1); the harness's nodes have none"
