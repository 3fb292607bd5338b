#!/bin/sh
# run-bench.sh BUILDDIR: runs every benchmark built in BUILDDIR/bench. When
# valgrind is installed, each runs first in its --callgrind mode under
# valgrind --tool=callgrind, and every "[phase_X]" tag on its figure lines
# becomes phase_X's instructions per operation: its inclusive instruction
# count (callgrind_annotate --inclusive) over the operations the program
# says it ran ("callgrind-ops phase_X N UNIT"). docs/bench.md reads them.
#
# run-bench.sh --check BUILDDIR: runs each benchmark's --callgrind mode
# natively and checks that it counts every phase_* function it contains
# (a test: a phase nobody counts would print no instructions).
set -e

bench_list() {
	for b in "$1"/bench/bench_*; do
		[ -f "$b" ] && [ -x "$b" ] && echo "$b"
	done
	return 0
}

# A script (bench_qemu_nvme) runs real programs: times only, no phases.
is_script() {
	[ "$(head -c 2 "$1")" = "#!" ]
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

if [ "$1" = --check ]; then
	bad=0; n=0
	for b in $(bench_list "$2"); do
		is_script "$b" && continue
		n=$((n + 1))
		nm "$b" | awk '$3 ~ /^phase_[A-Za-z0-9_]+$/ { print $1, $3 }' | sort -u > "$tmp/syms"
		have=$(awk '{ print $2 }' "$tmp/syms" | sort -u)
		# A benchmark that fails (exit status not 0) fails the check too.
		if ! "$b" --callgrind >"$tmp/out" 2>&1; then
			echo "$(basename "$b") --callgrind: exit status not 0:"
			tail -n 5 "$tmp/out"
			bad=1
		fi
		counted=$(awk '$1 == "callgrind-ops" && $3 > 0 { print $2 }' "$tmp/out" | sort -u)
		[ -n "$have" ] || { echo "$(basename "$b"): no phase_* function"; bad=1; }
		# Two phases at one address (folded by the compiler) share one count.
		shared=$(awk '{ print $1 }' "$tmp/syms" | sort | uniq -d)
		[ -z "$shared" ] || { echo "$(basename "$b"): phases folded into one function: $(grep "$shared" "$tmp/syms" | awk '{ print $2 }')"; bad=1; }
		if [ "$have" != "$counted" ]; then
			echo "$(basename "$b"): phase functions: $(echo $have)"
			echo "$(basename "$b"): counted in --callgrind: $(echo $counted)"
			bad=1
		fi
	done
	[ $n -gt 0 ] || { echo "no benchmarks built in $2"; exit 1; }
	[ $bad = 0 ] && echo "$n benchmarks: every phase counted"
	exit $bad
fi

cg=1
if ! command -v valgrind >/dev/null || ! command -v callgrind_annotate >/dev/null; then
	cg=0
	echo "valgrind not installed: times only (make bench installs it when run as root)"
fi
status=0
found=0
for b in $(bench_list "$1"); do
	found=1
	name=$(basename "$b")
	echo "== $name"
	: > "$tmp/subst"
	if [ $cg = 1 ] && ! is_script "$b"; then
		t0=$(date +%s)
		if valgrind --tool=callgrind --callgrind-out-file="$tmp/cg.out" \
			"$b" --callgrind > "$tmp/ops" 2> "$tmp/vg.log" &&
		   callgrind_annotate --inclusive=yes --threshold=100 "$tmp/cg.out" \
			> "$tmp/annot" 2>> "$tmp/vg.log"; then
			# phase <TAB> instructions per op, from the op counts and
			# the annotated inclusive costs ("1,234 (5.6%)  file:fn [obj]").
			awk 'FNR == NR {
				if ($1 == "callgrind-ops") {
					order[++n] = $2; ops[$2] = $3; unit[$2] = $4 == "" ? "op" : $4
				}
				next
			}
			match($0, /:phase_[A-Za-z0-9_]+ \[/) {
				p = substr($0, RSTART + 1, RLENGTH - 3)
				if ((p in ops) && !(p in ir)) {
					v = $1; gsub(",", "", v); ir[p] = v
				}
			}
			END {
				for (i = 1; i <= n; i++) {
					p = order[i]
					if ((p in ir) && ops[p] > 0)
						printf "%s\t%7.1f instr/%s\n", p, ir[p] / ops[p], unit[p]
					else
						printf "%s\tno count\n", p
				}
			}' "$tmp/ops" "$tmp/annot" > "$tmp/subst"
			cgtime=$(( $(date +%s) - t0 ))
		else
			echo "$name: the callgrind run failed:"
			tail -n 20 "$tmp/vg.log"
			status=1
		fi
	fi
	# The timing run, its lines as they come, each tag replaced in a field
	# as wide as the tag and the blanks after it.
	{ rc=0; "$b" || rc=$?; echo $rc > "$tmp/rc"; } | awk -v subst="$tmp/subst" '
		BEGIN {
			while ((getline l < subst) > 0) {
				split(l, f, "\t"); r["[" f[1] "]"] = "[" f[2] "]"
			}
		}
		{
			for (t in r) {
				i = index($0, t)
				if (!i)
					continue
				rest = substr($0, i + length(t))
				w = length(t)
				while (substr(rest, 1, 1) == " " && substr(rest, 2, 1) != "") {
					rest = substr(rest, 2); w++
				}
				if (rest == "")
					rep = r[t]
				else
					rep = sprintf("%-" (w - 1) "s", r[t]) " "
				$0 = substr($0, 1, i - 1) rep rest
			}
			print
			fflush()
		}'
	rc=$(cat "$tmp/rc")
	[ "$rc" = 0 ] || { echo "$name: exit status $rc"; status=1; }
	[ -s "$tmp/subst" ] && echo "   (instructions per op: one valgrind --tool=callgrind run of '$name --callgrind', ${cgtime}s)"
done
[ $found = 1 ] || echo "no benchmarks built"
exit $status
