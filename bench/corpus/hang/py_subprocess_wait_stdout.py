"""Popen.wait() on a child whose stdout is a PIPE nobody reads.

Documented: https://docs.python.org/3/library/subprocess.html#subprocess.Popen.wait
"This will deadlock when using stdout=PIPE or stderr=PIPE and the child
process generates enough output to a pipe such that it blocks waiting for
the OS pipe buffer to accept more data. Use Popen.communicate() when using
pipes to avoid that."  The child blocks writing the full pipe; the parent
waits for the child's exit and is the pipe's only reader.

case: hang
expect: deadlock @root child
"""
import mpcase

mpcase.popen_wait("stdout")
