"""The terminated lock holder (see py_mp_terminate_lock_fork) with the
spawn start method: the semaphore is a named one the child opened by
name, and a resource tracker process joins the tree.

case: hang
expect: deadlock @root
"""
import mpcase

if __name__ == "__main__":
    mpcase.terminate_lock("spawn")
