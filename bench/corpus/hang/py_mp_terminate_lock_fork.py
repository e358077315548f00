"""Terminating a process while it holds a multiprocessing.Lock (fork).

Documented: https://docs.python.org/3/library/multiprocessing.html#multiprocessing.Process.terminate
"if the process has acquired a lock or semaphore etc. then terminating it
is liable to cause other processes to deadlock" (and the programming
guidelines: "Avoid terminating processes").  The child takes the lock and
is terminated; the parent then waits on the lock's semaphore, which no
live process will ever post.

case: hang
expect: deadlock @root
"""
import mpcase

if __name__ == "__main__":
    mpcase.terminate_lock("fork")
