"""The fixed twin of pool_files.py: ProcessPoolExecutor sees the crashed
worker's sentinel, fails the pending futures with BrokenProcessPool and
shuts the other workers down, so the caller learns of the crash.  The
program reports it (with the input it was processing) and exits 0."""
import concurrent.futures
import functools
import multiprocessing
import os
import sys
import tempfile
from concurrent.futures.process import BrokenProcessPool

from pool_files import count_lines, make_inputs


def start_method():
    """The multiprocessing start method `sigjam scenario run` asks for
    (--start=METHOD); fork when the program is run by hand."""
    return next((a[len("--start="):] for a in sys.argv[1:] if a.startswith("--start=")), "fork")


def main():
    ctx = multiprocessing.get_context(start_method())
    with tempfile.TemporaryDirectory(prefix="sigjam-pool-files-") as folder:
        paths = make_inputs(folder, 6)
        print(f"parent {os.getpid()}: ProcessPoolExecutor(2) over {len(paths)} input files", flush=True)
        broken = 0

        def failed(e):
            nonlocal broken
            broken += 1
            if broken == 1:
                print(f"BrokenProcessPool: {e}", flush=True)

        with concurrent.futures.ProcessPoolExecutor(2, mp_context=ctx) as ex:
            task = functools.partial(count_lines, unaided="--unaided" in sys.argv)
            futures = []
            for p in paths:
                # A worker may crash before the last task is submitted (it
                # crashes in its second task, by itself): submit then raises.
                try:
                    futures.append(ex.submit(task, p))
                except BrokenProcessPool as e:
                    failed(e)
            for fut in concurrent.futures.as_completed(futures):
                try:
                    fut.result()
                except BrokenProcessPool as e:
                    failed(e)
        print(f"{broken} of {len(paths)} tasks failed with BrokenProcessPool; no hang", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
