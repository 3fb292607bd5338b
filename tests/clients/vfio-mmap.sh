#!/bin/sh
# Region mmap (docs/uapi.md "Region mmap"): vfio-mmap-client maps the
# dma-copy engine's registers, programs a copy through the mapping, takes
# the interrupt and checks the bytes, maps the mapping for DMA (the engine
# reads its own registers through the IOMMU), in-process under `iommulab preload`
# and under `iommulab exec` in a session; mmap's errors in both; the cost
# of a trapped access beside a pread (printed, not asserted); the
# session's report: the copy judged, no escape.
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

report=$("$iommulab" down --name $name)
status=$?
[ $status -eq 0 ] || fail "down: status $status"
echo "$report" | grep -q "^isolation escapes: 0$" || fail "down: escapes"
echo "$report" | grep -Eq "^oracle: [1-9][0-9]* DMA pages checked: [1-9][0-9]* ok, 0 escapes" ||
	fail "down: no DMA judged"
rm -rf "$XDG_RUNTIME_DIR"
echo "vfio-mmap: ok"
