#!/bin/sh
# A QEMU x86 guest with the lab's NVMe passed through by vfio-pci (issue
# 10): Debian's kernel and a busybox initramfs (tools/guest-build.sh),
# whose own nvme driver writes a pattern to the disk with O_DIRECT and
# reads it back. First with QEMU's emulated NVMe (the guest and this
# harness, known good without the lab), then in a session with
# `-device vfio-pci,host=0000:01:00.0` (x-no-mmap=on, then under TCG
# also with the BARs mapped): every DMA the guest's driver
# causes crosses the lab's SMMU, and `iommulab down` reports it judged
# and no escape. KVM when it runs a guest here, TCG otherwise (the test
# says which); a time budget per boot, nothing asserted on speed.
#   qemu-guest.sh IOMMULAB SRCDIR CACHE
. "$(dirname "$0")/lib.sh"
src=$1 cache=$2
need qemu-system-x86_64 apt-get dpkg-deb depmod cpio gzip timeout
[ -x /bin/busybox ] || { echo "FAIL: /bin/busybox is missing (Debian: busybox-static)"; exit 1; }
budget=${QEMU_GUEST_BUDGET:-240}

kver=$(sh "$src/tools/guest-build.sh" "$cache") || { echo "FAIL: guest-build.sh"; exit 1; }
echo "guest: Debian kernel $kver, initramfs with busybox and nvme.ko ($cache)"

# guest TAG QEMU-ARGS...: one boot within the budget (in the session when
# $in_session says so); its serial output in $XDG_RUNTIME_DIR/TAG.out, the
# accelerator line on stdout.
in_session=""
guest() {
	tag=$1
	shift
	start=$(date +%s)
	$in_session timeout "$budget" sh "$src/tools/guest-qemu.sh" "$cache" "$@" \
		>"$XDG_RUNTIME_DIR/$tag.out" 2>&1 </dev/null
	st=$?
	grep '^guest-qemu: accelerator' "$XDG_RUNTIME_DIR/$tag.out"
	echo "$tag: QEMU exit status $st after $(($(date +%s) - start)) s (budget $budget s)"
	# The serial console ends its lines with CR LF.
	grep -v '^guest-qemu:' "$XDG_RUNTIME_DIR/$tag.out" | tr -d '\r' >"$XDG_RUNTIME_DIR/$tag.serial"
	grep '^guest: ' "$XDG_RUNTIME_DIR/$tag.serial" | sed "s/^/$tag: /"
}

# verdict TAG WHAT: the guest wrote and read its disk back, or the log.
verdict() {
	if grep -q '^guest: ok: nvme0n1 wrote and read back 1048576 bytes$' "$XDG_RUNTIME_DIR/$1.serial"; then
		echo "ok: $2"
	else
		echo "FAIL: $2; the guest's console and QEMU's messages:"
		tail -n 60 "$XDG_RUNTIME_DIR/$1.out" | sed 's/^/    /'
		failed=1
	fi
}

# The harness alone: QEMU's own NVMe model on a file.
truncate -s 64M "$XDG_RUNTIME_DIR/disk.img"
guest emulated -drive "file=$XDG_RUNTIME_DIR/disk.img,if=none,id=d0,format=raw" \
	-device nvme,drive=d0,serial=emulated
verdict emulated "the guest's nvme driver on QEMU's emulated NVMe"
[ $failed -eq 0 ] || finish

# The lab's NVMe, handed to vfio-pci as a user would, then to QEMU.
up qguest
X() { "$IOMMULAB" exec --name qguest -- "$@" 2>&1; }
D=/sys/bus/pci/devices/0000:01:00.0
got=$(X sh -c "modprobe vfio-pci && echo vfio-pci >$D/driver_override &&
	echo 0000:01:00.0 >$D/driver/unbind && echo 0000:01:00.0 >/sys/bus/pci/drivers_probe &&
	readlink $D/driver")
check "the NVMe bound to vfio-pci" "../../../../../../bus/pci/drivers/vfio-pci" "$got"

# x-no-mmap: BAR accesses go through the device fd's read/write (QEMU's
# slow path), which the session forwards; see docs/guide.md.
in_session="$IOMMULAB exec --name qguest --"
guest passthrough -device vfio-pci,host=0000:01:00.0,x-no-mmap=on
verdict passthrough "the guest's nvme driver on the lab's NVMe through vfio-pci"
grep -q '^guest: nvme function 0000:00:0[0-9a-f].0 0x1de5:0x0011 driver nvme$' \
	"$XDG_RUNTIME_DIR/passthrough.serial" && echo "ok: the guest's nvme driver had the lab's function (1de5:0011)" ||
	{ echo "FAIL: the guest did not see the lab's NVMe function"; failed=1; }

# Without x-no-mmap QEMU mmaps the BARs (trap and emulate) and maps them
# into the container for peer-to-peer DMA (MAP_DMA of a region mapping).
# Under TCG QEMU's own loads and stores reach the mapping; under KVM the
# guest's would go through the second-stage page tables, where nothing
# traps (docs/guide.md): only a TCG guest boots this way.
if grep -q '^guest-qemu: accelerator tcg' "$XDG_RUNTIME_DIR/passthrough.out"; then
	guest bar-mmap -device vfio-pci,host=0000:01:00.0
	verdict bar-mmap "the same with the BARs mapped (TCG, no x-no-mmap)"
	if grep -q 'vfio_dma_map\|VFIO_MAP_DMA' "$XDG_RUNTIME_DIR/bar-mmap.out"; then
		echo "FAIL: QEMU's MAP_DMA of a BAR mapping failed:"
		grep 'vfio_dma_map\|VFIO_MAP_DMA' "$XDG_RUNTIME_DIR/bar-mmap.out" | sed 's/^/    /'
		failed=1
	else
		echo "ok: QEMU mapped the BARs for peer-to-peer DMA"
	fi
fi

# The session's end: the oracle judged the guest's DMA, no escape.
report=$("$IOMMULAB" down --name qguest)
st=$?
sessions=""
echo "$report" | sed 's/^/down: /'
pages=$(echo "$report" | sed -n 's/^oracle: \([0-9]*\) DMA pages checked: \([0-9]*\) ok, 0 escapes.*/\1 \2/p')
if [ $st -eq 0 ] && echo "$report" | grep -q '^isolation escapes: 0$' &&
   [ -n "$pages" ] && [ "${pages% *}" -ge 256 ] && [ "${pages% *}" = "${pages#* }" ]; then
	echo "ok: iommulab down: ${pages% *} DMA pages judged, all ok, no escape"
else
	echo "FAIL: iommulab down (status $st): the guest's DMA not judged, or an escape"
	failed=1
fi
finish
