#!/bin/bash
# multi-task.job from seed 001, for parlab: one task (-n 1) with 5 CPUs (-c 5), five independent runs.
# Each run processes its own portion; `&` runs them at once and `wait` keeps the job alive until all end.
#SBATCH -J multi-task
#SBATCH -t 00:02:00
#SBATCH -N 1
#SBATCH -n 1
#SBATCH -c 5

parlab scripts/multitask.lua --portion 1 &
parlab scripts/multitask.lua --portion 2 &
parlab scripts/multitask.lua --portion 3 &
parlab scripts/multitask.lua --portion 4 &
parlab scripts/multitask.lua --portion 5
wait
