#!/bin/sh
# run-bench.sh BUILDDIR: runs every benchmark built in BUILDDIR/bench.
set -e
found=0
for b in "$1"/bench/bench_*; do
	[ -f "$b" ] && [ -x "$b" ] || continue
	found=1
	echo "== $(basename "$b")"
	"$b"
done
[ $found = 1 ] || echo "no benchmarks built"
