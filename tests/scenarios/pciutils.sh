#!/bin/sh
# pciutils.sh IOMMULAB PLATFORM: the real lspci and setpci, unmodified,
# under `iommulab preload`: pciutils' linux-sysfs access method reads the
# lab's /sys/bus/pci (directories, config by pread, resource, irq,
# iommu_group, of_node) and setpci writes config with pwrite at an offset.
# Exit 77 (skip) without pciutils.
lab=$1; platform=$2
command -v lspci >/dev/null && command -v setpci >/dev/null || exit 77
# Under ASan the shim carries LeakSanitizer into pciutils, whose own
# allocations (libpci's realpath results) are not the lab's to judge.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
export ASAN_OPTIONS
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
check() {	# check NAME EXPECTED-FILE COMMAND...
	name=$1; want=$2; shift 2
	"$lab" preload --platform "$platform" -- "$@" >"$tmp/got" 2>&1
	if ! diff -u "$want" "$tmp/got"; then
		echo "pciutils.sh: $name differs"
		fail=1
	fi
}
cat >"$tmp/tree" <<'OUT'
-[0000:00]-+-00.0-[01-04]----00.0-[02-04]--+-00.0-[03]----00.0
           |                               \-01.0-[04]--+-00.0
           |                                            \-00.1
           +-01.0-[05-06]----00.0-[06]----03.0
           \-02.0-[07]--
OUT
check "lspci -t" "$tmp/tree" lspci -t
cat >"$tmp/ids" <<'OUT'
0000:00:00.0 0604: 1de5:0100
0000:00:01.0 0604: 1de5:0100
0000:00:02.0 0604: 1de5:0100
0000:01:00.0 0604: 1de5:0101
0000:02:00.0 0604: 1de5:0102
0000:02:01.0 0604: 1de5:0102
0000:03:00.0 0880: 1de5:0010 (rev 01)
0000:04:00.0 0880: 1de5:0010 (rev 01)
0000:04:00.1 0880: 1de5:0010 (rev 01)
0000:05:00.0 0604: 1de5:0103
0000:06:03.0 0880: 1de5:0010 (rev 01)
OUT
check "lspci -Dn" "$tmp/ids" lspci -Dn
cat >"$tmp/vmm" <<'OUT'
Slot:	0000:06:03.0
Class:	0880
Vendor:	1de5
Device:	0010
SVendor:	1de5
SDevice:	0010
Rev:	01
ProgIf:	00
DTNode:	/sys/firmware/devicetree/base/pcie@30000000/pcie@1,0/pci@0,0/dma@3,0
IOMMUGroup:	1

OUT
check "lspci -Dnvmm" "$tmp/vmm" lspci -Dnvmm -s 06:03.0
printf '0146\n00100146\n' >"$tmp/setpci"
check "setpci" "$tmp/setpci" setpci -s 03:00.0 COMMAND=0x146 COMMAND 4.l
exit $fail
