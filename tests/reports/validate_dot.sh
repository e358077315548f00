#!/bin/sh
# Every DOT golden file must be accepted by Graphviz (dot -Tsvg), and a
# broken graph must not be (so the check can fail).
# usage: validate_dot.sh GOLDEN_DIR      exit 77: graphviz missing
set -u
golden=$1
command -v dot >/dev/null 2>&1 || { echo "graphviz not installed; skipping"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0 n=0
for f in "$golden"/*.dot; do
	[ -e "$f" ] || { echo "no DOT golden files in $golden"; exit 1; }
	n=$((n + 1))
	if ! dot -Tsvg "$f" >"$tmp/out.svg" 2>"$tmp/err" || [ -s "$tmp/err" ]; then
		echo "$f: dot failed or warned:"; cat "$tmp/err"; status=1
	fi
	grep -q '<svg' "$tmp/out.svg" || { echo "$f: no SVG produced"; status=1; }
done
sed 's/label="\([^"]*\)"/label="\1/' "$golden/deadlock.dot" >"$tmp/bad.dot"
if dot -Tsvg "$tmp/bad.dot" >/dev/null 2>&1; then
	echo "dot accepted a graph with an unterminated string: the check cannot fail"
	status=1
fi
echo "$n DOT graphs checked"
exit $status
