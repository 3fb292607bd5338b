#!/bin/sh
# bench_qemu_nvme: QEMU's user-space NVMe driver (Debian's qemu-io,
# nvme://) on the lab's NVMe in a session, beside the same qemu-io job on
# a raw file in host memory (/dev/shm) in the same run: sequential 128 KiB
# writes and reads (GB/s) and 4 KiB random reads (per second), queue
# depth 1 (one qemu-io command at a time). Each figure is the median of
# RUNS qemu-io processes (default 3); a process's time is the sum of its
# commands' own times (qemu-io's "ops/sec" per command), so opening the
# device (VFIO setup, controller reset, Identify) is not counted. The
# session's ends spin before sleeping (IOMMULAB_SESSION_SPIN_US, default
# 50; 0 for the sleeping-only figures); the last line says how often the
# server's spin found the next request.
# Real programs: no phases, no instruction counts (tools/run-bench.sh runs
# it for times only). Installed as build/bench/bench_qemu_nvme.
#   bench_qemu_nvme [--callgrind]    (--callgrind: nothing to count, exits 0)
[ "$1" = --callgrind ] && exit 0
build=$(cd "$(dirname "$0")/.." && pwd)
IOMMULAB=$build/iommulab
IOMMULAB_PRELOAD=$build/libiommulab-preload.so
export IOMMULAB_PRELOAD
RUNS=${RUNS:-3}
SEQ=${SEQ:-256}        # 128 KiB commands per sequential job (32 MiB)
RAND=${RAND:-2000}     # 4 KiB random reads per job, over the first 64 MiB
for p in qemu-io driverctl; do
	command -v $p >/dev/null || { echo "bench_qemu_nvme: $p is missing (make deps)"; exit 1; }
done
XDG_RUNTIME_DIR=$(mktemp -d /tmp/iommulab-bench.XXXXXX) || exit 1
export XDG_RUNTIME_DIR
shm=$(mktemp /dev/shm/iommulab-bench.XXXXXX) || exit 1
trap '"$IOMMULAB" down --name bench >/dev/null 2>&1; rm -rf "$XDG_RUNTIME_DIR" "$shm"' EXIT
BDF=0000:01:00.0

"$IOMMULAB" up --name bench >/dev/null || { echo "bench_qemu_nvme: iommulab up failed"; exit 1; }
"$IOMMULAB" exec --name bench -- driverctl --nosave -b pci set-override $BDF vfio-pci ||
	{ echo "bench_qemu_nvme: driverctl set-override failed"; exit 1; }
truncate -s 64M "$shm"

# The jobs, as qemu-io -c arguments one per line.
seq_job() { awk -v n="$SEQ" -v op="$1" 'BEGIN { for (i = 0; i < n; i++)
	printf "%s %d 128k\n", op == "write" ? "write -P 0x5a" : "read", i * 131072 }'; }
rand_job() { awk -v n="$RAND" 'BEGIN { srand(7); for (i = 0; i < n; i++)
	printf "read %d 4k\n", int(rand() * 16384) * 4096 }'; }

# run TARGET JOBFILE: seconds the commands took, from qemu-io's lines.
run() {
	target=$1 job=$2
	set --
	while IFS= read -r c; do set -- "$@" -c "$c"; done <"$job"
	if [ "$target" = nvme ]; then
		out=$("$IOMMULAB" exec --name bench -- qemu-io -f raw nvme://$BDF/1 "$@" 2>&1)
	else
		out=$(qemu-io -f raw "$shm" "$@" 2>&1)
	fi
	[ $? -eq 0 ] || { echo "bench_qemu_nvme: qemu-io on $target failed: $(printf '%s\n' "$out" | tail -n 3)" >&2; echo fail; return; }
	printf '%s\n' "$out" | awk '/ ops\/sec\)$/ { n++; s += 1 / $(NF - 1) }
		END { if (n) printf "%.9f\n", s; else print "fail" }'
}

# median TARGET JOBFILE: the median of RUNS runs.
median() {
	i=0
	while [ $i -lt "$RUNS" ]; do run "$1" "$2"; i=$((i + 1)); done | sort -g |
		awk '{ v[NR] = $1 } END { if (v[1] == "fail" || v[NR] == "fail") print "fail"; else print v[int((NR + 1) / 2)] }'
}

# line NAME BYTES OPS NVME_S SHM_S UNIT: one figure line.
line() {
	awk -v name="$1" -v bytes="$2" -v ops="$3" -v a="$4" -v b="$5" -v unit="$6" 'BEGIN {
		if (a == "fail" || b == "fail") { printf "  %-22s failed\n", name; exit 1 }
		if (unit == "GB/s") { x = bytes / a / 1e9; y = bytes / b / 1e9 }
		else { x = ops / a; y = ops / b }
		printf "  %-22s %10.3f %-7s  /dev/shm %10.3f %-7s  (%.2fx of /dev/shm, %.1f us/op)\n",
			name, x, unit, y, unit, x / y, a / ops * 1e6
	}'
}

echo "bench_qemu_nvme: qemu-io (QEMU $(qemu-io --version | sed -n 's/^qemu-io version \([^ ]*\).*/\1/p')) nvme:// in a session vs a raw file in /dev/shm, queue depth 1, median of $RUNS runs"
jobs=$XDG_RUNTIME_DIR/jobs
seq_job write >"$jobs.w"
seq_job read >"$jobs.r"
rand_job >"$jobs.rand"
status=0
for j in w r rand; do
	a=$(median nvme "$jobs.$j")
	b=$(median shm "$jobs.$j")
	case $j in
	w) line "seq write 128 KiB" $((SEQ * 131072)) "$SEQ" "$a" "$b" GB/s ;;
	r) line "seq read 128 KiB" $((SEQ * 131072)) "$SEQ" "$a" "$b" GB/s ;;
	rand) line "rand read 4 KiB" $((RAND * 4096)) "$RAND" "$a" "$b" IOPS ;;
	esac || status=1
done
echo "  target >= 1 GB/s sequential (issue 10)"
report=$("$IOMMULAB" down --name bench)
echo "  $(printf '%s\n' "$report" | grep '^oracle:')"
# How the server waited (docs/sessions.md "Waiting for the other end").
sed -n 's/^iommulab: waits: /  server waits: /p' "$XDG_RUNTIME_DIR/iommulab/bench/log"
exit $status
