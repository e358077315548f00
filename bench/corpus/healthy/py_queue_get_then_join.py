"""The documented fix for "joining processes that use queues": get()
before join().  The child keeps working (sleeping) after its put, so the
parent's join() waits for a live child.

Documented: https://docs.python.org/3/library/multiprocessing.html#programming-guidelines

case: healthy
"""
import multiprocessing
import time

import case


def f(q):
    q.put("X" * 1000000)
    time.sleep(3600)


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    queue = ctx.Queue()
    p = ctx.Process(target=f, args=(queue,))
    p.start()
    obj = queue.get()
    case.role("child", p.pid)
    case.ready()
    p.join()
