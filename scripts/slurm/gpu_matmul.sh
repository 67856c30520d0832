#!/bin/bash
# The lecture's CuPy matrix product on one GPU node (docs/gpu.md).
#SBATCH -J gpu-matmul
#SBATCH -N 1
#SBATCH -n 1
#SBATCH -c 8
#SBATCH --gres=gpu:1
#SBATCH -t 00:10:00

module load cuda 2>/dev/null || true   # provides libcudart.so and libcublas.so on most clusters
parlab scripts/gpu_matmul.lua --d 10000 --type f32 --json gpu-$SLURM_JOB_ID.json
