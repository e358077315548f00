#!/usr/bin/env python3
"""cases.py — the signal-safety half of the shim on real programs
(tests/safety/progs and each Python): the journal they produced and, where
the program's own behaviour matters, the same program run without the shim.
Run through the shim test driver (tests/common/shimtest.py):

    cases.py --list
    cases.py --shim libsigjam.so --prog safety_prog --flood flood --alloc alloc [--python PY] CASE
"""
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "common"))
from shimtest import Fail, case, expect, main, run, same_behaviour  # noqa: E402

PROG_SRC = os.path.join(HERE, "progs", "safety_prog.c")


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
    raise Fail(f"offset {off:#x} is in no PT_LOAD of {module}")


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
    raise Fail(f"no MARK:{tag} in {PROG_SRC}")


# ---- cases ----

@case
def unsafe(o):
    r = run(o, [o.prog, "unsafe"])
    expect(r.rc == 0, f"program failed: {r.err!r}")
    unsafe = r.ev("unsafe")
    calls = [u["call"] for u in unsafe]
    # Two deliveries; the handler calls malloc twice per run but each
    # function is reported once per handler invocation.
    expect(calls.count("printf") == 2, f"want 2 printf records, got {calls}")
    expect(calls.count("malloc") == 2, f"want 2 malloc records, got {calls}")
    expect(calls.count("free") == 2, f"want 2 free records, got {calls}")
    for u in unsafe:
        expect(u.get("sig") == "SIGUSR1", f"unsafe record without the handler's signal: {u}")
    expect(len(r.ev("deliver", sig="SIGUSR1")) == 2, "want 2 deliver records")
    for d in r.ev("deliver", sig="SIGUSR1"):
        expect(d.get("code") == "SI_TKILL" and d.get("from") == d["pid"] and d.get("depth") == 1,
               f"deliver record: {d}")
    for call in ("printf", "malloc"):
        u = next(x for x in unsafe if x["call"] == call)
        expect(u.get("bt"), f"{call}: no backtrace")
        top = u["bt"][0]
        expect(os.path.realpath(top["m"]) == os.path.realpath(o.prog),
               f"{call}: innermost frame is in {top['m']}, not the program")
        func, line = symbolize(top)
        expect(func == "on_usr1_unsafe" and line == marked_line(call),
               f"{call}: innermost frame symbolizes to {func}:{line}, "
               f"want on_usr1_unsafe:{marked_line(call)}")
    h = r.ev("handler", sig="SIGUSR1")
    expect(len(h) == 1, f"want one handler record, got {h}")
    h = h[0]
    expect(h["func"] == "sigaction" and h["disp"] == "handler" and h["python"] is False,
           f"handler record: {h}")
    expect(os.path.realpath(h["module"]) == os.path.realpath(o.prog), f"handler module: {h}")


@case
def flag(o):
    r = run(o, [o.prog, "flag"])
    expect(r.rc == 0 and r.out == "hits 1\n", f"program: {r.out!r} {r.err!r}")
    expect(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    expect(not r.ev("unsafe"), f"async-signal-safe handler reported: {r.ev('unsafe')}")
    expect(not r.ev("errno"), f"errno reported: {r.ev('errno')}")


@case
def signal_rule(o):
    """`signal` rules fire when the handler is installed, after it is in place."""
    spec = "signal:sig=USR1:signal=USR1@self"
    r = run(o, [o.prog, "flag"], env={"SIGJAM_INJECT": spec})
    expect(r.rc == 0 and r.out == "hits 2\n",
           f"the injected SIGUSR1 should reach the new handler: {r.out!r} {r.err!r}")
    inj = r.ev("inject", hook="signal")
    expect(len(inj) == 1 and inj[0]["func"] == "sigaction", f"inject records: {r.ev('inject')}")
    kinds = [x["ev"] for x in r.j if x["ev"] in ("handler", "inject", "deliver")]
    expect(kinds[:3] == ["handler", "inject", "deliver"], f"order of records: {kinds}")


@case
def errno_clobber(o):
    r = run(o, [o.prog, "errno-clobber"])
    same_behaviour(r, run(o, [o.prog, "errno-clobber"], shim=False), "errno-clobber")
    expect(r.out == "errno after handler EBADF\n", f"program saw {r.out!r}")
    e = r.ev("errno", sig="SIGUSR1")
    expect(len(e) == 1, f"want one errno record, got {r.ev('errno')}")
    expect(e[0]["before"] == "ENOENT" and e[0]["after"] == "EBADF", f"errno record: {e[0]}")
    expect(os.path.realpath(e[0]["module"]) == os.path.realpath(o.prog), f"errno record: {e[0]}")


@case
def errno_saved(o):
    r = run(o, [o.prog, "errno-saved"])
    same_behaviour(r, run(o, [o.prog, "errno-saved"], shim=False), "errno-saved")
    expect(r.out == "errno after handler ENOENT\n", f"program saw {r.out!r}")
    expect(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    expect(not r.ev("errno"), f"errno reported for a handler that restores it: {r.ev('errno')}")


@case
def errno_read(o):
    """A handler that reads errno finds the interrupted code's value, as
    without the shim, and is not reported (it does not change errno)."""
    plain = run(o, [o.prog, "errno-read"], shim=False)
    expect(plain.out == "handler saw ENOENT\nerrno after handler ENOENT\n",
           f"the test program itself is wrong: {plain.out!r}")
    r = run(o, [o.prog, "errno-read"])
    same_behaviour(r, plain, "errno-read")
    expect(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    expect(not r.ev("errno"), f"errno reported for a handler that only reads it: {r.ev('errno')}")


@case
def nested(o):
    r = run(o, [o.prog, "nested"])
    same_behaviour(r, run(o, [o.prog, "nested"], shim=False), "nested")
    n = r.ev("nested")
    expect(len(n) == 1, f"want one nested record, got {n}")
    expect(n[0]["sig"] == "SIGUSR1" and n[0]["outer"] == "SIGUSR1" and n[0]["depth"] == 2,
           f"nested record: {n[0]}")
    depths = sorted(d["depth"] for d in r.ev("deliver", sig="SIGUSR1"))
    expect(depths == [1, 2], f"deliver depths {depths}")


@case
def longjmp(o):
    r = run(o, [o.prog, "longjmp"])
    same_behaviour(r, run(o, [o.prog, "longjmp"], shim=False), "longjmp")
    expect("errno after jump ENOENT" in r.out, f"program saw {r.out!r}")
    expect(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    expect(not r.ev("unsafe"), f"malloc after siglongjmp reported as in a handler: {r.ev('unsafe')}")


@case
def stackcheck(o):
    r = run(o, [o.prog, "stackcheck"])
    same_behaviour(r, run(o, [o.prog, "stackcheck"], shim=False), "stackcheck")
    expect(len(r.ev("deliver", sig="SIGUSR1")) == 1, "the handler was not wrapped")
    expect(not r.ev("unsafe"),
           f"malloc after a jump out of the handler reported as in a handler: {r.ev('unsafe')}")


@case
def altstack(o):
    r = run(o, [o.prog, "altstack"])
    same_behaviour(r, run(o, [o.prog, "altstack"], shim=False), "altstack")
    expect(r.out == "altstack above the thread's stack yes\nhits 1 ok 1\n", f"{r.out!r}")
    calls = [u["call"] for u in r.ev("unsafe")]
    # inside the handler on the alternate stack: malloc and free; after the
    # jump back to the thread's stack: nothing
    expect(sorted(calls) == ["free", "malloc"], f"unsafe calls {calls}")


@case
def small_altstack(o):
    """A handler on a 12 KiB alternate stack calls malloc: the shim's records
    stay on that stack (a record without its backtrace when the unwinder
    would not fit) and the memory below it is untouched (CPython's
    test_signal crashed in GC when the unsafe record's backtrace ran off
    faulthandler's alternate stack)."""
    r = run(o, [o.prog, "small-altstack"])
    same_behaviour(r, run(o, [o.prog, "small-altstack"], shim=False), "small-altstack")
    expect(r.out == "hits 1, memory below the alternate stack untouched\n", f"{r.out!r}")
    expect(r.ev("deliver", sig="SIGUSR1"), "the handler was not wrapped")
    calls = [u["call"] for u in r.ev("unsafe")]
    expect(sorted(calls) == ["free", "malloc"], f"unsafe calls {calls}")


@case
def threads(o):
    r = run(o, [o.prog, "threads"])
    expect(r.out == "other thread allocated during the handler yes\n", f"{r.out!r} {r.err!r}")
    expect(r.ev("deliver", sig="SIGUSR1"), "the handler was not wrapped")
    expect(not r.ev("unsafe"),
           f"another thread's malloc charged to the handler: {r.ev('unsafe')[:2]}")


@case
def install_race(o):
    """Two threads keep swapping a 1-argument and an SA_SIGINFO handler while
    another process floods the signal: every delivery must call the handler
    with its own arity (a torn table read would not), and oldact must always
    be one of the program's handlers."""
    plain = run(o, [o.prog, "install-race"], shim=False)
    expect(plain.out == "oldact mismatches 0\nhandlers ran yes\n", f"without the shim: {plain.out!r}")
    r = run(o, [o.prog, "install-race"])
    same_behaviour(r, plain, "install-race")
    expect(len(r.ev("handler", sig="SIGUSR1")) >= 6000, "installations not journaled")
    expect(r.ev("deliver", sig="SIGUSR1"), "no deliveries were wrapped")


@case
def resethand(o):
    r = run(o, [o.prog, "resethand"])
    same_behaviour(r, run(o, [o.prog, "resethand"], shim=False), "resethand")
    expect(r.out.startswith("after one delivery: SIG_DFL\nkernel: SIG_DFL\n"), f"{r.out!r}")
    expect(r.rc == -10, f"second SIGUSR1 should kill the program, status {r.rc}")
    h = r.ev("handler", sig="SIGUSR1")
    expect(h and "SA_RESETHAND" in h[0]["flags"], f"handler record flags: {h}")


@case
def oldact(o):
    r = run(o, [o.prog, "oldact"])
    plain = run(o, [o.prog, "oldact"], shim=False)
    expect("WRONG" not in plain.out, f"the test program itself is wrong:\n{plain.out}")
    same_behaviour(r, plain, "oldact")
    funcs = [h["func"] for h in r.ev("handler", sig="SIGUSR1")]
    for f in ("sigaction", "signal", "sysv_signal", "sigset"):
        expect(f in funcs, f"no handler record from {f}: {funcs}")
    expect(r.ev("handler", sig="SIGUSR1", disp="ignore"), "signal(SIG_IGN) not journaled")
    expect(r.ev("deliver", sig="SIGUSR2"), "the last handler was not wrapped")


@case
def same_ptr(o):
    """sigaction(sig, &sa, &sa): the `handler` record describes what was
    installed, not the old disposition the kernel wrote back into sa."""
    plain = run(o, [o.prog, "same-ptr"], shim=False)
    expect("WRONG" not in plain.out and plain.rc == 0,
           f"the test program itself is wrong:\n{plain.out}")
    m = re.search(r"h_a (0x[0-9a-f]+) h_b (0x[0-9a-f]+)", plain.err)
    expect(m, f"no handler addresses on stderr: {plain.err!r}")
    for extra in ({}, {"SIGJAM_CHECK": "0"}):
        r = run(o, [o.prog, "same-ptr"], env=extra)
        same_behaviour(r, plain, f"same-ptr {extra}")
        m = re.search(r"h_a (0x[0-9a-f]+) h_b (0x[0-9a-f]+)", r.err)
        h_a, h_b = int(m.group(1), 16), int(m.group(2), 16)
        h = [x for x in r.ev("handler", sig="SIGUSR1", func="sigaction")]
        expect(len(h) == 2, f"{extra}: want two handler records, got {h}")
        first, second = h
        expect(int(first["addr"], 16) == h_a and first["flags"] == "SA_RESTART",
               f"{extra}: first installation: {first}")
        expect(int(second["addr"], 16) == h_b and second["flags"] == "SA_NODEFER",
               f"{extra}: second installation (act == oldact) recorded as {second}, "
               f"want addr {h_b:#x} flags SA_NODEFER")


@case
def allocator(o):
    """A program linked with its own allocator keeps it under the shim: every
    malloc/calloc/realloc/free reaches that library, checks on or off."""
    plain = run(o, [o.alloc], shim=False)
    want = "malloc 12 calloc 1 realloc 2 free 14\n"
    expect(plain.rc == 0 and plain.out == want,
           f"the test program itself is wrong: {plain.out!r} {plain.err!r}")
    on = run(o, [o.alloc])
    same_behaviour(on, plain, "own allocator")
    calls = sorted(u["call"] for u in on.ev("unsafe"))
    expect(calls == ["free", "malloc"], f"the handler's calls are not reported: {calls}")
    off = run(o, [o.alloc], env={"SIGJAM_CHECK": "0"})
    same_behaviour(off, plain, "own allocator, SIGJAM_CHECK=0")


@case
def check_off(o):
    plain = run(o, [o.prog, "kernel"], shim=False)
    on = run(o, [o.prog, "kernel"])
    off = run(o, [o.prog, "kernel"], env={"SIGJAM_CHECK": "0"})
    expect(plain.out.startswith("kernel holds the program's handler"), f"{plain.out!r}")
    expect(on.out.startswith("kernel holds a wrapper"), f"checks on: {on.out!r}")
    expect(on.ev("deliver") and on.ev("unsafe"), "checks on: no deliver/unsafe records")
    same_behaviour(off, plain, "SIGJAM_CHECK=0")
    expect(not off.ev("deliver") and not off.ev("unsafe"),
           "SIGJAM_CHECK=0 still wraps handlers")
    expect(off.ev("handler", sig="SIGUSR1"), "SIGJAM_CHECK=0: installations are still journaled")


def disp_map(rec):
    return {d["sig"]: d for d in rec["list"]}


@case
def dispositions(o):
    r = run(o, [o.prog, "fork-ign"])
    expect(r.out == "child exit 0\n", f"program: {r.out!r} {r.err!r}")
    at_fork = r.ev("dispositions", at="fork")
    at_exec = r.ev("dispositions", at="exec")
    expect(len(at_fork) == 1 and len(at_exec) == 1,
           f"want one dispositions record at fork and one at exec: {at_fork} {at_exec}")
    f = disp_map(at_fork[0])
    expect(f.get("SIGUSR2", {}).get("disp") == "ignore", f"at fork: {at_fork[0]}")
    u1 = f.get("SIGUSR1", {})
    expect(u1.get("disp") == "handler" and
           os.path.realpath(u1.get("module", "")) == os.path.realpath(o.prog),
           f"at fork, SIGUSR1 must be the program's handler (not the trampoline): {u1}")
    x = disp_map(at_exec[0])
    expect(x.get("SIGUSR2", {}).get("disp") == "ignore", f"at exec: {at_exec[0]}")
    expect("SIGUSR1" not in x, f"exec resets handlers to SIG_DFL: {at_exec[0]}")
    expect(at_exec[0]["pid"] == at_fork[0]["pid"], "exec record from another process")


@case(python=True)
def python_handlers(o):
    """CPython's own handlers are recognised as Python's, a libc function
    installed from Python is not, and CPython's trampoline is not unsafe."""
    python = o.python
    code = ("import ctypes, signal\n"
            "signal.signal(signal.SIGTERM, lambda s, f: print('term', flush=True))\n"
            "signal.raise_signal(signal.SIGTERM)\n"
            # a C handler installed from Python (never delivered): not Python's
            "libc = ctypes.CDLL(None)\n"
            "libc.signal.restype = ctypes.c_void_p\n"
            "libc.signal.argtypes = [ctypes.c_int, ctypes.c_void_p]\n"
            "libc.signal(signal.SIGUSR2, ctypes.cast(libc.getpid, ctypes.c_void_p).value)\n")
    r = run(o, [python, "-c", code])
    expect(r.rc == 0 and r.out == "term\n", f"{python}: {r.out!r} {r.err!r}")
    h = [x for x in r.ev("handler", sig="SIGTERM") if x["disp"] == "handler"]
    expect(len(h) == 1, f"want one SIGTERM handler record: {r.ev('handler')}")
    expect(h[0]["func"] == "sigaction" and h[0]["python"] is True,
           f"SIGTERM handler not recognised as CPython's: {h[0]}")
    # CPython installs its own C handler for SIGINT at start-up
    expect(any(x["python"] is True for x in r.ev("handler", sig="SIGINT", disp="handler")),
           f"SIGINT: {r.ev('handler', sig='SIGINT')}")
    c = r.ev("handler", sig="SIGUSR2")
    expect(len(c) == 1 and c[0]["func"] == "signal" and c[0]["python"] is False
           and "libc" in c[0].get("module", ""),
           f"a libc function installed as handler taken for CPython's: {c}")
    # The C-level trampoline is CPython's signal_handler; anything else
    # installed is not Python's (SIGPIPE/SIGXFSZ are set to SIG_IGN).
    ign = r.ev("handler", disp="ignore")
    expect(ign and all(x["python"] is False for x in ign), f"ignore records: {ign}")
    expect(r.ev("deliver", sig="SIGTERM"), "CPython's handler was not wrapped")
    expect(not r.ev("unsafe"), f"CPython's trampoline reported unsafe: {r.ev('unsafe')}")


@case(python=True)
def pool_inherit(o):
    """A parent's Python-level SIGTERM handler, inherited by fork-started pool
    workers (failure catalogue P6), is visible in the workers' dispositions."""
    code = ("import multiprocessing as mp, os, signal\n"
            "signal.signal(signal.SIGTERM, lambda s, f: None)\n"
            "signal.signal(signal.SIGUSR2, signal.SIG_IGN)\n"
            "p = mp.get_context('fork').Pool(2)\n"
            "print(sum(p.map(abs, [-1, -2, -3])))\n"
            "p.close()\n"
            "p.join()\n")
    python = o.python
    r = run(o, [python, "-c", code])
    expect(r.rc == 0 and r.out == "6\n", f"{python}: {r.out!r} {r.err}")
    parent = next(x["pid"] for x in r.ev("start"))
    forks = [x for x in r.ev("dispositions", at="fork") if x["ppid"] == parent]
    expect(len(forks) >= 2, f"{python}: want dispositions from both workers, got {forks}")
    for rec in forks:
        d = disp_map(rec)
        term = d.get("SIGTERM", {})
        expect(term.get("disp") == "handler" and term.get("python") is True,
               f"{python}: worker {rec['pid']} SIGTERM: {term}")
        expect(d.get("SIGUSR2", {}).get("disp") == "ignore",
               f"{python}: worker {rec['pid']} SIGUSR2: {d.get('SIGUSR2')}")


@case
def flood(o):
    args = [o.flood, "4", "8", "3000"]
    plain = run(o, args, shim=False)
    expect(plain.rc == 0, f"without the shim: {plain.err!r}")
    expect(plain.out.endswith("flooder done\nhandlers ran yes\n"), f"{plain.out!r}")
    r = run(o, args)
    same_behaviour(r, plain, "flood")
    expect(len(r.ev("deliver")) > 0, "no deliver records: the handlers were not wrapped")
    expect(not r.ev("unsafe") and not r.ev("errno"),
           f"clean handlers reported: {r.ev('unsafe')[:3]} {r.ev('errno')[:3]}")


if __name__ == "__main__":
    sys.exit(main())
