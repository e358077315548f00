"""Seed 002 / bpo-22393: a multiprocessing.Pool worker dies (SIGKILL: the OOM
killer, an operator, a crash) and Pool.map() waits for ever.

Run under sigjam, the worker is killed by the injection
`read:in=child:fd=pipe:when=3:signal=KILL@self`: its 3rd pipe read is the
header of its second task, read while it holds the pool's inqueue lock.
The Pool forks a replacement, but the task queue is jammed and the result
the parent waits for never comes.  The parent's result-handler thread sits
in read() on the result pipe, whose write end the parent itself keeps open.

--unaided: the task for 3 kills its own worker instead (as the OOM killer
would), for the start methods where a per-process rule cannot single out a
worker (the recipe's premises).
"""
import functools
import multiprocessing
import os
import signal
import sys


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def square(x, unaided=False):
    if unaided and x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def main():
    ctx = multiprocessing.get_context(start_method())
    tasks = list(range(8))
    print(f"parent {os.getpid()}: Pool(2).map(square, {tasks})", flush=True)
    with ctx.Pool(2) as pool:
        print("workers:", [p.pid for p in pool._pool], flush=True)
        results = pool.map(functools.partial(square, unaided="--unaided" in sys.argv), tasks, chunksize=1)
    print("map returned:", results, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
