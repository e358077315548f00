"""fdview.py — fdview.c's moments for a Python program: the descriptors it
sees at start, those a subprocess started with close_fds=True and pass_fds
sees (CPython's test_subprocess.test_pass_fds_redirected saw the shim's fd
1000 there), those a forked child sees, and those left after
os.closerange(3, ...).  Then os.kill(pid, 0): under the shim a `kill` record
that must reach the journal."""
import os
import subprocess
import sys


def listing(moment):
    names = []
    for fd in sorted(int(x) for x in os.listdir("/proc/self/fd")):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue  # listdir's own descriptor, closed again
        for kind in ("pipe", "socket"):
            if target.startswith(kind + ":"):
                target = kind
        if target.startswith("/dev/pts/") or target == "/dev/tty":
            target = "tty"
        target = os.path.basename(target)  # runs differ in their temporary directories
        names.append(f"{fd}={target}")
    print(f"{moment}: " + " ".join(names), flush=True)


if len(sys.argv) > 1:
    listing(sys.argv[1])
    sys.exit(0)
r, w = os.pipe()
listing("start")
subprocess.run([sys.executable, __file__, "subprocess pass_fds"], close_fds=True, pass_fds=(w,), check=True)
pid = os.fork()
if pid == 0:
    listing("fork child")
    os._exit(0)
os.waitpid(pid, 0)
os.closerange(3, 1 << 16)
listing("closed")
os.kill(os.getpid(), 0)
