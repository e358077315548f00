"""What the live Python tests share: failing, polling, the interpreters.

    from livetest import fail, poll, need_python, pythons, task_states"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "pythons"))
import pythons  # noqa: E402,F401  (re-exported)

DEADLINE = 60.0


def fail(msg):
    print("FAIL:", msg)
    sys.exit(1)


def poll(cond, what):
    end = time.monotonic() + DEADLINE
    while time.monotonic() < end:
        v = cond()
        if v:
            return v
        time.sleep(0.05)
    fail("timed out waiting for " + what)


def need_python(tag):
    """Exits with ctest's skip code, saying why, when tag's interpreter is missing."""
    py = pythons.entry(tag)
    if not py.ok:
        print(f"SKIP: python {tag}: {py.why}")
        sys.exit(pythons.SKIP)
    return py


def task_states(pid):
    """{tid: state letter} of pid's threads."""
    states = {}
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/stat") as f:
                states[int(tid)] = f.read().rsplit(")", 1)[1].split()[0]
        except OSError:
            pass
    return states
