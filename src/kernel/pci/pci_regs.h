/*
 * PCI configuration space registers as the kernel names them (Linux's
 * include/uapi/linux/pci_regs.h names), from the datasheet in
 * docs/devices.md "PCI function". The machine defines its own copy
 * (src/hw/pci_regs.h); the two never include each other.
 */
#ifndef LAB_KERNEL_PCI_PCI_REGS_H
#define LAB_KERNEL_PCI_PCI_REGS_H

#define PCI_CFG_SPACE_SIZE	256
#define PCI_CFG_SPACE_EXP_SIZE	4096

#define PCI_VENDOR_ID		0x00
#define PCI_DEVICE_ID		0x02
#define PCI_COMMAND		0x04
#define  PCI_COMMAND_IO		0x0001
#define  PCI_COMMAND_MEMORY	0x0002
#define  PCI_COMMAND_MASTER	0x0004
#define  PCI_COMMAND_INTX_DISABLE 0x0400
#define PCI_STATUS		0x06
#define  PCI_STATUS_CAP_LIST	0x0010
#define PCI_CLASS_REVISION	0x08
#define PCI_REVISION_ID		0x08
#define PCI_CLASS_PROG		0x09
#define PCI_CLASS_DEVICE	0x0a
#define PCI_CACHE_LINE_SIZE	0x0c
#define PCI_LATENCY_TIMER	0x0d
#define PCI_HEADER_TYPE		0x0e
#define  PCI_HEADER_TYPE_MASK	0x7f
#define  PCI_HEADER_TYPE_NORMAL	0
#define  PCI_HEADER_TYPE_BRIDGE	1
#define  PCI_HEADER_TYPE_CARDBUS 2
#define  PCI_HEADER_TYPE_MFD	0x80
#define PCI_BASE_ADDRESS_0	0x10
#define PCI_BASE_ADDRESS_5	0x24
#define  PCI_BASE_ADDRESS_SPACE_IO 0x01
#define  PCI_BASE_ADDRESS_MEM_TYPE_MASK 0x06
#define  PCI_BASE_ADDRESS_MEM_TYPE_32 0x00
#define  PCI_BASE_ADDRESS_MEM_TYPE_64 0x04
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x08
#define  PCI_BASE_ADDRESS_MEM_MASK (~0x0fUL)
#define  PCI_BASE_ADDRESS_IO_MASK (~0x03UL)
#define PCI_SUBSYSTEM_VENDOR_ID	0x2c
#define PCI_SUBSYSTEM_ID	0x2e
#define PCI_ROM_ADDRESS		0x30
#define  PCI_ROM_ADDRESS_ENABLE	0x01
#define  PCI_ROM_ADDRESS_MASK	(~0x7ffU)
#define PCI_CAPABILITY_LIST	0x34
#define PCI_INTERRUPT_LINE	0x3c
#define PCI_INTERRUPT_PIN	0x3d

/* Type 1 (bridge) header */
#define PCI_PRIMARY_BUS		0x18
#define PCI_SECONDARY_BUS	0x19
#define PCI_SUBORDINATE_BUS	0x1a
#define PCI_IO_BASE		0x1c
#define PCI_IO_LIMIT		0x1d
#define PCI_MEMORY_BASE		0x20
#define PCI_MEMORY_LIMIT	0x22
#define  PCI_MEMORY_RANGE_MASK	(~0x0fUL)
#define PCI_PREF_MEMORY_BASE	0x24
#define PCI_PREF_MEMORY_LIMIT	0x26
#define  PCI_PREF_RANGE_TYPE_MASK 0x0fUL
#define  PCI_PREF_RANGE_TYPE_64	0x01
#define  PCI_PREF_RANGE_MASK	(~0x0fUL)
#define PCI_PREF_BASE_UPPER32	0x28
#define PCI_PREF_LIMIT_UPPER32	0x2c
#define PCI_IO_BASE_UPPER16	0x30
#define PCI_IO_LIMIT_UPPER16	0x32
#define PCI_ROM_ADDRESS1	0x38
#define PCI_BRIDGE_CONTROL	0x3e
#define  PCI_BRIDGE_CTL_BUS_RESET 0x40

/* Capability lists */
#define PCI_CAP_LIST_ID		0
#define PCI_CAP_LIST_NEXT	1
#define PCI_CAP_ID_PM		0x01
#define PCI_CAP_ID_MSI		0x05
#define PCI_CAP_ID_EXP		0x10
#define PCI_CAP_ID_MSIX		0x11
#define PCI_FIND_CAP_TTL	48

#define PCI_EXT_CAP_ID(h)	((h) & 0x0000ffff)
#define PCI_EXT_CAP_VER(h)	(((h) >> 16) & 0xf)
#define PCI_EXT_CAP_NEXT(h)	(((h) >> 20) & 0xffc)
#define PCI_EXT_CAP_ID_ACS	0x0d

/* Power management */
#define PCI_PM_PMC		2
#define PCI_PM_CTRL		4
#define  PCI_PM_CTRL_STATE_MASK	0x0003
#define  PCI_PM_CTRL_NO_SOFT_RESET 0x0008

/* PCI Express */
#define PCI_EXP_FLAGS		2
#define  PCI_EXP_FLAGS_TYPE	0x00f0
#define  PCI_EXP_TYPE_ENDPOINT	0x0
#define  PCI_EXP_TYPE_LEG_END	0x1
#define  PCI_EXP_TYPE_ROOT_PORT	0x4
#define  PCI_EXP_TYPE_UPSTREAM	0x5
#define  PCI_EXP_TYPE_DOWNSTREAM 0x6
#define  PCI_EXP_TYPE_PCI_BRIDGE 0x7
#define  PCI_EXP_TYPE_PCIE_BRIDGE 0x8
#define  PCI_EXP_TYPE_RC_END	0x9
#define  PCI_EXP_TYPE_RC_EC	0xa
#define PCI_EXP_DEVCAP		4
#define  PCI_EXP_DEVCAP_FLR	0x10000000
#define PCI_EXP_DEVCTL		8
#define  PCI_EXP_DEVCTL_BCR_FLR	0x8000
#define PCI_EXP_DEVSTA		10
#define  PCI_EXP_DEVSTA_TRPND	0x0020

/* Access Control Services */
#define PCI_ACS_CAP		0x04
#define PCI_ACS_CTRL		0x06
#define  PCI_ACS_SV		0x0001
#define  PCI_ACS_TB		0x0002
#define  PCI_ACS_RR		0x0004
#define  PCI_ACS_CR		0x0008
#define  PCI_ACS_UF		0x0010
#define  PCI_ACS_EC		0x0020
#define  PCI_ACS_DT		0x0040

#endif
