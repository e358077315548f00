#!/usr/bin/env python3
"""Every start method, traced from outside: issue 12 item 3's must-show.

usage: startmethods_check.py SIGJAM TAG

Under the interpreter TAG names in pythons/list (3.14 and 3.15 live in a
Debian root, entered like a container), for each start method fork,
forkserver and spawn, runs start_methods.py's three failures and traces the
hung trees with `sigjam trace` from this side:

- the seed-002 Pool hang (a worker SIGKILLed mid-task) and the lock-holding
  idle worker kill (scenario 9) must each be one deadlock naming the main
  process, every live worker and, where the start method has them, the
  forkserver and the resource tracker; under forkserver the report names
  the forkserver's role in one line (it forked and reaps the workers and
  reports their exit to the main process) and states the proof's
  assumption (no process outside the tree connects to its socket);
- a ProcessPoolExecutor whose worker is SIGKILLed raises BrokenProcessPool
  and the program ends (its premise differs from the Pool's: no hang).

An interpreter of this machine (suite "-") shares /tmp with every other
process here: the forkserver's socket is reachable from outside the tree,
so a knot through the forkserver must come as the note "deadlocked unless
a process outside the tree connects to /tmp/pymp-...", never as a
deadlock; a knot the forkserver takes no part in (the lock holder's:
terminate() and the workers wait on the queue's semaphore) is proved
without it and without any assumption."""
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

PROGRAM = os.path.join(HERE, "start_methods.py")


def tree(pid):
    """pid and its descendants."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for tid in os.listdir(f"/proc/{p}/task") if os.path.isdir(f"/proc/{p}/task") else []:
            try:
                with open(f"/proc/{p}/task/{tid}/children") as f:
                    todo += [int(x) for x in f.read().split()]
            except OSError:
                pass
    return out


def quiet(pid):
    """Every thread of the tree asleep, twice 0.3 s apart."""
    def states():
        s = []
        for p in tree(pid):
            for tid in os.listdir(f"/proc/{p}/task") if os.path.isdir(f"/proc/{p}/task") else []:
                try:
                    with open(f"/proc/{p}/task/{tid}/stat") as f:
                        s.append(f.read().rsplit(")", 1)[1].split()[0])
                except OSError:
                    pass
        return s
    first = states()
    time.sleep(0.3)
    return all(x in "SZ" for x in first + states())


def check_hang(sigjam, tag, method, program, contained):
    with tempfile.TemporaryDirectory() as out:
        argv = pythons.argv(tag, [PROGRAM, program, method, out], binds=[HERE, out])
        proc = subprocess.Popen(argv, start_new_session=True, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            roles_path = os.path.join(out, "roles")
            poll(lambda: os.path.exists(roles_path) or proc.poll() is not None, f"{program} to set its trap")
            if proc.poll() is not None:
                fail(f"{tag} {method} {program}: exited {proc.returncode} before it hung")
            with open(roles_path) as f:
                roles = json.load(f)
            poll(lambda: quiet(proc.pid), f"{program} to hang")
            r = subprocess.run([sigjam, "trace", "-f", "json", str(proc.pid)], capture_output=True, text=True,
                               timeout=DEADLINE)
            report = json.loads(r.stdout)
        finally:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    what = f"{tag} {method} {program}"
    want = {roles["main"], *roles["workers"]}
    want |= {p for p in (roles["forkserver"], roles["tracker"]) if p}
    deadlocks = [f for f in report["findings"] if f["kind"] == "deadlock"]
    if method == "forkserver" and not contained:
        if deadlocks:
            want.discard(roles["forkserver"])
            contained = None    # proved without the forkserver: nothing assumed
        else:
            notes = [f for f in report["findings"] if f["kind"] == "quiescent" and
                     "deadlocked unless a process outside the tree connects to /tmp/pymp-" in f["cause"]]
            if len(notes) != 1 or any(f["severity"] == "error" for f in report["findings"]):
                fail(f"{what}: want the 'unless someone connects' note alone, got "
                     f"{[(f['kind'], f['cause'][:120]) for f in report['findings']]}")
            if not want <= set(notes[0]["pids"]):
                fail(f"{what}: the note names {sorted(notes[0]['pids'])}, not all of {sorted(want)}")
            return f"{program} noted unless someone connects ({len(want)} named)"
    if len(deadlocks) != 1:
        fail(f"{what}: {len(deadlocks)} deadlocks: {[f['cause'][:200] for f in report['findings']]}")
    d = deadlocks[0]
    if not want <= set(d["pids"]):
        fail(f"{what}: the deadlock names {sorted(d['pids'])}, not all of {sorted(want)}")
    assumed = d.get("assumptions", [])
    if method == "forkserver" and contained:
        fs = roles["forkserver"]
        lines = [e["text"] for e in d["evidence"] if e["pid"] == fs and e["tid"] == 0]
        workers = " and ".join(str(w) for w in roles["workers"])
        role = (f"multiprocessing's forkserver: it forked and reaps pids {workers} and reports their "
                f"exit to pid {roles['main']}")
        if not any(line.startswith(role) for line in lines):
            fail(f"{what}: no role line '{role}' among {lines}")
        if not any(a.startswith("no process outside the tree connects to /tmp/pymp-") for a in assumed):
            fail(f"{what}: the proof does not state its assumption: {assumed}")
    elif assumed:
        fail(f"{what}: {method} assumes {assumed}")
    return f"{program} proved ({len(want)} named{', assuming' if assumed else ''})"


def check_ppe(tag, method):
    with tempfile.TemporaryDirectory() as out:
        argv = pythons.argv(tag, [PROGRAM, "ppe_dies", method, out], binds=[HERE, out])
        try:
            r = subprocess.run(argv, capture_output=True, text=True, timeout=DEADLINE, start_new_session=True)
        except subprocess.TimeoutExpired:
            fail(f"{tag} {method} ppe_dies: no BrokenProcessPool within {DEADLINE} s")
    if r.returncode != 0 or "BrokenProcessPool" not in r.stdout:
        fail(f"{tag} {method} ppe_dies: exited {r.returncode}: {r.stdout[-300:]} {r.stderr[-300:]}")


def main():
    sigjam, tag = sys.argv[1], sys.argv[2]
    contained = need_python(tag).suite != "-"
    for method in ("fork", "forkserver", "spawn"):
        named = [check_hang(sigjam, tag, method, p, contained) for p in ("pool_map", "pool_lock")]
        check_ppe(tag, method)
        print(f"OK: python {tag} {method}: {'; '.join(named)}; ppe_dies raised BrokenProcessPool")


if __name__ == "__main__":
    main()
