"""Seed 003 (cancelkulture): cancelling a running ProcessPoolExecutor job
does not stop it.

Future.cancel() only cancels jobs that have not started; on a running one it
returns False and the worker process goes on working (asyncio's
run_in_executor cancellation and wait_for timeouts hit the same wall).  The
job here ticks a shared counter every 20 ms; the program cancels it once it
has started and measures whether the counter keeps moving.

Pass --kill for the fixed twin (what cancelkulture and deadpool do): when
cancel() cannot stop a running job, SIGKILL the worker process running it.
The executor then reports BrokenProcessPool for that future, and the job
has really stopped.
"""
import concurrent.futures
import multiprocessing
import os
import signal
import sys
import time
from concurrent.futures.process import BrokenProcessPool

_shared = {}


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def init_worker(ticks, started):
    _shared["ticks"], _shared["started"] = ticks, started


def job(seconds):
    _shared["started"].put(os.getpid())
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _shared["ticks"].value += 1
        time.sleep(0.02)
    return "job finished"


def cancel(fut, worker_pid, kill_if_running):
    if fut.cancel():
        return "cancelled before it started"
    if not kill_if_running:
        return "cancel() returned False: the job is running"
    os.kill(worker_pid, signal.SIGKILL)
    try:
        fut.result(timeout=20)  # wait until the executor has seen the death
    except BrokenProcessPool:
        pass
    return "cancel() returned False: killed the worker running it"


def main(argv):
    kill_if_running = "--kill" in argv
    ctx = multiprocessing.get_context(start_method())
    ticks = ctx.RawValue("l", 0)
    started = ctx.SimpleQueue()
    ex = concurrent.futures.ProcessPoolExecutor(1, mp_context=ctx, initializer=init_worker,
                                                initargs=(ticks, started))
    fut = ex.submit(job, 1.5)
    worker_pid = started.get()
    print(f"parent {os.getpid()}: job running in worker {worker_pid}", flush=True)
    print(f"parent: {cancel(fut, worker_pid, kill_if_running)}", flush=True)
    before = ticks.value
    time.sleep(0.5)
    after = ticks.value
    still_running = after > before
    print(f"parent: 0.5 s after cancel the job's counter went {before} -> {after}: "
          f"{'STILL RUNNING' if still_running else 'stopped'}", flush=True)
    try:
        print(f"parent: future result: {fut.result(timeout=20)!r}", flush=True)
    except BrokenProcessPool as e:
        print(f"parent: future result: BrokenProcessPool: {e}", flush=True)
    ex.shutdown()
    return 1 if still_running else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
