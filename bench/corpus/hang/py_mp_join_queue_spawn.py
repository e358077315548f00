"""The documentation's "joining processes that use queues" deadlock (see
py_mp_join_queue_fork) with the spawn start method: the child is a fresh
interpreter that received the queue's pipe ends by inheritance, and a
resource tracker process joins the tree.

case: hang
expect: deadlock @root child
"""
import mpcase

if __name__ == "__main__":
    mpcase.join_queue("spawn")
