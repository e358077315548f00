"""An idle server in a container: it listens on a Unix socket in a
private (0700) directory of its own, in a root where no other process
could reach it, and its worker waits for jobs on a pipe from it.  Nobody
outside the tree could connect, yet the server is the tree's top: its
socket is the tree's front door, and a client entering the container is
what it waits for.  Healthy.

case: healthy
python: 3.14
"""
import os
import socket
import tempfile

import case

if __name__ == "__main__":
    server = socket.socket(socket.AF_UNIX)
    server.bind(os.path.join(tempfile.mkdtemp(prefix="server-"), "server.sock"))
    server.listen()
    jobs_r, jobs_w = os.pipe()
    if os.fork() == 0:
        os.close(jobs_w)
        os.read(jobs_r, 1)
        os._exit(0)
    os.close(jobs_r)
    case.ready()
    server.accept()
