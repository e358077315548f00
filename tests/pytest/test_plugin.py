"""The pytest plugin (plugins/pytest/sigjam.py) on real pytest sessions, run
with Debian's python3-pytest under one interpreter (--python).

Each case writes a test file into a fresh folder, runs pytest on it the way
a user would, and checks the outcome, the failure texts, the JUnit file, and
that nothing is left running afterwards.  `--list` prints the case names
(tests/pytest/CMakeLists.txt registers one ctest test per case and
interpreter)."""
import argparse
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET

PY = None
SITEDIR = None   # the build tree's lib/python3/dist-packages: the plugin and its dist-info
HANG = "1s"

POOL_TESTS = '''
import multiprocessing
import os
import signal


def work(x):
    if x == 3:
        os.kill(os.getpid(), signal.SIGKILL)
    return x * x


def test_passes():
    assert sum(range(4)) == 6


def test_pool_worker_killed():
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(work, range(8)) == [x * x for x in range(8)]


def test_fails():
    assert 1 + 1 == 3


def test_after_the_hang():
    assert True
'''

UNTOUCHED_TESTS = '''
import multiprocessing
import time


def square(x):
    return x * x


def test_pool_passes():
    with multiprocessing.get_context("fork").Pool(2) as pool:
        assert pool.map(square, range(20)) == [x * x for x in range(20)]


def test_sleeps_longer_than_the_watch():
    time.sleep(2.5)  # a sleep has a timeout: slow, never a hang


def test_fails_on_its_own():
    assert "pool" == "poll"
'''


def env(extra=None):
    """PYTHONPATH with the plugin; Debian's pytest for an interpreter that is
    not Debian's own (the pyenv build), which finds no pytest of its own."""
    paths = [SITEDIR]
    if subprocess.run([PY, "-c", "import pytest"], capture_output=True).returncode != 0:
        paths.append("/usr/lib/python3/dist-packages")
    e = dict(os.environ, PYTHONPATH=":".join(paths))
    # The plugin must find sigjam beside itself, not on PATH.
    e["PATH"] = ":".join(p for p in e.get("PATH", "").split(":") if not os.path.exists(os.path.join(p, "sigjam")))
    e.pop("SIGJAM", None)
    e.update(extra or {})
    return e


def leftovers(folder):
    """Processes whose command line names the folder (pytest and its workers)."""
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            with open("/proc/%s/cmdline" % pid, "rb") as f:
                if folder.encode() in f.read():
                    found.append(int(pid))
        except OSError:
            pass
    return found


class Session(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="sigjam-pytest-")

    def tearDown(self):
        for pid in leftovers(self.dir):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(self.dir, ignore_errors=True)

    def write(self, name, text):
        with open(os.path.join(self.dir, name), "w") as f:
            f.write(text)

    def pytest(self, *args, extra_env=None, plugin=True):
        cmd = [PY, "-m", "pytest", "-p", "no:cacheprovider", "-q"] + (["-p", "sigjam"] if plugin else [])
        p = subprocess.run(cmd + list(args), cwd=self.dir, env=env(extra_env), capture_output=True,
                           text=True, timeout=120)
        self.out = p.stdout + p.stderr
        return p

    def junit(self, name="junit.xml"):
        cases = {}
        for tc in ET.parse(os.path.join(self.dir, name)).iter("testcase"):
            f = tc.find("failure")
            cases[tc.get("name")] = None if f is None else (f.get("message") or "") + "\n" + (f.text or "")
        return cases

    def assert_nothing_left(self):
        time.sleep(0.2)
        self.assertEqual(leftovers(self.dir), [], "processes of the session are still running")


class Hang(Session):
    def test_pool_hang_fails_and_session_goes_on(self):
        self.write("test_pool.py", POOL_TESTS)
        p = self.pytest("--sigjam-hang-after=" + HANG, "--junitxml=junit.xml", "test_pool.py")
        self.assertEqual(p.returncode, 1, self.out)
        self.assertIn("2 failed, 2 passed", self.out)
        cases = self.junit()
        hang = cases["test_pool_worker_killed"]
        self.assertIsNotNone(hang)
        # The verdict first, then the report: the deadlock and the killed worker.
        self.assertTrue(hang.startswith("sigjam: this test hung"), hang[:300])
        self.assertRegex(hang, r"deadlock")
        self.assertRegex(hang, r"lost-worker: worker pid \d+ was killed by SIGKILL")
        self.assertIn("sigjam: this test hung", self.out)
        # The test that failed on its own failed with its own assertion.
        self.assertIn("assert 1 + 1 == 3", cases["test_fails"])
        self.assertNotIn("sigjam", cases["test_fails"])
        self.assertIsNone(cases["test_passes"])
        self.assertIsNone(cases["test_after_the_hang"])
        self.assert_nothing_left()

    def test_swallowed_interrupt_still_fails(self):
        self.write("test_swallow.py", POOL_TESTS.split("def test_passes")[0] + '''
def test_swallows_everything():
    pool = multiprocessing.get_context("fork").Pool(2)
    try:
        pool.map(work, range(8))
    except BaseException:
        pass  # code that swallows even the interrupt
    pool.terminate()
''')
        p = self.pytest("--sigjam-hang-after=" + HANG, "--junitxml=junit.xml", "test_swallow.py")
        self.assertEqual(p.returncode, 1, self.out)
        self.assertIn("1 failed", self.out)
        self.assertTrue(self.junit()["test_swallows_everything"].startswith("sigjam: this test hung"))
        self.assert_nothing_left()

    def test_interrupt_handler_only_during_tests(self):
        self.write("conftest.py", '''
import signal
def pytest_sessionfinish(session):
    with open("after.txt", "w") as f:
        f.write(repr(signal.getsignal(signal.SIGRTMAX - 1)))
''')
        self.write("test_h.py", '''
import signal
def test_sees_the_handler():
    assert callable(signal.getsignal(signal.SIGRTMAX - 1))
''')
        p = self.pytest("--sigjam-hang-after=" + HANG, "test_h.py")
        self.assertEqual(p.returncode, 0, self.out)
        with open(os.path.join(self.dir, "after.txt")) as f:
            self.assertEqual(f.read(), "<Handlers.SIG_DFL: 0>")


class Untouched(Session):
    def test_same_outcomes_as_without_the_plugin(self):
        self.write("test_u.py", UNTOUCHED_TESTS)
        plain = self.pytest("--junitxml=plain.xml", "test_u.py", plugin=False)
        watched = self.pytest("--sigjam-hang-after=" + HANG, "--junitxml=watched.xml", "test_u.py")
        self.assertEqual(plain.returncode, 1)
        self.assertEqual(watched.returncode, 1, self.out)
        self.assertIn("1 failed, 2 passed", self.out)
        a, b = self.junit("plain.xml"), self.junit("watched.xml")
        self.assertEqual(a, b)
        self.assert_nothing_left()

    def test_no_option_no_sigjam(self):
        self.write("test_pid.py", '''
import os
def test_parent_is_not_sigjam():
    with open("/proc/%d/comm" % os.getppid()) as f:
        assert f.read().strip() != "sigjam"
    assert "SIGJAM_CONTROL_FD" not in os.environ
''')
        p = self.pytest("test_pid.py")
        self.assertEqual(p.returncode, 0, self.out)


class Inject(Session):
    def test_rule_kills_worker_and_journal_kept(self):
        self.write("test_inj.py", POOL_TESTS.replace("if x == 3:\n        os.kill(os.getpid(), signal.SIGKILL)\n", ""))
        journal = os.path.join(self.dir, "journal.jsonl")
        comm = os.path.basename(os.path.realpath(PY))[:15]
        p = self.pytest("--sigjam-hang-after=" + HANG,
                        "--sigjam-inject=read:in=child:comm=%s:fd=pipe:when=3:signal=KILL@self" % comm,
                        "--sigjam-journal=" + journal, "--junitxml=junit.xml", "test_inj.py")
        self.assertEqual(p.returncode, 1, self.out)
        self.assertIn("2 failed, 2 passed", self.out)
        hang = self.junit()["test_pool_worker_killed"]
        self.assertRegex(hang, r"killed by SIGKILL .*injected")
        with open(journal) as f:
            self.assertIn('"ev":"inject"', f.read())
        self.assert_nothing_left()

    def test_rule_without_watch(self):
        self.write("test_read.py", '''
import os
def test_reads_its_pipe():
    r, w = os.pipe()
    os.write(w, b"x")
    assert os.read(r, 1) == b"x"
''')
        p = self.pytest("--sigjam-inject=read:fd=pipe:error=EIO", "test_read.py")
        self.assertEqual(p.returncode, 1, self.out)
        self.assertIn("Input/output error", self.out)


class Load(Session):
    def test_entry_point_loads_plugin(self):
        self.write("test_pool.py", POOL_TESTS)
        p = self.pytest("--sigjam-hang-after=" + HANG, "test_pool.py", plugin=False)
        self.assertEqual(p.returncode, 1, self.out)
        self.assertIn("2 failed, 2 passed", self.out)
        self.assertIn("sigjam: this test hung", self.out)

    def test_bad_duration_is_one_line(self):
        self.write("test_x.py", "def test_x():\n    pass\n")
        p = self.pytest("--sigjam-hang-after=soon", "test_x.py")
        self.assertEqual(p.returncode, 2, self.out)
        lines = p.stderr.strip().splitlines()
        self.assertEqual(len(lines), 1, p.stderr)
        self.assertIn("--hang-after wants a duration", lines[0])

    def test_missing_sigjam(self):
        self.write("test_x.py", "def test_x():\n    pass\n")
        p = self.pytest("--sigjam-hang-after=1s", "test_x.py", extra_env={"SIGJAM": "/nonexistent/sigjam"})
        self.assertEqual(p.returncode, 4, self.out)  # pytest's usage error
        self.assertIn("SIGJAM=/nonexistent/sigjam", p.stderr)

    def test_per_test_needs_hang_after(self):
        sigjam = os.path.normpath(os.path.join(SITEDIR, "..", "..", "..", "bin", "sigjam"))
        p = subprocess.run([sigjam, "run", "--per-test", "--", "true"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertRegex(p.stderr, r"^sigjam run: --per-test .*--hang-after")


def cases():
    loader = unittest.TestLoader()
    names = []
    for cls in (Hang, Untouched, Inject, Load):
        names += ["%s.%s" % (cls.__name__, n) for n in loader.getTestCaseNames(cls)]
    return names


def main():
    global PY, SITEDIR
    ap = argparse.ArgumentParser()
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--python")
    ap.add_argument("--sitedir")
    ap.add_argument("cases", nargs="*")
    a = ap.parse_args()
    if a.list:
        print("\n".join(cases()))
        return
    PY, SITEDIR = a.python, a.sitedir
    unittest.main(argv=[sys.argv[0], "-v", *a.cases])


if __name__ == "__main__":
    main()
