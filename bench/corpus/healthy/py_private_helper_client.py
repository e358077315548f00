"""A program that started a helper server of its own (a child listening
on a Unix socket in a private directory, in a root no other process could
reach) and asks it for something every 0.3 s, sleeping in between: the
helper's private rendezvous, like the forkserver's, has a caller that
still runs.  Healthy.

case: healthy
python: 3.14
"""
import os
import socket
import tempfile
import time

import case

if __name__ == "__main__":
    path = os.path.join(tempfile.mkdtemp(prefix="helper-"), "helper.sock")
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    server.listen()
    if os.fork() == 0:
        while True:
            conn, _ = server.accept()
            conn.sendall(conn.recv(16))
            conn.close()
    server.close()
    case.ready()
    while True:
        with socket.socket(socket.AF_UNIX) as c:
            c.connect(path)
            c.sendall(b"ping")
            c.recv(16)
        time.sleep(0.3)
