"""pool_tiny.py — Pool.map over many tiny tasks, one task per message.

    pool_tiny.py [TASKS] [WORKERS]

chunksize=1 makes every task a pickle through the task pipe and every
result one back: the pipe reads and writes the shim wraps, not the work."""
import multiprocessing
import sys


def inc(x):
    return x + 1


def main():
    tasks = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    workers = int(sys.argv[2]) if len(sys.argv) > 2 else 2
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        out = pool.map(inc, range(tasks), chunksize=1)
    if out[-1] != tasks:
        sys.exit("wrong result")


if __name__ == "__main__":
    main()
