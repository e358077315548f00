"""A Pool that is idle between batches: the workers wait for tasks, the
parent sleeps before the next map().

case: healthy
"""
import multiprocessing
import time

import case


def square(x):
    return x * x


if __name__ == "__main__":
    with multiprocessing.get_context("fork").Pool(2) as pool:
        pool.map(square, range(8))
        case.ready()
        while True:
            time.sleep(0.5)
            pool.map(square, range(8))
