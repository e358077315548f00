"""Joining a process that still has items in a multiprocessing.Queue
(start method fork).

Documented: https://docs.python.org/3/library/multiprocessing.html#programming-guidelines
("Joining processes that use queues": "a process that has put items in a
queue will wait before terminating until all the buffered items are fed by
the 'feeder' thread to the underlying pipe ... The code below will
deadlock"; mpcase.join_queue is that code).  The child's feeder thread
blocks on the full pipe, its main thread joins the feeder, and the parent
joins the child before it would read the queue.

case: hang
expect: deadlock @root child
"""
import mpcase

if __name__ == "__main__":
    mpcase.join_queue("fork")
