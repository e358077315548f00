"""shimtest.py — the one driver of the shim's integration tests.

A case module (tests/inject/cases.py, tests/safety/cases.py) defines its
cases with the @case decorator and ends with `shimtest.main()`.  The module
is then the test program:

    cases.py --list                      one line per case: NAME [python]
    cases.py --shim libsigjam.so [--prog P --counter P --pool P --flood P --alloc P --sigjam P]
             [--python PY] CASE          runs one case; exit 0 when it holds

CMake registers one ctest per line of --list (cases marked `python` once per
interpreter found), so a case cannot be defined and silently left out.

Every run happens in its own session with a fresh journal; the whole session
is killed afterwards, because some rules leave workers hung on purpose."""
import argparse
import json
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time

CASES = {}          # name -> (function, needs a Python interpreter)


class Fail(Exception):
    pass


def expect(cond, msg):
    if not cond:
        raise Fail(msg)


def case(fn=None, *, python=False):
    """Registers a case under its function's name; python=True: it runs
    once per interpreter (o.python)."""
    def register(f):
        CASES[f.__name__] = (f, python)
        return f
    return register(fn) if fn else register


class Run:
    """A finished run: exit status, output (text), and the journal records."""

    def __init__(self, out, err, rc, journal):
        self.out, self.err, self.rc, self.j = out, err, rc, journal
        starts = [r for r in journal if r["ev"] == "start" and r.get("role") == "parent"]
        self.top = starts[0]["pid"] if starts else None

    def ev(self, kind, **match):
        return [r for r in self.j if r["ev"] == kind and all(r.get(k) == v for k, v in match.items())]

    def forks_of(self, pid):
        return [r["child"] for r in self.ev("fork", pid=pid)]

    def lines(self):
        return self.out.splitlines()


def kill_session(sid):
    """SIGKILL every process still in the session we created (orphaned,
    hung workers), by scanning /proc for that session id."""
    for _ in range(50):
        left = []
        for d in os.listdir("/proc"):
            if not d.isdigit():
                continue
            try:
                with open(f"/proc/{d}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[3]) == sid and fields[0] != "Z":
                left.append(int(d))
        if not left:
            return
        for p in left:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.05)


def read_journal(path):
    """The records of a journal; every line must be one complete JSON record."""
    journal = []
    if not os.path.exists(path):
        return journal
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            expect(line.endswith("\n"), f"journal line {n} is not terminated: {line!r}")
            try:
                journal.append(json.loads(line))
            except ValueError as ex:
                raise Fail(f"journal line {n} is not JSON ({ex}): {line!r}")
    return journal


def run(o, argv, spec=None, env=None, shim=True, timeout=120, cwd=None, core=False):
    """Runs argv (under the shim unless shim=False, with SIGJAM_INJECT=spec
    when given) and returns a Run.  Under the shim the journal must prove
    that the shim loaded (a `start` record)."""
    with tempfile.TemporaryDirectory(prefix="sjshim") as tmp:
        jpath = os.path.join(tmp, "journal.jsonl")
        e = {k: v for k, v in os.environ.items() if not k.startswith("SIGJAM_") and k != "LD_PRELOAD"}
        if shim:
            e["LD_PRELOAD"] = o.shim
            e["SIGJAM_JOURNAL"] = jpath
            if spec is not None:
                e["SIGJAM_INJECT"] = spec
        e.update(env or {})

        def pre():
            resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY if core else 0,) * 2)

        # Files, not pipes: workers left hung on purpose keep inherited
        # pipes open, and the test must not wait for them.
        opath, epath = os.path.join(tmp, "stdout"), os.path.join(tmp, "stderr")
        with open(opath, "w") as out, open(epath, "w") as err:
            p = subprocess.Popen(argv, stdout=out, stderr=err, env=e, start_new_session=True,
                                 cwd=cwd or tmp, preexec_fn=pre)
        timed_out = False
        try:
            p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            kill_session(p.pid)
            p.wait()
        with open(opath, errors="replace") as out, open(epath, errors="replace") as err:
            stdout, stderr = out.read(), err.read()
        if timed_out:
            raise Fail(f"{argv} did not finish in {timeout}s; stdout:\n{stdout}\nstderr:\n{stderr}")
        journal = read_journal(jpath) if shim else []
        if shim:
            expect(any(r.get("ev") == "start" for r in journal),
                   f"{argv}: no `start` record: the shim did not load\nstderr:\n{stderr}")
        return Run(stdout, stderr, p.returncode, journal)


def same_behaviour(a, b, what):
    """Run a (under the shim) printed and exited as run b (without)."""
    expect(a.out == b.out, f"{what}: stdout differs with the shim:\n--- without\n{b.out}--- with\n{a.out}")
    expect(a.rc == b.rc, f"{what}: exit status {a.rc} with the shim, {b.rc} without")


def real_python(python):
    """A pyenv "python3" is a shell script that forks before exec'ing the
    real interpreter: the shim would see the interpreter as a child."""
    return subprocess.check_output([python, "-c", "import sys; print(sys.executable)"], text=True).strip()


def main():
    if sys.argv[1:] == ["--list"]:
        for name, (_, python) in sorted(CASES.items()):
            print(f"{name} python" if python else name)
        return 0
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    for prog in ("prog", "counter", "pool", "flood", "alloc", "sigjam"):
        ap.add_argument(f"--{prog}")
    ap.add_argument("--python", default=sys.executable)
    ap.add_argument("case", choices=sorted(CASES))
    o = ap.parse_args()
    o.python = real_python(o.python)
    try:
        CASES[o.case][0](o)
    except Fail as ex:
        print(f"FAIL {o.case}: {ex}")
        return 1
    print(f"ok {o.case}")
    return 0
