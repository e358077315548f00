"""A ProcessPoolExecutor whose worker exits after max_tasks_per_child
tasks is never replaced, and the remaining tasks wait for ever (gh-115634:
a stale idle-worker semaphore token; fixed in 3.14).  Start method
forkserver, in Python 3.13's Debian root: the parent's executor thread
polls its result and wake-up pipes, which only the parent writes, and the
forkserver waits for a connection only the parent could make.

case: hang
python: 3.13
expect: deadlock @root forkserver
"""
import concurrent.futures
import multiprocessing
import threading
import time

import case
import poolcase


def ident(x):
    return x


def announce(ex):
    """Ready once work is pending and no worker has been there for half a
    second: the worker exited and nothing replaced it.  (Watching for the
    worker to come and go could miss a worker that lived between two looks
    on a loaded machine; a submit leaves no worker for microseconds only.)"""
    since = None
    while True:
        stalled = bool(ex._pending_work_items) and not ex._processes
        now = time.monotonic()
        since = (since or now) if stalled else None
        if since is not None and now - since >= 0.5:
            break
        time.sleep(0.02)
    poolcase.announce_forkserver()
    case.ready()


if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    with concurrent.futures.ProcessPoolExecutor(1, max_tasks_per_child=2, mp_context=ctx) as ex:
        threading.Thread(target=announce, args=(ex,), daemon=True).start()
        print(list(ex.map(ident, range(10))), flush=True)
