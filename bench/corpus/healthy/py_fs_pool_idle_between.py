"""A Pool that is idle between batches (start method forkserver, Python
3.14's default, in its Debian root): the workers, the forkserver's
children, wait for tasks, the forkserver for connections, the
parent sleeps before the next map().

case: healthy
python: 3.14
"""
import poolcase
from poolcase import square  # noqa: F401 (pickled by name)

if __name__ == "__main__":
    poolcase.idle_between("forkserver")
