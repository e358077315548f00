#!/usr/bin/env python3
"""run_vfork.py — the vfork rule of the shim (inject/vfork.c): a vfork child
never writes memory its parent relies on.

    run_vfork.py --shim libsigjam.so --prog vforkprog CASE
    run_vfork.py --shim libsigjam.so --python PY py_handlers

A C case runs `vforkprog CASE` under LD_PRELOAD with the case's rule and a
journal, then checks the program's output (which shows the parent's state
after the child ran: handlers, the rule's count, cached fd kinds), its exit
status and the journal's `inject` records (whose pid says which process a
rule fired in).  py_handlers runs py_handlers.py under the shim."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))

# case: (spec, expected output lines, exit status, expected injects as
# (who, func, n, action) where who is "parent" or "child")
CASES = {
    # the child resets SIGUSR1 as CPython's _posixsubprocess does; only the
    # parent's two installs count for the signal hook
    "sigaction": ("signal:sig=USR1:when=2:delay=1ns",
                  ["child sees ours 1", "child reset 1", "child exited 0",
                   "handler ran 1, oldact ours", "handler ran 1, oldact ours"], 0,
                  [("parent", "sigaction", 2, "delay")]),
    "signal": ("signal:sig=USR1:when=2:delay=1ns",
               ["child sees ours 1", "child reset 1", "child exited 0",
                "handler ran 1, oldact ours", "handler ran 1, oldact ours"], 0,
               [("parent", "sigaction", 2, "delay")]),
    # the child's calls neither count nor get the rule's value
    "write": ("write:when=2:retval=77",
              ["parent call 1: 1", "child call 1", "child call 1", "child call 1", "child exited 0",
               "parent call 2: 77"], 0, [("parent", "write", 2, "retval")]),
    "read": ("read:when=2:retval=77",
             ["parent call 1: 1", "child call 1", "child call 1", "child call 1", "child exited 0",
              "parent call 2: 77"], 0, [("parent", "read", 2, "retval")]),
    "exit": ("exit:when=1:exit=42", ["child exited 3"], 42, [("parent", "exit", 1, "exit")]),
    # the child closes every descriptor: the parent's records and data survive
    "close": ("", ["child exited 0", "descriptors as before", "pipe holds hello"], 0, []),
    # the child puts a socket on the parent's pipe number and reads it: the
    # parent's cached kind for that number stays "pipe"
    "dup2": ("read:fd=pipe:retval=55",
             ["parent read 1: 55", "child read -1", "child exited 0", "parent read 2: 55"], 0,
             [("parent", "read", 1, "retval"), ("parent", "read", 2, "retval")]),
    # the exec'd image counts its own calls
    "exec": ("write:when=2:retval=77",
             ["parent call 1: 1", "child call 1", "child call 77", "child call 1", "child exited 0",
              "parent call 2: 77", "handler ran 1, oldact ours"], 0,
             [("child", "write", 2, "retval"), ("parent", "write", 2, "retval")]),
    # a vfork child that vforks; the same with the grandchild killing the child
    "nested": ("write:when=2:retval=77",
               ["parent call 1: 1", "child grandchild call 1", "child call 1", "child exited 0",
                "parent call 2: 77", "handler ran 1, oldact ours"], 0, [("parent", "write", 2, "retval")]),
    "nested_killed": ("write:when=2:retval=77",
                      ["parent call 1: 1", "child grandchild call 1", "child killed by 9",
                       "parent call 2: 77", "handler ran 1, oldact ours"], 0, [("parent", "write", 2, "retval")]),
    # the vfork child dies before exec
    "killed": ("write:when=2:retval=77",
               ["parent call 1: 1", "child killed by 9", "parent call 2: 77", "handler ran 1, oldact ours"], 0,
               [("parent", "write", 2, "retval")]),
    # handlers after vfork+exec and posix_spawn children (SIGHUP from the child)
    "hup": ("", ["vfork child exited 0", "after vfork+exec: hup 1", "handler ran 1, oldact ours",
                 "spawn child exited 0", "after posix_spawn: hup 2", "handler ran 1, oldact ours"], 0, []),
}


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def run_c(args, case):
    spec, want, want_rc, want_inj = CASES[case]
    with tempfile.TemporaryDirectory(prefix="sjvfork.") as tmp:
        journal = os.path.join(tmp, "j.jsonl")
        env = dict(os.environ, LD_PRELOAD=args.shim, SIGJAM_JOURNAL=journal, SIGJAM_INJECT=spec)
        r = subprocess.run([args.prog, case], env=env, capture_output=True, text=True, timeout=60)
        with open(journal) as f:
            recs = [json.loads(line) for line in f]
    starts = [x for x in recs if x["ev"] == "start" and x["role"] == "parent"]
    if not starts:
        fail(f"the shim did not load (no start record): {r.stderr}")
    top = starts[0]["pid"]
    if r.stdout.splitlines() != want or r.returncode != want_rc:
        fail(f"output (exit {r.returncode}, want {want_rc}):\n{r.stdout}{r.stderr}\nwant:\n" + "\n".join(want))
    got = [("parent" if x["pid"] == top else "child", x["func"], x["n"], x["action"])
           for x in recs if x["ev"] == "inject"]
    if sorted(got) != sorted(want_inj):
        fail(f"inject records {got}, want {want_inj}")
    if case == "exit":
        ex = [x for x in recs if x["ev"] == "exit" and x["func"] == "_exit" and x["code"] == 3]
        if len(ex) != 1 or ex[0]["pid"] == top or ex[0]["ppid"] != top:
            fail(f"the vfork child's exit record: {ex}")
    if case == "close":
        kills = [x["pid"] == top for x in recs if x["ev"] == "kill"]
        if kills != [True, False, True]:
            fail(f"kill records before, in and after the child (parent, child, parent): {kills}")
    print(f"ok {case}")


def run_py(args):
    r = subprocess.run([args.python, os.path.join(HERE, "py_handlers.py"), "--expect-shim"],
                       env=dict(os.environ, LD_PRELOAD=args.shim), capture_output=True, text=True,
                       timeout=120)
    print(r.stdout, end="")
    if r.returncode != 0:
        fail(f"py_handlers.py exited {r.returncode}: {r.stderr}")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog")
    ap.add_argument("--python")
    ap.add_argument("case", choices=sorted(CASES) + ["py_handlers", "list"])
    args = ap.parse_args()
    if args.case == "list":
        print("\n".join(sorted(CASES)))
    elif args.case == "py_handlers":
        run_py(args)
    else:
        run_c(args, args.case)


if __name__ == "__main__":
    main()
