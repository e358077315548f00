#!/bin/sh
# python_frames.sh — what Python frames add to a capture.
#
# Starts a 4-process Python tree (a multiprocessing.Pool parent with its
# three handler threads, and 3 workers blocked in a task), captures it RUNS
# times with and without Python frames (sj_capture, python=OFF vs AUTO) and
# times sj_python_capture alone on the same snapshots.  Prints medians.
#
#   bench/python_frames.sh [RUNS]      (default 20)
# Environment: SIGJAM_BUILD (default build/default), PYTHON (default python3).
set -eu

here=$(cd "$(dirname "$0")/.." && pwd)
build=${SIGJAM_BUILD:-$here/build/default}
runs=${1:-20}
python=${PYTHON:-python3}
tool=$build/bin/sj_pycapture

if [ ! -x "$tool" ]; then
	echo "python_frames.sh: $tool not built; run: cmake --build $build --target sj_pycapture" >&2
	exit 2
fi

tmp=$(mktemp -d)
cat >"$tmp/tree.py" <<'PY'
import multiprocessing as mp
import sys
import time


def work(x):
    time.sleep(10**6)


if __name__ == "__main__":
    with mp.Pool(3) as pool:
        res = pool.map_async(work, range(3))
        print("ready", flush=True)
        res.wait()
PY

"$python" "$tmp/tree.py" >"$tmp/out" &
pid=$!
cleanup() {
	for child in $(pgrep -P "$pid"); do kill -KILL "$child" 2>/dev/null || true; done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# Wait for the pool to hand out its tasks, then for the workers to sleep.
i=0
until grep -q ready "$tmp/out" 2>/dev/null; do
	i=$((i + 1))
	[ $i -lt 600 ] || { echo "python_frames.sh: the pool never started" >&2; exit 1; }
	sleep 0.1
done
sleep 1

echo "interpreter: $("$python" -c 'import sys; print(sys.executable, sys.version.split()[0])')"
echo "tree: pid $pid and children $(pgrep -P "$pid" | tr '\n' ' ')"
"$tool" --bench "$runs" "$pid"
