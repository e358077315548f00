"""Popen.wait() on a child whose stderr is a PIPE nobody reads: the same
documented deadlock as py_subprocess_wait_stdout, through the other
stream ("stdout=PIPE or stderr=PIPE",
https://docs.python.org/3/library/subprocess.html#subprocess.Popen.wait).

case: hang
expect: deadlock @root child
"""
import mpcase

mpcase.popen_wait("stderr")
