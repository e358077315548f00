"""sigjam's pytest plugin: a test that hangs fails with sigjam's report, and
the session goes on with the next test.

    python3 -m pytest -p sigjam --sigjam-hang-after=30s
    python3 -m pytest -p sigjam --sigjam-inject='read:in=child:fd=pipe:when=3:signal=KILL'

How it works (docs/pytest.md): any --sigjam-* option makes the plugin replace
the pytest process, before any conftest is imported or any test collected,
with `sigjam run [--per-test --hang-after DUR] [--inject SPEC]... -- <the same
pytest command>`.  sigjam preloads libsigjam.so into the new pytest (a preload
must be in place before the interpreter starts) and, being the parent of
pytest and of every process a test starts, may trace them all whatever
kernel.yama.ptrace_scope says.  With --sigjam-hang-after the plugin announces
each test on the socket sigjam passes in SIGJAM_CONTROL_FD; when the test's
tree makes no progress for DUR and sigjam proves it never will, sigjam sends
the report, kills the processes the test started, and interrupts pytest's
main thread with a signal whose handler (installed for that test only)
raises the test's failure.  No thread and no process of the plugin's own
runs inside pytest.
"""
import os
import signal
import socket
import shutil
import sys

import pytest

CONTROL_FD = "SIGJAM_CONTROL_FD"   # set by `sigjam run --per-test`
SUPERVISED = "SIGJAM_PYTEST"       # set for the pytest that sigjam runs
# The signal that interrupts a hung test's main thread: a real-time signal
# few programs use (the shim's during= rules use SIGRTMAX itself).
INTERRUPT = signal.SIGRTMAX - 1


def pytest_addoption(parser):
    group = parser.getgroup("sigjam", "sigjam: hangs caused by signals, fork and pipes")
    group.addoption("--sigjam-hang-after", metavar="DUR",
                    help="fail a test when its processes (pytest and every child) make no "
                         "progress for DUR (e.g. 30s, 500ms) and sigjam proves the hang; "
                         "the failure text is sigjam's report")
    group.addoption("--sigjam-inject", metavar="SPEC", action="append", default=[],
                    help="run the session under libsigjam.so with these injection rules "
                         "(repeatable; `sigjam check-spec SPEC` explains one)")
    group.addoption("--sigjam-journal", metavar="FILE",
                    help="keep libsigjam.so's journal of the whole session in FILE "
                         "(`sigjam report FILE` renders it)")


def _sigjam():
    """The sigjam executable: $SIGJAM, the one installed beside this plugin
    (PREFIX/lib/python3/dist-packages -> PREFIX/bin, as in the build tree),
    else sigjam on PATH."""
    env = os.environ.get("SIGJAM")
    if env:
        if not os.access(env, os.X_OK):
            raise pytest.UsageError("--sigjam-*: SIGJAM=%s is not an executable; "
                                    "unset it or point it at sigjam" % env)
        return env
    here = os.path.dirname(os.path.abspath(__file__))
    beside = os.path.normpath(os.path.join(here, "..", "..", "..", "bin", "sigjam"))
    if os.access(beside, os.X_OK):
        return beside
    found = shutil.which("sigjam")
    if not found:
        raise pytest.UsageError("--sigjam-*: sigjam is neither beside the plugin nor on PATH; "
                                "install it or set SIGJAM=/path/to/sigjam")
    return found


def _pytest_command():
    """This pytest's command line, with the interpreter itself (not a
    wrapper such as pyenv's shim) first."""
    args = sys.orig_argv[1:] if hasattr(sys, "orig_argv") else ["-m", "pytest"] + sys.argv[1:]
    return [sys.executable] + list(args)


def _supervise(opts):
    """Replace this process with pytest under `sigjam run`; never returns."""
    sigjam = _sigjam()
    argv = [sigjam, "run", "--quiet"]
    if opts.sigjam_hang_after:
        argv += ["--hang-after", opts.sigjam_hang_after, "--per-test"]
    for spec in opts.sigjam_inject:
        argv += ["--inject", spec]
    if opts.sigjam_journal:
        argv += ["--journal", opts.sigjam_journal]
    argv += ["--"] + _pytest_command()
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sigjam, argv, dict(os.environ, **{SUPERVISED: "1"}))


def _wanted(opts):
    return bool(opts.sigjam_hang_after or opts.sigjam_inject or opts.sigjam_journal)


@pytest.hookimpl(hookwrapper=True, tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args):
    # Before output capture starts and before any conftest is imported:
    # the new pytest starts from exactly the same state.
    if _wanted(early_config.known_args_namespace) and not os.environ.get(SUPERVISED):
        _supervise(early_config.known_args_namespace)
    yield


def pytest_configure(config):
    if not _wanted(config.option):
        return
    if not os.environ.get(SUPERVISED):
        # Loaded after the early hook (e.g. from a conftest's pytest_plugins):
        # give the terminal back before the exec.
        capture = config.pluginmanager.getplugin("capturemanager")
        if capture:
            capture.stop_global_capturing()
        _supervise(config.option)
    fd = os.environ.pop(CONTROL_FD, None)
    os.environ.pop(SUPERVISED, None)  # a pytest run by a test starts afresh
    if config.option.sigjam_hang_after and fd:
        config.pluginmanager.register(_Watch(int(fd)), "sigjam-watch")


class _Watch:
    """Announces each test to sigjam and turns a hang into its failure."""

    def __init__(self, fd):
        os.set_inheritable(fd, False)  # not for the programs the tests run
        self.sock = socket.socket(fileno=fd)
        self.rfile = self.sock.makefile("rb")
        self.reports = []        # this test's hang reports, oldest first
        self.unreported = False  # a hang not yet in a test report
        self.previous = None

    def _read_message(self):
        """One message from sigjam: 'ok', or a hang whose report is kept."""
        line = self.rfile.readline()
        if not line:
            raise pytest.UsageError("sigjam closed the --per-test socket")
        if line.startswith(b"hang "):
            text = self.rfile.read(int(line.split()[1])).decode("utf-8", "replace")
            self.reports.append(text)
            self.unreported = True
            return "hang"
        return line.decode().strip()

    def _interrupted(self, signo, frame):
        # sigjam wrote the report before it sent the signal.  A second hang
        # (in the code the first one unwinds) chains to the first.
        self._read_message()
        raise pytest.fail.Exception(self.reports[-1], pytrace=False)

    def _failure(self):
        if len(self.reports) == 1:
            return self.reports[0]
        return "\n\n".join("hang %d of this test:\n%s" % (i + 1, r) for i, r in enumerate(self.reports))

    @pytest.hookimpl(hookwrapper=True, tryfirst=True)
    def pytest_runtest_protocol(self, item, nextitem):
        self.reports = []
        self.unreported = False
        self.previous = signal.signal(INTERRUPT, self._interrupted)
        self.sock.sendall(b"start %d %s\n" % (INTERRUPT, item.nodeid.encode("utf-8", "replace")))
        try:
            yield
        finally:
            self._end()

    def _end(self):
        # Hold the interrupt while sigjam answers: after "ok" none can come
        # for this test, and a pending one is dropped by SIG_IGN.
        signal.pthread_sigmask(signal.SIG_BLOCK, [INTERRUPT])
        try:
            self.sock.sendall(b"end\n")
            while self._read_message() != "ok":
                pass
            signal.signal(INTERRUPT, signal.SIG_IGN)
            signal.signal(INTERRUPT, self.previous)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, [INTERRUPT])

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if not self.unreported:
            return
        self.unreported = False
        # A test that swallowed the interrupt still failed: it hung.
        if not report.failed:
            report.outcome = "failed"
            report.longrepr = self._failure()
