#!/usr/bin/env python3
"""cases.py — no visible descriptor (issue 11): a program under the shim sees
exactly the descriptors it sees without it, before and after fork and exec,
with and without a journal; closing every descriptor loses no record; and
fd= sees each descriptor as it is now (the fd-kind cache).  Run through the
shim test driver (tests/common/shimtest.py):

    cases.py --list
    cases.py --shim libsigjam.so --prog fdview --sigjam bin/sigjam [--python PY] CASE"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from shimtest import case, expect, main, read_journal, run  # noqa: E402


def same_fds(o, prog):
    """prog (fdview, or fdview.py) plain, under LD_PRELOAD with and without
    a journal, and under `sigjam run` with and without --journal: every
    listing equals the plain one; every journal holds the `kill` record of
    the signal 0 the program sent itself after closing everything above 2."""
    plain = run(o, prog, shim=False)
    expect(plain.rc == 0 and "closed:" in plain.out, f"plain run: exit {plain.rc}\n{plain.out}{plain.err}")
    under = {
        "LD_PRELOAD with a journal": run(o, prog),
        "LD_PRELOAD, no journal": run(o, ["env", f"LD_PRELOAD={o.shim}"] + prog, shim=False),
        "sigjam run": run(o, [o.sigjam, "run", "-q", "--"] + prog, shim=False),
    }
    journal = os.path.join(os.path.dirname(os.path.abspath(o.prog)), f"fds-{os.getpid()}.jsonl")
    try:
        under["sigjam run --journal"] = run(o, [o.sigjam, "run", "-q", "--journal", journal, "--"] + prog,
                                            shim=False)
        under["sigjam run --journal"].j = read_journal(journal)
    finally:
        if os.path.exists(journal):
            os.unlink(journal)
    for name, r in under.items():
        expect(r.rc == 0, f"{name}: exit {r.rc}: {r.err}")
        expect(r.out == plain.out, f"{name} differs from plain:\n{r.out}--- plain:\n{plain.out}")
        if r.j:
            top = [x["pid"] for x in r.j if x["ev"] == "start" and x["role"] == "parent"]
            kills = [x for x in r.j if x["ev"] == "kill" and x["sig"] == 0 and x["pid"] in top]
            expect(len(kills) == 1, f"{name}: the record written after closing every descriptor: {kills}")
    expect(under["LD_PRELOAD with a journal"].j and under["sigjam run --journal"].j, "a journal is empty")


@case
def fds_c(o):
    same_fds(o, [o.prog])


@case(python=True)
def fds_py(o):
    """As CPython's test_subprocess.test_pass_fds_redirected: a child started
    with close_fds=True and pass_fds sees only what was passed."""
    same_fds(o, [o.python, os.path.join(HERE, "fdview.py")])


KINDS_SPEC = "read:fd=pipe:retval=11;read:fd=socket:retval=22;read:fd=file:retval=33;read:fd=fifo:retval=55"


@case
def kinds(o):
    """Each read returns the kind the shim saw (one rule per kind); it must
    be the kind the descriptor had at that moment, whatever door changed it."""
    r = run(o, [o.prog, "--kinds"], KINDS_SPEC)
    lines = r.lines()
    expect(r.rc == 0 and len(lines) >= 13, f"fdview --kinds exited {r.rc}:\n{r.out}{r.err}")
    for line in lines:
        step, result = line.rsplit(": want ", 1)
        want, got = result.split(" got ")
        expect(got.split() == [want, want], f"{step}: the shim saw {got}, the descriptor was {want}\n{r.out}")


if __name__ == "__main__":
    sys.exit(main())
