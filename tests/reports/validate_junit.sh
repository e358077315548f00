#!/bin/sh
# Validates the JUnit golden files with xmllint against tests/reports/junit.xsd,
# checks that the counts in the attributes match the testcases, and checks
# that the XSD rejects broken documents (so the test can fail).
# usage: validate_junit.sh XSD GOLDEN_DIR      exit 77: xmllint missing
set -u
xsd=$1 golden=$2
command -v xmllint >/dev/null 2>&1 || { echo "xmllint not installed (libxml2-utils); skipping"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
status=0 n=0

for f in "$golden"/*.xml; do
	[ -e "$f" ] || { echo "no JUnit golden files in $golden"; exit 1; }
	n=$((n + 1))
	xmllint --noout --schema "$xsd" "$f" 2>"$tmp/err" || { cat "$tmp/err"; status=1; continue; }
	# tests= and failures= must agree with the document's testcases
	cases=$(xmllint --xpath 'count(/testsuites/testsuite/testcase)' "$f")
	fails=$(xmllint --xpath 'count(/testsuites/testsuite/testcase/failure)' "$f")
	tests=$(xmllint --xpath 'string(/testsuites/testsuite/@tests)' "$f")
	failures=$(xmllint --xpath 'string(/testsuites/testsuite/@failures)' "$f")
	if [ "$cases" != "$tests" ] || [ "$fails" != "$failures" ]; then
		echo "$f: tests=$tests failures=$failures but $cases testcases, $fails failures"
		status=1
	fi
done

# The schema must reject what CI tools would reject.
base="$golden/deadlock.xml"
reject() {  # name sed-expression
	sed "$2" "$base" >"$tmp/bad.xml"
	if xmllint --noout --schema "$xsd" "$tmp/bad.xml" 2>/dev/null; then
		echo "junit.xsd accepted a broken document: $1"
		status=1
	fi
}
reject "testcase without classname" 's/<testcase classname="[^"]*"/<testcase/'
reject "testsuite without tests" 's/<testsuite name="sigjam" tests="[0-9]*"/<testsuite name="sigjam"/'
reject "failure outside a testcase" 's#</testcase>#</testcase><failure/>#'
reject "negative count" 's/failures="4"/failures="-1"/'
reject "unescaped ampersand" 's/&amp;/\&/'

echo "$n JUnit reports checked"
exit $status
