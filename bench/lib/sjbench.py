"""sjbench — the plumbing of bench/run: timing, statistics, process trees,
the result table.  Nothing here knows what a measurement means."""
import os
import shutil
import signal
import statistics
import subprocess
import threading
import time


class BenchError(Exception):
    """A measurement could not produce its number: the benchmark is broken
    (or sigjam is), not merely slow."""


# ---- statistics -------------------------------------------------------------

def med(xs):
    if not xs:
        raise BenchError("no samples")
    return statistics.median(xs)


def spread(xs):
    """min and max: with 3-7 samples a range says more than a deviation."""
    return min(xs), max(xs)


def fit_line(xs, ys):
    """Least-squares y = a + b*x; returns (a, b)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sxx
    return my - b * mx, b


# ---- formatting ---------------------------------------------------------------

def fmt_time(s):
    if s < 0:
        return "−" + fmt_time(-s)
    if s >= 1:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.1f} ms"
    return f"{s * 1e6:.1f} µs"


def fmt_samples(xs, unit=fmt_time):
    """'median (min–max)' of samples in seconds."""
    lo, hi = spread(xs)
    if len(xs) == 1:
        return unit(xs[0])
    return f"{unit(med(xs))} ({unit(lo)}–{unit(hi)})"


def row(measure, a, b, ratio, target, met, note=None):
    """One line of the result table.  met: True, False or None (no target)."""
    return {"measure": measure, "a": a, "b": b, "ratio": ratio, "target": target,
            "met": met, "note": note}


def table(rows):
    out = ["| measure | A | B | ratio B/A | target | met? |",
           "|---|---|---|---|---|---|"]
    notes = []
    for r in rows:
        met = {True: "yes", False: "**no**", None: "—"}[r["met"]]
        measure = r["measure"]
        if r.get("note"):
            notes.append(r["note"])
            measure += f" [{len(notes)}]"
        out.append(f"| {measure} | {r['a']} | {r['b']} | {r['ratio']} | {r['target']} | {met} |")
    if notes:
        out.append("")
        out.extend(f"[{i}] {n}" for i, n in enumerate(notes, 1))
    return "\n".join(out)


# ---- running things -------------------------------------------------------------

def timed(argv, env=None, check=True, timeout=600):
    """Runs argv to completion; returns (wall_s, cpu_s): cpu_s is user+system
    of argv and every process it reaped (wait4's rusage)."""
    t0 = time.monotonic()
    with open(os.devnull, "wb") as null:
        p = subprocess.Popen(argv, env=env, stdin=subprocess.DEVNULL, stdout=null,
                             stderr=subprocess.PIPE)
    deadline = t0 + timeout
    # stderr is small for every command we time; read it all, then wait4.
    err = p.stderr.read()
    while True:
        pid, status, ru = os.wait4(p.pid, os.WNOHANG)
        if pid == p.pid:
            break
        if time.monotonic() > deadline:
            p.kill()
            os.wait4(p.pid, 0)
            raise BenchError(f"{argv[0]} did not finish within {timeout} s")
        time.sleep(0.001)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stderr.close()
    if check and p.returncode != 0:
        tail = err.decode(errors="replace").strip().splitlines()[-3:]
        raise BenchError(f"{' '.join(argv[:3])}... exited {p.returncode}: {' / '.join(tail)}")
    return wall, ru.ru_utime + ru.ru_stime


def alternate(variants, reps, run):
    """Runs every variant reps times, interleaved and rotated (rep i starts
    with variant i mod n) so drift in the machine's load falls on all of
    them alike.  run(variant) returns one sample; returns {variant: [..]}."""
    out = {v: [] for v in variants}
    for i in range(reps):
        k = i % len(variants)
        for v in variants[k:] + variants[:k]:
            out[v].append(run(v))
    return out


def have(tool):
    return shutil.which(tool) is not None


# ---- process trees ---------------------------------------------------------------

def read_stat(pid):
    """Fields of /proc/PID/stat after the comm, as a list (index 0 = state)."""
    with open(f"/proc/{pid}/stat") as f:
        text = f.read()
    return text[text.rindex(")") + 2:].split()


def children_map():
    kids = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            ppid = int(read_stat(d)[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def tree(root):
    """root and all its descendants, parents first."""
    kids = children_map()
    out, todo = [], [root]
    while todo:
        p = todo.pop(0)
        out.append(p)
        todo.extend(sorted(kids.get(p, [])))
    return out


def thread_states(pids):
    states = []
    for pid in pids:
        try:
            for tid in os.listdir(f"/proc/{pid}/task"):
                states.append(read_stat(f"{pid}/task/{tid}")[0])
        except OSError:
            pass
    return states


def wait_quiet(root, min_procs, timeout, settle=3, step=0.2):
    """Waits until root's tree has min_procs processes, none running, for
    settle checks in a row; returns the tree.  Threads with a timed wait
    (Pool's worker handler polls every 0.1 s) count as quiet: only R/D do
    not."""
    deadline = time.monotonic() + timeout
    calm = 0
    while time.monotonic() < deadline:
        pids = tree(root)
        states = thread_states(pids)
        ok = len(pids) >= min_procs and states and all(s in "SZ" for s in states)
        calm = calm + 1 if ok else 0
        if calm >= settle:
            return pids
        time.sleep(step)
    raise BenchError(f"tree of pid {root} did not settle within {timeout} s "
                     f"(processes: {len(tree(root))}, wanted >= {min_procs})")


class watchdog:
    """with watchdog(p, secs): kills p's process group if the block is still
    running after secs, so a blocking read on a hung child's pipe ends
    (a broken workload must fail the bench, not hang it)."""

    def __init__(self, p, secs):
        self.p, self.fired = p, False
        self.timer = threading.Timer(secs, self._fire)

    def _fire(self):
        self.fired = True
        try:
            os.killpg(self.p.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc):
        self.timer.cancel()
        if self.fired and exc[0] is None:
            raise BenchError(f"{self.p.args[0]} took too long; killed it")
        return False


def kill_tree(p):
    """Ends a Popen started with start_new_session=True and everything it
    started.  Killing its process group is not enough: `sigjam run` puts
    the program it runs in a group of its own (to signal the tree on a
    hang), so the tree is collected first, its groups killed, then each
    process (a Pool's workers are reparented to init once their parent
    dies; collected before, they are still ours to end)."""
    pids = tree(p.pid) if p.poll() is None else []
    groups = set()
    for pid in pids:
        try:
            groups.add(int(read_stat(pid)[2]))  # pgrp
        except (OSError, ValueError, IndexError):
            pass
    groups.add(p.pid)
    for g in groups:
        try:
            os.killpg(g, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    try:
        p.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass


def self_cpu_of_zombie(pid):
    """Waits for pid (our child) to exit without reaping it and returns its
    own user+system seconds, excluding the children it reaped: the stat of
    a zombie still holds them.  Then reaps it; returns (cpu_s, exit code)."""
    os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT)
    f = read_stat(pid)
    tck = os.sysconf("SC_CLK_TCK")
    cpu = (int(f[11]) + int(f[12])) / tck  # utime, stime (fields 14, 15)
    _, status = os.waitpid(pid, 0)
    return cpu, os.waitstatus_to_exitcode(status)


def machine():
    model = "unknown"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {
        "nproc": os.cpu_count(),
        "cpu": model,
        "kernel": os.uname().release,
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "load": "%.2f %.2f %.2f" % os.getloadavg(),
    }

