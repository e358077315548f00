"""A Pool that is idle between batches: the workers wait for tasks, the
parent sleeps before the next map().

case: healthy
"""
import poolcase
from poolcase import square  # noqa: F401 (pickled by name)

if __name__ == "__main__":
    poolcase.idle_between("fork")
