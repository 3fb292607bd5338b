#!/bin/sh
# make boards: every arm64 device tree of Linux 6.12 (Debian's
# linux-source-6.12), compiled as the kernel build compiles it (cpp with the
# kernel's include paths, then dtc), and each tree that gives an enabled
# IOMMU a master booted with `iommulab graph --format summary`: one line per
# tree, then a summary, boot times against the targets (every tree under
# 50 ms, the whole set under 10 s: printed, not asserted), and the same set
# again under ASan+UBSan.
#
# Usage: sh tools/boards.sh BUILD ASAN [GRAPHDIR]
#   GRAPHDIR (or BOARDS_GRAPHS=DIR): also write each tree's DOT graph there.
# Exit status: 0 when every tree booted or was refused with a reason (exit
# 2), 1 on a crash, a hang (60 s) or any other status.
set -u
BUILD=${1:-build}
ASAN=${2:-build-asan}
GRAPHS=${3:-${BOARDS_GRAPHS:-}}
TAR=/usr/src/linux-source-6.12.tar.xz
CACHE=$BUILD/boards
SRC=$CACHE/linux-source-6.12
DTBS=$CACHE/dtb
JOBS=${BOARDS_JOBS:-2}

if [ ! -d "$SRC/arch/arm64/boot/dts" ]; then
	[ -f "$TAR" ] || { echo "make boards: $TAR missing (Debian's linux-source-6.12)" >&2; exit 1; }
	mkdir -p "$CACHE"
	echo "unpacking the device trees of $TAR"
	tar -xJf "$TAR" -C "$CACHE" --wildcards 'linux-source-6.12/arch/arm64/boot/dts/*' \
	    'linux-source-6.12/arch/arm/boot/dts/*' 'linux-source-6.12/include/dt-bindings/*' \
	    'linux-source-6.12/include/uapi/*' 'linux-source-6.12/scripts/dtc/include-prefixes/*' || exit 1
fi
SRC=$(cd "$SRC" && pwd)
mkdir -p "$DTBS"
DTBS=$(cd "$DTBS" && pwd)

# One tree: cpp as scripts/Makefile.lib's dtc_cpp_flags, then dtc.
compile_one() {
	d=$1
	rel=${d#$SRC/arch/arm64/boot/dts/}
	out=$DTBS/$(echo "${rel%.dts}" | tr / _).dtb
	[ -s "$out" ] && [ "$out" -nt "$d" ] && exit 0
	K=$SRC; DTS=$K/arch/arm64/boot/dts
	cpp -nostdinc -I "$K/include" -I "$DTS" -I "$K/scripts/dtc/include-prefixes" \
	    -I "$(dirname "$d")" -undef -D__DTS__ -x assembler-with-cpp -o "$out.pp" "$d" 2>"$out.err" &&
	dtc -q -I dts -O dtb -i "$(dirname "$d")" -o "$out" "$out.pp" 2>>"$out.err" ||
		{ echo "compile failed: $rel: $(head -c 300 "$out.err")"; rm -f "$out"; }
	rm -f "$out.pp" "$out.err"
}

# One boot: the summary line, or the status and the last words of a crash.
boot_one() {
	exe=$1 dtb=$2
	name=$(basename "$dtb" .dtb)
	extra=""
	[ -n "$GRAPHS" ] && extra="--format dot --output $GRAPHS/$name.dot"
	out=$(timeout 60 "$exe" graph --if-iommu --format summary --time "$dtb" 2>&1)
	st=$?
	if [ $st -eq 0 ] || [ $st -eq 2 ]; then
		[ -n "$out" ] && printf '%s\n' "$out" | grep -v '^iommulab: '
		[ -n "$out" ] && [ -n "$extra" ] && [ $st -eq 0 ] && timeout 60 "$exe" graph $extra "$dtb" >/dev/null 2>&1
		[ $st -eq 0 ] || true
	else
		[ $st -eq 124 ] && why="hang (over 60 s)" || why="exit status $st"
		echo "$name: CRASH: $why: $(printf '%s' "$out" | tail -n 3 | tr '\n' ' ' | head -c 400)"
	fi
}

case ${BOARDS_STEP:-} in
compile) shift 3 2>/dev/null; for d in "$@"; do (compile_one "$d"); done; exit 0 ;;
boot) exe=$4; shift 4; for d in "$@"; do boot_one "$exe" "$d"; done; exit 0 ;;
esac

export SRC DTBS GRAPHS
[ -n "$GRAPHS" ] && mkdir -p "$GRAPHS"
ntrees=$(find "$SRC/arch/arm64/boot/dts" -name '*.dts' | wc -l)
echo "compiling $ntrees arm64 device trees (cpp + dtc, $JOBS jobs)"
find "$SRC/arch/arm64/boot/dts" -name '*.dts' | sort |
	BOARDS_STEP=compile xargs -P "$JOBS" -n 16 sh "$0" "$BUILD" "$ASAN" "$GRAPHS" | tee "$CACHE/compile.log"

run_set() {
	exe=$1 log=$2
	t0=$(date +%s%N)
	ls "$DTBS"/*.dtb | BOARDS_STEP=boot xargs -P "$JOBS" -n 8 sh "$0" "$BUILD" "$ASAN" "$GRAPHS" "$exe" |
		sort > "$log"
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 )) > "$log.ms"
}

report() {
	log=$1 label=$2
	booted=$(grep -c -v ': not booted: \|: CRASH: ' "$log")
	refused=$(grep -c ': not booted: ' "$log")
	crashed=$(grep -c ': CRASH: ' "$log")
	grouped=$(grep -v ': not booted: \|: CRASH: ' "$log" | grep -c -v 'groups 0')
	nogroup=$(grep -c '; no group:' "$log")
	echo "$label: $(ls "$DTBS"/*.dtb | wc -l) trees compiled, $(wc -l < "$log") use an IOMMU:" \
	     "$booted booted ($grouped with groups, $nogroup with a master left without one)," \
	     "$refused refused with a reason, $crashed crashed or hung"
}

echo "booting the trees that use an IOMMU ($BUILD/iommulab)"
run_set "$BUILD/iommulab" "$CACHE/boards.log"
cat "$CACHE/boards.log"
report "$CACHE/boards.log" "boards"
# Boot times: "[boot N ms]" of each booted tree.
sed -n 's/.*\[boot \([0-9.]*\) ms\].*/\1/p' "$CACHE/boards.log" | sort -n > "$CACHE/times"
n=$(wc -l < "$CACHE/times")
if [ "$n" -gt 0 ]; then
	median=$(sed -n "$(( (n + 1) / 2 ))p" "$CACHE/times")
	worst=$(tail -n 1 "$CACHE/times")
	over=$(awk '$1 >= 50' "$CACHE/times" | wc -l)
	total=$(awk '{ s += $1 } END { printf "%.0f", s }' "$CACHE/times")
	echo "boot time: median $median ms, worst $worst ms ($over trees at 50 ms or more; target: none)," \
	     "sum of boots $total ms, whole set $(cat "$CACHE/boards.log.ms") ms wall with $JOBS jobs" \
	     "(target: under 10000 ms)"
fi

status=0
grep -q ': CRASH: ' "$CACHE/boards.log" && status=1
if [ -x "$ASAN/iommulab" ]; then
	echo "the same set under ASan+UBSan ($ASAN/iommulab)"
	# A sanitizer's report aborts the run: a status other than 0 or 2.
	export ASAN_OPTIONS=halt_on_error=1:abort_on_error=1
	export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
	run_set "$ASAN/iommulab" "$CACHE/boards-asan.log"
	grep ': CRASH: ' "$CACHE/boards-asan.log"
	report "$CACHE/boards-asan.log" "boards (ASan+UBSan)"
	grep -q ': CRASH: ' "$CACHE/boards-asan.log" && status=1
else
	echo "make boards: $ASAN/iommulab missing: no ASan run" >&2
	status=1
fi
exit $status
