#!/usr/bin/env python3
"""A Pool hang in a pid namespace of its own, traced from outside.

usage: pidns_check.py SIGJAM TAG

Runs pool_hang.py (seed 002: a Pool.map whose worker SIGKILLs itself)
under the interpreter TAG names in pythons/list twice, as a plain process
and inside `unshare --pid --fork` (a container's pid namespace, where it is
pid 1), and traces each hung tree with `sigjam trace` from this namespace.
Inside the namespace every process must show both pids (JSON ns_pid and
ns_tid, the text header), and the Python frames and thread names of every
process and the findings must be the same as outside it: CPython's
native_thread_id is the tid inside the namespace, joined through NSpid."""
import json
import os
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from livetest import DEADLINE, fail, need_python, poll, pythons  # noqa: E402


def children(pid):
    """Children of every thread of pid (a Pool forks from its threads)."""
    kids = []
    try:
        tids = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return kids
    for tid in tids:
        try:
            with open(f"/proc/{pid}/task/{tid}/children") as f:
                kids += [int(x) for x in f.read().split()]
        except OSError:
            pass
    return kids


def ns_pid(pid):
    """pid as its own pid namespace numbers it (the last of NSpid)."""
    try:
        with open(f"/proc/{pid}/status") as f:
            return int([line for line in f if line.startswith("NSpid:")][0].split()[-1])
    except (OSError, IndexError, ValueError):
        return pid


def tree_states(pid):
    states, todo = [], [pid]
    while todo:
        p = todo.pop()
        todo += children(p)
        for tid in os.listdir(f"/proc/{p}/task"):
            try:
                with open(f"/proc/{p}/task/{tid}/stat") as f:
                    states.append(f.read().rsplit(")", 1)[1].split()[0])
            except OSError:
                pass
    return states


def trace_hung_pool(sigjam, tag, pidns):
    with tempfile.TemporaryDirectory() as out:
        argv = pythons.argv(tag, [os.path.join(HERE, "pool_hang.py"), out], pidns=pidns, binds=[HERE, out])
        proc = subprocess.Popen(argv, start_new_session=True)
        try:
            poll(lambda: os.path.exists(os.path.join(out, "ready")) or proc.poll() is not None, "a worker to die")
            if proc.poll() is not None:
                fail(f"python {tag} exited with {proc.returncode}")
            # Inside a namespace the traced program is unshare's only child.
            target = poll(lambda: children(proc.pid), "the namespace's pid 1")[0] if pidns else proc.pid
            # Hung: the dead worker was replaced and every thread sleeps.
            with open(os.path.join(out, "ready")) as f:
                dead = int(f.read())     # its pid as the program saw it
            replaced = lambda: any(ns_pid(c) != dead for c in children(target))  # noqa: E731
            settled = lambda: all(s == "S" for s in tree_states(target))  # noqa: E731
            poll(lambda: replaced() and settled() and (time.sleep(0.5) or settled()), "the pool to hang")
            jpath, tpath = os.path.join(out, "r.json"), os.path.join(out, "r.txt")
            r = subprocess.run([sigjam, "trace", "-f", "json", "-o", jpath, "--report", "text:" + tpath,
                                str(target)], capture_output=True, text=True, timeout=DEADLINE)
            if r.returncode != 1:
                fail(f"sigjam trace {target} exited {r.returncode} (want 1: findings): {r.stderr}")
            with open(jpath) as f:
                report = json.load(f)
            with open(tpath) as f:
                text = f.read()
            return target, report, text
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def python_shapes(report):
    """Per process: its threads' names and Python frames, independent of
    pids.  A thread caught running (the Pool's worker handler wakes every
    0.1 s) is compared by name only: its frames are a moment, not a wait."""
    shapes = []
    for p in report["snapshot"]["processes"]:
        if p["python_note"]:
            fail(f"pid {p['pid']}: {p['python_note']}")
        threads = []
        for t in p["threads"]:
            if not t["python"]:
                continue
            frames = tuple((f["func"], f["file"], f["line"]) for f in t["python"]["frames"])
            threads.append((t["python"]["name"] or "", frames if t["state"] == "S" else "(running)"))
        shapes.append(tuple(sorted(threads)))
    return sorted(shapes)


def main():
    sigjam, tag = sys.argv[1], sys.argv[2]
    need_python(tag)
    _, plain, _ = trace_hung_pool(sigjam, tag, pidns=False)
    target, inns, text = trace_hung_pool(sigjam, tag, pidns=True)

    for p in plain["snapshot"]["processes"]:
        if p["ns_pid"] is not None:
            fail(f"pid {p['pid']} outside any namespace has ns_pid {p['ns_pid']}")
    procs = inns["snapshot"]["processes"]
    for p in procs:
        if p["ns_pid"] is None or any(t["ns_tid"] is None for t in p["threads"]):
            fail(f"pid {p['pid']} in a pid namespace: ns_pid/ns_tid missing")
    top = [p for p in procs if p["pid"] == target]
    if not top or top[0]["ns_pid"] != 1:
        fail(f"the namespace's first process {target} should be pid 1 inside it")
    if f"pid {target} " not in text or "(pid 1 in its pid namespace)" not in text:
        fail("the text report does not show both pids of the namespace's pid 1")

    want, got = python_shapes(plain), python_shapes(inns)
    if got != want:
        fail(f"Python threads differ inside the namespace:\n{got}\noutside:\n{want}")
    main_threads = [t for s in got for t in s if t[0] == "pool-main"]
    if not main_threads or not any(f[0].endswith("map") for f in main_threads[0][1]):
        fail(f"no 'pool-main' thread blocked in Pool.map among {got}")
    kinds = lambda r: sorted(f["kind"] for f in r["findings"])  # noqa: E731
    if kinds(inns) != kinds(plain) or "deadlock" not in kinds(plain):
        fail(f"findings inside {kinds(inns)}, outside {kinds(plain)}: both must prove the deadlock")
    print(f"OK: {len(procs)} processes, {sum(len(s) for s in got)} Python threads, findings {kinds(plain)}")


if __name__ == "__main__":
    main()
