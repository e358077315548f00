"""Popen.communicate() — the documented remedy for the wait() deadlock —
on a child that writes a lot and then keeps working (sleeping) with its
stdout still open: the parent polls the pipe, the child is alive.

case: healthy
"""
import subprocess
import sys

import case

CHILD = ("import sys, time; sys.stdout.write('x' * (1 << 20)); sys.stdout.flush(); "
         "time.sleep(3600)")

p = subprocess.Popen([sys.executable, "-c", CHILD], stdout=subprocess.PIPE)
case.role("child", p.pid)
case.ready()
p.communicate()
