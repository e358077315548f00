"""Seed 000 ("How to freeze a pool"): a Pool worker installs a SIGTERM
handler that raises an Exception subclass, and Pool.terminate() hangs.

terminate() first takes the inqueue's read lock (to drain the task queue)
and keeps it, then SIGTERMs the workers and joins them.  Each worker is in
the middle of a task: the handler's exception surfaces inside the task, the
worker loop catches it like any task error (`except Exception`), sends it
back as the result and goes back to get() for more work — where it waits
for ever on the read lock the parent holds.  The parent waits in
waitpid() for a worker that will never exit.

Pass --systemexit for the fixed twin: the handler raises SystemExit, which
the worker loop does not catch, so the worker exits and terminate() returns.
"""
import multiprocessing
import os
import signal
import sys
import time


class Terminated(Exception):
    """Raised by the SIGTERM handler: the bug (an Exception subclass)."""


RAISE = Terminated


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def on_sigterm(signum, frame):
    raise RAISE(f"worker {os.getpid()} got signal {signum}")


def init_worker(started, raise_systemexit):
    global RAISE
    if raise_systemexit:
        RAISE = SystemExit
    signal.signal(signal.SIGTERM, on_sigterm)
    init_worker.started = started


def long_task(i):
    init_worker.started.release()
    time.sleep(60)  # real work; terminate() arrives long before it ends
    return i


def main(argv):
    raise_systemexit = "--systemexit" in argv
    ctx = multiprocessing.get_context(start_method())
    started = ctx.Semaphore(0)
    pool = ctx.Pool(2, initializer=init_worker, initargs=(started, raise_systemexit))
    pool.map_async(long_task, range(2), chunksize=1)
    for _ in range(2):
        if not started.acquire(timeout=20):
            print("workers did not start", flush=True)
            return 2
    handler = "SystemExit" if raise_systemexit else "Terminated(Exception)"
    print(f"parent {os.getpid()}: both workers are busy; their SIGTERM handler raises {handler}", flush=True)
    print("parent: pool.terminate() ...", flush=True)
    pool.terminate()
    print("parent: terminate() returned", flush=True)
    pool.join()
    print("parent: pool joined", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
