#!/bin/sh
# QEMU's user-space NVMe driver (block/nvme.c over util/vfio-helpers.c,
# Debian's qemu-utils, unmodified) on the lab's NVMe in one session, with
# the tools that hand the device over first: driverctl -b pci and
# dpdk-devbind.py bind it to vfio-pci and back, lspci shows who holds it,
# new_id/remove_id teach vfio-pci the NVMe's ID and take it back. Then
# qemu-io writes and reads patterns through nvme://, qemu-img converts an
# image onto the namespace and back (cmp), and `iommulab down` reports the
# DMA the oracle judged and no escape. Whole outputs are compared.
#   qemu-nvme.sh IOMMULAB
. "$(dirname "$0")/lib.sh"
need qemu-io qemu-img driverctl dpdk-devbind.py lspci cmp bash
up qnvme
# Under the ASan build the shim brings ASan's runtime into QEMU, which
# notes once per process that its coroutines switch stacks (swapcontext):
# those four lines are ASan's, not QEMU's (any ASan error still shows).
asan_notes() {
	grep -v -E "^==[0-9]+==WARNING: ASan (doesn't fully support makecontext/swapcontext|is ignoring requested __asan_handle_no_return)|^False positive error reports may follow$|^For details see https://github.com/google/sanitizers/issues/189$"
}
X() {
	{ timeout 120 "$IOMMULAB" exec --name qnvme -- "$@" 2>&1; echo "status $?" >"$XDG_RUNTIME_DIR/st"; } | asan_notes
	return "$(sed 's/status //' "$XDG_RUNTIME_DIR/st")"
}
BDF=0000:01:00.0
D=/sys/bus/pci/devices/$BDF
NVME=nvme://$BDF/1
# qemu-io's timing line ("64 KiB, 1 ops; 00.00 sec (...)") varies: only
# its shape is kept.
untime() { sed -E 's/; [0-9:.]+ sec \([^)]*\)$/; TIME/'; }

# driverctl -b pci: the override, the kernel's nvme driver unbound,
# vfio-pci (loaded by driverctl's modprobe) probing it.
got=$(X driverctl --nosave -b pci set-override $BDF vfio-pci; echo $?)
check "driverctl -b pci set-override" "0" "$got"
got=$(X sh -c "readlink $D/driver; cat $D/driver_override; driverctl -b pci list-overrides; readlink $D/iommu_group; ls /sys/kernel/iommu_groups/3/devices")
check "vfio-pci holds the NVMe (its group: the root port above it too)" "../../../../../../bus/pci/drivers/vfio-pci
vfio-pci
$BDF vfio-pci
../../../../../../kernel/iommu_groups/3
0000:00:00.0
$BDF" "$got"
# lspci -k: the driver in use; -vvv the capabilities vfio-pci lets a user
# program see; -tv the tree. lspci -k's complaint about the host's
# missing /lib/modules is the host's: left out.
got=$(X sh -c "lspci -nn -k -s 01:00.0 2>&1 | grep -v libkmod")
check "lspci -nn -k" "01:00.0 Non-Volatile memory controller [0108]: Eideticom, Inc Device [1de5:0011] (rev 01)
	Subsystem: Eideticom, Inc Device [1de5:0011]
	Kernel driver in use: vfio-pci" "$got"
got=$(X sh -c "lspci -nn -k -vvv -s 01:00.0 2>&1 | grep -E 'Kernel driver|MSI|Region 0|Capabilities: \['")
check "lspci -vvv" "	Region 0: Memory at 10000000 (64-bit, non-prefetchable) [size=16K]
	Capabilities: [40] Power Management version 3
	Capabilities: [48] MSI: Enable- Count=1/1 Maskable+ 64bit+
	Capabilities: [60] MSI-X: Enable- Count=65 Masked-
	Capabilities: [6c] Express (v2) Endpoint, MSI 00
	Kernel driver in use: vfio-pci" "$got"
got=$(X lspci -tv)
check "lspci -tv" "-[0000:00]-+-00.0-[01]----00.0  Eideticom, Inc Device 0011
           +-01.0-[02-04]----00.0-[03-04]----00.0-[04]--+-00.0  Eideticom, Inc Device 0010
           |                                            \\-00.1  Eideticom, Inc Device 0010
           \\-02.0-[05-06]----00.0-[06]----01.0  Eideticom, Inc Device 0010" "$got"

# QEMU's NVMe driver: a pattern written and read back through nvme://
# (MSI-X eventfd, BAR0 mmap of the registers and doorbells, MAP_DMA of its
# queues and of each buffer), then a transfer above MDTS (split by QEMU),
# and blocks nobody wrote (zeros).
got=$(X qemu-io -f raw $NVME -c 'write -P 0xab 0 64k' -c 'read -P 0xab 0 64k' \
	-c 'write -P 0xcd 1M 5M' -c 'read -P 0xcd 1M 5M' -c 'read -P 0 8M 4k' | untime)
check "qemu-io: patterns through nvme://" "wrote 65536/65536 bytes at offset 0
64 KiB, 1 ops; TIME
read 65536/65536 bytes at offset 0
64 KiB, 1 ops; TIME
wrote 5242880/5242880 bytes at offset 1048576
5 MiB, 1 ops; TIME
read 5242880/5242880 bytes at offset 1048576
5 MiB, 1 ops; TIME
read 4096/4096 bytes at offset 8388608
4 KiB, 1 ops; TIME" "$got"
# A second program finds what the first wrote, and a wrong pattern is seen.
got=$(X qemu-io -r -f raw $NVME -c 'read -P 0xab 0 4k' -c 'read -P 0xcd 0 512'; echo "status $?")
got=$(printf '%s\n' "$got" | untime)
check "qemu-io: a second program reads it back" "read 4096/4096 bytes at offset 0
4 KiB, 1 ops; TIME
Pattern verification failed at offset 0, 512 bytes
read 512/512 bytes at offset 0
512 bytes, 1 ops; TIME
status 1" "$got"
got=$(X qemu-img info -f raw $NVME)
check "qemu-img info" "image: $NVME
file format: raw
virtual size: 64 MiB (67108864 bytes)
disk size: unavailable" "$got"

# qemu-img convert: an image onto the namespace and back, compared.
IMG=$XDG_RUNTIME_DIR/disk.img
head -c 5M /dev/urandom >"$IMG"
printf 'iommulab' | dd of="$IMG" bs=1 seek=3000000 conv=notrunc 2>/dev/null
got=$(X qemu-img convert -n -f raw -O raw "$IMG" $NVME; echo $?)
check "qemu-img convert onto the NVMe" "0" "$got"
got=$(X qemu-img convert -f raw -O raw $NVME "$IMG.back"; echo $?)
check "qemu-img convert back" "0" "$got"
got=$(cmp -n 5242880 "$IMG" "$IMG.back"; echo $?; stat -c %s "$IMG.back"; od -v -An -tx1 -j 5242880 -N 1048576 "$IMG.back" | sort -u; cmp -i 6291456 "$IMG.back" /dev/zero 2>&1 | sed 's/ after byte.*//')
check "the copy is the image, then qemu-io's pattern, then zeros" "0
67108864
 cd cd cd cd cd cd cd cd cd cd cd cd cd cd cd cd
cmp: EOF on $IMG.back" "$got"

# dpdk-devbind.py binds only devices of its tables (network, crypto,
# baseband classes, and listed vendor IDs): an NVMe is none of them, on a
# host as here, so it refuses it by name and changes nothing (SPDK's
# setup.sh is the tool for NVMe). driverctl gave the NVMe back first.
got=$(X driverctl --nosave -b pci unset-override $BDF; echo $?; X readlink $D/driver)
check "driverctl unset-override: back to nvme" "0
../../../../../../bus/pci/drivers/nvme" "$got"
got=$(X sh -c "dpdk-devbind.py --bind=vfio-pci $BDF 2>&1 | grep -v libkmod | tail -n 1; dpdk-devbind.py --unbind $BDF 2>&1 | tail -n 1; readlink $D/driver")
check "dpdk-devbind.py refuses the NVMe as on a host" "ValueError: Unknown device: $BDF. Please specify device in \"bus:slot.func\" format
ValueError: Unknown device: $BDF. Please specify device in \"bus:slot.func\" format
../../../../../../bus/pci/drivers/nvme" "$got"
# driver_override by hand, as dpdk-devbind.py writes it for the devices it
# knows, and QEMU finds the data still there.
got=$(X bash -c "echo $BDF > $D/driver/unbind; echo vfio-pci > $D/driver_override; echo $BDF > /sys/bus/pci/drivers_probe; readlink $D/driver")
check "driver_override by hand" "../../../../../../bus/pci/drivers/vfio-pci" "$got"
got=$(X qemu-io -r -f raw $NVME -c 'read -P 0xcd 5M 1M' -c 'read -v 3000000 8' | untime)
check "qemu-io after a bind by hand" "read 1048576/1048576 bytes at offset 5242880
1 MiB, 1 ops; TIME
002dc6c0:  69 6f 6d 6d 75 6c 61 62  iommulab
read 8/8 bytes at offset 3000000
8 bytes, 1 ops; TIME" "$got"

# new_id on vfio-pci: the ID binds an unbound device at once; a second
# write is EEXIST; remove_id takes it back (vfio-pci's own table matches
# only with driver_override, so bind is then refused).
V=/sys/bus/pci/drivers/vfio-pci
got=$(X bash -c "echo $BDF > $D/driver/unbind; echo > $D/driver_override
echo '1de5 0011' > $V/new_id; echo \$?; readlink $D/driver
echo '1de5 0011' > $V/new_id; echo \$?
echo $BDF > $V/unbind; echo '1de5 0011' > $V/remove_id; echo \$?
echo '1de5 0011' > $V/remove_id; echo \$?
echo $BDF > $V/bind; echo \$?
echo $BDF > /sys/bus/pci/drivers_probe; readlink $D/driver")
check "new_id, EEXIST, remove_id" "0
../../../../../../bus/pci/drivers/vfio-pci
bash: line 3: echo: write error: File exists
1
0
bash: line 5: echo: write error: No such device
1
bash: line 6: echo: write error: No such device
1
../../../../../../bus/pci/drivers/nvme" "$got"

report=$("$IOMMULAB" down --name qnvme)
status=$?
sessions=""
got=$(printf '%s\n' "$report" | sed -E 's/^oracle: [1-9][0-9]* DMA pages checked: [1-9][0-9]* ok,/oracle: N DMA pages checked: N ok,/'; echo "status $status")
# No fault either: the MSI-X writes translate (type1's MSI cookie).
check "iommulab down: DMA judged, no escape, no fault" "isolation escapes: 0
oracle: N DMA pages checked: N ok, 0 escapes (0 stale), 0 lazy, 0 unisolated, 0 faults
status 0" "$got"
finish
