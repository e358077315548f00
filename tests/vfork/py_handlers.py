"""py_handlers.py — Python signal handlers keep running after the program
starts children, under the shim (issue 11: CPython's _posixsubprocess resets
dispositions in its vfork child through sigaction, and the shim used to
record that in the parent's handler table).

    python py_handlers.py [--expect-shim]

For each way of starting a child (subprocess.run, os.posix_spawn, os.fork,
multiprocessing with the spawn, forkserver and fork start methods): start
one, then send SIGUSR1 to ourselves and have a child send SIGHUP, and check
that both Python handlers ran.  Prints one line per method; exit status 1
when a handler did not run (or, with --expect-shim, when libsigjam.so is not
loaded: a test that passes without the shim proves nothing)."""
import multiprocessing
import os
import signal
import subprocess
import sys
import time

counts = {"USR1": 0, "HUP": 0}


def on_signal(sig, frame):
    counts[signal.Signals(sig).name[3:]] += 1


def noop():
    pass


def delivered(name, before, timeout=5.0):
    """Python handlers run between bytecodes of the main thread: wait for it."""
    end = time.monotonic() + timeout
    while counts[name] == before and time.monotonic() < end:
        time.sleep(0.01)
    return counts[name] > before


def check(method):
    u, h = counts["USR1"], counts["HUP"]
    os.kill(os.getpid(), signal.SIGUSR1)
    usr1 = delivered("USR1", u)
    pid = os.posix_spawn("/bin/sh", ["sh", "-c", f"kill -HUP {os.getpid()}"], os.environ)
    os.waitpid(pid, 0)
    hup = delivered("HUP", h)
    print(f"{method}: SIGUSR1 {'ran' if usr1 else 'LOST'}, SIGHUP {'ran' if hup else 'LOST'}", flush=True)
    return usr1 and hup


def via_fork():
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)


def via_mp(method):
    def run():
        p = multiprocessing.get_context(method).Process(target=noop)
        p.start()
        p.join()
    return run


METHODS = [
    ("subprocess.run", lambda: subprocess.run(["true"], check=True)),
    ("os.posix_spawn", lambda: os.waitpid(os.posix_spawn("/bin/true", ["true"], os.environ), 0)),
    ("os.fork", via_fork),
    ("multiprocessing spawn", via_mp("spawn")),
    ("multiprocessing forkserver", via_mp("forkserver")),
    ("multiprocessing fork", via_mp("fork")),
]


def main():
    if "--expect-shim" in sys.argv:
        with open("/proc/self/maps") as f:
            if "libsigjam" not in f.read():
                print("libsigjam.so is not loaded: nothing is being tested")
                return 1
    ok = True
    for name, start in [("before any child", None)] + METHODS:
        # Installed again each time, so that each method is judged alone.
        signal.signal(signal.SIGUSR1, on_signal)
        signal.signal(signal.SIGHUP, on_signal)
        if start:
            start()
            name = f"after {name}"
        ok = check(name) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
