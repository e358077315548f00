"""Two processes send large messages on a duplex multiprocessing.Pipe
before either receives.

A duplex Pipe() is a Unix stream socketpair: each send() blocks once the
socket buffers are full, and neither side reaches recv().

case: hang
expect: deadlock @root child
"""
import multiprocessing

import case

BIG = b"x" * (4 << 20)


def child(conn):
    conn.send_bytes(BIG)
    conn.recv_bytes()


if __name__ == "__main__":
    ctx = multiprocessing.get_context("fork")
    a, b = ctx.Pipe()
    p = ctx.Process(target=child, args=(b,))
    p.start()
    case.role("child", p.pid)
    case.ready()
    a.send_bytes(BIG)
    a.recv_bytes()
