"""A service whose ProcessPoolExecutor (start method forkserver, Python
3.14's default, in its Debian root) lost a worker: the executor raised
BrokenProcessPool, the service started a new one, and now waits for its
next client on a Unix socket in a private directory of its own, the new
workers idle, the forkserver waiting for connections on its own private
socket.  Only the service's clients could wake it: healthy.

case: healthy
python: 3.14
"""
import concurrent.futures
import multiprocessing
import os
import signal
import socket
import tempfile
from concurrent.futures.process import BrokenProcessPool

import case


def work(x):
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


if __name__ == "__main__":
    ctx = multiprocessing.get_context("forkserver")
    try:
        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
            list(ex.map(work, range(6)))
    except BrokenProcessPool:
        pass
    ex = concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx)
    list(ex.map(work, [0, 1, 2]))
    server = socket.socket(socket.AF_UNIX)
    server.bind(os.path.join(tempfile.mkdtemp(prefix="service-"), "service.sock"))
    server.listen()
    case.ready()
    server.accept()
