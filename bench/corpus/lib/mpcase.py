"""mpcase — multiprocessing hangs from Python's documentation, one
function per hang, run by the corpus files under each start method."""
import multiprocessing
import subprocess
import sys
import time

import case


def popen_wait(stream):
    """Popen.wait() on a child that fills its `stream` ("stdout" or
    "stderr") PIPE, which nobody reads (subprocess docs, Popen.wait)."""
    spew = f"import sys; sys.{stream}.write('x' * (1 << 20)); sys.{stream}.flush()"
    p = subprocess.Popen([sys.executable, "-c", spew], **{stream: subprocess.PIPE})
    case.role("child", p.pid)
    case.ready()
    p.wait()


def _put_big(q):
    q.put("X" * 1000000)


def join_queue(start):
    """The documentation's "joining processes that use queues" example."""
    ctx = multiprocessing.get_context(start)
    queue = ctx.Queue()
    p = ctx.Process(target=_put_big, args=(queue,))
    p.start()
    case.role("child", p.pid)
    case.ready()
    p.join()                    # this deadlocks
    queue.get()


def _hold(lock, taken):
    lock.acquire()
    taken.set()
    time.sleep(3600)


def terminate_lock(start):
    """Process.terminate() while the process holds a Lock; then take it."""
    ctx = multiprocessing.get_context(start)
    lock, taken = ctx.Lock(), ctx.Event()
    p = ctx.Process(target=_hold, args=(lock, taken))
    p.start()
    taken.wait()
    p.terminate()
    p.join()
    case.ready()
    lock.acquire()
