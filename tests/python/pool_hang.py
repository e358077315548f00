"""Seed 002 on any Python: a Pool.map whose worker SIGKILLs itself.

usage: pool_hang.py OUTDIR
The Pool replaces the dead worker, but the task it held never returns:
map() waits for ever (CPython gh-96062, still open).  Start method fork
(the 3.14+ default, forkserver, is proved elsewhere).  Writes
OUTDIR/ready once a worker has died, so a test knows the tree is hung.
One worker, so that the hung tree is the same every run (with two, which
one waits for the queue's lock and which one reads is a race)."""
import multiprocessing
import os
import signal
import sys
import threading

out = sys.argv[1]


def task(x):
    if x == 3:
        with open(os.path.join(out, "ready.tmp"), "w") as f:
            f.write(str(os.getpid()))
        os.rename(os.path.join(out, "ready.tmp"), os.path.join(out, "ready"))
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def main():
    threading.current_thread().name = "pool-main"
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(1) as pool:
        pool.map(task, range(8), chunksize=1)


if __name__ == "__main__":
    main()
