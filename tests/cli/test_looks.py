"""The seed-002 Pool hang (scenario pool-worker-killed) gives the same
findings on every look: traced ten times in a row, after a debugger
attached and detached (gdb -batch -p), after SIGSTOP/SIGCONT.

Each look's stop, and gdb's and SIGSTOP's, ends the Pool's poll() early;
the kernel continues it as restart_syscall, which the capture decodes back
to the poll it is (tracer/syscalls.c).  One test per way of looking, each
with its own hang."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import unittest

import listed

SIGJAM = None
SCENARIOS = None
PY = "/usr/bin/python3" if os.access("/usr/bin/python3", os.X_OK) else sys.executable
SPEC = "read:in=child:fd=pipe:when=3:signal=KILL@self"


def tree(root):
    """root and its descendants, by the ppid of every /proc/N/stat."""
    parent = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as f:
                    parent[int(d)] = int(f.read().rsplit(")", 1)[1].split()[1])
            except OSError:
                pass
    out, todo = [], [root]
    while todo:
        p = todo.pop()
        out.append(p)
        todo += [c for c, pp in parent.items() if pp == p]
    return out


def ticks_and_running(pids):
    ticks, running = 0, False
    for pid in pids:
        try:
            tids = os.listdir(f"/proc/{pid}/task")
        except OSError:
            continue
        for tid in tids:
            try:
                with open(f"/proc/{pid}/task/{tid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            running |= fields[0] == "R"
            ticks += int(fields[11]) + int(fields[12])
    return ticks, running


class SeedPoolLooks(unittest.TestCase):
    def setUp(self):
        prog = os.path.join(SCENARIOS, "pool-worker-killed", "pool_map.py")
        self.run_ = subprocess.Popen([SIGJAM, "run", "--inject", SPEC, "--", PY, prog],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                     start_new_session=True)
        self.addCleanup(self.end)
        self.pid = self.wait_hang()

    def end(self):
        for pid in tree(self.run_.pid)[::-1]:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self.run_.wait()

    def wait_hang(self):
        """The Pool's pid once the tree (parent, a replacement worker and
        a survivor) has sat still for a second: the hang has formed."""
        end = time.monotonic() + 60
        last, quiet = None, 0
        while time.monotonic() < end:
            pids = tree(self.run_.pid)
            now = ticks_and_running(pids)
            quiet = quiet + 1 if len(pids) >= 4 and not now[1] and now == last else 0
            if quiet >= 4:
                return pids[1]
            last = now
            time.sleep(0.25)
        self.fail("the seed-002 hang did not form within 60 s")

    def look(self):
        p = subprocess.run([SIGJAM, "trace", "--format", "json", str(self.pid)],
                           capture_output=True, text=True, timeout=120)
        self.assertEqual(p.returncode, 1, p.stderr)
        return sorted((f["kind"], f["severity"], tuple(f["pids"]), f["cause"])
                      for f in json.loads(p.stdout)["findings"])

    def first_look(self):
        first = self.look()
        kinds = [f[0] for f in first]
        self.assertIn("deadlock", kinds)
        self.assertIn("blocked-pipe-read", kinds)
        return first

    def test_ten_looks(self):
        first = self.first_look()
        for i in range(9):
            self.assertEqual(self.look(), first, f"look {i + 2}")

    def test_after_gdb(self):
        if not shutil.which("gdb"):
            self.skipTest("gdb is not installed")
        first = self.first_look()
        for pid in tree(self.pid):
            g = subprocess.run(["gdb", "-batch", "-nx", "-p", str(pid), "-ex", "info threads"],
                               capture_output=True, text=True, timeout=120)
            self.assertEqual(g.returncode, 0, g.stderr)
        self.assertEqual(self.look(), first)
        self.assertEqual(self.look(), first)

    def test_after_sigstop_sigcont(self):
        first = self.first_look()
        for pid in tree(self.pid):
            os.kill(pid, signal.SIGSTOP)
        time.sleep(0.3)
        for pid in tree(self.pid):
            os.kill(pid, signal.SIGCONT)
        time.sleep(0.3)
        self.assertEqual(self.look(), first)
        self.assertEqual(self.look(), first)


def main():
    global SIGJAM, SCENARIOS
    a = listed.options(sys.modules[__name__], ["--sigjam", "--scenarios"])
    SIGJAM, SCENARIOS = a.sigjam, a.scenarios
    listed.run(a)

if __name__ == "__main__":
    main()
