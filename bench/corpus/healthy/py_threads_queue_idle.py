"""A queue.Queue consumer thread waits while the producer thread sleeps
between items; the main thread joins the producer.

case: healthy
"""
import queue
import threading
import time

import case

q = queue.Queue()


def consumer():
    while True:
        q.get()


def producer():
    while True:
        time.sleep(0.5)
        q.put(1)


threading.Thread(target=consumer, daemon=True).start()
t = threading.Thread(target=producer)
t.start()
case.ready()
t.join()
