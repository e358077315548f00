"""Integration tests of the `sigjam` command line on real processes.

Every test starts its own processes and cleans them up; none asserts on
timings beyond generous upper bounds."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

import listed

SIGJAM = None
CYCLE = None
PY = sys.executable


def sigjam(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 90)
    return subprocess.run([SIGJAM, *args], **kw)


def one_line_error(testcase, proc, prefix):
    """Exit 2 and exactly one error line."""
    lines = proc.stderr.strip().splitlines()
    testcase.assertEqual(proc.returncode, 2, proc.stderr)
    testcase.assertEqual(len(lines), 1, proc.stderr)
    testcase.assertTrue(lines[0].startswith(prefix), proc.stderr)


class CheckSpec(unittest.TestCase):
    def test_valid_spec_explained(self):
        p = sigjam("check-spec", "read:in=child:fd=pipe:when=3:signal=KILL@self")
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("rule 1:", p.stdout)
        self.assertIn("SIGKILL", p.stdout)
        self.assertIn("3rd", p.stdout)

    def test_bad_spec_one_line_exit_2(self):
        p = sigjam("check-spec", "read:fd=pipe:when=3:signal=KILLL")
        one_line_error(self, p, "sigjam check-spec: column")
        self.assertIn("KILLL", p.stderr.splitlines()[0])

    def test_action_the_hook_cannot_do(self):
        """A signal installation is always made: error= on it used to parse
        and do nothing (hooks.def's `skip` column now says so)."""
        p = sigjam("check-spec", "signal:sig=INT:error=EINVAL")
        one_line_error(self, p, "sigjam check-spec: column 16: ")
        self.assertIn("only their calls can be skipped", p.stderr)


class Usage(unittest.TestCase):
    def test_unknown_command(self):
        p = sigjam("frobnicate")
        one_line_error(self, p, "sigjam: unknown command")

    def test_trace_bad_pid(self):
        one_line_error(self, sigjam("trace", "abc"), "sigjam trace:")

    def test_trace_vanished_pid(self):
        child = subprocess.Popen(["true"])
        child.wait()
        p = sigjam("trace", str(child.pid))
        one_line_error(self, p, "sigjam trace:")

    def test_run_missing_command(self):
        p = sigjam("run", "--", "/nonexistent/program")
        one_line_error(self, p, "sigjam run:")
        self.assertIn("/nonexistent/program", p.stderr)

    def test_run_bad_spec(self):
        p = sigjam("run", "--inject", "reed:signal=KILL", "--", "true")
        one_line_error(self, p, "sigjam run: --inject column")

    def test_unknown_and_valueless_options(self):
        for args, prefix in ((["run", "-x", "--", "true"], "sigjam run: unknown option -x"),
                             (["run", "--inject"], "sigjam run: option --inject needs a value"),
                             (["trace", "--bogus", "1"], "sigjam trace: unknown option --bogus"),
                             (["report", "-z", "j"], "sigjam report: unknown option -z"),
                             (["scenario", "run", "-q", "x"], "sigjam scenario: unknown option -q"),
                             (["scenario", "list", "extra"], "sigjam scenario: list takes no"),
                             (["demo", "extra"], "sigjam demo: takes no arguments")):
            with self.subTest(args=args):
                one_line_error(self, sigjam(*args), prefix)

    def test_report_of_a_non_journal(self):
        for path in ("/etc/passwd", "/dev/null"):
            with self.subTest(path=path):
                one_line_error(self, sigjam("report", path), "sigjam report:")

    def test_hang_after_too_small(self):
        one_line_error(self, sigjam("run", "--hang-after", "1ns", "--", "true"), "sigjam run: --hang-after")

    def test_trace_bad_output_leaves_target_alone(self):
        proc = subprocess.Popen(["sleep", "100"])
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        for args in (["-o", "/nonexistent/x"], ["--report", "json:/nonexistent/x"]):
            with self.subTest(args=args):
                p = sigjam("trace", *args, str(proc.pid))
                one_line_error(self, p, "sigjam trace: cannot write /nonexistent/x")
                self.assertEqual(p.stdout, "")   # nothing captured, nothing printed

    def test_run_bad_report_format(self):
        p = sigjam("run", "--report", "pdf:x.pdf", "--", "true")
        one_line_error(self, p, "sigjam run: --report")


class Run(unittest.TestCase):
    def test_exit_status_passed_on(self):
        self.assertEqual(sigjam("run", "--", "sh", "-c", "exit 3").returncode, 3)

    def test_killed_status_128_plus_signal(self):
        p = sigjam("run", "--", "sh", "-c", "kill -9 $$")
        self.assertEqual(p.returncode, 128 + 9)

    def test_journal_and_report(self):
        with tempfile.TemporaryDirectory() as d:
            j = os.path.join(d, "j.jsonl")
            p = sigjam("run", "--journal", j, "--inject", "fork:in=child:signal=KILL@self",
                       "--", "sh", "-c", "sleep 0.1 & wait; echo done")
            self.assertEqual(p.returncode, 0, p.stderr)
            self.assertIn("done", p.stdout)
            recs = [json.loads(l) for l in open(j) if l.strip()]
            self.assertTrue(any(r["ev"] == "start" for r in recs))
            self.assertTrue(any(r["ev"] == "inject" and r.get("sig") == "SIGKILL" for r in recs))
            r = sigjam("report", j)
            self.assertIn(r.returncode, (0, 1), r.stderr)
            self.assertIn("SIGKILL", r.stdout)
            rj = sigjam("report", "--format", "json", j)
            json.loads(rj.stdout)

    def test_role_ignores_shim_read_as_a_file(self):
        # sigjam's libdw maps libsigjam.so read-only to symbolize; a program
        # started by such a process is still a top-level one ("parent").
        import mmap
        shim = os.path.join(os.path.dirname(SIGJAM), "..", "lib", "sigjam", "libsigjam.so")
        with open(shim, "rb") as f, mmap.mmap(f.fileno(), 0, prot=mmap.PROT_READ), \
                tempfile.TemporaryDirectory() as d:
            j = os.path.join(d, "j.jsonl")
            env = dict(os.environ, LD_PRELOAD=os.path.realpath(shim), SIGJAM_JOURNAL=j)
            subprocess.run(["true"], env=env, check=True)
            starts = [json.loads(l) for l in open(j) if '"start"' in l]
        self.assertEqual([r["role"] for r in starts], ["parent"])

    # An orphaned grandchild reports its new parent: the nearest reaper.
    ORPHAN = ("import os, time\n"
              "r, w = os.pipe()\n"
              "if os.fork() == 0:\n"
              "    child = os.getpid()\n"
              "    if os.fork() == 0:\n"
              "        while os.getppid() == child:\n"
              "            time.sleep(0.005)\n"
              "        os.write(w, str(os.getppid()).encode())\n"
              "        os._exit(0)\n"
              "    os._exit(0)\n"
              "os.wait()\n"
              "os.close(w)\n"
              "print('reaped by my parent', int(os.read(r, 64)) == os.getppid())\n")

    def test_subreaper_only_while_watching(self):
        """Without a watch, an orphan goes where it would without sigjam
        (a program can tell sigjam's pid from its reaper's); while sigjam
        watches the tree it keeps its orphans (docs/inject.md)."""
        p = sigjam("run", "-q", "--", PY, "-c", self.ORPHAN)
        self.assertEqual((p.returncode, p.stdout), (0, "reaped by my parent False\n"), p.stderr)
        p = sigjam("run", "-q", "--hang-after", "60s", "--", PY, "-c", self.ORPHAN)
        self.assertEqual((p.returncode, p.stdout), (0, "reaped by my parent True\n"), p.stderr)

    def test_sigint_forwarded_to_program(self):
        prog = ("import signal, sys, time\n"
                "def h(s, f):\n    print('got SIGINT', flush=True); sys.exit(5)\n"
                "signal.signal(signal.SIGINT, h)\n"
                "print('ready', flush=True)\n"
                "time.sleep(60)\n")
        p = subprocess.Popen([SIGJAM, "run", "--", PY, "-c", prog], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, start_new_session=True)
        self.assertEqual(p.stdout.readline().strip(), "ready")
        os.kill(p.pid, signal.SIGINT)   # to sigjam only, as a CI runner would
        out, err = p.communicate(timeout=60)
        self.assertIn("got SIGINT", out)
        self.assertEqual(p.returncode, 5, err)


class Scenario(unittest.TestCase):
    def test_verdict_independent_of_inherited_sigint(self):
        # A sigjam started as a background job of a script inherits SIGINT
        # ignored; the scenario's program must not (scenario 3 injects ^C).
        p = sigjam("scenario", "run", "--python", "local", "sigint-group-kills-children",
                   preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("0 failed", p.stdout)


class Watch(unittest.TestCase):
    def test_pipe_cycle_is_a_hang(self):
        p = sigjam("run", "--hang-after", "1s", "--", CYCLE)
        self.assertEqual(p.returncode, 124, p.stderr)
        self.assertIn("deadlock", p.stderr)

    # The three healthy shapes of the watch issue, with its numbers: a job
    # that sleeps in 1 s steps, one that computes for 5 s, one that waits
    # 5 s for a producer outside its tree — none is a hang at 2 s.
    def test_sleeper_is_not_a_hang(self):
        p = sigjam("run", "--hang-after", "2s", "--", "sh", "-c",
                   "for i in 1 2 3 4 5; do sleep 1; done; exit 7")
        self.assertEqual(p.returncode, 7, p.stderr)

    def test_cpu_bound_is_not_a_hang(self):
        p = sigjam("run", "--hang-after", "2s", "--", PY, "-c",
                   "import time\nt=time.time()\nwhile time.time()-t < 5: pass\n")
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_slow_outside_producer_is_not_a_hang(self):
        producer = subprocess.Popen(["sh", "-c", "sleep 5; echo late"], stdout=subprocess.PIPE)
        p = sigjam("run", "--hang-after", "2s", "--", "cat", stdin=producer.stdout)
        producer.wait()
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertIn("late", p.stdout)

    def run_until_reported(self, on_hang):
        """Starts the pipe cycle under --on-hang ON_HANG and reads sigjam's
        stderr up to the text report's closing summary line."""
        p = subprocess.Popen([SIGJAM, "run", "--hang-after", "1s", "--on-hang", on_hang, "--", CYCLE],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, parent, child = p.stdout.readline().split()
        report = ""
        for line in p.stderr:
            report += line
            if re.match(r"^(\d+ findings?:|no findings)", line):
                break
        return p, int(parent), int(child), report

    def test_on_hang_stop_leaves_tree_stopped(self):
        p, parent, child, report = self.run_until_reported("stop")
        try:
            self.assertIn("deadlock", report)
            time.sleep(0.2)
            for pid in (parent, child):
                state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
                self.assertEqual(state, "T")
        finally:
            os.kill(child, signal.SIGKILL)
            os.kill(parent, signal.SIGKILL)
        rest = p.stderr.read()   # communicate() would skip what the iterator buffered
        p.wait(timeout=60)
        self.assertIn("left stopped", report + rest)
        self.assertEqual(p.returncode, 124)

    def test_on_hang_report_lets_it_run(self):
        # The hang is reported while the program runs on; when it ends
        # (here: killed from outside), sigjam still exits with 124.
        p, parent, child, report = self.run_until_reported("report")
        self.assertIn("deadlock", report)
        state = open(f"/proc/{parent}/stat").read().rsplit(")", 1)[1].split()[0]
        self.assertNotIn(state, ("T", "t", "Z"))
        os.kill(child, signal.SIGKILL)
        os.kill(parent, signal.SIGKILL)
        p.stderr.read()
        p.wait(timeout=60)
        self.assertEqual(p.returncode, 124)

    def test_reports_written(self):
        with tempfile.TemporaryDirectory() as d:
            paths = {f: os.path.join(d, "r." + f) for f in ("json", "junit", "sarif", "dot")}
            args = []
            for f, path in paths.items():
                args += ["--report", f"{f}:{path}"]
            p = sigjam("run", "--hang-after", "1s", *args, "--", CYCLE)
            self.assertEqual(p.returncode, 124, p.stderr)
            report = json.load(open(paths["json"]))
            kinds = [f["kind"] for f in report["findings"]]
            self.assertIn("deadlock", kinds)
            self.assertIn("<testcase", open(paths["junit"]).read())
            self.assertEqual(json.load(open(paths["sarif"]))["version"], "2.1.0")
            self.assertIn("digraph", open(paths["dot"]).read())


class Trace(unittest.TestCase):
    def start_cycle(self):
        proc = subprocess.Popen([CYCLE], stdout=subprocess.PIPE, text=True)
        _, parent, child = proc.stdout.readline().split()
        self.addCleanup(lambda: (os.kill(int(child), signal.SIGKILL), proc.kill(), proc.wait()))
        time.sleep(0.3)   # let both reach read(); the tracer reads state, not timing
        return int(parent), int(child)

    def test_pipe_cycle_deadlock_json(self):
        parent, child = self.start_cycle()
        p = sigjam("trace", "--format", "json", str(parent))
        self.assertEqual(p.returncode, 1, p.stderr)
        report = json.loads(p.stdout)
        dl = [f for f in report["findings"] if f["kind"] == "deadlock"]
        self.assertEqual(len(dl), 1)
        self.assertIn(str(parent), dl[0]["cause"])
        self.assertIn(str(child), dl[0]["cause"])
        self.assertIn("pipe:[", dl[0]["cause"])
        # the target runs on after the capture: not stopped
        for pid in (parent, child):
            state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            self.assertNotIn(state, ("T", "t"))

    def test_python_modes(self):
        prog = "import time\ndef napping():\n    time.sleep(100)\nnapping()\n"
        proc = subprocess.Popen([PY, "-c", prog])
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        time.sleep(0.5)
        def thread0(mode):
            p = sigjam("trace", "--format", "json", f"--python={mode}", str(proc.pid))
            self.assertEqual(p.returncode, 0, p.stderr)
            return json.loads(p.stdout)["snapshot"]["processes"][0]["threads"][0]
        auto, off, only = thread0("auto"), thread0("off"), thread0("only")
        pynames = lambda t: [f["func"] for f in t["python"]["frames"]]
        self.assertTrue(auto["frames"])
        self.assertIn("napping", pynames(auto))
        self.assertTrue(off["frames"])
        self.assertIsNone(off["python"])
        self.assertFalse(only["frames"])
        self.assertIn("napping", pynames(only))

    def assert_no_findings(self, argv, settle=0.5):
        proc = subprocess.Popen(argv)
        self.addCleanup(lambda: (proc.kill(), proc.wait()))
        time.sleep(settle)
        p = sigjam("trace", str(proc.pid))
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("no findings", p.stdout)

    def test_sleeper_no_findings(self):
        self.assert_no_findings(["sleep", "100"])

    def test_busy_loop_no_findings(self):
        self.assert_no_findings([PY, "-c", "while True: pass"])

    def test_accept_no_findings(self):
        # An idle server blocked in accept() waits for the outside world.
        self.assert_no_findings([PY, "-c", "import socket\ns = socket.socket()\n"
                                 "s.bind(('127.0.0.1', 0)); s.listen()\ns.accept()\n"])

    def test_healthy_pool_no_findings(self):
        prog = ("import multiprocessing as mp, time\n"
                "def work(x):\n    t = time.time()\n    while time.time() - t < 0.05: pass\n    return x\n"
                "if __name__ == '__main__':\n"
                "    with mp.get_context('fork').Pool(2) as pool:\n"
                "        while True: pool.map(work, range(40))\n")
        self.assert_no_findings([PY, "-c", prog], settle=1.0)


def main():
    global SIGJAM, CYCLE
    a = listed.options(sys.modules[__name__], ["--sigjam", "--cycle"])
    SIGJAM, CYCLE = a.sigjam, a.cycle
    listed.run(a)

if __name__ == "__main__":
    main()
