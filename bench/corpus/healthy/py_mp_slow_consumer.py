"""A multiprocessing.Queue whose consumer is slow but alive: the feeder
thread blocks on the full pipe while the consumer sleeps between gets.

case: healthy
"""
import multiprocessing
import time

import case


def consume(q):
    while True:
        q.get()
        time.sleep(1)


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=consume, args=(q,))
    p.start()
    for _ in range(64):
        q.put(b"x" * 65536)
    case.role("child", p.pid)
    case.ready()
    p.join()
