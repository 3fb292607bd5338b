#!/bin/sh
# Every mutable variable of the kernel lives in struct kernel (docs/hacking.md
# "Kernel state"). This lists the writable data and bss symbols (nm types
# b, B, d, D outside .data.rel.ro, where const tables with pointers go) of
# the kernel's objects and fails on any not in the allow-list below.
#
# usage: kernel-state-symbols.sh NM BUILDDIR
#   (the objects of libiommulab built from src/kernel, BUILDDIR/libiommulab.a.p/src_kernel_*.o)
#
# Allow-list: "object-stem symbol", one per line; static locals match
# without their ".N" suffix. Each entry says why it is not kernel state.
ALLOW='
# The running kernel itself.
base_kernel kstate
# Harness state: a test sets it before the boot and reads it after the
# shutdown (docs/hacking.md).
base_kalloc fail_countdown
base_kalloc fail_fired
base_kalloc outstanding
base_printk sink_fn
base_printk sink_opaque
iommu_observer obs
iommu_observer obs_opaque
# Host state: how this process reaches user memory and eventfds
# (uaccess_ops), installed once by the uapi layer for the process, before
# any boot and independent of it; likewise how it reaches the program
# descriptor table (files_host_ops: get_unused_fd_flags, fd_install, fdget).
base_uaccess uops
base_file fops_host
# Written with the same constant at every registration, never anything else
# (platform_driver_register sets .bus); constant in value, not in type,
# because the driver core takes struct device_driver * and struct bus_type *
# (so does Linux for drivers).
base_platform platform_bus_type
base_platform amba_bustype
drivers_arm-smmu-glue arm_smmu_driver
drivers_arm-smmu-v3 arm_smmu_v3_driver
drivers_defer_test defer_test_driver
drivers_dma_copy dma_copy_driver
drivers_dma_copy_pci dma_copy_pci_driver
drivers_qcom_scm qcom_scm_driver
drivers_tegra-mc tegra_mc_driver
irqchip_irq-mbigen mbigen_platform_driver
drivers_nvme nvme_driver
pci_pci-driver pci_bus_type
pci_pci-host-generic gen_pci_driver
pci_portdrv pcie_portdriver
vfio_vfio_platform vfio_platform_driver
vfio_vfio_pci_core vfio_pci_driver
'

NM=${1:?usage: $0 NM BUILDDIR}
BUILDDIR=${2:?usage: $0 NM BUILDDIR}
set -- "$BUILDDIR"/libiommulab.a.p/src_kernel_*.o
[ -f "$1" ] || { echo "$0: no kernel objects in $BUILDDIR" >&2; exit 2; }

bad=0
seen=0
for obj in "$@"; do
	stem=$(basename "$obj" .o)
	stem=${stem%.c}
	stem=${stem#src_kernel_}
	# sysv format: name|value|class|type|size|line|section
	"$NM" -f sysv "$obj" | awk -F'|' -v stem="$stem" '
		{ for (i = 1; i <= NF; i++) gsub(/^ +| +$/, "", $i) }
		$3 ~ /^[bBdD]$/ && $7 !~ /^\.data\.rel\.ro/ && $1 !~ /^(\.|__odr_asan|__asan|__ubsan)/ {
			name = $1; sub(/\.[0-9]+$/, "", name); print stem, name
		}' > "${TMPDIR:-/tmp}/kss.$$" || exit 2
	while read -r s name; do
		seen=$((seen + 1))
		if ! printf '%s\n' "$ALLOW" | grep -Fqx "$s $name"; then
			echo "kernel state outside struct kernel: $name (src/kernel/$(echo "$s" | sed 's|_|/|').c)"
			bad=$((bad + 1))
		fi
	done < "${TMPDIR:-/tmp}/kss.$$"
done
rm -f "${TMPDIR:-/tmp}/kss.$$"
if [ "$bad" -gt 0 ]; then
	echo "$bad symbol(s): move them into the subsystem's state in struct kernel" \
	     "(docs/hacking.md \"Kernel state\"), or make them const"
	exit 1
fi
echo "kernel-state-symbols: $seen writable symbol(s) in $# objects, all allowed"
