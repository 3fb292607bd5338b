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
check "driverctl list-devices" "9050000.iommu arm-smmu
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

# lspci and /proc/bus/pci: the lab's PCI functions (none on this
# platform-only lab), not the host's.
got=$(X sh -c 'lspci; echo $?; lspci -A linux-proc; echo $?; ls /proc/bus/pci; cat /proc/bus/pci/devices; [ -e /sys/bus/pci ] || echo "no /sys/bus/pci"')
check "lspci shows the lab's (no) PCI devices" "0
0
devices
no /sys/bus/pci" "$got"
got=$(X dpdk-devbind.py --status)
check "dpdk-devbind.py --status (no PCI in the lab)" "
No 'Network' devices detected
=============================

No 'Baseband' devices detected
==============================

No 'Crypto' devices detected
============================

No 'DMA' devices detected
=========================

No 'Eventdev' devices detected
==============================

No 'Mempool' devices detected
=============================

No 'Compress' devices detected
==============================

No 'Misc (rawdev)' devices detected
===================================

No 'Regex' devices detected
===========================" "$got"
finish
