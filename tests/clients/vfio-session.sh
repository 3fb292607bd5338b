#!/bin/sh
# /dev/vfio through a session (docs/sessions.md, "VFIO in a session"):
# a session server, the example VFIO program under `iommulab exec` (its
# DMA lands in its own buffer, the interrupt in its own epoll loop), a
# client killed mid-DMA and one that exits with every descriptor open,
# after each of which the next client claims the group again; a sparse
# 4 GiB MAP_DMA; shared memory; a fork()ed child's descriptors; and `iommulab down`'s report: the DMA judged, no escape.
#   vfio-session.sh IOMMULAB PRELOAD DMA_COPY CLIENT SETUP
set -u
iommulab=$1 preload=$2 dma_copy=$3 client=$4 setup=$5
export IOMMULAB_PRELOAD=$preload
XDG_RUNTIME_DIR=$(mktemp -d /tmp/iommulab-vfio-session.XXXXXX) || exit 1
export XDG_RUNTIME_DIR
name=vfio$$
fail() {
	echo "FAIL: $*"
	"$iommulab" down --name $name >/dev/null 2>&1
	cat "$XDG_RUNTIME_DIR/iommulab/$name/log" 2>/dev/null
	rm -rf "$XDG_RUNTIME_DIR"
	exit 1
}
"$iommulab" up --name $name --cmdline vfio_iommu_type1.allow_unsafe_interrupts=1 >/dev/null ||
	fail "iommulab up"
grep -v '^#' "$setup" | "$iommulab" shell --name $name || fail "setup"

run() {
	out=$(timeout 60 "$iommulab" exec --name $name -- "$@" 2>&1)
	status=$?
	echo "$out"
}

run "$dma_copy" a000000.dma
[ $status -eq 0 ] && echo "$out" | grep -q "four times (poll, read, epoll_wait, select): ok" ||
	fail "vfio-dma-copy in a session (status $status)"

run "$client" kill a000000.dma
[ $status -eq 137 ] && echo "$out" | grep -q "killed mid-DMA" || fail "kill (status $status)"
run "$dma_copy" a000000.dma
[ $status -eq 0 ] || fail "the group after a client killed mid-DMA (status $status)"

run "$client" leak a000000.dma
[ $status -eq 0 ] && echo "$out" | grep -q "copy landed" || fail "leak (status $status)"
run "$dma_copy" a000000.dma
[ $status -eq 0 ] || fail "the group after a client that never closed (status $status)"

# Mapped user memory is the program's, not the lab's RAM (1 GiB here): a
# sparse 4 GiB buffer, as a QEMU guest's RAM.
run "$client" map ${VFIO_SESSION_MAP_MIB:-4096} a000000.dma
[ $status -eq 0 ] && echo "$out" | grep -q "copy landed" || fail "large MAP_DMA (status $status)"

# Shared memory (a memfd, shared anonymous memory) maps without a copy.
run "$client" shared a000000.dma
[ $status -eq 0 ] && echo "$out" | grep -q "the copies landed" ||
	fail "MAP_DMA of shared memory (status $status)"

# A fork()ed child's inherited descriptors are the parent's files.
run "$client" fork a000000.dma
[ $status -eq 0 ] && echo "$out" | grep -q "the parent's stayed open" ||
	fail "descriptors inherited across fork (status $status)"
run "$client" daemon a000000.dma
[ $status -eq 0 ] && echo "$out" | grep -q "grandchild's inherited descriptors worked" ||
	fail "descriptors of a daemon's grandchild (status $status)"
run "$dma_copy" a000000.dma
[ $status -eq 0 ] || fail "the group after the forked clients (status $status)"

# The costs (printed, not asserted): through the session, then in-process.
run "$client" bench a000000.dma
[ $status -eq 0 ] || fail "bench in a session (status $status)"
out=$(timeout 120 "$iommulab" preload --cmdline vfio_iommu_type1.allow_unsafe_interrupts=1 \
	--setup "$setup" -- "$client" bench a000000.dma 2>&1) || fail "bench in-process"
echo "$out" | sed 's/^bench:/bench (in-process):/'

report=$("$iommulab" down --name $name)
status=$?
echo "$report"
[ $status -eq 0 ] || fail "down: status $status"
echo "$report" | grep -q "^isolation escapes: 0$" || fail "down: escapes"
echo "$report" | grep -Eq "^oracle: [1-9][0-9]* DMA pages checked: [1-9][0-9]* ok, 0 escapes" ||
	fail "down: no DMA judged"
rm -rf "$XDG_RUNTIME_DIR"
echo "vfio-session: ok"
