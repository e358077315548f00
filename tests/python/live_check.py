#!/usr/bin/env python3
"""Live test of sj_python_capture against faulthandler's own dump.

usage: live_check.py PYDUMP TAG [--stop] [--spin] [--no-symbols] [--capture]

Starts live_target.py under the interpreter TAG names in pythons/list (where
it lives: 3.13+ in a Debian root, traced from outside like a container
process), waits until its threads block, has
faulthandler dump every thread, then runs PYDUMP (our walker) on the same
process and requires, thread by thread, the same frames: function name
(faulthandler prints co_name, we keep co_qualname: its last component must
match), file and line.  Also checks threading names and the GIL holder."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from livetest import DEADLINE, fail, need_python, poll, pythons, task_states  # noqa: E402



def parse_faulthandler(text):
    """{ident: [(name, file, line)]} innermost first."""
    threads, cur = {}, None
    for line in text.splitlines():
        # 3.14+ adds the OS thread name: Thread 0x... [pipe-reader] (most ...
        m = re.match(r"(?:Current thread|Thread) (0x[0-9a-f]+) (?:\[.*\] )?\(most recent call first\):", line)
        if m:
            cur = threads.setdefault(int(m.group(1), 16), [])
            continue
        m = re.match(r'\s+File "(.*)", line (\d+|\?\?\?) in (.*)$', line)
        if m and cur is not None:
            lineno = int(m.group(2)) if m.group(2).isdigit() else 0
            cur.append((m.group(3), m.group(1), lineno))
    return threads


def parse_pydump(text):
    out = {"threads": {}, "version": None, "note": None}
    cur = None
    for line in text.splitlines():
        if line.startswith("version "):
            out["version"] = line[8:]
        elif line.startswith("note "):
            out["note"] = line[5:]
        elif line.startswith("thread "):
            m = re.match(r"thread (\d+) name=(.*) gil=(\d)$", line)
            cur = {"name": m.group(2), "gil": int(m.group(3)), "frames": [], "merged": None, "m": []}
            out["threads"][int(m.group(1))] = cur
        elif line.startswith("frame "):
            func, file, lineno, entry = line[6:].split("\t")
            cur["frames"].append((func, file, int(lineno), int(entry)))
        elif line.startswith("merged "):
            cur["merged"] = int(line.split()[2])
        elif line.startswith("m "):
            cur["m"].append(tuple(line[2:].split(" ", 1)))
    return out


def main():
    pydump, tag = sys.argv[1], sys.argv[2]
    need_python(tag)
    stop = "--stop" in sys.argv
    spin = "--spin" in sys.argv
    nosyms = "--no-symbols" in sys.argv
    whole = "--capture" in sys.argv
    with tempfile.TemporaryDirectory() as out:
        args = pythons.argv(tag, [os.path.join(HERE, "live_target.py"), out] + (["--spin"] if spin else []),
                            binds=[HERE, out])
        proc = subprocess.Popen(args)
        try:
            check(proc, out, pydump, tag, stop, spin, nosyms, whole)
        finally:
            proc.kill()
            proc.wait()
    print("OK")


def check(proc, out, pydump, tag, stop, spin, nosyms, whole):
    info_path = os.path.join(out, "threads.json")
    poll(lambda: os.path.exists(info_path) or proc.poll() is not None, "threads.json")
    if proc.poll() is not None:
        fail(f"python {tag} exited with {proc.returncode}")
    with open(info_path) as f:
        info = json.load(f)
    named = {int(k): v for k, v in info["threads"].items()}
    spinner = [tid for tid, v in named.items() if v["name"] == "spinner"]
    # Blocked means sleeping, seen twice in a row: the threads passed the
    # barrier and must reach their blocking call.
    def all_blocked():
        st = task_states(proc.pid)
        return all(s == "S" for tid, s in st.items() if tid not in spinner)
    poll(lambda: all_blocked() and (time.sleep(0.3) or all_blocked()), "threads to block")

    os.kill(proc.pid, signal.SIGUSR1)
    dump_path = os.path.join(out, "dump.txt")
    def dumped():
        with open(dump_path) as f:
            t = f.read()
        th = parse_faulthandler(t)
        return th if len(th) == len(named) and t.endswith("\n") else None
    expected = poll(dumped, "faulthandler's dump")
    time.sleep(0.2)       # let the interrupted syscalls restart

    cmd = [pydump] + (["--stop"] if stop else []) + (["--no-symbols"] if nosyms else []) + [str(proc.pid)]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=DEADLINE)
    if res.returncode != 0:
        fail(f"{cmd} failed: {res.stderr}")
    got = parse_pydump(res.stdout)
    print(res.stdout)
    if got["note"]:
        fail("unexpected note: " + got["note"])
    want_version = subprocess.run(pythons.argv(tag, ["-c", "import platform; print(platform.python_version())"]),
                                  capture_output=True, text=True).stdout.strip()
    if nosyms and int(want_version.split(".")[1]) < 13:
        # no Py_Version and no debug offsets: the micro version is unknown
        want_version = ".".join(want_version.split(".")[:2]) + ".0"
    if got["version"] != want_version:
        fail(f"version {got['version']!r}, expected {want_version!r}")
    if set(got["threads"]) != set(named):
        fail(f"Python threads {sorted(got['threads'])}, expected {sorted(named)}")
    minor = int(want_version.split(".")[1])
    for tid, meta in named.items():
        g = got["threads"][tid]
        if meta.get("unlisted"):
            # Not in threading._active: 3.14+ falls back to the OS thread
            # name threading gave it (comm, 15 bytes); before, no name.
            meta = dict(meta, name=meta["name"][:15] if minor >= 14 else "")
        if g["name"] != meta["name"]:
            fail(f"thread {tid}: name {g['name']!r}, expected {meta['name']!r}")
        want = expected[meta["ident"]]
        have = g["frames"]
        if len(have) != len(want):
            fail(f"thread {meta['name']}: {len(have)} frames, faulthandler shows {len(want)}:\n{want}")
        for (wname, wfile, wline), (func, file, line, _) in zip(want, have):
            if func.rsplit(".", 1)[-1] != wname or file != wfile or line != wline:
                fail(f"thread {meta['name']}: frame {func} {file}:{line}, "
                     f"faulthandler says {wname} {wfile}:{wline}")
        if not have[-1][3]:
            fail(f"thread {meta['name']}: outermost frame not marked as entry")
        if whole:
            py_in_merge = [f for kind, f in g["m"] if kind == "py"]
            if not g["merged"] or py_in_merge != [f[0] for f in have]:
                fail(f"thread {meta['name']}: native and Python stacks did not merge: {g['m']}")
            if not any(kind == "native" for kind, _ in g["m"]):
                fail(f"thread {meta['name']}: merged stack has no native frame")
        # Only a thread running Python code can hold the GIL; every other
        # thread here is blocked in a call that released it.
        want_gil = 1 if tid in spinner else 0
        if g["gil"] != want_gil:
            fail(f"thread {meta['name']}: gil={g['gil']}, expected {want_gil}")
    # qualnames, not just names: the method and the nested function
    quals = {f[0] for g in got["threads"].values() for f in g["frames"]}
    for q in ("PipeReader.run", "PipeReader.run.<locals>.read_one", "main.<locals>.<lambda>"):
        if q not in quals:
            fail(f"qualname {q} missing from {sorted(quals)}")


if __name__ == "__main__":
    main()
