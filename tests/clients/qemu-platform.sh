#!/bin/sh
# QEMU 7.2 with a vfio-platform device in a session (docs/sessions.md,
# "QEMU with a vfio-platform device"): the test assembles a bare-metal
# aarch64 guest (guest/), a shell binds a000000.dma to vfio-platform as a
# user does (driver_override, unbind, drivers_probe), and
# qemu-system-aarch64 -M virt (TCG) passes the device through as
# vfio-calxeda-xgmac with 2 GiB of guest RAM, once as QEMU chooses (mmap
# of a region that offers it) and once with x-no-mmap=on, then as plain
# vfio-platform with a device tree the test writes (-dtb). The guest
# programs the dma-copy engine, takes its interrupt, checks the copy and
# says PASS on its UART; `iommulab down` must then report the guests' DMA
# judged (24 pages beyond what the same session judges without QEMU) and
# no escape.
#   qemu-platform.sh IOMMULAB
. "$(dirname "$0")/lib.sh"
GUEST_SRC=$(dirname "$0")/guest
AS=aarch64-linux-gnu-as
LD=aarch64-linux-gnu-ld
need qemu-system-aarch64 $AS $LD dtc sh
MEM=${QEMU_PLATFORM_MEM:-2048}

# The guest, from source, every time.
G=$XDG_RUNTIME_DIR/guest
mkdir -p "$G"
for s in boot uart fdt gic main; do
	$AS -o "$G/$s.o" "$GUEST_SRC/$s.S" || { echo "FAIL: $AS $s.S"; exit 1; }
done
$LD --no-warn-rwx-segments -T "$GUEST_SRC/guest.ld" -o "$G/guest.elf" \
	"$G/boot.o" "$G/uart.o" "$G/fdt.o" "$G/gic.o" "$G/main.o" ||
	{ echo "FAIL: $LD guest.elf"; exit 1; }

D=/sys/bus/platform/devices/a000000.dma
# A platform device's interrupts are not MSIs: nothing isolates them, so
# VFIO type1 refuses its group (EPERM) unless the administrator allows it,
# as on an ARM board.
bind='modprobe vfio-platform &&
echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts &&
echo vfio-platform > '$D'/driver_override &&
echo a000000.dma > '$D'/driver/unbind &&
echo a000000.dma > /sys/bus/platform/drivers_probe &&
readlink '$D'/driver'

# down NAME: the report (and the session is gone).
down() {
	"$IOMMULAB" down --name "$1"
	echo "status $?"
	sessions=$(echo "$sessions" | sed "s/ $1\$//; s/ $1 / /")
}

# What a session judges without QEMU: the kernel's own DMA.
up base
got=$("$IOMMULAB" exec --name base -- sh -c "$bind" 2>&1)
check "bind a000000.dma to vfio-platform" "../../../../bus/platform/drivers/vfio-platform" "$got"
report=$(down base)
base=$(echo "$report" | sed -n 's/^oracle: \([0-9]*\) DMA pages checked.*/\1/p')
[ -n "$base" ] || { echo "FAIL: no oracle line in: $report"; exit 1; }

up qemu
got=$("$IOMMULAB" exec --name qemu -- sh -c "$bind" 2>&1)
check "bind a000000.dma to vfio-platform (again)" "../../../../bus/platform/drivers/vfio-platform" "$got"
# run_guest QEMU-ARGS...: the guest with the device, its whole output.
# Under the ASan build the shim brings ASan's runtime into QEMU, which
# warns once about QEMU's coroutines (swapcontext): those lines only are
# dropped; anything else QEMU says stays in the output compared.
run_guest() {
	timeout 120 "$IOMMULAB" exec --name qemu -- qemu-system-aarch64 -M virt -cpu cortex-a57 \
		-m "$MEM" -nographic -kernel "$G/guest.elf" "$@" 2>&1
	echo "status $?"
}
asan_quiet() {
	grep -Ev '^==[0-9]+==WARNING: ASan (doesn.t fully support makecontext/swapcontext|is ignoring requested __asan_handle_no_return)|^False positive error reports may follow$|^For details see https://github.com/google/sanitizers/issues/189$'
}
top=$(printf '%#x' $((0x40000000 + MEM * 1024 * 1024 - 0x10000)))
want="guest: up at EL1, looking for the dma-copy engine
guest: RAM at 0x40000000, $MEM MiB; the device at 0xc000000, interrupt 144
guest: copying 16 KiB from 0x40202000 to $top
guest: interrupt 144 taken, STATUS 0x2
guest: 16384 bytes copied and checked
PASS
status 0"
# QEMU's default: it maps a region that offers VFIO_REGION_INFO_FLAG_MMAP
# and goes through the descriptor (pread/pwrite) for one that does not.
xgmac=vfio-calxeda-xgmac,host=a000000.dma
check "the guest copies through the device and takes its interrupt" "$want" "$(run_guest -device $xgmac | asan_quiet)"
# x-no-mmap=on: every register access a pread/pwrite on the device's fd.
check "the same without mmap (x-no-mmap=on)" "$want" "$(run_guest -device $xgmac,x-no-mmap=on | asan_quiet)"
# Plain vfio-platform: QEMU writes no node for it, the user gives the
# guest's whole tree with -dtb: QEMU's own for this machine (dumpdtb) with
# the device's node added where QEMU puts the first device of its platform
# bus (0xc000000, SPI 112).
qemu-system-aarch64 -M virt,dumpdtb="$G/virt.dtb" -cpu cortex-a57 -m "$MEM" -nographic \
	>/dev/null 2>&1 || { echo "FAIL: dumpdtb"; exit 1; }
{ dtc -q -I dtb -O dts "$G/virt.dtb" && cat <<EOF
&{/platform-bus@c000000} {
	dma@0 {
		compatible = "iommulab,dma-copy";
		reg = <0x0 0x1000>;
		interrupts = <0x0 112 0x4>;
	};
};
EOF
} >"$G/guest.dts" && dtc -q -I dts -O dtb -o "$G/guest.dtb" "$G/guest.dts" ||
	{ echo "FAIL: dtc guest.dts"; exit 1; }
check "vfio-platform with -dtb" "$want" \
	"$(run_guest -dtb "$G/guest.dtb" -device vfio-platform,host=a000000.dma | asan_quiet)"
# Each guest's copy: four source pages read, four destination pages written.
n=$((base + 24))
got=$(down qemu)
check "down: the guest's DMA judged, no escape" "isolation escapes: 0
oracle: $n DMA pages checked: $n ok, 0 escapes (0 stale), 0 lazy, 0 unisolated, 0 faults
status 0" "$got"
finish
