"""Three process-pool failures under one start method, for startmethods_check.py.

usage: start_methods.py PROGRAM METHOD OUTDIR
  pool_map   seed 002: Pool(2).map whose worker for task 3 is SIGKILLed;
             the Pool replaces it and waits for the lost result for ever
  pool_lock  scenario 9 (gh-96062): an idle worker is SIGKILLed while it
             holds the task queue's read lock; Pool.terminate() waits for
             that lock for ever
  ppe_dies   a ProcessPoolExecutor(2) whose worker is SIGKILLed: it raises
             BrokenProcessPool (no hang) and the program exits 0

Once the trap is set, OUTDIR/roles (JSON) names the processes a report
must name: main, workers, and the forkserver and resource tracker where
the start method has them."""
import concurrent.futures
import functools
import json
import multiprocessing
import multiprocessing.forkserver
import multiprocessing.resource_tracker
import os
import signal
import sys
import threading
import time


def task(x, doomed=3):
    if x == doomed:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def helpers():
    fs = getattr(multiprocessing.forkserver._forkserver, "_forkserver_pid", None)
    tr = getattr(multiprocessing.resource_tracker._resource_tracker, "_pid", None)
    return fs, tr


def write_roles(out, pool):
    fs, tr = helpers()
    roles = {"main": os.getpid(), "workers": sorted(p.pid for p in pool._pool), "forkserver": fs,
             "tracker": tr}
    with open(os.path.join(out, "roles.tmp"), "w") as f:
        json.dump(roles, f)
    os.rename(os.path.join(out, "roles.tmp"), os.path.join(out, "roles"))


def replaced(pool, first):
    """Waits until a worker outside `first` has replaced the dead one."""
    while True:
        pids = {p.pid for p in pool._pool if p.is_alive()}
        if len(pids) == 2 and pids - first:
            return
        time.sleep(0.02)


def in_read(pids):
    """The one of pids blocked in read() (syscall 0 on x86-64)."""
    while True:
        for pid in pids:
            with open(f"/proc/{pid}/syscall") as f:
                if f.read().split()[0] == "0":
                    return pid
        time.sleep(0.02)


def pool_map(ctx, out):
    with ctx.Pool(2) as pool:
        first = {p.pid for p in pool._pool}
        threading.Thread(target=lambda: (replaced(pool, first), write_roles(out, pool)), daemon=True).start()
        pool.map(task, range(8), chunksize=1)


def pool_lock(ctx, out):
    pool = ctx.Pool(2)
    pool.map(functools.partial(task, doomed=None), range(4))
    first = {p.pid for p in pool._pool}
    os.kill(in_read(first), signal.SIGKILL)
    replaced(pool, first)
    write_roles(out, pool)
    pool.terminate()


def ppe_dies(ctx, out):
    with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
        try:
            list(ex.map(task, range(8)))
        except concurrent.futures.process.BrokenProcessPool as e:
            print(f"BrokenProcessPool: {e}", flush=True)
            return 0
    return 1


if __name__ == "__main__":
    program, method, out = sys.argv[1:4]
    sys.exit({"pool_map": pool_map, "pool_lock": pool_lock, "ppe_dies": ppe_dies}[program](
        multiprocessing.get_context(method), out) or 0)
