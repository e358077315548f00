"""Two processes each get() from a Queue only the other would fill
(start method: forkserver).

The parent waits for the child's answer on q1 before sending the request
the child waits for on q2.  The child is the forkserver's child, so the
tree is parent -> forkserver -> child (plus the resource tracker).  The
forkserver itself waits for connections on a listening socket anyone may
connect to: it is no part of the knot, and need not be.

case: hang
expect: deadlock @root child
"""
import multiprocessing

import case


def serve(q1, q2):
    req = q2.get()
    q1.put(req * 2)


if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    q1, q2 = ctx.Queue(), ctx.Queue()
    p = ctx.Process(target=serve, args=(q1, q2))
    p.start()
    case.role("child", p.pid)
    case.ready()
    print(q1.get())             # the request q2.put(21) was to come first
