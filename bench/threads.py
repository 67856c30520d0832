"""Python counterpart of bench/threads.lua: thread start, ThreadPool per-task overhead, and the sums
experiment (interpreted loop over 10 lists; numpy sum over 10 references), 1,2,4 threads, GIL as is.
Prints one JSON line per figure: python3 bench/threads.py [quick]"""
import json, sys, time, threading
from multiprocessing.pool import ThreadPool

QUICK = "quick" in sys.argv[1:]
WORKERS = (1, 2, 4)

REPS = 2 if QUICK else 3

def best(fn):
    b = float("inf")
    for _ in range(REPS):
        t0 = time.perf_counter(); fn(); b = min(b, time.perf_counter() - t0)
    return b

def out(name, **kw):
    print(json.dumps(dict(exp=name, **kw)), flush=True)

def noop(x=None):
    return x

def thread_start(reps=50):
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        th = threading.Thread(target=noop, args=(1,)); th.start(); th.join()
        ts.append(time.perf_counter() - t0)
    ts.sort()
    out("thread_start", ms_min=ts[0] * 1e3, ms_median=ts[len(ts) // 2] * 1e3)

def dispatch(ntasks):
    with ThreadPool(2) as pool:
        pool.map(noop, range(100))
        for cs in (1, 100):
            s = best(lambda: pool.map(noop, range(ntasks), chunksize=cs))
            out("dispatch", kind="map", chunksize=cs, us_per_task=s / ntasks * 1e6)
        n = ntasks // 4
        def run():
            rs = [pool.apply_async(noop, (i,)) for i in range(n)]
            for r in rs: r.get()
        out("dispatch", kind="apply_async", chunksize=1, us_per_task=best(run) / n * 1e6)

def manual_sum(arr):
    s = 0
    for a in arr:
        s += a
    return s

def sums_interp(length):
    arr = [0] * length
    lists = [arr] * 10
    base = best(lambda: [manual_sum(a) for a in lists])
    out("sums_interp", mode="python-gil", workers=0, seconds=base, speedup=1.0)
    for w in WORKERS:
        with ThreadPool(w) as pool:
            s = best(lambda: pool.map(manual_sum, lists, chunksize=1))
        out("sums_interp", mode="python-gil", workers=w, seconds=s, speedup=base / s)

def sums_native(length):
    try:
        import numpy as np
    except ImportError:
        out("sums_native", mode="python-gil", skipped="numpy is not installed for " + sys.executable)
        return
    arr = np.ones(length)
    lists = [arr] * 10
    base = best(lambda: [np.sum(a) for a in lists])
    out("sums_native", mode="python-gil", workers=0, seconds=base, speedup=1.0)
    for w in WORKERS:
        with ThreadPool(w) as pool:
            s = best(lambda: pool.map(np.sum, lists, chunksize=1))
        out("sums_native", mode="python-gil", workers=w, seconds=s, speedup=base / s)

if __name__ == "__main__":
    thread_start()
    dispatch(5_000 if QUICK else 20_000)
    sums_interp(200_000 if QUICK else 2_000_000)
    sums_native(1 << 20 if QUICK else 1 << 24)
