"""The report says the root cause first, on real processes.

A multiprocessing.Pool whose worker is SIGKILLed (scenario pool-worker-killed
with its injection rule) under `sigjam run --hang-after 2s`: the report's
first lines name the killed worker's pid and SIGKILL, no line is wider
than 400 characters, the raw wait-for edges appear only with --verbose, and
the journal is summarised (`sigjam report JOURNAL` still lists it)."""
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
POOL_MAP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "scenarios",
                        "pool-worker-killed", "pool_map.py")
KILL_RULE = "read:in=child:fd=pipe:when=3:signal=KILL@self"
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def sigjam(*args, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    kw.setdefault("timeout", 120)
    kw.setdefault("env", dict(os.environ, NO_COLOR="1"))
    return subprocess.run([SIGJAM, *args], **kw)


def widest(text):
    return max((len(ANSI.sub("", line)) for line in text.splitlines()), default=0)


class PoolWorkerKilled(unittest.TestCase):
    """Each run takes the 2 s hang window plus one capture."""

    def run_pool(self, *extra):
        d = tempfile.mkdtemp(prefix="sigjam-verdict-")
        journal, report = os.path.join(d, "j.jsonl"), os.path.join(d, "r.json")
        p = sigjam("run", "--hang-after", "2s", "--inject", KILL_RULE, "--journal", journal,
                   "--report", "json:" + report, *extra, "--", PY, POOL_MAP)
        self.assertEqual(p.returncode, 124, p.stderr)
        records = [json.loads(l) for l in open(journal) if l.strip()]
        killed = [r for r in records if r["ev"] == "inject" and r.get("sig") == "SIGKILL"]
        self.assertEqual(len(killed), 1, killed)
        return p.stderr, killed[0]["pid"], json.load(open(report)), journal

    def test_root_cause_first(self):
        text, victim, doc, journal = self.run_pool()
        lines = text.splitlines()
        # The first lines: the verdict, naming the worker and the signal.
        head = " ".join(lines[:2])
        self.assertTrue(lines[0].startswith("verdict: "), text[:400])
        self.assertIn("worker pid %d " % victim, head)
        self.assertIn("SIGKILL", head)
        self.assertLess(head.index("verdict"), text.index("FINDINGS"))
        self.assertLessEqual(widest(text), 400)
        self.assertNotIn("wait-for:", text)
        self.assertRegex(text, r"\(\d+ wait-for edges: --verbose lists them\)")
        # Cause before consequence: the lost worker, then the knot it left.
        kinds = [f["kind"] for f in doc["findings"]]
        self.assertEqual(kinds[0], "lost-worker", kinds)
        self.assertIn("deadlock", kinds)
        knot = doc["findings"][kinds.index("deadlock")]
        self.assertEqual(knot["explained_by"], [0])
        self.assertIsNone(knot["verdict"])
        self.assertIn("worker pid %d was killed by SIGKILL" % victim, doc["findings"][0]["verdict"])
        self.assertLessEqual(len(doc["findings"][0]["verdict"]), 200)
        self.assertTrue(knot["edges"])   # JSON keeps the edges
        # The journal as a summary: counts, and the records behind findings.
        self.assertIn("\nJOURNAL: ", text)
        self.assertRegex(text, r"by kind: .*\d+ fork")
        behind = text[text.index("behind the findings:"):]
        self.assertRegex(behind, r"pid %d\s+inject .*SIGKILL" % victim)
        self.assertNotIn("records shown", text)
        events = doc["journal"]["events"]
        self.assertTrue(any(events[i]["ev"] == "inject" for i in doc["findings"][0]["journal_records"]))
        # `sigjam report` still shows the journal record by record.
        r = sigjam("report", journal)
        self.assertEqual(r.returncode, 0, r.stderr)   # a lost worker needs the snapshot too
        m = re.search(r"JOURNAL \((\d+) of (\d+) records shown; --verbose shows every record\)", r.stdout)
        self.assertTrue(m, r.stdout[-2000:])
        self.assertGreaterEqual(r.stdout.count(" dispositions "), 2)
        self.assertNotRegex(r.stdout, r"pid \d+\s+fork ")
        # --verbose: every record, one line each.
        v = sigjam("report", "--verbose", journal)
        total = int(m.group(2))
        self.assertRegex(v.stdout, r"JOURNAL \(%d of %d records shown\)" % (total, total))
        self.assertRegex(v.stdout, r"pid \d+\s+fork ")
        self.assertRegex(v.stdout, r"pid \d+\s+start ")

    def test_verbose_lists_the_edges(self):
        text, victim, _, _ = self.run_pool("--verbose")
        self.assertIn("worker pid %d " % victim, " ".join(text.splitlines()[:2]))
        edges = [l for l in text.splitlines() if l.lstrip().startswith("wait-for: ")]
        self.assertTrue(edges, text)
        self.assertTrue(all(" -> " in l and " via " in l for l in edges), edges)
        self.assertLessEqual(widest(text), 400)


class Ended(unittest.TestCase):
    def test_no_stale_verdict(self):
        # The watcher captures a quiet tree (a zombie under a sleeping
        # parent), proves no hang, and the program then ends by itself: the
        # report speaks of the journal, not of that capture.
        prog = ("import os, time\n"
                "if os.fork() == 0:\n    os._exit(3)\n"
                "time.sleep(3)\n")
        p = sigjam("run", "--hang-after", "1s", "--", PY, "-c", prog)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertNotIn("zombie", p.stderr)
        self.assertNotIn("verdict:", p.stderr)
        self.assertTrue(p.stderr.rstrip().endswith("no findings"), p.stderr)


class Trace(unittest.TestCase):
    def test_edges_only_with_verbose(self):
        proc = subprocess.Popen([CYCLE], stdout=subprocess.PIPE, text=True)
        _, parent, child = proc.stdout.readline().split()
        self.addCleanup(lambda: (os.kill(int(child), signal.SIGKILL), proc.kill(), proc.wait()))
        time.sleep(0.3)   # let both reach read(); the tracer reads state, not timing
        plain = sigjam("trace", parent)
        verbose = sigjam("trace", "--verbose", parent)
        for p in (plain, verbose):
            self.assertEqual(p.returncode, 1, p.stderr)
            self.assertTrue(p.stdout.startswith("verdict: "), p.stdout[:300])
            self.assertLessEqual(widest(p.stdout), 400)
        self.assertNotIn("wait-for:", plain.stdout)
        self.assertIn("wait-for: pid %s" % parent, verbose.stdout)
        # The JSON and DOT keep the edges without --verbose.
        j = json.loads(sigjam("trace", "--format", "json", parent).stdout)
        self.assertTrue(j["findings"][0]["edges"])
        self.assertIn(" -> ", sigjam("trace", "--format", "dot", parent).stdout)


def main():
    global SIGJAM, CYCLE, PY
    a = listed.options(sys.modules[__name__], ["--sigjam", "--cycle"], python_classes=("PoolWorkerKilled",),
                       optional={"--python": sys.executable})
    SIGJAM, CYCLE, PY = a.sigjam, a.cycle, a.python
    listed.run(a)

if __name__ == "__main__":
    main()
