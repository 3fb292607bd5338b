#!/bin/sh
# /init of the guest that tools/guest-build.sh makes: load the nvme
# modules, find the first NVMe namespace, write a random pattern with
# O_DIRECT, drop the page cache, read it back with O_DIRECT, compare, print
# one verdict line and power off. Every line a test reads starts "guest:".
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev

# guest.probe: the test only asks whether this accelerator runs a guest.
case " $(cat /proc/cmdline) " in
*" guest.probe "*) echo "guest: alive"; poweroff -f ;;
esac

verdict() {
	echo "guest: $*"
	[ "$1" = ok: ] || dmesg | grep -i -E 'nvme|dmar|pci 0000:0|timeout' | tail -n 30 | sed 's/^/guest: dmesg: /'
	sync
	poweroff -f
}

# The kernel's warnings stay on the console (quiet: level 4): a driver's
# timeouts show there if it hangs.
echo "guest: /init: loading $(tr '\n' ' ' </lib/modules/order)"
while read -r m; do
	insmod "/lib/modules/$m" || verdict FAIL: insmod "$m"
done </lib/modules/order

# The controller's PCI function, as the guest's own PCI core saw it.
for d in /sys/bus/pci/devices/*; do
	[ "$(cat "$d/class")" = 0x010802 ] || continue
	echo "guest: nvme function ${d##*/} $(cat "$d/vendor"):$(cat "$d/device") driver $(basename "$(readlink "$d/driver")")"
done

# The nvme driver probes asynchronously: wait for the namespace.
n=0
while [ ! -b /dev/nvme0n1 ]; do
	n=$((n + 1))
	[ $n -gt 600 ] && verdict FAIL: no /dev/nvme0n1 after 60 s
	sleep 0.1
done
echo "guest: nvme0 model '$(cat /sys/class/nvme/nvme0/model | sed 's/ *$//')'," \
	"nvme0n1 $(($(cat /sys/block/nvme0n1/size) * 512)) bytes"

# 1 MiB at 1 MiB: 256 pages of the disk, each written and read by the
# controller's DMA into and out of the guest's memory.
dd if=/dev/urandom of=/tmp/pattern bs=64k count=16 2>/dev/null
dd if=/tmp/pattern of=/dev/nvme0n1 bs=64k seek=16 oflag=direct conv=fsync 2>/dev/null ||
	verdict FAIL: write to nvme0n1
echo 3 >/proc/sys/vm/drop_caches
dd if=/dev/nvme0n1 of=/tmp/back bs=64k skip=16 count=16 iflag=direct 2>/dev/null ||
	verdict FAIL: read from nvme0n1
cmp -s /tmp/pattern /tmp/back || verdict FAIL: nvme0n1 read back differs from what was written
irqs=$(grep nvme /proc/interrupts | awk '{ n = 0; for (i = 2; i <= NF; i++) if ($i ~ /^[0-9]+$/) n += $i; else break; s += n } END { print s + 0 }')
echo "guest: nvme interrupts: $irqs ($(grep -c nvme /proc/interrupts) vectors)"
verdict ok: nvme0n1 wrote and read back 1048576 bytes
