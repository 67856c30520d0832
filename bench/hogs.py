# bench/hogs.py: Python's side of bench/hogs.lua, run while bench/hogs.lua's CPU hogs are busy (one per
# core): Pool(2).map at chunksize 1 (us per task), and the 1-byte round trip of a Pipe and of a Queue to an
# echoing process (us). One line of JSON per figure, as the other bench/*.py write.
#   python3 bench/hogs.py [tasks] [rounds]
import json
import multiprocessing as mp
import sys
import time

from ipc import make_pipe, make_queue, round_trips  # the same echo processes as bench/ipc.py

TASKS = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
ROUNDS = int(sys.argv[2]) if len(sys.argv) > 2 else 2000


def identity(x):
    return x


def round_trip(make):
    send, recv, stop, p = make()
    rtt = round_trips(send, recv, b"x", ROUNDS)
    stop()
    p.join()
    return rtt


def main():
    with mp.Pool(2) as pool:
        pool.map(identity, range(1000), chunksize=1)
        t0 = time.perf_counter()
        pool.map(identity, range(TASKS), chunksize=1)
        print(json.dumps({"exp": "pool_map", "us": (time.perf_counter() - t0) / TASKS * 1e6}))
    print(json.dumps({"exp": "pipe_rtt", "us": round_trip(make_pipe) * 1e6}))
    print(json.dumps({"exp": "queue_rtt", "us": round_trip(make_queue) * 1e6}))


if __name__ == "__main__":
    main()
