"""ThreadPoolExecutor with one worker whose task waits on a task it submits.

Documented: https://docs.python.org/3/library/concurrent.futures.html#threadpoolexecutor
(the second example: "def wait_on_future(): f = executor.submit(pow, 5, 2)
# This will never complete because there is only one worker thread and it
is executing this function.").  The event only makes sure the inner
submit() comes before the main thread's shutdown(), which would refuse it.

case: hang
expect: deadlock @root
"""
import threading
from concurrent.futures import ThreadPoolExecutor

import case

submitted = threading.Event()


def wait_on_future():
    f = executor.submit(pow, 5, 2)
    submitted.set()
    # This will never complete because there is only one worker thread and
    # it is executing this function.
    print(f.result())


executor = ThreadPoolExecutor(max_workers=1)
executor.submit(wait_on_future)
submitted.wait()
case.ready()
executor.shutdown(wait=True)
