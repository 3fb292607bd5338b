#!/bin/sh
# expect-status.sh STATUS COMMAND...: runs COMMAND and succeeds only if it
# exits with exactly STATUS (the negative tests of `iommulab run`).
want=$1; shift
"$@"
got=$?
if [ "$got" -ne "$want" ]; then
	echo "expect-status: wanted exit status $want, got $got: $*" >&2
	exit 1
fi
exit 0
