"""An idle Pool worker is killed while it holds the task queue's read lock
(failure catalogue P2, gh-96062; scenario pool-worker-killed-holding-lock),
start method forkserver (Python 3.14's default, in its Debian root).  The
replacement worker waits for that lock for ever, and so does
Pool.terminate(); the parent waits for the workers' exits on the sentinel
pipes the forkserver writes.

case: hang
python: 3.14
expect: deadlock @root worker forkserver
"""
import multiprocessing
import os
import signal
import time

import case
import poolcase


def square(x):
    return x * x


def in_read(pids):
    """The one of pids blocked in read() (syscall 0 on x86-64): the idle
    worker holding the queue's read lock; the others wait for it."""
    while True:
        for pid in pids:
            with open(f"/proc/{pid}/syscall") as f:
                if f.read().split()[0] == "0":
                    return pid
        time.sleep(0.02)


if __name__ == "__main__":
    pool = multiprocessing.get_context("forkserver").Pool(2)
    pool.map(square, range(4))
    first = {p.pid for p in pool._pool}
    os.kill(in_read(first), signal.SIGKILL)
    while len({p.pid for p in pool._pool if p.is_alive()} - first) < 1:
        time.sleep(0.02)
    for p in pool._pool:
        case.role("worker", p.pid)
    poolcase.announce_forkserver()
    case.ready()
    pool.terminate()
