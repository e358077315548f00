"""Failure catalogue E6 (gh-115634): a ProcessPoolExecutor with
max_tasks_per_child stalls.  Its one worker exits after its 2nd task, as
asked; the executor should start a replacement, but a stale token of its
idle-worker semaphore says a worker is idle, so none is started and the
remaining tasks wait for ever: map() never returns.  The parent's manager
thread polls the result pipe and its wake-up pipe, which only the parent
writes.  Fixed by PR #140900 (3.15, backported to 3.14; Debian's 3.13.5
predates the 3.13 backport): there the worker is replaced and the program
ends.

Pass --no-limit for the fixed twin (the workaround: no max_tasks_per_child).
max_tasks_per_child cannot be used with fork: under --start=fork the
program uses spawn and says so.
"""
import concurrent.futures
import multiprocessing
import os
import sys


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def ident(x):
    return x


def main(argv):
    method = start_method()
    if method == "fork":
        method = "spawn"
        print("max_tasks_per_child needs spawn or forkserver: using spawn", flush=True)
    limit = None if "--no-limit" in argv else 2
    ctx = multiprocessing.get_context(method)
    print(f"parent {os.getpid()}: ProcessPoolExecutor(1, max_tasks_per_child={limit}).map(ident, range(10))",
          flush=True)
    with concurrent.futures.ProcessPoolExecutor(1, max_tasks_per_child=limit, mp_context=ctx) as ex:
        print("results:", list(ex.map(ident, range(10))), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
