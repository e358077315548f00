"""os.fork() while another thread holds a lock.

Documented: https://docs.python.org/3/library/os.html#os.fork ("it has
never been safe to mix threading with os.fork() on POSIX platforms"; 3.12
warns when it can tell).  The child inherits the lock locked, without the
thread that would release it; the parent waits for the child.

case: hang
expect: deadlock @root child
"""
import os
import threading
import time

import case

lock = threading.Lock()
taken = threading.Event()


def holder():
    with lock:
        taken.set()
        time.sleep(3600)


threading.Thread(target=holder, daemon=True).start()
taken.wait()
pid = os.fork()
if pid == 0:
    with lock:                  # never acquired: its holder is not in this process
        os._exit(0)
case.role("child", pid)
case.ready()
os.waitpid(pid, 0)
