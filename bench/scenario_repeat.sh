#!/bin/sh
# bench/scenario_repeat.sh [N] — run the whole scenario catalogue N times
# (default 20) and count the verdicts per scenario: a deterministic catalogue
# gives the same verdict every time.  Prints one line per scenario and
# interpreter: "PASS 20/20 ...".  Uses $SIGJAM_BUILD (default build/default).
set -eu
cd "$(dirname "$0")/.."
n=${1:-20}
sigjam=${SIGJAM_BUILD:-build/default}/bin/sigjam
out=$(mktemp)
trap 'rm -f "$out"' EXIT
i=0
start=$(date +%s)
while [ "$i" -lt "$n" ]; do
	"$sigjam" scenario run --all | grep -E '^(PASS|FAIL) ' >>"$out" || true
	i=$((i + 1))
done
end=$(date +%s)
# "PASS  4 pool-worker-killed [/usr/bin/python3.11]" -> verdict counts per key
sed -E 's/^(PASS|FAIL) +/\1 /' "$out" | sort | uniq -c |
	awk -v n="$n" '{ c=$1; v=$2; $1=""; $2=""; sub(/^  /, ""); printf "%s %d/%d %s\n", v, c, n, $0 }'
echo "$n runs of the catalogue in $((end - start)) s ($(( (end - start) / n )) s each)"
