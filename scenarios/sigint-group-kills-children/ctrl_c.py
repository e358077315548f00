"""Seed 001 ("Safe use of unix signals with multiprocessing"): Ctrl-C kills
the children before their cleanup runs.

The parent catches KeyboardInterrupt and then asks its workers to finish
cleanly (a shared stop flag).  But a terminal's Ctrl-C sends SIGINT to the
whole foreground process group: the workers, which inherited Python's
default SIGINT handling, die with KeyboardInterrupt first, and their cleanup
never runs.  Under sigjam, `read:in=parent:fd=pipe:when=4:signal=INT@group`
plays the user pressing Ctrl-C once both workers have reported ready (the
4th pipe read is the body of the second "ready" message).

Pass --ignore for the fixed twin (seed 001's fix): SIGINT is set to SIG_IGN
while the workers are started, so they inherit "ignore", and the parent's
handler is restored afterwards.
"""
import multiprocessing
import os
import signal
import sys
import time

WORKERS = 2


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def worker(n, ready, stop, cleaned):
    ready.send(os.getpid())
    ready.close()
    while not stop.value:
        time.sleep(0.02)  # a unit of work
    print(f"worker {n}: cleanup done", flush=True)
    cleaned[n] = 1


def main(argv):
    ignore_in_children = "--ignore" in argv
    ctx = multiprocessing.get_context(start_method())
    stop = ctx.RawValue("b", 0)  # lock-free: a dying child cannot leave a lock held
    cleaned = ctx.RawArray("b", WORKERS)

    if ignore_in_children:
        default_handler = signal.getsignal(signal.SIGINT)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    procs, readies = [], []
    for n in range(WORKERS):
        r, w = ctx.Pipe(duplex=False)
        p = ctx.Process(target=worker, args=(n, w, stop, cleaned))
        p.start()
        w.close()
        procs.append(p)
        readies.append(r)
    if ignore_in_children:
        signal.signal(signal.SIGINT, default_handler)

    try:
        pids = [r.recv() for r in readies]
        print(f"parent {os.getpid()}: workers {pids} ready; waiting for Ctrl-C", flush=True)
        signal.pause()
    except KeyboardInterrupt:
        print("parent: Ctrl-C: asking the workers to finish and clean up", flush=True)
    stop.value = 1
    for p in procs:
        p.join()
    codes = [p.exitcode for p in procs]
    done = sum(cleaned)
    print(f"parent: worker exit codes {codes}; cleanups completed: {done} of {WORKERS}", flush=True)
    return 0 if done == WORKERS else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
