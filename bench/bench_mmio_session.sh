#!/bin/sh
# bench_mmio_session: a trapped MMIO access through a BAR-like region
# mapping (the dma-copy engine's registers: docs/uapi.md "Region mmap") in
# a lab session, beside the same program in-process under `iommulab
# preload` in the same run. The program is make check's vfio-mmap client
# in its bench mode: 20,000 32-bit loads of the ID register, as many
# pread()s of it, 20,000 stores to LEN (posted in a session:
# docs/sessions.md "Posted stores"). The session's lines come twice: as
# shipped (its ends spin before sleeping) and with IOMMULAB_SESSION_SPIN_US=0
# (every wait sleeps). Each figure is the median of RUNS runs (default 3).
# Real programs: times only (tools/run-bench.sh runs it without valgrind).
# Installed as build/bench/bench_mmio_session.
#   bench_mmio_session [--callgrind]    (--callgrind: nothing to count, exits 0)
[ "$1" = --callgrind ] && exit 0
build=$(cd "$(dirname "$0")/.." && pwd)
src='@SRCDIR@'	# the source tree (meson fills it in)
IOMMULAB=$build/iommulab
IOMMULAB_PRELOAD=$build/libiommulab-preload.so
export IOMMULAB_PRELOAD
CLIENT=$build/tests/clients/vfio-mmap-client
SETUP=$src/examples/vfio-dma-copy.setup
RUNS=${RUNS:-3}
[ -x "$CLIENT" ] || { echo "bench_mmio_session: $CLIENT is missing (ninja -C $build)"; exit 1; }
[ -r "$SETUP" ] || { echo "bench_mmio_session: $SETUP is missing"; exit 1; }
XDG_RUNTIME_DIR=$(mktemp -d /tmp/iommulab-bench.XXXXXX) || exit 1
export XDG_RUNTIME_DIR
trap '"$IOMMULAB" down --name mmiob >/dev/null 2>&1; rm -rf "$XDG_RUNTIME_DIR"' EXIT
unsafe=vfio_iommu_type1.allow_unsafe_interrupts=1

# figures: "LOAD STORE PREAD" in ns from the client's bench line.
figures() {
	sed -n 's/^bench: trapped 32-bit load \([0-9]*\) ns, store \([0-9]*\) ns; pread of the register \([0-9]*\) ns$/\1 \2 \3/p'
}
# median COMMAND...: the median of RUNS runs, per column.
median() {
	i=0
	while [ $i -lt "$RUNS" ]; do "$@" | figures; i=$((i + 1)); done |
		awk '{ for (c = 1; c <= 3; c++) v[c, NR] = $c }
		END { if (NR == 0) { print "fail"; exit }
			m = int((NR + 1) / 2)
			for (c = 1; c <= 3; c++) { n = 0
				for (r = 1; r <= NR; r++) s[++n] = v[c, r]
				for (a = 1; a <= n; a++) for (b = a + 1; b <= n; b++) if (s[b] < s[a]) { t = s[a]; s[a] = s[b]; s[b] = t }
				printf "%s%s", s[m], c < 3 ? " " : "\n" } }'
}
line() {
	set -- "$1" $2
	[ "$2" = fail ] && { printf '  %-26s failed\n' "$1"; return 1; }
	printf '  %-26s load %7d ns   store %7d ns   pread %7d ns\n' "$1" "$2" "$3" "$4"
}

inproc() { "$IOMMULAB" preload --cmdline $unsafe --setup "$SETUP" -- "$CLIENT" bench a000000.dma 2>&1; }
insession() { "$IOMMULAB" exec --name mmiob -- "$CLIENT" bench a000000.dma 2>&1; }
nospin() { IOMMULAB_SESSION_SPIN_US=0 insession; }

"$IOMMULAB" up --name mmiob --cmdline $unsafe >/dev/null || { echo "bench_mmio_session: iommulab up failed"; exit 1; }
grep -v '^#' "$SETUP" | "$IOMMULAB" shell --name mmiob >/dev/null || { echo "bench_mmio_session: setup failed"; exit 1; }
echo "bench_mmio_session: a trapped 32-bit MMIO access through a region mapping (dma-copy registers), median of $RUNS runs of 20,000 each"
status=0
line "in-process (preload)" "$(median inproc)" || status=1
line "in a session" "$(median insession)" || status=1
line "in a session, no spinning" "$(median nospin)" || status=1
"$IOMMULAB" down --name mmiob >/dev/null
sed -n 's/^iommulab: waits: /  server waits: /p' "$XDG_RUNTIME_DIR/iommulab/mmiob/log"
exit $status
