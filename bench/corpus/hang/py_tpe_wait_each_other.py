"""ThreadPoolExecutor: two tasks that wait on each other's futures.

Documented: https://docs.python.org/3/library/concurrent.futures.html#threadpoolexecutor
"Deadlocks can occur when the callable associated with a Future waits on
the results of another Future" — this is the documentation's first example
(with shorter sleeps).  Every thread of the one process waits on a lock
only another blocked thread would release.

case: hang
expect: deadlock @root
"""
import time
from concurrent.futures import ThreadPoolExecutor

import case


def wait_on_b():
    time.sleep(0.2)
    print(b.result())  # b will never complete because it is waiting on a.
    return 5


def wait_on_a():
    time.sleep(0.2)
    print(a.result())  # a will never complete because it is waiting on b.
    return 6


executor = ThreadPoolExecutor(max_workers=2)
a = executor.submit(wait_on_b)
b = executor.submit(wait_on_a)
case.ready()
executor.shutdown(wait=True)
