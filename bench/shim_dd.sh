#!/bin/sh
# shim_dd.sh — the shim's cost on the hottest path it wraps (dd with 1-byte
# blocks: one read and one write per byte), plain vs under `sigjam run` with
# rules that never fire, vs LD_PRELOAD alone, with libfiu and strace as
# peers.  Now the `shim` section of bench/run, which alternates the variants
# and prints medians, ranges and ratios; this keeps the old entry point.
#
#   bench/shim_dd.sh [path/to/libsigjam.so] [count]
#
# The shim's path picks the build tree it lives in (BUILD/lib/sigjam/).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -ge 1 ]; then
	[ -f "$1" ] || { echo "shim_dd.sh: no shim at $1 (build sigjam_preload first)" >&2; exit 2; }
	SIGJAM_BUILD=$(cd "$(dirname "$1")/../.." && pwd)
	export SIGJAM_BUILD
fi
exec "$here/run" --only shim ${2:+--dd-count "$2"}
