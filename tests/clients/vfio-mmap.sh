#!/bin/sh
# Region mmap (docs/uapi.md "Region mmap"): vfio-mmap-client maps the
# dma-copy engine's registers, programs a copy through the mapping, takes
# the interrupt and checks the bytes, maps the mapping for DMA (the engine
# reads its own registers through the IOMMU), in-process under `iommulab preload`
# and under `iommulab exec` in a session; mmap's errors in both; the cost
# of a trapped access beside a pread (printed, not asserted); posted
# stores in a session (seen by every later access, a killed client's in
# flight); the session's report: the copies judged, no escape.
#   vfio-mmap.sh IOMMULAB PRELOAD CLIENT SETUP
set -u
iommulab=$1 preload=$2 client=$3 setup=$4
export IOMMULAB_PRELOAD=$preload
XDG_RUNTIME_DIR=$(mktemp -d /tmp/iommulab-vfio-mmap.XXXXXX) || exit 1
export XDG_RUNTIME_DIR
name=mmap$$
unsafe=vfio_iommu_type1.allow_unsafe_interrupts=1
fail() {
	echo "FAIL: $*"
	"$iommulab" down --name $name >/dev/null 2>&1
	cat "$XDG_RUNTIME_DIR/iommulab/$name/log" 2>/dev/null
	rm -rf "$XDG_RUNTIME_DIR"
	exit 1
}
expect_copy="copy through the mapping: ok (interrupt taken, 4096 bytes checked)
DMA from the mapped registers: status 0x2, ID 0x444d4143
add to a register: SIGBUS BUS_ADRERR"
expect_errors="MAP_PRIVATE: EINVAL
past the region: EINVAL
region 1: EINVAL
offset not page aligned: EINVAL"

inproc() {
	out=$(timeout 60 "$iommulab" preload --cmdline $unsafe --setup "$setup" -- "$client" "$@" 2>&1)
	status=$?
	echo "$out"
}
inproc copy a000000.dma
[ $status -eq 0 ] && [ "$out" = "$expect_copy" ] || fail "copy in-process (status $status)"
inproc errors a000000.dma
[ $status -eq 0 ] && [ "$out" = "$expect_errors" ] || fail "errors in-process (status $status)"
inproc bench a000000.dma
[ $status -eq 0 ] || fail "bench in-process (status $status)"

"$iommulab" up --name $name --cmdline $unsafe >/dev/null || fail "iommulab up"
grep -v '^#' "$setup" | "$iommulab" shell --name $name || fail "setup"
run() {
	out=$(timeout 60 "$iommulab" exec --name $name -- "$client" "$@" 2>&1)
	status=$?
	echo "$out" | sed 's/^bench:/bench (session):/'
}
run copy a000000.dma
[ $status -eq 0 ] && [ "$out" = "$expect_copy" ] || fail "copy in a session (status $status)"
run errors a000000.dma
[ $status -eq 0 ] && [ "$out" = "$expect_errors" ] || fail "errors in a session (status $status)"
run bench a000000.dma
[ $status -eq 0 ] || fail "bench in a session (status $status)"
# Posted stores (docs/sessions.md): each later access sees them, and a
# client killed with stores in flight leaves a lab the next one uses.
expect_posted="2000 stores then a load: the last store: ok
a load after each store sees it: ok
a pread through the fd after a store sees it: ok
a copy programmed by stores completes: ok
stores did not wait for the server: ok"
# The yardstick is the client's voluntary context switches: a store that
# waited would sleep for its answer. Spinning for replies (docs/sessions.md
# "Waiting for the other end") would hide that, so it is off here.
export IOMMULAB_SESSION_SPIN_US=0
run posted a000000.dma
unset IOMMULAB_SESSION_SPIN_US
[ $status -eq 0 ] && [ "$out" = "$expect_posted" ] || fail "posted stores (status $status)"
# The server spins for a bounded time after requests, then sleeps: idle
# for a second after the run above, it takes next to no CPU time.
spid=$(cat "$XDG_RUNTIME_DIR/iommulab/$name/pid")
ticks() { awk '{ print $14 + $15 }' "/proc/$spid/stat"; }
run bench a000000.dma >/dev/null
t0=$(ticks)
sleep 1
t1=$(ticks)
[ $((t1 - t0)) -le 10 ] ||
	fail "the idle server used $((t1 - t0)) clock ticks of CPU in a second (spinning unbounded?)"
run posted-kill a000000.dma
[ $status -eq 137 ] || fail "posted-kill: status $status, expected 137 (SIGKILL)"
run copy a000000.dma
[ $status -eq 0 ] && [ "$out" = "$expect_copy" ] || fail "copy after a killed client (status $status)"
grep -q "posted store dropped" "$XDG_RUNTIME_DIR/iommulab/$name/log" &&
	fail "a posted store was dropped"
# A store after the program turned Memory Space off is not posted: SIGBUS.
"$iommulab" exec --name $name -- driverctl --nosave -b pci set-override 0000:01:00.0 vfio-pci ||
	fail "driverctl set-override"
expect_memoff="stores with Memory Space on land: ok
a store with Memory Space off is SIGBUS: ok
on again: stores land: ok"
run memoff 0000:01:00.0
[ $status -eq 0 ] && [ "$out" = "$expect_memoff" ] || fail "memoff (status $status)"

report=$("$iommulab" down --name $name)
status=$?
[ $status -eq 0 ] || fail "down: status $status"
echo "$report" | grep -q "^isolation escapes: 0$" || fail "down: escapes"
echo "$report" | grep -Eq "^oracle: [1-9][0-9]* DMA pages checked: [1-9][0-9]* ok, 0 escapes" ||
	fail "down: no DMA judged"
rm -rf "$XDG_RUNTIME_DIR"
echo "vfio-mmap: ok"
