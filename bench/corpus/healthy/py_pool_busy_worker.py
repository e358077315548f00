"""Pool.map waiting on a worker that is busy computing a long task.

case: healthy
"""
import multiprocessing

import case


def spin(x):
    if x == 0:
        while True:
            pass
    return x


if __name__ == "__main__":
    with multiprocessing.get_context("fork").Pool(2) as pool:
        r = pool.map_async(spin, range(4))
        case.ready()
        r.get()
