"""Terminating a process while it holds a multiprocessing.Lock.

Documented: https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.terminate
"if the process has acquired a lock or semaphore etc. then terminating it
is liable to cause other processes to deadlock" (and the programming
guidelines: "Avoid terminating processes").  The child takes the lock and
is terminated; the parent then waits on the lock's semaphore, which no
live process will ever post.  The start method is the file name's suffix.

case: hang
expect: deadlock @root
"""
import multiprocessing
import os
import time

import case

START = os.path.basename(__file__).rsplit("_", 1)[1].split(".")[0]


def hold(lock, taken):
    lock.acquire()
    taken.set()
    time.sleep(3600)


if __name__ == "__main__":
    ctx = multiprocessing.get_context(START)
    lock, taken = ctx.Lock(), ctx.Event()
    p = ctx.Process(target=hold, args=(lock, taken))
    p.start()
    taken.wait()
    p.terminate()
    p.join()
    case.ready()
    lock.acquire()
