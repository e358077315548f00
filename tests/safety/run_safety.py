#!/usr/bin/env python3
"""run_safety.py — integration checks of the shim's signal-safety half.

Every case runs real programs (tests/safety/progs) under libsigjam.so, reads
the journal they produced, and where the program's own behaviour matters runs
it a second time without the shim and compares.  One case per ctest entry:

    run_safety.py --shim libsigjam.so --prog safety_prog --flood flood CASE
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
PROG_SRC = os.path.join(HERE, "progs", "safety_prog.c")
TIMEOUT = 120  # generous: the machine is shared


class Failure(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Failure(what)


class Run:
    def __init__(self, proc, journal):
        self.rc = proc.returncode
        self.out = proc.stdout
        self.err = proc.stderr
        self.records = journal

    def ev(self, kind, **match):
        return [r for r in self.records
                if r.get("ev") == kind and all(r.get(k) == v for k, v in match.items())]


def run(args, shim=None, env_extra=None, tmp=None):
    """Runs args, under the shim when given; returns a Run with the journal."""
    env = dict(os.environ)
    for k in ("LD_PRELOAD", "SIGJAM_JOURNAL", "SIGJAM_INJECT", "SIGJAM_CHECK"):
        env.pop(k, None)
    journal_path = None
    if shim:
        fd, journal_path = tempfile.mkstemp(prefix="journal-", suffix=".jsonl", dir=tmp)
        os.close(fd)
        env["LD_PRELOAD"] = shim
        env["SIGJAM_JOURNAL"] = journal_path
    env.update(env_extra or {})
    proc = subprocess.run(args, env=env, capture_output=True, timeout=TIMEOUT)
    records = []
    if journal_path:
        with open(journal_path, "rb") as f:
            for n, line in enumerate(f, 1):
                try:
                    records.append(json.loads(line))
                except ValueError as e:
                    raise Failure(f"journal line {n} is not JSON ({e}): {line[:200]!r}")
        check(any(r.get("ev") == "start" for r in records),
              "no `start` record: the shim did not load")
    return Run(proc, records)


def same_behaviour(a, b, what):
    check(a.out == b.out, f"{what}: stdout differs with the shim:\n"
          f"--- without\n{b.out.decode(errors='replace')}--- with\n{a.out.decode(errors='replace')}")
    check(a.rc == b.rc, f"{what}: exit status {a.rc} with the shim, {b.rc} without")


# ---- symbolization of a journal frame (module + file offset) ----

def file_offset_to_vaddr(module, off):
    """The link-time address of a file offset, from the PT_LOAD headers."""
    out = subprocess.run(["readelf", "-lW", module], capture_output=True, text=True,
                         check=True).stdout
    for line in out.splitlines():
        f = line.split()
        if f and f[0] == "LOAD":
            p_off, p_vaddr, p_filesz = int(f[1], 16), int(f[2], 16), int(f[4], 16)
            if p_off <= off < p_off + p_filesz:
                return off - p_off + p_vaddr
    raise Failure(f"offset {off:#x} is in no PT_LOAD of {module}")


def symbolize(frame):
    """(function, line) of a return address: the call is at address - 1."""
    vaddr = file_offset_to_vaddr(frame["m"], int(frame["o"], 16))
    out = subprocess.run(["addr2line", "-f", "-e", frame["m"], hex(vaddr - 1)],
                         capture_output=True, text=True, check=True).stdout.split("\n")
    func, loc = out[0], out[1]
    m = re.search(r":(\d+)", loc)
    return func, int(m.group(1)) if m else None


def marked_line(tag):
    with open(PROG_SRC) as f:
        for n, line in enumerate(f, 1):
            if f"MARK:{tag} " in line or line.rstrip().endswith(f"MARK:{tag} */"):
                return n
    raise Failure(f"no MARK:{tag} in {PROG_SRC}")


# ---- cases ----

def case_unsafe(o, tmp):
    r = run([o.prog, "unsafe"], o.shim, tmp=tmp)
    check(r.rc == 0, f"program failed: {r.err!r}")
    unsafe = r.ev("unsafe")
    calls = [u["call"] for u in unsafe]
    # Two deliveries; the handler calls malloc twice per run but each
    # function is reported once per handler invocation.
    check(calls.count("printf") == 2, f"want 2 printf records, got {calls}")
    check(calls.count("malloc") == 2, f"want 2 malloc records, got {calls}")
    check(calls.count("free") == 2, f"want 2 free records, got {calls}")
    for u in unsafe:
        check(u.get("sig") == "SIGUSR1", f"unsafe record without the handler's signal: {u}")
    check(len(r.ev("deliver", sig="SIGUSR1")) == 2, "want 2 deliver records")
    for d in r.ev("deliver", sig="SIGUSR1"):
        check(d.get("code") == "SI_TKILL" and d.get("from") == d["pid"] and d.get("depth") == 1,
              f"deliver record: {d}")
    for call in ("printf", "malloc"):
        u = next(x for x in unsafe if x["call"] == call)
        check(u.get("bt"), f"{call}: no backtrace")
        top = u["bt"][0]
        check(os.path.realpath(top["m"]) == os.path.realpath(o.prog),
              f"{call}: innermost frame is in {top['m']}, not the program")
        func, line = symbolize(top)
        check(func == "on_usr1_unsafe" and line == marked_line(call),
              f"{call}: innermost frame symbolizes to {func}:{line}, "
              f"want on_usr1_unsafe:{marked_line(call)}")
    h = r.ev("handler", sig="SIGUSR1")
    check(len(h) == 1, f"want one handler record, got {h}")
    h = h[0]
    check(h["func"] == "sigaction" and h["disp"] == "handler" and h["python"] is False,
          f"handler record: {h}")
    check(os.path.realpath(h["module"]) == os.path.realpath(o.prog), f"handler module: {h}")


def case_flag(o, tmp):
    r = run([o.prog, "flag"], o.shim, tmp=tmp)
    check(r.rc == 0 and r.out == b"hits 1\n", f"program: {r.out!r} {r.err!r}")
    check(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    check(not r.ev("unsafe"), f"async-signal-safe handler reported: {r.ev('unsafe')}")
    check(not r.ev("errno"), f"errno reported: {r.ev('errno')}")


def case_signal_rule(o, tmp):
    """`signal` rules fire when the handler is installed, after it is in place."""
    spec = "signal:sig=USR1:signal=USR1@self"
    r = run([o.prog, "flag"], o.shim, {"SIGJAM_INJECT": spec}, tmp=tmp)
    check(r.rc == 0 and r.out == b"hits 2\n",
          f"the injected SIGUSR1 should reach the new handler: {r.out!r} {r.err!r}")
    inj = r.ev("inject", hook="signal")
    check(len(inj) == 1 and inj[0]["func"] == "sigaction", f"inject records: {r.ev('inject')}")
    kinds = [x["ev"] for x in r.records if x["ev"] in ("handler", "inject", "deliver")]
    check(kinds[:3] == ["handler", "inject", "deliver"], f"order of records: {kinds}")


def case_errno_clobber(o, tmp):
    r = run([o.prog, "errno-clobber"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "errno-clobber"]), "errno-clobber")
    check(r.out == b"errno after handler EBADF\n", f"program saw {r.out!r}")
    e = r.ev("errno", sig="SIGUSR1")
    check(len(e) == 1, f"want one errno record, got {r.ev('errno')}")
    check(e[0]["before"] == "ENOENT" and e[0]["after"] == "EBADF", f"errno record: {e[0]}")
    check(os.path.realpath(e[0]["module"]) == os.path.realpath(o.prog), f"errno record: {e[0]}")


def case_errno_saved(o, tmp):
    r = run([o.prog, "errno-saved"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "errno-saved"]), "errno-saved")
    check(r.out == b"errno after handler ENOENT\n", f"program saw {r.out!r}")
    check(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    check(not r.ev("errno"), f"errno reported for a handler that restores it: {r.ev('errno')}")


def case_errno_read(o, tmp):
    """A handler that reads errno finds the interrupted code's value, as
    without the shim, and is not reported (it does not change errno)."""
    plain = run([o.prog, "errno-read"])
    check(plain.out == b"handler saw ENOENT\nerrno after handler ENOENT\n",
          f"the test program itself is wrong: {plain.out!r}")
    r = run([o.prog, "errno-read"], o.shim, tmp=tmp)
    same_behaviour(r, plain, "errno-read")
    check(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    check(not r.ev("errno"), f"errno reported for a handler that only reads it: {r.ev('errno')}")


def case_nested(o, tmp):
    r = run([o.prog, "nested"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "nested"]), "nested")
    n = r.ev("nested")
    check(len(n) == 1, f"want one nested record, got {n}")
    check(n[0]["sig"] == "SIGUSR1" and n[0]["outer"] == "SIGUSR1" and n[0]["depth"] == 2,
          f"nested record: {n[0]}")
    depths = sorted(d["depth"] for d in r.ev("deliver", sig="SIGUSR1"))
    check(depths == [1, 2], f"deliver depths {depths}")


def case_longjmp(o, tmp):
    r = run([o.prog, "longjmp"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "longjmp"]), "longjmp")
    check(b"errno after jump ENOENT" in r.out, f"program saw {r.out!r}")
    check(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    check(not r.ev("unsafe"), f"malloc after siglongjmp reported as in a handler: {r.ev('unsafe')}")


def case_stackcheck(o, tmp):
    r = run([o.prog, "stackcheck"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "stackcheck"]), "stackcheck")
    check(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    check(not r.ev("unsafe"),
          f"malloc after a jump out of the handler reported as in a handler: {r.ev('unsafe')}")


def case_altstack(o, tmp):
    r = run([o.prog, "altstack"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "altstack"]), "altstack")
    check(r.out == b"altstack above the thread's stack yes\nhits 1 ok 1\n", f"{r.out!r}")
    calls = [u["call"] for u in r.ev("unsafe")]
    # inside the handler on the alternate stack: malloc and free; after the
    # jump back to the thread's stack: nothing
    check(sorted(calls) == ["free", "malloc"], f"unsafe calls {calls}")


def case_threads(o, tmp):
    r = run([o.prog, "threads"], o.shim, tmp=tmp)
    check(r.out == b"other thread allocated during the handler yes\n", f"{r.out!r} {r.err!r}")
    check(r.ev("deliver", sig="SIGUSR1"), "the handler was not wrapped")
    check(not r.ev("unsafe"),
          f"another thread's malloc charged to the handler: {r.ev('unsafe')[:2]}")


def case_install_race(o, tmp):
    """Two threads keep swapping a 1-argument and an SA_SIGINFO handler while
    another process floods the signal: every delivery must call the handler
    with its own arity (a torn table read would not), and oldact must always
    be one of the program's handlers."""
    plain = run([o.prog, "install-race"])
    check(plain.out == b"oldact mismatches 0\nhandlers ran yes\n", f"without the shim: {plain.out!r}")
    r = run([o.prog, "install-race"], o.shim, tmp=tmp)
    same_behaviour(r, plain, "install-race")
    check(len(r.ev("handler", sig="SIGUSR1")) >= 6000, "installations not journaled")
    check(r.ev("deliver", sig="SIGUSR1"), "no deliveries were wrapped")


def case_resethand(o, tmp):
    r = run([o.prog, "resethand"], o.shim, tmp=tmp)
    same_behaviour(r, run([o.prog, "resethand"]), "resethand")
    check(r.out.startswith(b"after one delivery: SIG_DFL\nkernel: SIG_DFL\n"), f"{r.out!r}")
    check(r.rc == -10, f"second SIGUSR1 should kill the program, status {r.rc}")
    h = r.ev("handler", sig="SIGUSR1")
    check(h and "SA_RESETHAND" in h[0]["flags"], f"handler record flags: {h}")


def case_oldact(o, tmp):
    r = run([o.prog, "oldact"], o.shim, tmp=tmp)
    plain = run([o.prog, "oldact"])
    check(b"WRONG" not in plain.out, f"the test program itself is wrong:\n{plain.out.decode()}")
    same_behaviour(r, plain, "oldact")
    funcs = [h["func"] for h in r.ev("handler", sig="SIGUSR1")]
    for f in ("sigaction", "signal", "sysv_signal", "sigset"):
        check(f in funcs, f"no handler record from {f}: {funcs}")
    check(r.ev("handler", sig="SIGUSR1", disp="ignore"), "signal(SIG_IGN) not journaled")
    check(r.ev("deliver", sig="SIGUSR2"), "the last handler was not wrapped")


def case_same_ptr(o, tmp):
    """sigaction(sig, &sa, &sa): the `handler` record describes what was
    installed, not the old disposition the kernel wrote back into sa."""
    plain = run([o.prog, "same-ptr"])
    check(b"WRONG" not in plain.out and plain.rc == 0,
          f"the test program itself is wrong:\n{plain.out.decode()}")
    m = re.search(rb"h_a (0x[0-9a-f]+) h_b (0x[0-9a-f]+)", plain.err)
    check(m, f"no handler addresses on stderr: {plain.err!r}")
    for extra in ({}, {"SIGJAM_CHECK": "0"}):
        r = run([o.prog, "same-ptr"], o.shim, extra, tmp=tmp)
        same_behaviour(r, plain, f"same-ptr {extra}")
        m = re.search(rb"h_a (0x[0-9a-f]+) h_b (0x[0-9a-f]+)", r.err)
        h_a, h_b = int(m.group(1), 16), int(m.group(2), 16)
        h = [x for x in r.ev("handler", sig="SIGUSR1", func="sigaction")]
        check(len(h) == 2, f"{extra}: want two handler records, got {h}")
        first, second = h
        check(int(first["addr"], 16) == h_a and first["flags"] == "SA_RESTART",
              f"{extra}: first installation: {first}")
        check(int(second["addr"], 16) == h_b and second["flags"] == "SA_NODEFER",
              f"{extra}: second installation (act == oldact) recorded as {second}, "
              f"want addr {h_b:#x} flags SA_NODEFER")


def case_allocator(o, tmp):
    """A program linked with its own allocator keeps it under the shim: every
    malloc/calloc/realloc/free reaches that library, checks on or off."""
    plain = run([o.alloc])
    want = b"malloc 12 calloc 1 realloc 2 free 14\n"
    check(plain.rc == 0 and plain.out == want,
          f"the test program itself is wrong: {plain.out!r} {plain.err!r}")
    on = run([o.alloc], o.shim, tmp=tmp)
    same_behaviour(on, plain, "own allocator")
    calls = sorted(u["call"] for u in on.ev("unsafe"))
    check(calls == ["free", "malloc"], f"the handler's calls are not reported: {calls}")
    off = run([o.alloc], o.shim, {"SIGJAM_CHECK": "0"}, tmp=tmp)
    same_behaviour(off, plain, "own allocator, SIGJAM_CHECK=0")


def case_check_off(o, tmp):
    plain = run([o.prog, "kernel"])
    on = run([o.prog, "kernel"], o.shim, tmp=tmp)
    off = run([o.prog, "kernel"], o.shim, {"SIGJAM_CHECK": "0"}, tmp=tmp)
    check(plain.out.startswith(b"kernel holds the program's handler"), f"{plain.out!r}")
    check(on.out.startswith(b"kernel holds a wrapper"), f"checks on: {on.out!r}")
    check(on.ev("deliver") and on.ev("unsafe"), "checks on: no deliver/unsafe records")
    same_behaviour(off, plain, "SIGJAM_CHECK=0")
    check(not off.ev("deliver") and not off.ev("unsafe"),
          "SIGJAM_CHECK=0 still wraps handlers")
    check(off.ev("handler", sig="SIGUSR1"), "SIGJAM_CHECK=0: installations are still journaled")


def disp_map(rec):
    return {d["sig"]: d for d in rec["list"]}


def case_dispositions(o, tmp):
    r = run([o.prog, "fork-ign"], o.shim, tmp=tmp)
    check(r.out == b"child exit 0\n", f"program: {r.out!r} {r.err!r}")
    at_fork = r.ev("dispositions", at="fork")
    at_exec = r.ev("dispositions", at="exec")
    check(len(at_fork) == 1 and len(at_exec) == 1,
          f"want one dispositions record at fork and one at exec: {at_fork} {at_exec}")
    f = disp_map(at_fork[0])
    check(f.get("SIGUSR2", {}).get("disp") == "ignore", f"at fork: {at_fork[0]}")
    u1 = f.get("SIGUSR1", {})
    check(u1.get("disp") == "handler" and
          os.path.realpath(u1.get("module", "")) == os.path.realpath(o.prog),
          f"at fork, SIGUSR1 must be the program's handler (not the trampoline): {u1}")
    x = disp_map(at_exec[0])
    check(x.get("SIGUSR2", {}).get("disp") == "ignore", f"at exec: {at_exec[0]}")
    check("SIGUSR1" not in x, f"exec resets handlers to SIG_DFL: {at_exec[0]}")
    check(at_exec[0]["pid"] == at_fork[0]["pid"], "exec record from another process")


def python_case(python):
    def case(o, tmp):
        if not shutil.which(python) and not os.path.exists(python):
            raise Failure(f"{python} not installed")
        code = ("import ctypes, signal\n"
                "signal.signal(signal.SIGTERM, lambda s, f: print('term', flush=True))\n"
                "signal.raise_signal(signal.SIGTERM)\n"
                # a C handler installed from Python (never delivered): not Python's
                "libc = ctypes.CDLL(None)\n"
                "libc.signal.restype = ctypes.c_void_p\n"
                "libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]\n"
                "libc.signal(signal.SIGUSR2, ctypes.cast(libc.getpid, ctypes.c_void_p).value)\n")
        r = run([python, "-c", code], o.shim, tmp=tmp)
        check(r.rc == 0 and r.out == b"term\n", f"{python}: {r.out!r} {r.err!r}")
        h = [x for x in r.ev("handler", sig="SIGTERM") if x["disp"] == "handler"]
        check(len(h) == 1, f"want one SIGTERM handler record: {r.ev('handler')}")
        check(h[0]["func"] == "sigaction" and h[0]["python"] is True,
              f"SIGTERM handler not recognised as CPython's: {h[0]}")
        # CPython installs its own C handler for SIGINT at start-up
        check(any(x["python"] is True for x in r.ev("handler", sig="SIGINT", disp="handler")),
              f"SIGINT: {r.ev('handler', sig='SIGINT')}")
        c = r.ev("handler", sig="SIGUSR2")
        check(len(c) == 1 and c[0]["func"] == "signal" and c[0]["python"] is False
              and "libc" in c[0].get("module", ""),
              f"a libc function installed as handler taken for CPython's: {c}")
        # The C-level trampoline is CPython's signal_handler; anything else
        # installed is not Python's (SIGPIPE/SIGXFSZ are set to SIG_IGN).
        ign = r.ev("handler", disp="ignore")
        check(ign and all(x["python"] is False for x in ign), f"ignore records: {ign}")
        check(r.ev("deliver", sig="SIGTERM"), "CPython's handler was not wrapped")
        check(not r.ev("unsafe"), f"CPython's trampoline reported unsafe: {r.ev('unsafe')}")
    return case


def case_pool_inherit(o, tmp):
    """A parent's Python-level SIGTERM handler, inherited by fork-started pool
    workers (failure catalogue P6), is visible in the workers' dispositions."""
    code = ("import multiprocessing as mp, os, signal\n"
            "signal.signal(signal.SIGTERM, lambda s, f: None)\n"
            "signal.signal(signal.SIGUSR2, signal.SIG_IGN)\n"
            "p = mp.get_context('fork').Pool(2)\n"
            "print(sum(p.map(abs, [-1, -2, -3])))\n"
            "p.close()\n"
            "p.join()\n")
    for python in ("python3", "/usr/bin/python3.11"):
        r = run([python, "-c", code], o.shim, tmp=tmp)
        check(r.rc == 0 and r.out == b"6\n", f"{python}: {r.out!r} {r.err.decode(errors='replace')}")
        parent = next(x["pid"] for x in r.ev("start"))
        forks = [x for x in r.ev("dispositions", at="fork") if x["ppid"] == parent]
        check(len(forks) >= 2, f"{python}: want dispositions from both workers, got {forks}")
        for rec in forks:
            d = disp_map(rec)
            term = d.get("SIGTERM", {})
            check(term.get("disp") == "handler" and term.get("python") is True,
                  f"{python}: worker {rec['pid']} SIGTERM: {term}")
            check(d.get("SIGUSR2", {}).get("disp") == "ignore",
                  f"{python}: worker {rec['pid']} SIGUSR2: {d.get('SIGUSR2')}")


def case_flood(o, tmp):
    args = [o.flood, "4", "8", "3000"]
    plain = run(args)
    check(plain.rc == 0, f"without the shim: {plain.err!r}")
    check(plain.out.endswith(b"flooder done\nhandlers ran yes\n"), f"{plain.out!r}")
    r = run(args, o.shim, tmp=tmp)
    same_behaviour(r, plain, "flood")
    check(len(r.ev("deliver")) > 0, "no deliver records: the handlers were not wrapped")
    check(not r.ev("unsafe") and not r.ev("errno"),
          f"clean handlers reported: {r.ev('unsafe')[:3]} {r.ev('errno')[:3]}")


CASES = {
    "unsafe": case_unsafe,
    "flag": case_flag,
    "signal_rule": case_signal_rule,
    "errno_clobber": case_errno_clobber,
    "errno_saved": case_errno_saved,
    "errno_read": case_errno_read,
    "nested": case_nested,
    "longjmp": case_longjmp,
    "stackcheck": case_stackcheck,
    "altstack": case_altstack,
    "threads": case_threads,
    "install_race": case_install_race,
    "resethand": case_resethand,
    "oldact": case_oldact,
    "same_ptr": case_same_ptr,
    "allocator": case_allocator,
    "check_off": case_check_off,
    "dispositions": case_dispositions,
    "python_pyenv": python_case("python3"),
    "python_debian": python_case("/usr/bin/python3.11"),
    "pool_inherit": case_pool_inherit,
    "flood": case_flood,
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--shim", required=True)
    ap.add_argument("--prog", required=True)
    ap.add_argument("--flood", required=True)
    ap.add_argument("--alloc", required=True)
    ap.add_argument("case", choices=sorted(CASES))
    o = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="sigjam-safety-") as tmp:
        try:
            CASES[o.case](o, tmp)
        except Failure as e:
            print(f"FAIL {o.case}: {e}", file=sys.stderr)
            return 1
    print(f"ok {o.case}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
