#!/bin/sh
# Distribution tools, unmodified, in a session: driverctl (platform bus),
# dpdk-devbind.py, lspci, and kmod's modprobe/rmmod/lsmod, each acting on
# and showing the lab's sysfs, never the host's.
#   session-tools.sh IOMMULAB
. "$(dirname "$0")/lib.sh"
need driverctl dpdk-devbind.py lspci modprobe rmmod bash
up tools --cmdline lab.module=vfio-platform
X() { "$IOMMULAB" exec --name tools -- "$@" 2>&1; }
D=/sys/bus/platform/devices/a001000.dma

got=$(X driverctl -b platform list-devices)
check "driverctl list-devices" "30000000.pcie pci-host-generic
9050000.iommu arm-smmu
a000000.dma dma-copy
a001000.dma dma-copy
a002000.dma dma-copy
a003000.dma dma-copy
a004000.defer defer-test
soc (none)" "$got"
# --nosave: driverctl would otherwise keep the override in the host's /etc.
got=$(X driverctl --nosave -b platform set-override a001000.dma vfio-platform; echo $?)
check "driverctl set-override" "0" "$got"
got=$(X sh -c "readlink $D/driver; cat $D/driver_override; lsmod")
check "the lab holds it (driverctl loaded vfio-platform)" "../../../../bus/platform/drivers/vfio-platform
vfio-platform
Module                  Size  Used by
vfio_platform              0  0" "$got"
got=$(X driverctl -b platform list-overrides)
check "driverctl list-overrides" "a001000.dma vfio-platform" "$got"
got=$(X bash -c "driverctl --nosave -b platform unset-override a001000.dma; echo \$?; readlink $D/driver")
check "driverctl unset-override" "0
../../../../bus/platform/drivers/dma-copy" "$got"
got=$(X bash -c 'driverctl -b platform list-overrides; echo $?')
check "no overrides left (driverctl's words for none)" "driverctl: No overridable devices found. Kernel too old?
1" "$got"

# kmod's commands inside the session: the lab's modules, kmod's words.
got=$(X sh -c 'rmmod vfio_platform; echo $?; rmmod vfio_platform; echo $?; modprobe nosuch; echo $?; modprobe -q nosuch; echo $?; modprobe -r arm_smmu; echo $?; lsmod')
check "modprobe, rmmod, lsmod" "0
rmmod: ERROR: Module vfio_platform is not currently loaded
1
modprobe: FATAL: Module nosuch not found in directory /lib/modules/6.12.0-iommulab
1
1
modprobe: ERROR: Module arm_smmu is builtin.
1
Module                  Size  Used by" "$got"
got=$(X sh -c '[ -d /sys/module/vfio_platform ] && echo loaded; modprobe vfio-platform; [ -d /sys/module/vfio_platform ] && echo loaded')
check "/sys/module follows the lab's modules" "loaded" "$got"

# lspci and /proc/bus/pci: the lab's PCI functions (the built-in
# platform's PCIe topology, docs/devices.md), not the host's. Numeric IDs:
# names come from the host's pci.ids.
got=$(X sh -c 'lspci -n; echo $?; lspci -n -A linux-proc; echo $?; ls /proc/bus/pci; ls /proc/bus/pci/04')
check "lspci shows the lab's PCI devices" "00:00.0 0604: 1de5:0100
00:01.0 0604: 1de5:0100
00:02.0 0604: 1de5:0100
01:00.0 0108: 1de5:0011 (rev 01)
02:00.0 0604: 1de5:0101
03:00.0 0604: 1de5:0102
04:00.0 0880: 1de5:0010 (rev 01)
04:00.1 0880: 1de5:0010 (rev 01)
05:00.0 0604: 1de5:0103
06:01.0 0880: 1de5:0010 (rev 01)
0
00:00.0 0604: 1de5:0100
00:01.0 0604: 1de5:0100
00:02.0 0604: 1de5:0100
01:00.0 0108: 1de5:0011 (rev 01)
02:00.0 0604: 1de5:0101
03:00.0 0604: 1de5:0102
04:00.0 0880: 1de5:0010 (rev 01)
04:00.1 0880: 1de5:0010 (rev 01)
05:00.0 0604: 1de5:0103
06:01.0 0880: 1de5:0010 (rev 01)
0
00
01
02
03
04
05
06
devices
00.0
00.1" "$got"
# /proc/bus/pci/devices: BARs with their flags, sizes, the bound driver.
got=$(X sh -c 'grep -E "^(0100|0401|0608)" /proc/bus/pci/devices | tr -s " \t" " "')
check "/proc/bus/pci/devices" "0100 1de50011 23 10000004 0 0 0 0 0 0 4000 0 0 0 0 0 0 nvme
0401 1de50010 24 10102000 0 10103000 0 0 0 0 1000 0 1000 0 0 0 0 dma-copy
0608 1de50010 26 10200000 0 10201000 0 0 0 0 1000 0 1000 0 0 0 0 dma-copy" "$got"
# dpdk-devbind.py reads them through lspci; none is a class or ID of its
# tables, so it lists none (as on Linux). lspci -k's complaint about the
# host's missing /lib/modules is the host's, not the lab's: left out.
got=$(X sh -c 'dpdk-devbind.py --status 2>&1 | grep -v "Unable to load libkmod resources"')
check "dpdk-devbind.py --status (no device of its tables)" "
No 'Network' devices detected
=============================
$(dpdk_no_other_devices)" "$got"
finish
