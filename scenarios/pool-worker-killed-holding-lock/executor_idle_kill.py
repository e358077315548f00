"""The fixed twin of pool_idle_kill.py: ProcessPoolExecutor's idle workers
use the same kind of locked queue, but the executor watches every worker's
sentinel: when the lock holder dies it marks the pool broken, terminates
the other workers (whatever locks they wait on) and shutdown() returns."""
import concurrent.futures
import multiprocessing
import os
import sys
import time

from pool_idle_kill import kill_reader


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def square(x):
    return x * x


def main():
    ctx = multiprocessing.get_context(start_method())
    ex = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx)
    print(f"parent {os.getpid()}: map returned:", list(ex.map(square, range(4))), flush=True)
    if "--unaided" in sys.argv:
        kill_reader(list(ex._processes))
    time.sleep(2)  # the pool idles
    try:
        ex.submit(square, 5).result()
        print("parent: the pool still works", flush=True)
    except concurrent.futures.process.BrokenProcessPool as e:
        print(f"parent: BrokenProcessPool: {e}", flush=True)
    print("parent: shutdown() ...", flush=True)
    ex.shutdown()
    print("parent: shutdown() returned", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
