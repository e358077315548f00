"""ProcessPoolExecutor too small for tasks that depend on each other.

The process-pool form of the documented ThreadPoolExecutor deadlock
(https://docs.python.org/3/library/concurrent.futures.html#threadpoolexecutor:
"Deadlocks can occur when the callable associated with a Future waits on
the results of another Future"): with one worker, task A waits for an
event only task B would set, and B is queued behind A.  The worker waits
on the event's shared semaphore; the parent waits for A's result.

case: hang
expect: deadlock @root worker
"""
import multiprocessing
from concurrent.futures import ProcessPoolExecutor

import case

event = None


def init(ev):
    global event
    event = ev


def task_a():
    event.wait()
    return "a"


def task_b():
    event.set()
    return "b"


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    ev = ctx.Event()
    ex = ProcessPoolExecutor(max_workers=1, mp_context=ctx, initializer=init, initargs=(ev,))
    a = ex.submit(task_a)
    b = ex.submit(task_b)
    for pid in ex._processes:
        case.role("worker", pid)
    case.ready()
    a.result()
