#!/usr/bin/env python3
"""cases.py — the vfork rule of the shim (inject/vfork.c): a vfork child
never writes memory its parent relies on.  Run through the shim test driver
(tests/common/shimtest.py):

    cases.py --list
    cases.py --shim libsigjam.so --prog vforkprog [--python PY] CASE

A C case runs `vforkprog CASE` under the shim with the case's rule, then
checks the program's output (which shows the parent's state after the child
ran: its handler, the rule's count, a cached fd kind), its exit status and
the journal's `inject` records (whose pid says which process a rule fired
in).  py_handlers runs py_handlers.py under the shim."""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from shimtest import case, expect, main, run  # noqa: E402


def check(o, mode, spec, want, want_inj, rc=0):
    """want: the output lines; want_inj: (who, func, n, action) per inject
    record, who "parent" (the top process) or "child"."""
    r = run(o, [o.prog, mode], spec)
    expect(r.lines() == want and r.rc == rc,
           f"output (exit {r.rc}, want {rc}):\n{r.out}{r.err}\nwant:\n" + "\n".join(want))
    got = [("parent" if x["pid"] == r.top else "child", x["func"], x["n"], x["action"]) for x in r.ev("inject")]
    expect(sorted(got) == sorted(want_inj), f"inject records {got}, want {want_inj}")
    return r


# The child resets SIGUSR1 as CPython's _posixsubprocess does; only the
# parent's two installs count for the signal hook.
HANDLER_LINES = ["child sees ours 1", "child reset 1", "child exited 0",
                 "handler ran 1, oldact ours", "handler ran 1, oldact ours"]


@case
def sigaction(o):
    check(o, "sigaction", "signal:sig=USR1:when=2:delay=1ns", HANDLER_LINES, [("parent", "sigaction", 2, "delay")])


@case
def signal(o):
    check(o, "signal", "signal:sig=USR1:when=2:delay=1ns", HANDLER_LINES, [("parent", "sigaction", 2, "delay")])


# The child's calls neither count nor get the rule's value.
IO_LINES = ["parent call 1: 1", "child call 1", "child call 1", "child call 1", "child exited 0", "parent call 2: 77"]


@case
def write(o):
    check(o, "write", "write:when=2:retval=77", IO_LINES, [("parent", "write", 2, "retval")])


@case
def read(o):
    check(o, "read", "read:when=2:retval=77", IO_LINES, [("parent", "read", 2, "retval")])


@case
def exit(o):
    r = check(o, "exit", "exit:when=1:exit=42", ["child exited 3"], [("parent", "exit", 1, "exit")], rc=42)
    ex = r.ev("exit", func="_exit", code=3)
    expect(len(ex) == 1 and ex[0]["pid"] != r.top and ex[0]["ppid"] == r.top,
           f"the vfork child's exit record: {ex}")


@case
def close(o):
    """The child closes every descriptor: the parent's records and data survive."""
    r = check(o, "close", "", ["child exited 0", "descriptors as before", "pipe holds hello"], [])
    kills = [x["pid"] == r.top for x in r.ev("kill")]
    expect(kills == [True, False, True], f"kill records before, in and after the child (parent, child, parent): {kills}")


@case
def dup2(o):
    """The child puts a socket on the parent's pipe number and reads it: the
    parent's cached kind for that number stays "pipe"."""
    check(o, "dup2", "read:fd=pipe:retval=55",
          ["parent read 1: 55", "child read -1", "child exited 0", "parent read 2: 55"],
          [("parent", "read", 1, "retval"), ("parent", "read", 2, "retval")])


@case
def exec(o):
    """The exec'd image counts its own calls."""
    check(o, "exec", "write:when=2:retval=77",
          ["parent call 1: 1", "child call 1", "child call 77", "child call 1", "child exited 0",
           "parent call 2: 77", "handler ran 1, oldact ours"],
          [("child", "write", 2, "retval"), ("parent", "write", 2, "retval")])


@case
def nested(o):
    """A vfork child that vforks again."""
    check(o, "nested", "write:when=2:retval=77",
          ["parent call 1: 1", "child grandchild call 1", "child call 1", "child exited 0",
           "parent call 2: 77", "handler ran 1, oldact ours"], [("parent", "write", 2, "retval")])


@case
def nested_killed(o):
    """The grandchild kills the child while it waits in vfork."""
    check(o, "nested_killed", "write:when=2:retval=77",
          ["parent call 1: 1", "child grandchild call 1", "child killed by 9",
           "parent call 2: 77", "handler ran 1, oldact ours"], [("parent", "write", 2, "retval")])


@case
def killed(o):
    """The vfork child dies before exec."""
    check(o, "killed", "write:when=2:retval=77",
          ["parent call 1: 1", "child killed by 9", "parent call 2: 77", "handler ran 1, oldact ours"],
          [("parent", "write", 2, "retval")])


@case
def hup(o):
    """C: handlers after vfork+exec and posix_spawn children (SIGHUP from the child)."""
    check(o, "hup", "", ["vfork child exited 0", "after vfork+exec: hup 1", "handler ran 1, oldact ours",
                         "spawn child exited 0", "after posix_spawn: hup 2", "handler ran 1, oldact ours"], [])


@case(python=True)
def py_handlers(o):
    """Python: handlers after subprocess.run, os.posix_spawn, os.fork and the
    three multiprocessing start methods."""
    r = run(o, [o.python, os.path.join(HERE, "py_handlers.py"), "--expect-shim"])
    expect(r.rc == 0 and "LOST" not in r.out, f"exit {r.rc}:\n{r.out}{r.err}")


if __name__ == "__main__":
    sys.exit(main())
