"""NumPy's side of bench/kernels.lua: the same measurements, one JSON line each.
Run with Debian's NumPy: /usr/bin/python3 bench/kernels.py [threads]. The BLAS thread count is taken
from OPENBLAS_NUM_THREADS, which bench/kernels.lua sets to match its own."""
import json, os, sys, time
import numpy as np

REPS = int(os.environ.get("BENCH_REPS", "5"))


def best(fn, reps=REPS):
    t = float("inf")
    for _ in range(reps):
        s = time.perf_counter(); fn(); t = min(t, time.perf_counter() - s)
    return t


def out(name, **kw):
    print(json.dumps(dict(name=name, **kw)), flush=True)


def stream(n=int(os.environ.get("BENCH_STREAM_N", 1 << 25))):
    a, b, c = np.zeros(n), np.ones(n), np.full(n, 2.0)
    out("np_copy", GBs=16 * n / best(lambda: np.copyto(a, b)) / 1e9)
    out("np_sum", GBs=8 * n / best(lambda: np.sum(b)) / 1e9)
    # a = b + s*c needs two passes in NumPy (no fused triad): 5 x 8 bytes per element of traffic.
    def triad():
        np.multiply(c, 3.0, out=a); np.add(a, b, out=a)
    out("np_triad", GBs=24 * n / best(triad) / 1e9, note="two passes")


def sums():
    x = np.random.rand(1_000_000)
    out("np_sum_1M", ms=best(lambda: np.sum(x), 50) * 1e3)
    lst = x.tolist()
    out("py_sum_list_1M", ms=best(lambda: sum(lst), 3) * 1e3)
    def loop(c):
        r = 0
        for v in c: r += v
        return r
    out("py_loop_list_1M", ms=best(lambda: loop(lst), 3) * 1e3)
    out("py_loop_ndarray_1M", ms=best(lambda: loop(x), 2) * 1e3)


def matmul(d=2000):
    a, b = np.random.rand(d, d), np.random.rand(d, d)
    a @ b
    s = best(lambda: a @ b)
    out("np_matmul", d=d, seconds=s, GFLOPs=2 * d ** 3 / s / 1e9)


def integral(n=4_000_000):
    def f(x): return x * x
    def compute_integral(a, b, n):  # the lecture's loop, as is
        h = (b - a) / n; x = a; integral = 0
        for i in range(n):
            integral = integral + ((f(x) + f(x + h)) / 2.0) * h
            x = x + h
        return integral
    s = best(lambda: compute_integral(0, 100, n), 1)
    out("py_trapz", n=n, seconds=s, scaled_1e8=s * 1e8 / n)


if __name__ == "__main__":
    which = sys.argv[1:] or ["stream", "sums", "matmul", "integral"]
    for w in which:
        globals()[w]()
