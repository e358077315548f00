"""Seed 002 on any Python: a Pool.map whose worker SIGKILLs itself.

usage: pool_hang.py OUTDIR [fork|forkserver|spawn]
The Pool replaces the dead worker, but the task it held never returns:
map() waits for ever (CPython gh-96062, still open).  Start method fork
unless given (3.14 defaults to forkserver: its tree is then the main
process, the resource tracker, the forkserver and the workers, the
forkserver's children).  Writes OUTDIR/ready (the dying worker's pid)
once a worker has died, so a test knows the tree is hung.  One worker, so
that the hung tree is the same every run (with two, which one waits for the
queue's lock and which one reads is a race).  Used by
tests/python/pidns_check.py and bench/run."""
import functools
import multiprocessing
import os
import signal
import sys
import threading


def task(out, x):
    if x == 3:
        with open(os.path.join(out, "ready.tmp"), "w") as f:
            f.write(str(os.getpid()))
        os.rename(os.path.join(out, "ready.tmp"), os.path.join(out, "ready"))
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def main():
    out = sys.argv[1]
    method = sys.argv[2] if len(sys.argv) > 2 else "fork"
    threading.current_thread().name = "pool-main"
    ctx = multiprocessing.get_context(method)
    with ctx.Pool(1) as pool:
        pool.map(functools.partial(task, out), range(8), chunksize=1)


if __name__ == "__main__":
    main()
