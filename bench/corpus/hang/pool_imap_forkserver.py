"""Pool.imap while a worker dies
(start method: forkserver, Python 3.14's default, in its Debian root).

See lib/poolcase.py: the worker running the doomed task is killed by SIGKILL; the
Pool replaces it and waits for the lost result for ever.

case: hang
python: 3.14
expect: deadlock @root worker forkserver
"""
import poolcase
from poolcase import DOOMED, task, task2  # noqa: F401 (pickled by name)

if __name__ == "__main__":
    poolcase.run("forkserver", lambda pool: list(pool.imap(task, range(8))))
