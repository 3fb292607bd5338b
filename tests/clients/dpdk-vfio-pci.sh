#!/bin/sh
# dpdk-devbind.py handing a device to vfio-pci and back, in a session, on
# a board (dpdk-nic.dts) where a pci-dma-copy function presents as an
# Ethernet controller (iommulab,class-code): the class DPDK's tool looks
# for (it refuses an NVMe: qemu-nvme.sh). Its driver, dma-copy, is a
# module here (lab.module=dma-copy), as NIC drivers are in distribution
# kernels: dpdk-devbind.py binds only to drivers it sees loaded in
# /sys/module (or listed in modules.builtin, which a session has not).
# --status lists it, --bind=vfio-pci hands it over (lspci -k), the example
# vfio-pci-dma-copy drives it, --unbind and --bind=dma-copy give it back;
# `iommulab down` reports the DMA judged and no escape. Whole outputs.
#   dpdk-vfio-pci.sh IOMMULAB EXAMPLE PLATFORM
. "$(dirname "$0")/lib.sh"
example=$1 platform=$2
need dpdk-devbind.py lspci python3
up dpdk --platform "$platform" --cmdline lab.module=dma-copy
# lspci's and dpdk-devbind.py's complaint about the host's missing
# /lib/modules (libkmod) is the host's: left out.
X() {
	{ timeout 120 "$IOMMULAB" exec --name dpdk -- "$@" 2>&1; echo "$?" >"$XDG_RUNTIME_DIR/st"; } |
		grep -v libkmod
	return "$(cat "$XDG_RUNTIME_DIR/st")"
}
BDF=0000:02:00.0
D=/sys/bus/pci/devices/$BDF
status_net() { X dpdk-devbind.py --status-dev net; }

got=$(X sh -c 'modprobe dma-copy; modprobe vfio-pci; echo $?')
check "modprobe dma-copy and vfio-pci" "0" "$got"
got=$(X lspci -nn -k)
check "lspci -nn -k: the engine twice, once as an Ethernet controller" "00:00.0 PCI bridge [0604]: Eideticom, Inc Device [1de5:0100]
	Kernel driver in use: pcieport
00:01.0 PCI bridge [0604]: Eideticom, Inc Device [1de5:0100]
	Kernel driver in use: pcieport
01:00.0 System peripheral [0880]: Eideticom, Inc Device [1de5:0010] (rev 01)
	Subsystem: Eideticom, Inc Device [1de5:0010]
	Kernel driver in use: dma-copy
02:00.0 Ethernet controller [0200]: Eideticom, Inc Device [1de5:0010] (rev 01)
	Subsystem: Eideticom, Inc Device [1de5:0010]
	Kernel driver in use: dma-copy" "$got"

# --status: only the Ethernet-class function is a network device; the
# other one is in none of DPDK's tables.
got=$(X dpdk-devbind.py --status)
check "dpdk-devbind.py --status" "
Network devices using kernel driver
===================================
$BDF 'Device 0010' if= drv=dma-copy unused=vfio-pci 
$(dpdk_no_other_devices)" "$got"

# --bind=vfio-pci: driver_override written, dma-copy unbound, vfio-pci bound.
got=$(X dpdk-devbind.py --bind=vfio-pci $BDF; echo "status $?")
check "dpdk-devbind.py --bind=vfio-pci" "status 0" "$got"
got=$(status_net)
check "--status-dev net: a DPDK-compatible driver" "
Network devices using DPDK-compatible driver
============================================
$BDF 'Device 0010' drv=vfio-pci unused=" "$got"
got=$(X sh -c "lspci -k -s 02:00.0; readlink $D/driver $D/iommu_group; ls /sys/kernel/iommu_groups/2/devices")
check "lspci -k: vfio-pci holds it, alone in group 2" "02:00.0 Ethernet controller: Eideticom, Inc Device 0010 (rev 01)
	Subsystem: Eideticom, Inc Device 0010
	Kernel driver in use: vfio-pci
../../../../../../bus/pci/drivers/vfio-pci
../../../../../../kernel/iommu_groups/2
$BDF" "$got"

# The example program (BAR0 mmap, MSI-X eventfd) drives the function.
got=$(X "$example" $BDF; echo "status $?")
check "vfio-pci-dma-copy on the handed-over function" "$BDF: group 2, 1de5:0010, class 020000, 9 regions, 5 irq indexes
BAR0: 4096 bytes, mapped with mmap
MSI-X: 1 vector(s), vector 0 on an eventfd
copied 32768 bytes 3 times through the BAR0 mapping, each completion an MSI-X interrupt taken with poll: ok
done
status 0" "$got"

# --unbind: no driver (and no override left); --bind=dma-copy: back.
got=$(X dpdk-devbind.py --unbind $BDF; echo "status $?"; X sh -c "readlink $D/driver; cat $D/driver_override")
check "dpdk-devbind.py --unbind" "status 0
(null)" "$got"
got=$(status_net)
check "--status-dev net: no driver" "
Other Network devices
=====================
$BDF 'Device 0010' unused=vfio-pci" "$got"
got=$(X dpdk-devbind.py --bind=dma-copy $BDF; echo "status $?")
check "dpdk-devbind.py --bind=dma-copy" "status 0" "$got"
got=$(X lspci -k -s 02:00.0)
check "lspci -k: dma-copy again" "02:00.0 Ethernet controller: Eideticom, Inc Device 0010 (rev 01)
	Subsystem: Eideticom, Inc Device 0010
	Kernel driver in use: dma-copy" "$got"
# Straight from vfio-pci to the kernel driver: --bind unbinds first.
got=$(X dpdk-devbind.py --bind=vfio-pci $BDF; X dpdk-devbind.py --bind=dma-copy $BDF; echo "status $?"; status_net)
check "vfio-pci, then --bind=dma-copy directly" "status 0

Network devices using kernel driver
===================================
$BDF 'Device 0010' if= drv=dma-copy unused=vfio-pci " "$got"
# A driver that is not loaded is refused by name, and nothing changes.
got=$(X dpdk-devbind.py --bind=nvme $BDF; echo "status $?"; X readlink $D/driver)
check "a driver not loaded" "Error: Driver 'nvme' is not loaded.
status 1
../../../../../../bus/pci/drivers/dma-copy" "$got"

report=$("$IOMMULAB" down --name dpdk)
status=$?
sessions=""
got=$(printf '%s\n' "$report" | sed -E 's/^oracle: [1-9][0-9]* DMA pages checked: [1-9][0-9]* ok,/oracle: N DMA pages checked: N ok,/'; echo "status $status")
check "iommulab down: DMA judged, no escape, no fault" "isolation escapes: 0
oracle: N DMA pages checked: N ok, 0 escapes (0 stale), 0 lazy, 0 unisolated, 0 faults
status 0" "$got"
finish
