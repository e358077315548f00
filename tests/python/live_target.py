"""A Python process with named threads blocked in known places.

Run by live_check.py as `INTERPRETER live_target.py OUTDIR [--spin]`.  Writes
OUTDIR/threads.json once every thread is about to block, and
faulthandler's dump of all threads to OUTDIR/dump.txt on SIGUSR1 (dumped
from C inside the signal handler, so no Python frame moves)."""
import faulthandler
import json
import os
import signal
import sys
import threading
import time

out = sys.argv[1]
dump = open(os.path.join(out, "dump.txt"), "w")
faulthandler.register(signal.SIGUSR1, file=dump, all_threads=True)

arrived = threading.Barrier(5 + ("--spin" in sys.argv))
event = threading.Event()
pipe_r, pipe_w = os.pipe()
main_r, main_w = os.pipe()


def nested(depth, then):
    if depth:
        return nested(depth - 1, then)
    return then()


def wait_event():
    arrived.wait()
    event.wait()


class PipeReader:
    def run(self):
        def read_one():
            arrived.wait()
            return os.read(pipe_r, 1)
        return nested(3, read_one)


def nap():
    arrived.wait()
    time.sleep(100000)


def unlisted():
    """A thread the walker cannot name through threading._active (removed
    from it below): 3.14+ named its OS thread, so comm is the fallback."""
    arrived.wait()
    event.wait()


def spin():
    arrived.wait()
    while True: pass


def main():
    threads = [
        threading.Thread(target=wait_event, daemon=True),
        threading.Thread(target=PipeReader().run, name="pipe-reader", daemon=True),
        threading.Thread(target=lambda: nested(2, nap), daemon=True),
        threading.Thread(target=unlisted, name="unlisted-from-active", daemon=True),
    ]
    if "--spin" in sys.argv:
        threads.append(threading.Thread(target=spin, name="spinner", daemon=True))
    for t in threads:
        t.start()
    arrived.wait()
    info = {"pid": os.getpid(), "threads": {}}
    for t in [threading.main_thread()] + threads:
        info["threads"][str(t.native_id)] = {"name": t.name, "ident": t.ident,
                                             "unlisted": t.name == "unlisted-from-active"}
    with threading._active_limbo_lock:
        del threading._active[threads[3].ident]
    with open(os.path.join(out, "threads.json.tmp"), "w") as f:
        json.dump(info, f)
    os.rename(os.path.join(out, "threads.json.tmp"), os.path.join(out, "threads.json"))
    os.read(main_r, 1)


main()
