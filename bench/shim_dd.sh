#!/bin/sh
# shim_dd.sh — cost of the shim on the hottest path it wraps: dd with 1-byte
# blocks makes two wrapped calls (read, write) per byte.  Prints the median of
# 5 alternating runs, plain and under the shim with a rule that never fires
# (in=child in a top-level process), and their ratio.  Target: <= 1.03.
#
#   bench/shim_dd.sh [path/to/libsigjam.so] [count]
set -eu
SHIM=${1:-$(dirname "$0")/../build/default/lib/sigjam/libsigjam.so}
COUNT=${2:-1000000}
RULE='read:in=child:fd=pipe:when=3:signal=KILL@self;write:in=child:delay=1s'
[ -f "$SHIM" ] || { echo "shim_dd.sh: no shim at $SHIM (build sigjam_preload first)" >&2; exit 2; }

now_ns() { date +%s%N; }
run_plain() { dd if=/dev/zero of=/dev/null bs=1 count="$COUNT" 2>/dev/null; }
run_shim() {
	LD_PRELOAD="$SHIM" SIGJAM_INJECT="$RULE" dd if=/dev/zero of=/dev/null bs=1 count="$COUNT" 2>/dev/null
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

plain=""; shim=""
for i in 1 2 3 4 5; do
	t0=$(now_ns); run_plain; t1=$(now_ns); run_shim; t2=$(now_ns)
	plain="$plain $((t1 - t0))"; shim="$shim $((t2 - t1))"
done
mp=$(echo $plain | tr ' ' '\n' | median)
ms=$(echo $shim | tr ' ' '\n' | median)
awk -v p="$mp" -v s="$ms" 'BEGIN { printf "plain %.1f ms  shim %.1f ms  ratio %.3f\n", p / 1e6, s / 1e6, s / p }'
