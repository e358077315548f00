"""Seed 002's root cause: a Pool worker segfaults while processing an input
file ("工作函数中有一处处理大文件时会出现 Segment fault"), mid-task.

Each task reads one input file.  Under sigjam the injection
`read:in=child:fd=file:when=2:crash` makes a worker take a real SIGSEGV in
its 2nd file read, i.e. in the middle of its second task, while it holds no
pool lock.  The Pool replaces the worker and the other tasks finish, but the
crashed task's result never comes: Pool.map() waits for ever.
"""
import multiprocessing
import os
import sys
import tempfile


def count_lines(path):
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
    ctx = multiprocessing.get_context("fork")
    with tempfile.TemporaryDirectory(prefix="sigjam-pool-files-") as folder:
        paths = make_inputs(folder, 6)
        print(f"parent {os.getpid()}: Pool(2).map(count_lines, <{len(paths)} input files>)", flush=True)
        with ctx.Pool(2) as pool:
            print("workers:", [p.pid for p in pool._pool], flush=True)
            counts = pool.map(count_lines, paths)
        print("line counts:", counts, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
