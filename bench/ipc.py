"""bench/ipc.py: Python's multiprocessing on the same measurements as bench/ipc.lua -- Queue items/s
between two processes, Pipe 1-byte round trip, Pipe/Queue bandwidth over sizes, and memcpy.
    /usr/bin/python3 bench/ipc.py [--quick] [--items N] [--rounds N]
Methods as the lecture's Python benchmark (queue rate timed from before start;
bandwidth = 2*size*rounds/s over echo round trips)."""
import multiprocessing as mp
import os
import sys
import time

quick = "--quick" in sys.argv
def opt(name, default):
    if name in sys.argv:
        return int(float(sys.argv[sys.argv.index(name) + 1]))
    return default
ITEMS = opt("--items", 100_000 if quick else 1_000_000)
ROUNDS = opt("--rounds", 2000 if quick else 20000)
SIZES = (1, 1024, 65536, 1 << 20, 1 << 24, 1 << 26)

def rounds_for(size):
    return max(3, min(200 if quick else 2000, (1 << 27) // size))

def cpu():
    t = os.times()
    return t.user + t.system

def producer(q, n):
    q.put("go")
    c0 = cpu()
    for i in range(1, n + 1):
        q.put(i)
    q.put(cpu() - c0)  # includes the feeder thread's work: os.times counts the whole process

def bench_queue(n):
    q = mp.Queue()
    p = mp.Process(target=producer, args=(q, n))
    t0 = time.perf_counter()
    p.start()
    q.get()
    t1, c1 = time.perf_counter(), cpu()
    s = 0
    for _ in range(n):
        s += q.get()
    t2, c2 = time.perf_counter(), cpu()
    producer_cpu = q.get()
    p.join()
    assert s == n * (n + 1) // 2
    return n / (t2 - t0), n / (t2 - t1), (c2 - c1) / n, producer_cpu / n

def echo_bytes(conn):
    while True:
        m = conn.recv_bytes()
        if not m:
            break
        conn.send_bytes(m)

def echo_queue(inq, outq):
    while True:
        m = inq.get()
        if m == b"":
            break
        outq.put(m)

def round_trips(send, recv, msg, rounds):
    for _ in range(min(100, rounds)):
        send(msg); recv()
    t0 = time.perf_counter()
    for _ in range(rounds):
        send(msg); recv()
    return (time.perf_counter() - t0) / rounds

def bench_channel(make):
    send, recv, stop, p = make()
    rtt = round_trips(send, recv, b"x", ROUNDS)
    bw = {}
    for size in SIZES:
        msg = b"x" * size
        r = rounds_for(size)
        bw[size] = 2 * size * r / (round_trips(send, recv, msg, r) * r) / 1e9
    stop()
    p.join()
    return rtt, bw

def make_pipe():
    a, b = mp.Pipe()
    p = mp.Process(target=echo_bytes, args=(b,))
    p.start()
    b.close()
    return a.send_bytes, a.recv_bytes, lambda: a.send_bytes(b""), p

def make_queue():
    to, frm = mp.Queue(), mp.Queue()
    p = mp.Process(target=echo_queue, args=(to, frm))
    p.start()
    return to.put, frm.get, lambda: to.put(b""), p

def bench_memcpy(size):
    src, dst = bytearray(b"\x01" * size), bytearray(size)
    ms, md = memoryview(src), memoryview(dst)
    r = rounds_for(size) * 2
    t0 = time.perf_counter()
    for _ in range(r):
        md[:] = ms
    return size * r / (time.perf_counter() - t0) / 1e9

def bench_lock(make, n):
    """Seconds per uncontended acquire + release, the loop included (as a script calls them)."""
    lock = make()
    for _ in range(1000):
        lock.acquire()
        lock.release()
    t0 = time.perf_counter()
    for _ in range(n):
        lock.acquire()
        lock.release()
    return (time.perf_counter() - t0) / n

def main():
    print("bench/ipc.py  %s  %d CPUs  Python %s  start method: %s" % (
        time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), os.cpu_count(), sys.version.split()[0],
        mp.get_start_method()))
    a, s, get_cpu, put_cpu = bench_queue(ITEMS)
    print("queue: %d items between two processes: %.0f items/s (from start), %.0f items/s (from the first item)" % (ITEMS, a, s))
    print("queue: CPU per item: get %.3f us, put %.3f us -> %.0f items/s with a free core for each side" % (
        get_cpu * 1e6, put_cpu * 1e6, 1 / max(get_cpu, put_cpu)))
    rtt, pipe_bw = bench_channel(make_pipe)
    print("pipe: 1-byte round trip %.2f us (send_bytes/recv_bytes)" % (rtt * 1e6))
    qrtt, queue_bw = bench_channel(make_queue)
    print("queue pair: 1-item round trip %.2f us (put/get)" % (qrtt * 1e6))
    n = ITEMS // 2
    print("lock: acquire + release, uncontended: Lock %.0f ns, RLock %.0f ns" % (
        bench_lock(mp.Lock, n) * 1e9, bench_lock(mp.RLock, n) * 1e9))
    print("%12s %14s %14s %14s" % ("bytes", "pipe GB/s", "queue GB/s", "memcpy GB/s"))
    for size in SIZES:
        print("%12d %14.3f %14.3f %14.3f" % (size, pipe_bw[size], queue_bw[size], bench_memcpy(size)))


if __name__ == "__main__":  # bench/hogs.py imports the echo processes
    main()
