#!/bin/sh
# expect-status.sh STATUS [--stderr LINE] COMMAND...: runs COMMAND and
# succeeds only if it exits with exactly STATUS (the negative tests of
# `iommulab run` and `iommulab boot`) and, with --stderr, the first line
# it writes to standard error is exactly LINE.
want=$1; shift
line=; check=0
if [ "$1" = "--stderr" ]; then
	line=$2; check=1; shift 2
fi
err=$(mktemp) || exit 1
"$@" 2>"$err" </dev/null
got=$?
cat "$err" >&2
first=$(head -n 1 "$err")
rm -f "$err"
if [ "$got" -ne "$want" ]; then
	echo "expect-status: wanted exit status $want, got $got: $*" >&2
	exit 1
fi
if [ $check -eq 1 ] && [ "$first" != "$line" ]; then
	echo "expect-status: wanted on stderr: $line" >&2
	echo "expect-status: got:              $first" >&2
	exit 1
fi
exit 0
