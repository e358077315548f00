"""Joining a process that still has items in a multiprocessing.Queue.

Documented: https://docs.python.org/3/library/multiprocessing.html#programming-guidelines
("Joining processes that use queues": "a process that has put items in a
queue will wait before terminating until all the buffered items are fed by
the 'feeder' thread to the underlying pipe ... if you are not careful ...
The code below will deadlock", and this is that code).  The child's feeder
thread blocks on the full pipe, its main thread joins the feeder, and the
parent joins the child before it would read the queue.  The start method
is the file name's suffix (spawn: a fresh interpreter, and a resource
tracker process joins the tree).

case: hang
expect: deadlock @root child
"""
import multiprocessing
import os

import case

START = os.path.basename(__file__).rsplit("_", 1)[1].split(".")[0]


def f(q):
    q.put("X" * 1000000)


if __name__ == "__main__":
    ctx = multiprocessing.get_context(START)
    queue = ctx.Queue()
    p = ctx.Process(target=f, args=(queue,))
    p.start()
    case.role("child", p.pid)
    case.ready()
    p.join()                    # this deadlocks
    obj = queue.get()
