# bench/hogs.py: Python's side of bench/hogs.lua, run while bench/hogs.lua's CPU hogs are busy (one per
# core): Pool(2).map at chunksize 1 (us per task), and the 1-byte round trip of a Pipe and of a Queue to an
# echoing process (us). One line of JSON per figure, as the other bench/*.py write.
#   python3 bench/hogs.py [tasks] [rounds]
import json
import multiprocessing as mp
import sys
import time

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def identity(x):
    return x


def echo_pipe(conn):
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


def round_trip(send, recv):
    for _ in range(min(100, ROUNDS)):
        send(b"x"); recv()
    t0 = time.perf_counter()
    for _ in range(ROUNDS):
        send(b"x"); recv()
    return (time.perf_counter() - t0) / ROUNDS


def main():
    with mp.Pool(2) as pool:
        pool.map(identity, range(1000), chunksize=1)
        t0 = time.perf_counter()
        pool.map(identity, range(TASKS), chunksize=1)
        print(json.dumps({"exp": "pool_map", "us": (time.perf_counter() - t0) / TASKS * 1e6}))
    a, b = mp.Pipe()
    p = mp.Process(target=echo_pipe, args=(b,))
    p.start()
    print(json.dumps({"exp": "pipe_rtt", "us": round_trip(a.send_bytes, a.recv_bytes) * 1e6}))
    a.send_bytes(b"")
    p.join()
    to, frm = mp.Queue(), mp.Queue()
    p = mp.Process(target=echo_queue, args=(to, frm))
    p.start()
    print(json.dumps({"exp": "queue_rtt", "us": round_trip(to.put, frm.get) * 1e6}))
    to.put(b"")
    p.join()


if __name__ == "__main__":
    main()
