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

--unaided: the parent kills that worker itself (as an operator or the OOM
killer would), for the start methods where a per-process rule cannot single
out a worker (the recipe's premises).
"""
import multiprocessing
import os
import signal
import sys
import time


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def square(x):
    return x * x


def kill_reader(pids):
    """SIGKILLs the one of pids blocked in read() (syscall 0 on x86-64 in
    /proc/PID/syscall): the idle worker that holds the queue's read lock."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for pid in pids:
            with open(f"/proc/{pid}/syscall") as f:
                if f.read().split()[0] == "0":
                    os.kill(pid, signal.SIGKILL)
                    print(f"parent: killed worker {pid}, blocked in read()", flush=True)
                    return
        time.sleep(0.05)
    print("parent: no worker sat in read()", flush=True)


def main():
    ctx = multiprocessing.get_context(start_method())
    pool = ctx.Pool(2)
    print(f"parent {os.getpid()}: workers {[p.pid for p in pool._pool]}", flush=True)
    print("map returned:", pool.map(square, range(4)), flush=True)
    if "--unaided" in sys.argv:
        kill_reader([p.pid for p in pool._pool])
    time.sleep(2)  # the pool idles (a real program does other work here)
    print("parent: pool.terminate() ...", flush=True)
    pool.terminate()
    print("parent: terminate() returned", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
