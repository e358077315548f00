"""Failure catalogue P2 (gh-96062, bpo-29759 / gh-73945): an IDLE Pool
worker is killed while it holds the task queue's read lock, and
Pool.terminate() hangs.

Idle workers wait in SimpleQueue.get(): one of them holds the inqueue's
read lock (a POSIX semaphore in shared memory) while it blocks in read();
the others wait for that lock.  Under sigjam,
`read:in=child:fd=pipe:during=1s:signal=KILL@self` kills the worker that is
still blocked in read() a second later — the lock holder.  A semaphore is
not released when its holder dies: the replacement worker waits for it for
ever, and so does terminate(), which takes the same lock to drain the queue
(_help_stuff_finish).  map() had already returned: no task was lost.
"""
import multiprocessing
import os
import sys
import time


def square(x):
    return x * x


def main():
    ctx = multiprocessing.get_context("fork")
    pool = ctx.Pool(2)
    print(f"parent {os.getpid()}: workers {[p.pid for p in pool._pool]}", flush=True)
    print("map returned:", pool.map(square, range(4)), flush=True)
    time.sleep(2)  # the pool idles (a real program does other work here)
    print("parent: pool.terminate() ...", flush=True)
    pool.terminate()
    print("parent: terminate() returned", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
