"""Seed 002's root cause: a Pool worker segfaults while processing an input
file ("工作函数中有一处处理大文件时会出现 Segment fault"), mid-task.

Each task reads one input file.  Under sigjam the injection
`read:in=child:fd=file:when=2:crash` makes a worker take a real SIGSEGV in
its 2nd file read, i.e. in the middle of its second task, while it holds no
pool lock.  The Pool replaces the worker and the other tasks finish, but the
crashed task's result never comes: Pool.map() waits for ever.

--unaided: the worker crashes by itself (a NULL read through ctypes: the
same SIGSEGV) in its second task, for the start methods where a
per-process rule cannot single out a worker (the recipe's premises).
"""
import ctypes
import functools
import multiprocessing
import os
import sys
import tempfile


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


TASKS_DONE = 0   # in each worker: how many tasks it has started


def count_lines(path, unaided=False):
    global TASKS_DONE
    TASKS_DONE += 1
    if unaided and TASKS_DONE == 2:
        ctypes.string_at(0)     # SIGSEGV mid-task, as the injected crash
    with open(path, "rb", buffering=0) as f:
        data = f.read(1 << 16)
    return data.count(b"\n")


def make_inputs(folder, n):
    paths = []
    for i in range(n):
        path = os.path.join(folder, f"input-{i}.txt")
        with open(path, "w") as f:
            f.write("line\n" * (i + 1))
        paths.append(path)
    return paths


def main():
    ctx = multiprocessing.get_context(start_method())
    with tempfile.TemporaryDirectory(prefix="sigjam-pool-files-") as folder:
        paths = make_inputs(folder, 6)
        print(f"parent {os.getpid()}: Pool(2).map(count_lines, <{len(paths)} input files>)", flush=True)
        with ctx.Pool(2) as pool:
            print("workers:", [p.pid for p in pool._pool], flush=True)
            counts = pool.map(functools.partial(count_lines, unaided="--unaided" in sys.argv), paths,
                              chunksize=1)
        print("line counts:", counts, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
