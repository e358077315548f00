"""case — what a corpus program tells bench/accuracy.

role(name, pid): a process the findings must name (bench/accuracy reads
"role NAME PID" lines); ready(): the program has set its trap and is about
to fall in (or, for a healthy program, is about to look stuck).  Both append
one short line to the file named by SJ_CASE_ROLES and close it again, so the
file is never among the fds a trace sees.  Without SJ_CASE_ROLES the lines
go to stderr (running a case by hand)."""
import os
import sys


def _line(text):
    path = os.environ.get("SJ_CASE_ROLES")
    if not path:
        print(text, file=sys.stderr, flush=True)
        return
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        os.write(fd, (text + "\n").encode())
    finally:
        os.close(fd)


def role(name, pid=None):
    _line(f"role {name} {pid or os.getpid()}")


def ready():
    _line("ready")


def outside(fn, *args):
    """Runs fn(*args) in a process outside the traced tree: a grandchild
    whose parent exits at once, so it is re-parented (to bench/accuracy,
    a subreaper) and is no descendant of the case.  Returns its pid."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        gpid = os.fork()
        if gpid == 0:
            os.close(w)
            try:
                fn(*args)
            finally:
                os._exit(0)
        os.write(w, str(gpid).encode())
        os._exit(0)
    os.close(w)
    gpid = int(os.read(r, 32))
    os.close(r)
    os.waitpid(pid, 0)
    return gpid
