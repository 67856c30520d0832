#!/bin/bash
# MPI.job from seed 001 ("Submit Python MPI Batch Jobs on Arc"), for parlab: 80 MPI ranks over two nodes,
# one core each. Rank 0 collects, ranks 1..79 compute (scripts/integral_mpi.lua). docs/mpi.md explains it.
#SBATCH --job-name=integral_mpi
#SBATCH --output=out.ext
#SBATCH --mail-type=ALL
#SBATCH --mail-user=abc123@example.edu
#SBATCH --ntasks=80
#SBATCH --nodes=2
#SBATCH --cpus-per-task=1

# Load one of these (the lecture's modules; parlab itself is one static binary, no conda needed)
module load shared openmpi 2>/dev/null || module load openmpi 2>/dev/null || true
# parlab must be built against the same MPI that mpirun comes from (check: parlab -e 'print(parlab.mpi.library)').
mpirun -n $SLURM_NTASKS parlab scripts/integral_mpi.lua
