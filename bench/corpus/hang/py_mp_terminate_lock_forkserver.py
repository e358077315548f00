"""The terminated lock holder (see py_mp_terminate_lock_fork) with the
forkserver start method: the child is the forkserver's, which waits for
connections on a listening socket (no part of the knot) and reaps it.

case: hang
expect: deadlock @root
"""
import mpcase

if __name__ == "__main__":
    mpcase.terminate_lock("forkserver")
