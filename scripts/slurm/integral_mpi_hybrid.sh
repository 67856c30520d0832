#!/bin/bash
# A hybrid job: 4 MPI ranks over two nodes, each rank with 20 cores for its own threads or OpenMP kernels
# (-c 20). Total cores = ntasks x cpus-per-task = 80, as the lecture's "About -c and -n" slide says.
# --bind-to none (or --map-by node:PE=20 --bind-to core) keeps each rank's threads from being pinned to
# the single core mpirun would otherwise bind it to. docs/mpi.md, "Hybrid runs".
#SBATCH --job-name=integral_mpi_hybrid
#SBATCH --output=out-%j.txt
#SBATCH --ntasks=4
#SBATCH --nodes=2
#SBATCH --cpus-per-task=20

module load shared openmpi 2>/dev/null || module load openmpi 2>/dev/null || true
export OMP_NUM_THREADS=$SLURM_CPUS_PER_TASK
export PARLAB_MPI_THREAD_LEVEL=funneled   # only the main thread of each rank calls MPI here
mpirun -n $SLURM_NTASKS -x OMP_NUM_THREADS -x PARLAB_MPI_THREAD_LEVEL --map-by node:PE=$SLURM_CPUS_PER_TASK --bind-to core \
  parlab -e 'local mpi = parlab.mpi
    print(string.format("rank %d of %d: %d CPUs, MPI thread level %s", mpi.rank, mpi.size, (parlab.cpus()), mpi.thread_level))'
mpirun -n $SLURM_NTASKS -x OMP_NUM_THREADS -x PARLAB_MPI_THREAD_LEVEL --map-by node:PE=$SLURM_CPUS_PER_TASK --bind-to core parlab scripts/integral_mpi.lua
