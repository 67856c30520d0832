"""The Python side of bench/lectures.lua: the lectures' own code for the experiments that the other
benches do not cover (the trapezoid integral with executors, the work-bins histogram), timed the same
way. Prints one JSON object per line. Run: python3 bench/lectures.py [integral] [workbins]"""
import concurrent.futures as cf
import json
import multiprocessing as mp
import sys
import threading
import time

def f(x):
    return x * x

def compute_integral(a, b, n):
    h = (b - a) / n
    x = a
    integral = 0
    for i in range(n):
        integral = integral + ((f(x) + f(x + h)) / 2.0) * h
        x = x + h
    return integral

def integral(n=2_000_000, N=8):
    a, b = 0, 100
    t0 = time.perf_counter(); v = compute_integral(a, b, n); serial = time.perf_counter() - t0
    print(json.dumps({"exp": "integral", "how": "serial", "seconds": serial, "value": v}), flush=True)
    h = (b - a) / n
    for how, Ex in (("threads", cf.ThreadPoolExecutor), ("processes", cf.ProcessPoolExecutor)):
        with Ex(2) as ex:
            ex.submit(f, 1).result()
            t0 = time.perf_counter()
            fs = [ex.submit(compute_integral, a + i * (n // N) * h, a + (i + 1) * (n // N) * h, n // N) for i in range(N)]
            v = sum(x.result() for x in fs)
            s = time.perf_counter() - t0
        print(json.dumps({"exp": "integral", "how": how, "seconds": s, "speedup": serial / s, "value": v}), flush=True)

def report_work(t_start, bins, dt):
    counts = [0] * bins
    t_start = t_start or time.perf_counter()
    while True:
        i = int((time.perf_counter() - t_start) / dt)
        if i >= bins:
            break
        counts[i] += 1
    return sum(counts)

def workbins(bins=1000, dt=50e-6, n=2):
    one = report_work(None, bins, dt)
    results = [0] * n
    def run(k):
        results[k] = report_work(t0, bins, dt)
    t0 = time.perf_counter()
    ths = [threading.Thread(target=run, args=(k,)) for k in range(n)]
    for t in ths: t.start()
    for t in ths: t.join()
    with mp.Pool(n) as pool:
        procs = pool.starmap(report_work, [(None, bins, dt)] * n)
    print(json.dumps({"exp": "workbins", "one": one, "threads": sum(results) / one, "processes": sum(procs) / one}), flush=True)

if __name__ == "__main__":
    which = sys.argv[1:] or ["integral", "workbins"]
    if "integral" in which: integral()
    if "workbins" in which:  # workbins [N]: N workers (default 2, the lecture's)
        i = which.index("workbins")
        workbins(n=int(which[i + 1]) if len(which) > i + 1 else 2)
