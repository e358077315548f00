"""Pool.starmap while a worker dies (start method: fork).

See lib/poolcase.py: the worker running the doomed task is killed by SIGKILL; the
Pool replaces it and waits for the lost result for ever.

case: hang
expect: deadlock @root worker
"""
import poolcase
from poolcase import DOOMED, task, task2  # noqa: F401 (pickled by name)

if __name__ == "__main__":
    poolcase.run("fork", lambda pool: pool.starmap(task2, [(i, 1) for i in range(8)]))
