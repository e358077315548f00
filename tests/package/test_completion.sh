#!/bin/bash
# The bash completion (generated from cli/help.c) on the command lines a user
# types.  Each case gives the words as bash splits them (COMP_WORDBREAKS
# makes '=' and ':' words of their own) and what must, or must not, be offered.
#   test_completion.sh COMPLETION-FILE SIGJAM
set -u
[ $# -eq 2 ] || { echo "usage: $0 COMPLETION-FILE SIGJAM" >&2; exit 2; }
# shellcheck disable=SC1090
. "$1"
SIGJAM=$2
fails=0

# offers "WANT..." -- WORD...: the last word is the one being completed.
offers() {
	local want=() w
	while [ "$1" != -- ]; do want+=("$1"); shift; done
	shift
	COMP_WORDS=("$@")
	COMP_CWORD=$(($# - 1))
	COMP_WORDS[0]=$SIGJAM   # the completion asks this sigjam for scenario names
	COMPREPLY=()
	_sigjam
	local got=" ${COMPREPLY[*]} "
	for w in "${want[@]}"; do
		if [[ $w == !* ]]; then
			[[ $got != *" ${w#!} "* ]] && continue
		else
			[[ $got == *" $w "* ]] && continue
		fi
		echo "FAIL: [$*]: wanted '$w', got:$got" >&2
		fails=$((fails + 1))
	done
}

cd "$(mktemp -d)" || exit 2
touch journal.jsonl report.xml
offers run trace report check-spec scenario demo --help -- sigjam ''
offers trace '!run' -- sigjam tr
offers --python= --pid --format --no-children --help -- sigjam trace --
offers auto off only -- sigjam trace --python =
offers off only '!auto' -- sigjam trace --python = o
offers $$ -- sigjam trace ''
offers $$ -- sigjam trace -p ''
offers $$ -- sigjam trace --no-children 1 ''
offers text json junit sarif dot svg -- sigjam report -f ''
offers journal.jsonl report.xml -- sigjam report ''
offers text: junit: sarif: -- sigjam run --report ''
offers report.xml -- sigjam run --report junit : ''
offers report.xml '!journal.jsonl' -- sigjam trace --report sarif : r
offers kill stop report -- sigjam run --on-hang ''
offers --inject --hang-after --per-test --quiet -- sigjam run --
offers list run -- sigjam scenario ''
offers pool-worker-killed pool-worker-killed-holding-lock '!zombie-children' -- sigjam scenario run pool-worker-k
offers zombie-children -- sigjam scenario run --all -v ''
offers --all --python --dir --verbose -- sigjam scenario run --
offers bash -- sigjam run --hang-after = 3s -- bas
offers bash -- sigjam run -q bas
offers '!trace' '!--help' -- sigjam check-spec ''
[ $fails -eq 0 ] && echo "all completion cases passed"
exit $((fails > 0))
