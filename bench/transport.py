"""bench/transport.py: pickle, what multiprocessing sends every value through, on the values of
bench/transport.lua -- CPU time per pickle.dumps and pickle.loads (best of 5 runs of N calls), and the
pickled size; then a 100 MB string. Output lines use bench/transport.lua's labels.
    /usr/bin/python3 bench/transport.py [iterations]"""
import gc
import pickle
import sys
import time

N = int(float(sys.argv[1])) if len(sys.argv) > 1 else 200_000
clock = time.process_time  # CPU time, as the Lua side's os.clock


def best(fn, n):
    b = float("inf")
    for _ in range(5):
        t0 = clock()
        fn(n)
        b = min(b, clock() - t0)
    return b / n * 1e9


CASES = [
    ("integer 42", 42),
    ("double 0.1", 0.1),
    ("short string (12 B)", "hello, world"),
    ("small array {1,2,3}", [1, 2, 3]),
    ("small record {x=1,y=2,name='p'}", {"x": 1, "y": 2, "name": "p"}),
    ("nested 3x{a=..}", {"a": {"a": {"a": 1}}}),
    ("1 KB string", "x" * 1024),
    ("array of 100 numbers", [i * 0.5 for i in range(1, 101)]),
]

dumps, loads = pickle.dumps, pickle.loads
print("%-34s %10s %10s %8s" % ("value", "dumps ns", "loads ns", "bytes"))
for label, v in CASES:
    s = dumps(v)

    def enc(n, v=v):
        for _ in range(n):
            dumps(v)

    def dec(n, s=s):
        for _ in range(n):
            loads(s)

    print("%-34s %10.0f %10.0f %8d" % (label, best(enc, N), best(dec, N), len(s)))
# A closure cannot be pickled at all (multiprocessing sends functions by module and name).
print("%-34s %10s %10s %8s" % ("function + upvalue + global", "-", "-", "-"))

big = "0123456789abcdef" * (100 * 1024 * 1024 // 16)
t0 = clock()
s = dumps(big)
t1 = clock()
del big
gc.collect()
t2 = clock()
back = loads(s)
t3 = clock()
assert len(back) == 100 * 1024 * 1024
print("%-34s %10.1f %10.1f ms (%.0f MB)" % ("100 MB string", (t1 - t0) * 1e3, (t3 - t2) * 1e3, len(s) / 2**20))
