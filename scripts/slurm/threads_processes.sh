#!/bin/bash
# A threads or processes job (seed 001): one task (-n 1, never more for a non-MPI program) with the
# cores on -c. parlab reads SLURM_CPUS_PER_TASK, so parlab.cpus() and the default pool size follow -c.
#SBATCH -J integral
#SBATCH -t 00:10:00
#SBATCH -N 1
#SBATCH -n 1
#SBATCH -c 16

parlab scripts/integral.lua --n 1e8 --json integral-$SLURM_JOB_ID.json
