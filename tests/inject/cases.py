#!/usr/bin/env python3
"""cases.py — the injection half of the shim on real programs (sjprog, and
pool.py under each Python): what the program printed against what the
journal recorded.  Run through the shim test driver (tests/common/shimtest.py):

    cases.py --list
    cases.py --shim libsigjam.so --prog sjprog --pool pool.py [--python PY] CASE

Programs run in their own session (a rule like signal=INT@group must not
reach ctest)."""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
from shimtest import Fail, case, expect, main, run  # noqa: E402

SPEC_KILL3 = "read:in=child:fd=pipe:when=3:signal=KILL@self"
SPEC_DURING = "read:in=parent:fd=pipe:during=200ms:signal=TERM@self"
SPEC_FORKKILL = "fork:in=child:signal=KILL@self"
SPEC_GROUPINT = "fork:in=parent:when=2:signal=INT@group"
SPEC_SEEDED = "read:p=0.1:error=EINTR;read:fd=pipe:short=1"


# ---------------------------------------------------------------- shared checks

def check_kill3(r, strict):
    inj = r.ev("inject")
    expect(inj, "no inject record")
    expect(r.top is not None, "no start record with role parent")
    children = set(r.forks_of(r.top))
    for i in inj:
        expect(i["pid"] != r.top, f"rule fired in the parent: {i}")
        expect(i["pid"] in children, f"rule fired in a process that is not a forked worker: {i}")
        expect((i["n"], i["func"], i["fdkind"], i["action"], i["sig"], i["target"]) ==
               (3, "read", "pipe", "signal", "SIGKILL", "self"), f"wrong injection {i}")
    killed = {x["child"] for x in r.ev("reap", status="killed by SIGKILL")}
    injected = {i["pid"] for i in inj}
    if strict:
        expect(injected == children, f"workers {children} but injections in {injected}")
        expect(killed == children, f"reaps killed by SIGKILL {killed}, workers {children}")
    else:
        expect(killed & injected, f"no injected worker reaped as killed by SIGKILL: {killed} {injected}")


def check_forkkill(r, strict):
    forks = r.forks_of(r.top)
    inj = r.ev("inject")
    expect(forks and inj, "no fork or no inject records")
    by_pid = {i["pid"]: i for i in inj}
    expect(all(i["pid"] != r.top for i in inj), "fork:in=child acted in the parent")
    for k, child in enumerate(forks, 1):
        if not strict and child not in by_pid:
            continue  # Python: the last worker may be forked as we time out
        expect(child in by_pid, f"forked child {child} has no inject record")
        i = by_pid[child]
        expect((i["n"], i["action"], i["sig"], i["target"], i["hook"]) == (k, "signal", "SIGKILL", "self", "fork"),
               f"child {child} (fork #{k}): {i}")
    killed = {x["child"] for x in r.ev("reap", status="killed by SIGKILL")}
    if strict:
        expect(killed == set(forks), f"killed {killed} forked {forks}")
    else:
        expect(killed, "no child reaped as killed by SIGKILL")


def check_groupint(r):
    inj = r.ev("inject")
    expect(len(inj) == 1, f"expected one injection, got {inj}")
    i = inj[0]
    expect(i["pid"] == r.top and i["n"] == 2 and i["sig"] == "SIGINT" and i["target"] == "group",
           f"wrong injection {i}")
    expect(i["target_pid"] == -os.getpgid(0) or i["target_pid"] == -r.top,
           f"target_pid {i['target_pid']} is not -pgid {-r.top}")
    mine = [x for x in r.j if x["pid"] == r.top and x["ev"] in ("fork", "inject")]
    kinds = [x["ev"] for x in mine]
    expect(kinds[:4] == ["fork", "fork", "inject", "fork"], f"order of fork/inject in the parent: {kinds}")


def decisions(r):
    """(lineage, rule, n, action) for every injection; lineage names a process
    by its position in the fork tree ('r', 'r/1', 'r/1/2'), never by pid."""
    names = {r.top: "r"}
    count = {}
    for x in r.j:
        if x["ev"] == "fork" and x["pid"] in names:
            count[x["pid"]] = count.get(x["pid"], 0) + 1
            names[x["child"]] = f"{names[x['pid']]}/{count[x['pid']]}"
    out = set()
    for x in r.ev("inject"):
        expect(x["pid"] in names, f"injection in an unknown process {x}")
        out.add((names[x["pid"]], x["rule"], x["n"], x["action"]))
    return out


def check_seeded(args, argv, only=None):
    runs = [run(args, argv, SPEC_SEEDED, {"SIGJAM_SEED": s}) for s in ("42", "42", "7")]
    dec = []
    for r in runs:
        expect(r.rc == 0, f"rc {r.rc}, stderr {r.err}")
        d = decisions(r)
        if only:
            d = {x for x in d if only(x[0])}
        dec.append(d)
    rules = {x[1] for x in dec[0]}
    expect(rules == {0, 1}, f"both rules should fire (rules seen: {rules})")
    expect(any(x[3] == "error" for x in dec[0]), "p=0.1 never fired")
    expect(dec[0] == dec[1], f"same seed, different decisions:\n{sorted(dec[0] ^ dec[1])}")
    expect(dec[0] != dec[2], "a different seed gave the very same decisions")
    return runs[0]


# ---------------------------------------------------------------- C cases

@case
def c_kill3(args):
    r = run(args, [args.prog, "workers", "2"], SPEC_KILL3)
    expect("worker 0: killed 9" in r.lines() and "worker 1: killed 9" in r.lines(), r.out)
    check_kill3(r, strict=True)


@case
def c_during(args):
    r = run(args, [args.prog, "during"], SPEC_DURING)
    lines = r.lines()
    expect("read 4 value 42" in lines, r.out)
    eintr = int(lines[1].split()[1])
    expect(eintr >= 1 and "term_in_read 1" in lines[1], f"no EINTR/handler while blocked: {r.out}")
    inj = r.ev("inject")
    expect(all(i["pid"] == r.top and i["action"] == "during" and i["ns"] == 200000000 for i in inj), str(inj))
    # A relay that lands in the instant the read returns gives a record without EINTR.
    expect(eintr <= len(inj) <= eintr + 1, f"{len(inj)} records for {eintr} EINTRs")


@case
def c_during_quick(args):
    """A call that returns before DUR gets no signal."""
    r = run(args, [args.prog, "workers", "1"], "read:in=parent:fd=pipe:during=5s:signal=TERM@self")
    expect(r.rc == 0 and "results 3 sum 12" in r.lines(), f"rc {r.rc}: {r.out}")
    expect(not r.ev("inject"), f"during fired on quick reads: {r.ev('inject')}")


@case
def c_forkkill(args):
    r = run(args, [args.prog, "forkonly", "3"], SPEC_FORKKILL)
    expect(r.lines() == [f"child {i}: killed 9" for i in range(3)], r.out)
    check_forkkill(r, strict=True)


@case
def c_groupint(args):
    r = run(args, [args.prog, "forkgroup", "3"], SPEC_GROUPINT)
    expect(r.lines() == ["child 0: exited 1", "child 1: exited 1", "child 2: exited 0", "parent sigint 1"], r.out)
    check_groupint(r)


@case
def c_seeded(args):
    r = check_seeded(args, [args.prog, "workers", "2"])
    expect("results 6 sum 624" in r.lines(), f"the program did not cope: {r.out}")


@case
def c_results(args):
    r = run(args, [args.prog, "results"],
            "read:fd=pipe:when=1:error=0;read:fd=pipe:when=2:retval=0;read:fd=pipe:when=3:short=1;"
            "read:fd=pipe:when=1:error=EIO")
    expect(r.lines() == ["read1 -1 errno 0", "read2 0 errno 0", "read3 1 errno 0"], r.out)
    acts = [(i["rule"], i["n"], i["action"]) for i in r.ev("inject")]
    # Rule 3 also fires on call 1 but the first error/retval rule wins.
    expect(acts == [(0, 1, "error"), (1, 2, "retval"), (2, 3, "short")], str(acts))
    expect(r.ev("inject")[0]["errno"] == 0 or r.ev("inject")[0]["errno"] == "0", str(r.ev("inject")[0]))


@case
def c_delay(args):
    r = run(args, [args.prog, "delay"], "write:fd=pipe:when=1:delay=300ms")
    words = r.lines()[0].split()
    expect(int(words[2]) >= 300 and words[-1] == "1", f"delay cut short or signal lost: {r.out}")
    i = r.ev("inject")
    expect(len(i) == 1 and i[0]["action"] == "delay" and i[0]["ns"] == 300000000, str(i))


@case
def c_exit(args):
    r = run(args, [args.prog, "child_read"], "read:in=child:fd=pipe:when=1:exit=7")
    expect(r.lines() == ["child 0: exited 7"], r.out)
    expect([x["status"] for x in r.ev("reap")] == ["exited 7"], str(r.ev("reap")))
    expect([i["action"] for i in r.ev("inject")] == ["exit"], str(r.ev("inject")))


@case
def c_crash(args):
    r = run(args, [args.prog, "child_read"], "read:in=child:when=1:crash")
    expect(r.lines() == ["child 0: killed 11"], r.out)
    expect([x["status"] for x in r.ev("reap")] == ["killed by SIGSEGV"], str(r.ev("reap")))
    expect([i["action"] for i in r.ev("inject")] == ["crash"], str(r.ev("inject")))


@case
def c_crash_handler(args):
    """crash is a real fault: the program's own SIGSEGV handler runs."""
    r = run(args, [args.prog, "child_read", "segv"], "read:in=child:when=1:crash")
    expect(r.lines() == ["segv handler ran", "child 0: exited 42"], r.out)


@case
def c_parent(args):
    r = run(args, [args.prog, "parent_sig", "2"], "read:in=child:fd=pipe:when=1:signal=USR1@parent")
    expect(r.lines() == ["usr1 2 of 2"], r.out)
    inj = r.ev("inject")
    expect(len(inj) == 2 and all(i["target"] == "parent" and i["target_pid"] == r.top and i["pid"] != r.top
                                 for i in inj), str(inj))


@case
def c_children(args):
    r = run(args, [args.prog, "children_sig", "3"], "write:in=parent:fd=pipe:when=1:signal=TERM@children")
    expect(r.lines() == [f"child {i}: killed 15" for i in range(3)], r.out)
    inj = r.ev("inject")
    expect(len(inj) == 1 and inj[0]["pid"] == r.top and inj[0]["target"] == "children", str(inj))


@case
def c_comm(args):
    r = run(args, [args.prog, "comm"], "read:comm=cat:fd=pipe:when=1:error=EIO")
    expect(r.lines() == ["cat said []", "cat 0: exited 1"], r.out)
    cats = [x["pid"] for x in r.ev("start", comm="cat")]
    inj = r.ev("inject")
    expect(len(cats) == 1 and [i["pid"] for i in inj] == cats, f"cat {cats}, injections {inj}")
    expect(r.ev("start", comm="cat")[0]["role"] == "child", "an exec'd child must have role child")


@case
def c_reap(args):
    r = run(args, [args.prog, "reap"], core=True)
    got = [(x["func"], x["status"], x["code"], x["sig"], x["core"]) for x in r.ev("reap", pid=r.top)]
    abrt = got[2] if len(got) > 2 else None
    expect(got[:2] == [("waitpid", "exited 3", 3, None, False), ("wait4", "killed by SIGTERM", None, "SIGTERM", False)],
           str(got))
    expect(abrt and abrt[0] == "waitid" and abrt[3] == "SIGABRT" and
           abrt[1] == ("killed by SIGABRT (core dumped)" if abrt[4] else "killed by SIGABRT"), str(got))
    expect(got[3:] == [("wait", "exited 5", 5, None, False)], str(got))
    kills = [(k["func"], k["sig"]) for k in r.ev("kill", pid=r.top)]
    expect(("kill", "SIGTERM") in kills, str(kills))
    exits = sorted((x["func"], x["code"]) for x in r.ev("exit") if x["pid"] != r.top)
    expect(exits == [("_exit", 3), ("exit", 5)], str(exits))


@case
def c_concurrent(args):
    r = run(args, [args.prog, "concurrent", "8", "500"])
    expect(r.lines() == ["done 8 x 500"], r.out)
    per = {}
    for k in r.ev("kill"):
        per[k["pid"]] = per.get(k["pid"], 0) + 1
    expect(len(per) == 8 and set(per.values()) == {500}, f"kill records per process: {per}")


@case
def c_errno(args):
    spec = ("read:fd=pipe:when=1:delay=1ms;read:fd=pipe:when=2:short=1;"
            "read:in=parent:fd=pipe:during=5s:signal=USR2@self;write:fd=pipe:delay=1ms;fork:in=parent:delay=1ms")
    plain = run(args, [args.prog, "errno"], shim=False)
    expect(plain.lines() == ["errno checks done, 0 bad"], f"the test itself is wrong: {plain.out}")
    for s in (None, spec):
        r = run(args, [args.prog, "errno"], s)
        expect(r.lines() == ["errno checks done, 0 bad"], f"spec {s}: {r.out}")
    expect(r.ev("inject"), "the rules did not fire")


@case
def c_vfork(args):
    r = run(args, [args.prog, "vfork"])
    expect(r.lines() == ["exec child ran", "vfork-exec 0: exited 0", "vfork-exit 0: exited 7"], r.out)
    # The parent writes its `fork` record once the child exec'd or exited
    # (vfork.c returns through the shim in the parent).
    forks = r.ev("fork", pid=r.top, func="vfork")
    expect(len(forks) == 2, f"a fork record per vfork: {r.ev('fork')}")
    sh = r.ev("start", comm="sh")
    expect(len(sh) == 1 and sh[0]["ppid"] == r.top and sh[0]["role"] == "child", str(sh))
    expect(sh[0]["pid"] == forks[0]["child"], f"{sh} vs {forks}")
    # (sh's own _exit(0) is journaled too)
    ex = r.ev("exit", func="_exit", code=7)
    expect(len(ex) == 1 and ex[0]["pid"] != r.top and ex[0]["ppid"] == r.top, str(r.ev("exit")))


@case
def c_vfork_rules(args):
    """Fork-hook rules still apply to vfork: error= is answered before any
    child exists, and a rule acting in the child gets a real fork."""
    r = run(args, [args.prog, "vfork_errno"], "fork:when=1:error=EAGAIN")
    expect(r.err.startswith("sjprog: vfork: Resource temporarily unavailable"), r.err)
    expect([(i["func"], i["action"]) for i in r.ev("inject")] == [("vfork", "error")], str(r.ev("inject")))
    r = run(args, [args.prog, "vfork"], "fork:in=child:when=2:exit=3")
    expect(r.lines() == ["exec child ran", "vfork-exec 0: exited 0", "vfork-exit 0: exited 3"], r.out)
    # The child-side exit= needs shim code in the child: that call was a real fork.
    forks = r.ev("fork", pid=r.top, func="vfork")
    expect(len(forks) == 2, f"a fork record per vfork: {r.ev('fork')}")
    inj = r.ev("inject")
    expect(len(inj) == 1 and inj[0]["pid"] == forks[1]["child"] and inj[0]["action"] == "exit", str(inj))


@case
def c_vfork_errno(args):
    """The child's exec errno, stored in memory shared with the parent."""
    want = ["exec errno ENOENT", "vfork-child 0: exited 127"]
    plain = run(args, [args.prog, "vfork_errno"], shim=False)
    expect(plain.lines() == want, f"the test itself is wrong: {plain.out}")
    for spec in (None, "fork:in=parent:when=99:delay=1ms"):
        r = run(args, [args.prog, "vfork_errno"], spec)
        expect(r.lines() == want, f"spec {spec}: {r.out}{r.err}")


@case
def c_vfork_suspend(args):
    """The parent resumes only after the vfork child exited."""
    want = ["parent resumed, child flag 1", "vfork-child 0: exited 0"]
    plain = run(args, [args.prog, "vfork_suspend"], shim=False)
    expect(plain.lines() == want, f"the test itself is wrong: {plain.out}")
    r = run(args, [args.prog, "vfork_suspend"])
    expect(r.lines() == want, f"{r.out}{r.err}")


@case
def c_spawn(args):
    r = run(args, [args.prog, "spawn"])
    expect(r.lines() == ["posix_spawn 0: exited 0", "posix_spawnp 0: exited 4", "system 0: exited 3",
                         "popen: from popen", "pclose 0: exited 0"], r.out)
    sp = r.ev("spawn", pid=r.top)
    expect([(s["func"], s["cmd"]) for s in sp] ==
           [("posix_spawn", "/bin/true"), ("posix_spawnp", "sh"), ("system", "exit 3"), ("popen", "echo from popen")],
           str(sp))
    true_start = r.ev("start", comm="true")
    expect(true_start and true_start[0]["pid"] == sp[0]["child"] and true_start[0]["role"] == "child",
           f"posix_spawn child {sp[0].get('child')} vs {true_start}")


@case
def c_identical(args):
    a = run(args, [args.prog, "env", "3"], shim=False)
    b = run(args, [args.prog, "env", "3"], "")
    expect((a.out, a.err, a.rc) == (b.out, b.err, b.rc), f"differs:\n{a.out}{a.err}\n---\n{b.out}{b.err}")
    expect(b.ev("start"), "the shim did not load")


@case
def c_badspec(args):
    r = run(args, [args.prog, "workers", "2"], "read:bogus=1")
    expect(r.err.startswith("sigjam: SIGJAM_INJECT column 6: "), f"stderr: {r.err!r}")
    expect(r.lines()[0] == "results 6 sum 624" and r.rc == 0, r.out)
    expect(r.ev("start")[0]["rules"] == 0, str(r.ev("start")))


@case
def c_reopen(args):
    """The program closes our descriptor: the journal is reopened."""
    r = run(args, [args.prog, "closeall"])
    expect(r.lines() == ["closed"], r.out + r.err)
    expect(len(r.ev("kill", pid=r.top)) == 2, f"records after close_range lost: {r.j}")


@case
def c_escape(args):
    cmd = 'echo "q\\"uote" tab\there \xe9t\xe9 ' + "x" * 300
    r = run(args, [args.python, "-c", f"import os; os.system({cmd!r})"])
    sp = r.ev("spawn", func="system")
    expect(len(sp) == 1, str(r.j))
    got = sp[0]["cmd"]
    expect(cmd.startswith(got) and len(got.encode()) <= 200 and len(got.encode()) >= 195, repr(got))


# ---------------------------------------------------------------- counting (sjcount)

def fired(r, rule=None):
    """The counts at which rule (any rule: None) fired, in journal order."""
    return [i["n"] for i in r.ev("inject") if rule is None or i["rule"] == rule]


def counted(args, t, n, spec, seed="1"):
    r = run(args, [args.counter, "threads", str(t), str(n)], spec, {"SIGJAM_SEED": seed})
    expect(r.rc == 0, f"rc {r.rc}: {r.out}{r.err}")
    got = fired(r)
    expect(len(got) == len(set(got)), f"a count fired twice: {sorted(got)}")
    expect(r.lines() == [f"reads {t * n} injected {len(got)}"],
           f"the program saw other injections than the journal ({len(got)}): {r.out}")
    return set(got)


@case
def c_count_window(args):
    """when=F..L+S on one counter shared by 8 threads: exactly the window's
    calls fire, once each; an open window the same."""
    got = counted(args, 8, 2000, "read:when=3..15000+7:retval=7")
    expect(got == set(range(3, 15001, 7)), f"fired at {sorted(got)[:10]}..., {len(got)} times")
    got = counted(args, 8, 2000, "read:when=15990+3:retval=7")
    expect(got == {15990, 15993, 15996, 15999}, f"fired at {sorted(got)}")


@case
def c_count_p(args):
    """p= decides by the count alone: 8 threads racing on one rule fire at
    exactly the counts one thread fires at (another process, another pid),
    at the rate p; another seed gives other counts."""
    spec = "read:when=10..:p=0.05:retval=7"
    one = counted(args, 1, 40000, spec)
    many = counted(args, 8, 5000, spec)
    expect(one == many, f"threads changed the decisions: {sorted(one ^ many)[:20]}")
    # 39991 calls in the window, p=0.05: mean 1999.6, sigma 43.6; 5 sigma
    expect(1782 <= len(one) <= 2218, f"{len(one)} fires of 39991 calls at p=0.05")
    expect(min(one) >= 10, f"fired before the window: {min(one)}")
    other = counted(args, 8, 5000, spec, seed="2")
    expect(other != one, "another seed gave the very same decisions")


@case
def c_count_mixed(args):
    """Rules with and without filters on one hook: the plain ones count every
    read, the fd= ones only the reads that pass their filter."""
    r = run(args, [args.counter, "mixed", "20"],
            "read:when=3..11+4:retval=7;read:fd=pipe:when=2+5:retval=9;read:fd=file:when=5:error=EIO;"
            "read:fd=socket:when=1:retval=5;read:p=0:retval=3")
    expect(r.rc == 0, f"rc {r.rc}: {r.out}{r.err}")
    # The program's calls: odd ones read the file, even ones the pipe.
    want = {3: 7, 7: 7, 11: 7,           # rule 0 on calls 3, 7, 11
            4: 9, 14: 9, 24: 9, 34: 9,   # rule 1 on pipe reads 2, 7, 12, 17
            9: -1}                       # rule 2 on file read 5
    expect(r.lines() == [f"call {c} ret {v}" for c, v in sorted(want.items())] + ["reads 40 injected 8"], r.out)
    got = sorted((i["rule"], i["n"]) for i in r.ev("inject"))
    expect(got == [(0, 3), (0, 7), (0, 11), (1, 2), (1, 7), (1, 12), (1, 17), (2, 5)], str(got))


# ---------------------------------------------------------------- Python cases

def py(args, *a):
    return [args.python, args.pool, *a]


@case(python=True)
def p_kill3(args):
    r = run(args, py(args, "map", "2", "3"), SPEC_KILL3)
    expect(r.lines() == ["timeout"], r.out + r.err)
    check_kill3(r, strict=False)


@case(python=True)
def p_during(args):
    r = run(args, py(args, "during"), SPEC_DURING)
    expect(r.lines() == ["result 42", "sigterm handled True"], r.out + r.err)
    inj = r.ev("inject")
    expect(inj and all(i["pid"] == r.top and i["action"] == "during" for i in inj), str(inj))


@case(python=True)
def p_forkkill(args):
    r = run(args, py(args, "map", "2", "2"), SPEC_FORKKILL)
    expect(r.lines() == ["timeout"], r.out + r.err)
    check_forkkill(r, strict=False)


@case(python=True)
def p_groupint(args):
    r = run(args, py(args, "int"), SPEC_GROUPINT)
    expect(r.lines()[0] == "parent sigint 1", r.out + r.err)
    check_groupint(r)


@case(python=True)
def p_seeded(args):
    r = check_seeded(args, py(args, "map", "1"), only=lambda lineage: lineage != "r")
    expect(r.lines() == ["results 12 sum 132"], r.out + r.err)


@case(python=True)
def p_identical(args):
    a = run(args, py(args, "env"), shim=False)
    b = run(args, py(args, "env"), "")
    expect((a.out, a.err, a.rc) == (b.out, b.err, b.rc), f"differs:\n{a.out}{a.err}\n---\n{b.out}{b.err}")
    expect(b.ev("start"), "the shim did not load")


if __name__ == "__main__":
    sys.exit(main())
