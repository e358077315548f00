"""Terminating a process while it reads a multiprocessing.Queue.

Documented: https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.terminate
"If this method is used when the associated process is using a pipe or
queue then the pipe or queue is liable to become corrupted and may become
unusable by other process."  The child blocks in get(), holding the
queue's read lock while it waits for data; terminated there, it never
releases the lock, and the parent's own get() waits on it for ever.

case: hang
expect: deadlock @root
"""
import multiprocessing
import time

import case


def consume(q):
    q.get()


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=consume, args=(q,))
    p.start()
    # Wait until the child holds the read lock (blocked in get()).
    while q._rlock.acquire(False):
        q._rlock.release()
        time.sleep(0.01)
    p.terminate()
    p.join()
    case.ready()
    q.get()
