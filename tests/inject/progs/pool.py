"""pool.py — multiprocessing.Pool programs for the shim tests.

`pool.py MODE`; every mode uses the fork start method explicitly and prints
what it observed, one fact per line.  Hangs are the point of some rules, so
every wait has a timeout and the driver kills the process group afterwards.
"""
import multiprocessing as mp
import os
import signal
import sys
import time

CTX = mp.get_context("fork")


def double(x):
    return x * 2


def slow(x):
    time.sleep(1.0)
    return x * 2


def run_map(nproc, func=double, n=12, timeout=10.0):
    pool = CTX.Pool(nproc)
    try:
        # An explicit chunksize: the default divides by len(pool._pool),
        # which is 0 for a moment when every worker died at once.
        res = pool.map_async(func, range(n), chunksize=2).get(timeout=timeout)
        print("results", len(res), "sum", sum(res), flush=True)
    except mp.TimeoutError:
        print("timeout", flush=True)
        os._exit(3)  # workers may be dead or hung: no clean shutdown
    pool.close()
    pool.join()


def mode_map(args):
    run_map(int(args[0]) if args else 2, timeout=float(args[1]) if len(args) > 1 else 10.0)


def mode_during(args):
    got = []
    signal.signal(signal.SIGTERM, lambda s, f: got.append(s))
    pool = CTX.Pool(1)
    res = pool.apply_async(slow, (21,)).get(timeout=20)
    print("result", res, flush=True)
    print("sigterm handled", len(got) > 0, flush=True)
    pool.close()
    pool.join()


def mode_int(args):
    got = []
    signal.signal(signal.SIGINT, lambda s, f: got.append(s))
    pool = CTX.Pool(3)
    print("parent sigint", len(got), flush=True)
    try:
        res = pool.map_async(double, range(6)).get(timeout=5)
        print("results", len(res), flush=True)
    except mp.TimeoutError:
        print("timeout", flush=True)
    os._exit(0)


def mode_env(args):
    for k in sorted(os.environ):
        if k != "LD_PRELOAD" and not k.startswith("SIGJAM_"):
            print("env", k, os.environ[k])
    print("fds", sorted(fd for fd in map(int, os.listdir("/proc/self/fd")) if fd < 1000))
    run_map(3)


MODES = {"map": mode_map, "during": mode_during, "int": mode_int, "env": mode_env}

if __name__ == "__main__":
    MODES[sys.argv[1]](sys.argv[2:])
