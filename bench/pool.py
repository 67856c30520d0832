"""Python's multiprocessing side of bench/pool.lua: same figures, same format.
Run: /usr/bin/python3 bench/pool.py [ntasks]. Starts: median of REPS runs; maps: best of 3 (wall time)."""
import multiprocessing as mp
import os
import sys
import time

N = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
REPS = 9


def identity(x):
    return x


def nothing():
    pass


def length(s):
    return len(s)


def make(n):
    return b"r" * n


def getpid(_):
    time.sleep(0.02)
    return os.getpid()


def best(reps, fn):
    b = float("inf")
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        b = min(b, time.perf_counter() - t0)
    return b


def median(reps, fn):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        t.append(time.perf_counter() - t0)
    return sorted(t)[reps // 2]


def memory(pid):
    rss = pss = 0
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss = int(line.split()[1])
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    pss = int(line.split()[1])
    except OSError:
        pass
    return rss, pss


def pool1(ctx):
    with ctx.Pool(1) as p:
        p.map(identity, [1])


def process(ctx):
    p = ctx.Process(target=nothing)
    p.start()
    p.join()


def main():
    print(f"# python {sys.version.split()[0]}, {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}, "
          f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"# default start method: {mp.get_start_method()}")
    for m in ("forkserver", "fork", "spawn"):
        ctx = mp.get_context(m)
        print(f"pool1_start_map   method={m:<10} {median(REPS, lambda: pool1(ctx)) * 1e3:8.2f} ms", flush=True)
        print(f"process_start_join method={m:<10} {median(REPS, lambda: process(ctx)) * 1e3:8.2f} ms", flush=True)
    items = list(range(N))
    for m in (mp.get_start_method(), "fork"):
        with mp.get_context(m).Pool(2) as pool:
            pool.map(identity, range(4), chunksize=1)
            for cs in (1, 100):
                s = best(3, lambda: pool.map(identity, items, chunksize=cs))
                print(f"pool_map          method={m:<10} chunksize={cs:<3} {s / N * 1e6:8.3f} us/task", flush=True)
            M = N // 2

            def run_async():
                rs = [pool.apply_async(identity, (i,)) for i in range(M)]
                for r in rs:
                    r.get()
            print(f"apply_async       method={m:<10} {best(3, run_async) / M * 1e6:8.3f} us/task", flush=True)
            for pid in sorted(set(pool.map(getpid, range(6), chunksize=1))):
                rss, pss = memory(pid)
                print(f"worker_memory     method={m:<10} pid={pid} RSS {rss / 1024:6.1f} MB  PSS {pss / 1024:6.1f} MB")
    m = mp.get_start_method()
    with mp.get_context(m).Pool(2) as pool:
        for mib in (8, 64):
            n = mib << 20
            arg = b"a" * n
            for _ in range(2):
                pool.map(length, [arg] * 4, chunksize=1)
            s = best(5, lambda: pool.map(length, [arg] * 4, chunksize=1))
            print(f"pool_big_args     method=default mib={mib:<3} {s / 4 * 1e3:8.3f} ms/task", flush=True)
            for _ in range(2):
                pool.map(make, [n] * 4, chunksize=1)
            s = best(5, lambda: pool.map(make, [n] * 4, chunksize=1))
            print(f"pool_big_results  method=default mib={mib:<3} {s / 4 * 1e3:8.3f} ms/task", flush=True)
    rss, pss = memory(os.getpid())
    print(f"parent_memory     RSS {rss / 1024:6.1f} MB  PSS {pss / 1024:6.1f} MB")


if __name__ == "__main__":
    main()
