#!/bin/sh
# The measurements a 2-core machine cannot make, on a many-core (and GPU) node, from a bundle made by
# tools/bundle.sh: machine facts, the CUDA tests and the GPU matrix product (next to CuPy where the
# node's Python has it), the kernel bench with its speed-up table, the lecture tour, and the pool, IPC
# and lecture benches side by side with the node's Python. Each part's output goes to OUT/NAME.txt.
#   sh bench/node.sh [BUNDLE_DIR [OUT [PARTS]]]    (PARTS: "facts gpu kernels tour lectures pool ipc")
set -u
if [ "${1:-}" != --fn ]; then
  B=$(cd "${1:-bundle}" && pwd)
  OUT=${2:-node-out}
  PARTS=${3:-facts gpu kernels tour lectures pool ipc}
  P="$B/parlab"
  mkdir -p "$OUT"
  export B P OUT BENCH_PYTHON=${BENCH_PYTHON:-python3} LUA_PATH="tests/lua/?.lua;;" PYTHONUNBUFFERED=1
  # The CUDA runtime and cuBLAS, wherever the node keeps them (the toolkit, pip's nvidia packages).
  for d in $(find /usr/local /opt /usr/lib -xdev \( -name 'libcublas.so*' -o -name 'libcudart.so*' -o -name 'libcuda.so.1' \) \
               -printf '%h\n' 2>/dev/null | sort -u); do
    LD_LIBRARY_PATH="${LD_LIBRARY_PATH:+$LD_LIBRARY_PATH:}$d"
  done
  export LD_LIBRARY_PATH="${LD_LIBRARY_PATH:-}"
fi

part() {  # part NAME SECONDS COMMAND...: runs one part with a time limit, output to OUT/NAME.txt
  name=$1 limit=$2
  shift 2
  case " $PARTS " in *" $name "*) ;; *) return ;; esac
  echo "==== $name ($(date -u +%H:%M:%S))"
  t0=$(date +%s)
  timeout -k 5 "$limit" "$@" >"$OUT/$name.txt" 2>&1
  echo "exit $? after $(($(date +%s) - t0)) s" >>"$OUT/$name.txt"
  tail -n 40 "$OUT/$name.txt"
}

facts() {
  date -u; uname -a; nproc; lscpu | grep -E 'Model name|^CPU\(s\)|Socket|Core|Thread|NUMA|L3'
  free -g | head -2
  echo "THP: $(cat /sys/kernel/mm/transparent_hugepage/enabled); shmem: $(cat /sys/kernel/mm/transparent_hugepage/shmem_enabled)"
  nvidia-smi -L 2>&1 | head -2
  "$BENCH_PYTHON" -c 'import sys, numpy; print(sys.version.split()[0], "numpy", numpy.__version__); numpy.show_config()' 2>&1 | grep -iE '^3|numpy|name|openblas|mkl' | head -8
  "$P" -e 'local n, i = parlab.cpus(); print("parlab.cpus", n, i.reason); local o = parlab.omp.info(); print("omp", parlab.omp.threads(), o.blas_config, o.blas_core)'
  echo "LD_LIBRARY_PATH=$LD_LIBRARY_PATH"
}

gpu() {
  PARLAB_GPU=cuda "$P" tests/lua/test_gpu.lua
  for t in f32 f64; do PARLAB_GPU=cuda "$P" scripts/gpu_matmul.lua --d 10000 --type $t; done
  "$BENCH_PYTHON" - <<'PY'
import time
try:
    import cupy as cp, numpy as np
except ImportError as e:
    raise SystemExit(f"no CuPy: {e}")
for dt in (np.float32, np.float64):
    d = 10000
    a, b = cp.random.rand(d, d).astype(dt), cp.random.rand(d, d).astype(dt)
    a @ b; cp.cuda.Device().synchronize()
    def once():
        s = time.perf_counter(); a @ b; cp.cuda.Device().synchronize(); return time.perf_counter() - s
    best = min(once() for _ in range(3))
    print(f"CuPy {np.dtype(dt).name} d={d}: {2 * d**3 / best / 1e9:.0f} GFLOP/s (compute only, best of 3)")
PY
}

# `sh bench/node.sh --fn NAME` runs one of the functions above (so `timeout` can limit it).
if [ "${1:-}" = --fn ]; then "$2"; exit; fi

part facts 30 sh "$0" --fn facts
part gpu 120 sh "$0" --fn gpu
part kernels 150 env BENCH_REPS=3 "$P" bench/kernels.lua
part tour 150 sh -c "\"$P\" scripts/tour.lua --out /tmp/parlab-tour && cp /tmp/parlab-tour/report.md \"$OUT/tour-report.md\" && cp /tmp/parlab-tour/index.html \"$OUT/tour-report.html\""
part lectures 60 "$P" bench/lectures.lua
part pool 45 "$P" bench/pool.lua
part ipc 45 "$P" bench/ipc.lua
