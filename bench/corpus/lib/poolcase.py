"""poolcase — the corpus's Pool worker death, one program per Pool API.

A task kills its own worker with SIGKILL (as the OOM killer or an operator
would).  The Pool replaces the worker, but the dead worker's task is lost:
the call that waits for its result never returns (bpo-22393,
https://github.com/python/cpython/issues/66587).  Every thread of the
parent and every worker ends up blocked on something only the others could
provide."""
import multiprocessing
import os
import signal
import threading
import time

import case

DOOMED = 3


def task(x):
    if x == DOOMED:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def task2(x, y):
    return task(x) + y


def announce_forkserver():
    """The forkserver's pid as role "forkserver" (start method forkserver):
    the workers are its children, and it writes their sentinels."""
    import multiprocessing.forkserver as fs
    pid = getattr(fs._forkserver, "_forkserver_pid", None)
    if pid:
        case.role("forkserver", pid)


def _announce(pool, first, n):
    """Roles and ready once the doomed worker is dead and replaced."""
    while True:
        procs = list(pool._pool)
        pids = {p.pid for p in procs}
        if len(procs) == n and pids - first and all(p.is_alive() for p in procs):
            break
        time.sleep(0.02)
    for pid in sorted(pids):
        case.role("worker", pid)
    if pool._ctx.get_start_method() == "forkserver":
        announce_forkserver()
    case.ready()


def run(start, call, processes=2):
    ctx = multiprocessing.get_context(start)
    with ctx.Pool(processes) as pool:
        first = {p.pid for p in pool._pool}
        threading.Thread(target=_announce, args=(pool, first, processes), daemon=True).start()
        call(pool)


def square(x):
    return x * x


def idle_between(start):
    """A Pool idle between batches: the workers wait for tasks, the parent
    sleeps before the next map() (a healthy look-alike)."""
    with multiprocessing.get_context(start).Pool(2) as pool:
        pool.map(square, range(8))
        case.ready()
        while True:
            time.sleep(0.5)
            pool.map(square, range(8))
