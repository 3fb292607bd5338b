/*
 * PCI configuration space layout as the models see it (docs/devices.md,
 * "PCI function"). The hardware side defines its own constants from the
 * datasheet; the kernel defines its own from the same page.
 */
#ifndef LAB_HW_PCI_REGS_H
#define LAB_HW_PCI_REGS_H

#include "common/types.h"

#define PCI_CFG_SIZE 256
#define PCI_CFG_EXP_SIZE 4096

/* Header common to both types. */
#define PCI_VENDOR_ID 0x00
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define  PCI_COMMAND_IO BIT(0)
#define  PCI_COMMAND_MEMORY BIT(1)
#define  PCI_COMMAND_MASTER BIT(2)
#define  PCI_COMMAND_PARITY BIT(6)
#define  PCI_COMMAND_SERR BIT(8)
#define  PCI_COMMAND_INTX_DISABLE BIT(10)
#define PCI_STATUS 0x06
#define  PCI_STATUS_INTERRUPT BIT(3)
#define  PCI_STATUS_CAP_LIST BIT(4)
#define  PCI_STATUS_PARITY BIT(8)
#define  PCI_STATUS_SIG_TARGET_ABORT BIT(11)
#define  PCI_STATUS_REC_TARGET_ABORT BIT(12)
#define  PCI_STATUS_REC_MASTER_ABORT BIT(13)
#define  PCI_STATUS_SIG_SYSTEM_ERROR BIT(14)
#define  PCI_STATUS_DETECTED_PARITY BIT(15)
#define  PCI_STATUS_W1C 0xf900
#define PCI_REVISION_ID 0x08
#define PCI_CLASS_PROG 0x09
#define PCI_CACHE_LINE_SIZE 0x0c
#define PCI_LATENCY_TIMER 0x0d
#define PCI_HEADER_TYPE 0x0e
#define  PCI_HEADER_TYPE_MFD 0x80
#define PCI_BASE_ADDRESS_0 0x10
#define  PCI_BASE_ADDRESS_SPACE_IO 0x1
#define  PCI_BASE_ADDRESS_MEM_TYPE_64 0x4
#define  PCI_BASE_ADDRESS_MEM_PREFETCH 0x8
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d

/* Type 0 */
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_ROM_ADDRESS 0x30
#define  PCI_ROM_ADDRESS_ENABLE 0x1

/* Type 1 */
#define PCI_PRIMARY_BUS 0x18
#define PCI_SECONDARY_BUS 0x19
#define PCI_SUBORDINATE_BUS 0x1a
#define PCI_SEC_LATENCY_TIMER 0x1b
#define PCI_IO_BASE 0x1c
#define PCI_IO_LIMIT 0x1d
#define PCI_SEC_STATUS 0x1e
#define PCI_MEMORY_BASE 0x20
#define PCI_MEMORY_LIMIT 0x22
#define PCI_PREF_MEMORY_BASE 0x24
#define PCI_PREF_MEMORY_LIMIT 0x26
#define PCI_PREF_BASE_UPPER32 0x28
#define PCI_PREF_LIMIT_UPPER32 0x2c
#define PCI_IO_BASE_UPPER16 0x30
#define PCI_IO_LIMIT_UPPER16 0x32
#define PCI_ROM_ADDRESS1 0x38
#define PCI_BRIDGE_CONTROL 0x3e
#define  PCI_BRIDGE_CTL_BUS_RESET BIT(6)

/* Capability IDs */
#define PCI_CAP_ID_PM 0x01
#define PCI_CAP_ID_MSI 0x05
#define PCI_CAP_ID_EXP 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_EXT_CAP_ID_ACS 0x0d

/* Power Management */
#define PCI_PM_PMC 2
#define PCI_PM_CTRL 4
#define  PCI_PM_CTRL_STATE_MASK 0x3
#define  PCI_PM_CTRL_NO_SOFT_RESET BIT(3)
#define PCI_PM_SIZEOF 8

/* MSI (64-bit, per-vector masking: the offsets of the full layout) */
#define PCI_MSI_FLAGS 2
#define  PCI_MSI_FLAGS_ENABLE BIT(0)
#define  PCI_MSI_FLAGS_QMASK 0x000e
#define  PCI_MSI_FLAGS_QSIZE 0x0070
#define  PCI_MSI_FLAGS_64BIT BIT(7)
#define  PCI_MSI_FLAGS_MASKBIT BIT(8)
#define PCI_MSI_ADDRESS_LO 4

/* MSI-X */
#define PCI_MSIX_FLAGS 2
#define  PCI_MSIX_FLAGS_QSIZE 0x07ff
#define  PCI_MSIX_FLAGS_MASKALL BIT(14)
#define  PCI_MSIX_FLAGS_ENABLE BIT(15)
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_SIZEOF 12
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_CTRL_MASKBIT BIT(0)

/* PCI Express */
#define PCI_EXP_FLAGS 2
#define PCI_EXP_DEVCAP 4
#define  PCI_EXP_DEVCAP_FLR BIT(28)
#define PCI_EXP_DEVCTL 8
#define  PCI_EXP_DEVCTL_BCR_FLR BIT(15)
#define PCI_EXP_DEVSTA 10
#define PCI_EXP_LNKCAP 12
#define PCI_EXP_LNKCTL 16
#define PCI_EXP_LNKSTA 18
#define PCI_EXP_DEVCAP2 36
#define PCI_EXP_DEVCTL2 40
#define PCI_EXP_LNKCAP2 44
#define PCI_EXP_LNKCTL2 48
#define PCI_EXP_LNKSTA2 50
#define PCI_EXP_SIZEOF 60

/* ACS */
#define PCI_ACS_CAP 4
#define PCI_ACS_CTRL 6
#define PCI_ACS_EGRESS_CTL_V 8

#endif
