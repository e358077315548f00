#!/usr/bin/env python3
"""run_fds.py — a program under the shim sees exactly the descriptors it
sees without it (issue 11): before and after fork and exec, with and
without a journal, and a program that closes every descriptor loses no
journal record.

    run_fds.py --shim libsigjam.so --sigjam bin/sigjam --prog fdview [--python PY]
    run_fds.py --shim libsigjam.so --kinds fdkinds

Runs fdview (or, with --python, fdview.py) plain, under LD_PRELOAD alone,
under LD_PRELOAD with SIGJAM_JOURNAL, and under `sigjam run` with and
without --journal; every run's output must equal the plain one.  With a
journal, it must hold the `kill` record of the signal 0 the program sent
itself after it closed every descriptor above 2.

With --kinds: runs fdkinds under the shim with a rule per descriptor kind
and checks that every read saw the kind its descriptor had at that moment
(the fd-kind cache, inject/fdkind.c)."""
import argparse
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


KINDS_SPEC = "read:fd=pipe:retval=11;read:fd=socket:retval=22;read:fd=file:retval=33;read:fd=fifo:retval=55"


def run_kinds(args):
    with tempfile.TemporaryDirectory(prefix="sjfds.") as tmp:
        journal = os.path.join(tmp, "j.jsonl")
        env = dict(os.environ, LD_PRELOAD=args.shim, SIGJAM_INJECT=KINDS_SPEC, SIGJAM_JOURNAL=journal)
        r = subprocess.run([args.kinds], env=env, capture_output=True, text=True, timeout=60)
        with open(journal) as f:
            if not any(json.loads(line)["ev"] == "start" for line in f):
                fail("the shim did not load")
    lines = r.stdout.splitlines()
    if r.returncode != 0 or len(lines) < 13:
        fail(f"fdkinds exited {r.returncode}:\n{r.stdout}{r.stderr}")
    for line in lines:
        step, result = line.rsplit(": want ", 1)
        want, got = result.split(" got ")
        if got.split() != [want, want]:
            fail(f"{step}: the shim saw {got}, the descriptor was {want}\n{r.stdout}")
    print(r.stdout, end="")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--sigjam")
    ap.add_argument("--prog")
    ap.add_argument("--python")
    ap.add_argument("--kinds")
    args = ap.parse_args()
    if args.kinds:
        return run_kinds(args)
    prog = [args.python, os.path.join(HERE, "fdview.py")] if args.python else [args.prog]
    with tempfile.TemporaryDirectory(prefix="sjfds.") as tmp:
        journal = os.path.join(tmp, "j.jsonl")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("SIGJAM_", "LD_PRELOAD"))}
        variants = {
            "plain": (prog, base, None),
            "LD_PRELOAD, no journal": (prog, dict(base, LD_PRELOAD=args.shim), None),
            "LD_PRELOAD, journal": (prog, dict(base, LD_PRELOAD=args.shim, SIGJAM_JOURNAL=journal), journal),
            "sigjam run": ([args.sigjam, "run", "-q", "--"] + prog, base, None),
            "sigjam run --journal": ([args.sigjam, "run", "-q", "--journal", journal, "--"] + prog, base, journal),
        }
        want = None
        for name, (argv, env, jpath) in variants.items():
            if jpath and os.path.exists(jpath):
                os.unlink(jpath)
            # The same descriptors to start from in every variant: only
            # stdin, stdout and stderr.
            r = subprocess.run(argv, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                               timeout=120, close_fds=True)
            if r.returncode != 0:
                fail(f"{name}: exit {r.returncode}: {r.stderr}")
            if want is None:
                want = r.stdout
                if "closed:" not in want:
                    fail(f"the program printed no listing: {want}")
                continue
            if r.stdout != want:
                fail(f"{name} differs from plain:\n{r.stdout}--- plain:\n{want}")
            if jpath:
                with open(jpath) as f:
                    recs = [json.loads(line) for line in f]
                top = [x["pid"] for x in recs if x["ev"] == "start" and x["role"] == "parent"]
                kills = [x for x in recs if x["ev"] == "kill" and x["sig"] == 0 and x["pid"] in top]
                if len(kills) != 1:
                    fail(f"{name}: the record written after closing every descriptor is missing: {kills}")
            print(f"ok {name}")
        print(want, end="")


if __name__ == "__main__":
    main()
