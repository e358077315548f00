"""Seed 004 ("SIGCHLD versus Python: a problem of semantics"): the
"impossible" KeyError in _delip().

A forking server keeps ipmap[ip][pid] for its connection children and
reaps them from a SIGCHLD handler, which it only lets run while idle (the
signal is blocked otherwise).  The author counted on Unix semantics: a
SIGCHLD handler does not interrupt itself.  But CPython runs a Python-level
handler between two bytecodes of ordinary code — including the bytecodes
of a handler that is already running.  When two connections from one IP
close together, the second SIGCHLD can be handled between _delip's first
and last lines: the nested call deletes ipmap[ip] from under the outer one,
and `len(ipmap[ip])` raises KeyError.

Under sigjam the second SIGCHLD is placed exactly in that window:
`write:in=parent:fd=file:when=1:signal=CHLD@self` fires on _delip's log
write, the parent's first write to a regular file (so this program prints
nothing before the window and reports at the end, and its log is a memfd:
tempfile would write a probe file first).  Pass --flag for the
fixed twin: the handler only sets a flag and the main loop reaps.

The connection children come from os.fork(), as in the seed's server: the
story is about a process reaping its own children, whatever start method
multiprocessing would default to (since 3.14 its forkserver, not this
server, would be their parent).
"""
import os
import select
import signal
import sys
import time

IP = "192.0.2.7"
ipmap = {}    # ip -> {pid: time the connection started}
pid_ip = {}   # pid -> ip
log_fd = -1
child_exited = False


def _delip(pid, ip):
    del ipmap[ip][pid]
    os.write(log_fd, f"connection {pid} from {ip} closed\n".encode())
    if len(ipmap[ip]) == 0:
        del ipmap[ip]


def reap():
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        _delip(pid, pid_ip.pop(pid))


def on_sigchld_reap(signum, frame):  # the bug: real work in the handler
    reap()


def on_sigchld_flag(signum, frame):  # the fix
    global child_exited
    child_exited = True


def serve_connection(hangup_r, hangup_w):
    """A connection child: waits for its client to hang up, then exits."""
    pid = os.fork()
    if pid:
        return pid
    try:
        os.close(hangup_w)
        os.read(hangup_r, 1)  # EOF: the client hung up
    finally:
        os._exit(0)


def wait_until_zombie(pid, timeout=20.0):
    """Both connections must be closed before the server idles again (the
    seed's 'two connections die in short succession'); polls /proc so that
    nothing is reaped here."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with open(f"/proc/{pid}/stat", "rb") as f:
            if f.read().rsplit(b")", 1)[1].split()[0] == b"Z":
                return
        time.sleep(0.01)
    raise RuntimeError(f"child {pid} did not exit")


def main(argv):
    global log_fd, child_exited
    flag_only = "--flag" in argv
    report = []
    log_fd = os.memfd_create("server.log")  # a regular file in memory
    signal.signal(signal.SIGCHLD, on_sigchld_flag if flag_only else on_sigchld_reap)
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})  # busy: no reaping now
    # Both clients hang up at once, once both connections exist.
    hangup_r, hangup_w = os.pipe()
    for _ in range(2):
        pid = serve_connection(hangup_r, hangup_w)
        ipmap.setdefault(IP, {})[pid] = time.monotonic()
        pid_ip[pid] = IP
    os.close(hangup_w)
    os.close(hangup_r)
    report.append(f"server {os.getpid()}: connections {sorted(pid_ip)} from {IP}")
    for pid in list(pid_ip):
        wait_until_zombie(pid)
    report.append("server: both connections closed; idling (SIGCHLD unblocked)")

    try:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        deadline = time.monotonic() + 20
        while pid_ip and time.monotonic() < deadline:
            select.select([], [], [], 0.05)
            if flag_only and child_exited:
                child_exited = False
                reap()
    finally:
        print("\n".join(report), flush=True)
    os.close(log_fd)
    print(f"server: ipmap now {ipmap}, children left {sorted(pid_ip)}", flush=True)
    return 0 if not ipmap and not pid_ip else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
