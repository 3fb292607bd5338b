#!/bin/sh
# explore-test.sh IOMMULAB TEST [ARGS]: the tests of `iommulab explore`
# (docs/explore.md). Each prints what it checked and exits non-zero on a
# failure. Budgets are fixed seeds and operation counts, so each test is
# deterministic and short; `make explore` runs the long ones.
#
#   bug NAME SEED OPS MAXLEN  the bug is found with that seed within OPS
#                             operations; its minimal scenario has at most
#                             MAXLEN operations and `iommulab run` replays it
#                             with exit status 1, the failure visible
#   nobug OPS [ARGS]          OPS operations with no bug on find nothing
#   determinism               the same seed gives the same output, byte for byte
#   shards                    --shard 0/2 and 1/2 together are the whole campaign
#   json                      the --json lines' shape
#   usage                     bad usage exits 2, --list-bugs lists the catalogue
#   scenario FILE BUG         FILE replays with exit 0, and with lab.bug=BUG
#                             added with exit 1 and the oracle's escape
#   failnth                   the shell's fail-nth prefix fails a call with ENOMEM and
#                             leaves the invariants whole; explore generates it
lab=${1:?usage: explore-test.sh IOMMULAB TEST [ARGS]}
test=${2:?usage: explore-test.sh IOMMULAB TEST [ARGS]}
shift 2
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fail() { echo "explore-test $test: $*"; exit 1; }

case $test in
bug)
	name=$1 seed=$2 ops=$3 maxlen=$4
	# --out names a folder not made yet: explore makes it.
	"$lab" explore --bug "$name" --seed "$seed" --ops "$ops" --out "$dir/breaks" >"$dir/out" 2>"$dir/err"
	st=$?
	cat "$dir/out" "$dir/err"
	[ $st -eq 1 ] || fail "--bug $name: exit status $st, wanted 1"
	lab_file=$(ls "$dir"/breaks/break-seed-*.lab 2>/dev/null | head -n 1)
	[ -n "$lab_file" ] || fail "--bug $name: no scenario written"
	n=$(grep -v -e '^#' -e '^expect ok invariants$' "$lab_file" | grep -c .)
	[ "$n" -le "$maxlen" ] || fail "--bug $name: minimal scenario has $n operations, wanted <= $maxlen"
	"$lab" run "$lab_file" >"$dir/replay" 2>&1
	st=$?
	cat "$dir/replay"
	[ $st -eq 1 ] || fail "--bug $name: the scenario replays with exit status $st, wanted 1"
	grep -q -e 'oracle: ESCAPE' -e 'invariant:' "$dir/replay" ||
		fail "--bug $name: the replay does not show the oracle's or the invariant's failure"
	echo "explore-test: $name found with seed $seed, minimal scenario of $n operation(s) replays with exit 1"
	;;
scenario)
	file=$1 bug=$2
	cmdline=$(sed -n 's/^#! cmdline //p' "$file")
	"$lab" run --cmdline "$cmdline" "$file" >"$dir/out" 2>&1
	st=$?
	cat "$dir/out"
	[ $st -eq 0 ] || fail "$file: exit status $st without the bug, wanted 0"
	"$lab" run --cmdline "$cmdline lab.bug=$bug" "$file" >"$dir/out" 2>&1
	st=$?
	cat "$dir/out"
	[ $st -eq 1 ] || fail "$file: exit status $st with lab.bug=$bug, wanted 1"
	grep -q 'oracle: ESCAPE' "$dir/out" || fail "$file: no escape with lab.bug=$bug"
	echo "explore-test: $file: fine without $bug, an escape with it"
	;;
nobug)
	ops=$1; shift
	"$lab" explore --ops "$ops" "$@" >"$dir/out" 2>&1
	st=$?
	cat "$dir/out"
	[ $st -eq 0 ] || fail "no bug on: exit status $st, wanted 0"
	grep -q 'no break' "$dir/out" || fail "no 'no break' line"
	;;
determinism)
	for i in 1 2; do
		"$lab" explore --seed 7 --ops 12000 --json | grep -v '"summary"' >"$dir/run$i" ||
			fail "run $i failed"
		"$lab" explore --bug missed-tlbi --seed 5 --ops 20000 >"$dir/bug$i"
		[ $? -eq 1 ] || fail "bug run $i: wanted exit status 1"
		grep -v '^explore: [0-9]* operations in' "$dir/bug$i" >"$dir/bugx$i"
	done
	cmp "$dir/run1" "$dir/run2" || fail "two runs of seed 7 differ"
	cmp "$dir/bugx1" "$dir/bugx2" || fail "two runs of seed 5 with missed-tlbi differ"
	echo "explore-test: seed 7 ($(wc -l <"$dir/run1") seeds) and seed 5 with a bug give the same output twice"
	;;
shards)
	"$lab" explore --seed 11 --ops 30000 --json --jobs 2 | grep -v '"summary"' | sort >"$dir/all"
	for i in 0 1; do
		"$lab" explore --seed 11 --ops 30000 --json --shard $i/2 | grep -v '"summary"'
	done | sort >"$dir/merged"
	[ "$(wc -l <"$dir/all")" -eq 3 ] || fail "wanted 3 seeds in the whole campaign"
	cmp "$dir/all" "$dir/merged" || fail "the two shards merged by seed differ from the whole campaign"
	"$lab" explore --seed 11 --ops 30000 --json --shard 1/2 | grep -c '"seed"' | grep -qx 1 ||
		fail "shard 1/2 of 3 seeds should hold one seed"
	echo "explore-test: shards 0/2 and 1/2 partition the 3 seeds of the campaign"
	;;
json)
	"$lab" explore --bug group-ref --seed 1 --ops 100 --json >"$dir/out"
	[ $? -eq 1 ] || fail "wanted exit status 1"
	cat "$dir/out"
	[ "$(wc -l <"$dir/out")" -eq 2 ] || fail "wanted one seed line and one summary line"
	head -n 1 "$dir/out" | grep -q '^{"seed":1,"ops":[0-9]*,"signatures":[0-9]*,"break":{"kind":"invariant","what":"group 2 holds 1 reference(s) for 2 member(s)","found_after":0,"bugs":"group-ref","platform":"built-in","cmdline":"lab.bug=group-ref","scenario":null,"minimal":\[\]}}$' ||
		fail "the seed line's shape"
	tail -n 1 "$dir/out" | grep -q '^{"summary":{"seeds":1,"ops":[0-9]*,"seconds":[0-9.]*,"ops_per_s":[0-9]*,"jobs":1,"shard":"0/1","breaks":true}}$' ||
		fail "the summary line's shape"
	if command -v python3 >/dev/null; then
		python3 -c 'import json,sys; [json.loads(l) for l in open(sys.argv[1])]' "$dir/out" ||
			fail "not JSON"
	fi
	echo "explore-test: --json prints one line per seed and a summary line"
	;;
usage)
	for args in "--frobnicate" "--shard 2/2" "--shard x" "--bug no-such-bug" "--time 1 --ops 5" \
		    "--ops 0" "--jobs 0" "--seed" "stray" \
		    "--platform /no/such.dts" "--out /no/such/dir"; do
		# shellcheck disable=SC2086
		"$lab" explore $args >"$dir/out" 2>"$dir/err"
		st=$?
		[ $st -eq 2 ] || fail "explore $args: exit status $st, wanted 2"
		[ -s "$dir/err" ] || fail "explore $args: no message on stderr"
	done
	"$lab" explore --list-bugs >"$dir/bugs" || fail "--list-bugs: non-zero exit status"
	cat "$dir/bugs"
	for b in group-ref sme-freed-on-unbind owner-while-kernel missed-tlbi fq-not-drained \
		 msi-left-mapped vfio-unmap-keeps-mapping override-ignored-on-rescan; do
		grep -q "^$b " "$dir/bugs" || fail "--list-bugs: no line starting with $b"
	done
	! grep -q '(needs ' "$dir/bugs" || fail "--list-bugs: every bug is reachable now"
	grep -q '^override-ignored-on-rescan  *driver_override' "$dir/bugs" ||
		fail "--list-bugs: override-ignored-on-rescan is reachable"
	[ "$(wc -l <"$dir/bugs")" -eq 8 ] || fail "--list-bugs: one line per bug"
	echo "explore-test: bad usage exits 2; --list-bugs prints the catalogue"
	;;
failnth)
	cat >"$dir/f.lab" <<-'EOF'
	expect errno ENOMEM fail-nth 1 modprobe vfio-platform
	expect ok fail-nth 100000 modprobe vfio-platform
	expect errno ENOMEM fail-nth 1 echo a000000.dma > /sys/bus/platform/devices/a000000.dma/driver/unbind
	expect ok invariants
	expect errno EINVAL fail-nth 0 ls
	expect errno EINVAL fail-nth 1
	expect ok modprobe -r vfio-platform
	EOF
	"$lab" run "$dir/f.lab" >"$dir/out" 2>&1
	st=$?
	cat "$dir/out"
	[ $st -eq 0 ] || fail "the fail-nth scenario: exit status $st"
	LAB_EXPLORE_TRACE=1 "$lab" explore --seed 3 --ops 3000 >/dev/null 2>"$dir/trace"
	grep -q '^\[[0-9]*\] fail-nth [0-9]* .*(errno 12)$' "$dir/trace" ||
		fail "explore made no call fail with ENOMEM through fail-nth"
	echo "explore-test: fail-nth fails a call with ENOMEM, state whole; explore generates it"
	;;
*)
	fail "unknown test"
	;;
esac
exit 0
