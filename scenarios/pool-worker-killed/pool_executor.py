"""The fixed twin of pool_map.py (seed 002's own conclusion): the same work
with concurrent.futures.ProcessPoolExecutor.  When a worker dies, the
executor notices (it polls every worker's sentinel), fails the pending
futures with BrokenProcessPool and stops the other workers, so the caller
gets an exception instead of a hang.  The program reports it and exits 0.
"""
import concurrent.futures
import functools
import multiprocessing
import os
import sys
from concurrent.futures.process import BrokenProcessPool

from pool_map import square


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def main():
    ctx = multiprocessing.get_context(start_method())
    tasks = list(range(8))
    print(f"parent {os.getpid()}: ProcessPoolExecutor(2).map(square, {tasks})", flush=True)
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        try:
            results = list(ex.map(functools.partial(square, unaided="--unaided" in sys.argv), tasks))
        except BrokenProcessPool as e:
            print(f"BrokenProcessPool: {e}", flush=True)
            return 0
    print("map returned:", results, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
