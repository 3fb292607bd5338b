/*
 * vfio-pci's view of config space (Linux's vfio_pci_config.c is the
 * behavioural reference).
 *
 * At open, vconfig gets a copy of the header and of every capability
 * vfio-pci knows the length of, and pci_config_map records which
 * capability each byte belongs to. An access is cut into aligned pieces
 * that stay inside one capability and one dword; each piece goes through
 * its capability's permission table: per field, which bits are virtual
 * (read from and written to vconfig, never the device) and which bits
 * the user may write (the rest of a write is dropped). Capabilities
 * without a table are read-only and read the device; bytes outside any
 * capability pass through to the device, as Linux's unassigned_perms.
 *
 * What is virtual, as Linux: the IDs, the BARs (sizing reads back the
 * size mask, the device keeps its real addresses), Command's INTx
 * Disable (interrupt masking goes through vfio_pci_intrs.c), Interrupt
 * Line and Pin, the capability pointers (a capability vfio-pci cannot
 * size is left out of the chain), PME in the PM capability, the MSI
 * capability's control (its Enable follows VFIO_DEVICE_SET_IRQS) and
 * message, the PCIe capability's FLR bit (a write of it resets the
 * function), MPS and MRRS. The MSI-X capability is read-only: its Enable
 * is the device's, which SET_IRQS sets.
 */
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/uaccess.h"
#include "kernel/pci/pci.h"
#include "kernel/pci/pci-msi.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

/* ---- register names the PCI core does not define ------------------------- */

#define PCI_STD_HEADER_SIZEOF	64
#define PCI_CAP_SIZEOF		4
#define PCI_CAP_FLAGS		2
#define PCI_CAP_ID_BASIC	0	/* the header, in pci_config_map */
#define PCI_CAP_ID_INVALID	0xff	/* no capability: passes through */

#define PCI_CAP_ID_AGP		0x02
#define PCI_CAP_ID_VPD		0x03
#define PCI_CAP_ID_PCIX		0x07
#define PCI_CAP_ID_HT		0x08
#define PCI_CAP_ID_VNDR		0x09
#define PCI_CAP_ID_SATA		0x12
#define PCI_CAP_ID_AF		0x13
#define PCI_CAP_ID_MAX		0x14	/* Enhanced Allocation */

#define PCI_EXT_CAP_ID_ERR	0x01
#define PCI_EXT_CAP_ID_VC	0x02
#define PCI_EXT_CAP_ID_DSN	0x03
#define PCI_EXT_CAP_ID_PWR	0x04
#define PCI_EXT_CAP_ID_MFVC	0x08
#define PCI_EXT_CAP_ID_VC9	0x09
#define PCI_EXT_CAP_ID_VNDR	0x0b
#define PCI_EXT_CAP_ID_ARI	0x0e
#define PCI_EXT_CAP_ID_ATS	0x0f
#define PCI_EXT_CAP_ID_SRIOV	0x10
#define PCI_EXT_CAP_ID_MCAST	0x12
#define PCI_EXT_CAP_ID_PRI	0x13
#define PCI_EXT_CAP_ID_REBAR	0x15
#define PCI_EXT_CAP_ID_DPA	0x16
#define PCI_EXT_CAP_ID_TPH	0x17
#define PCI_EXT_CAP_ID_LTR	0x18
#define PCI_EXT_CAP_ID_DVSEC	0x23
#define PCI_EXT_CAP_ID_MAX	0x2e	/* DOE */

#define PCI_PM_CAP_PME_MASK	0xf800
#define PCI_PM_CTRL_PME_ENABLE	0x0100
#define PCI_PM_CTRL_PME_STATUS	0x8000
#define PCI_MSI_PENDING_32	0x10
#define PCI_MSI_PENDING_64	0x14
#define PCI_X_CMD		2
#define PCI_X_ECC_CSR		8
#define PCI_VPD_ADDR		2
#define PCI_VPD_DATA		4
#define PCI_AF_CAP		3
#define PCI_AF_CTRL		4
#define  PCI_AF_CTRL_FLR	0x01
#define  PCI_AF_CAP_TP		0x01
#define  PCI_AF_CAP_FLR		0x02
#define PCI_EXP_FLAGS_VERS	0x000f
#define PCI_EXP_DEVCTL_PAYLOAD	0x00e0
#define PCI_EXP_DEVCTL_PHANTOM	0x0200
#define PCI_EXP_DEVCTL_READRQ	0x7000
#define PCI_EXP_DEVCTL2		0x28
#define PCI_EXP_DEVCTL2_ARI	0x0020
#define PCI_ERR_UNCOR_STATUS	0x04
#define PCI_ERR_UNCOR_MASK	0x08
#define PCI_ERR_UNCOR_SEVER	0x0c
#define PCI_ERR_COR_STATUS	0x10
#define PCI_ERR_COR_MASK	0x14
#define PCI_ERR_CAP		0x18
#define PCI_ERR_ROOT_COMMAND	0x2c
#define PCI_PWR_DATA		0x04
#define PCI_VSEC_HDR		4
#define PCI_DVSEC_HEADER1	4
#define PCI_REBAR_CTRL		8
#define PCI_DPA_CAP		4
#define PCI_TPH_CAP		4

/* Writable AER bits (Linux's): the error status/mask/severity bits and ECRC. */
#define AER_UNCOR_WRITE		0x03fff031u	/* bits 0, 4, 5, 12-25 */
#define AER_COR_WRITE		0x0000f1c1u	/* bits 0, 6-8, 12-15 */
#define AER_CAP_WRITE		0x00000140u	/* ECRC generation/check enable */

/* ---- permission tables ------------------------------------------------------ */

/* One field of a capability: @virt bits live in vconfig, @write bits are the user's. */
struct perm_field {
	u16 off;
	u8 len;
	u32 virt, write;
};

struct vfio_pci_cap_perm;
typedef int (*cfg_read_fn)(struct vfio_pci_core_device *vdev, int pos, int count,
			   const struct vfio_pci_cap_perm *perm, int offset, u32 *val);
typedef int (*cfg_write_fn)(struct vfio_pci_core_device *vdev, int pos, int count,
			    const struct vfio_pci_cap_perm *perm, int offset, u32 val);

struct vfio_pci_cap_perm {
	const struct perm_field *fields;
	unsigned nfields;
	cfg_read_fn readfn;     /* NULL: reads as zero */
	cfg_write_fn writefn;   /* NULL: writes are dropped */
};

#define ALL 0xffffffffu
#define FIELDS(a) .fields = (a), .nfields = sizeof(a) / sizeof((a)[0])

/* The virt and write masks of bytes [offset, offset + count) of a capability. */
static void perm_masks(const struct vfio_pci_cap_perm *perm, int offset, int count, u32 *virt,
		       u32 *write)
{
	*virt = 0;
	*write = 0;
	for (int i = 0; i < count; i++) {
		int at = offset + i;

		for (unsigned f = 0; f < perm->nfields; f++) {
			const struct perm_field *pf = &perm->fields[f];
			unsigned shift;

			if (at < pf->off || at >= pf->off + pf->len)
				continue;
			shift = (unsigned)(at - pf->off) * 8;
			*virt |= ((pf->virt >> shift) & 0xff) << (i * 8);
			*write |= ((pf->write >> shift) & 0xff) << (i * 8);
			break;
		}
	}
}

static u32 count_mask(int count)
{
	return count == 4 ? ALL : (1u << (count * 8)) - 1;
}

/* ---- device access ----------------------------------------------------------- */

static int user_read(struct pci_dev *pdev, int pos, int count, u32 *val)
{
	u8 b;
	u16 w;
	int ret;

	switch (count) {
	case 4:
		return pci_user_read_config_dword(pdev, pos, val);
	case 2:
		ret = pci_user_read_config_word(pdev, pos, &w);
		*val = w;
		return ret;
	default:
		ret = pci_user_read_config_byte(pdev, pos, &b);
		*val = b;
		return ret;
	}
}

static int user_write(struct pci_dev *pdev, int pos, int count, u32 val)
{
	switch (count) {
	case 4:
		return pci_user_write_config_dword(pdev, pos, val);
	case 2:
		return pci_user_write_config_word(pdev, pos, (u16)val);
	default:
		return pci_user_write_config_byte(pdev, pos, (u8)val);
	}
}

static u32 vget(struct vfio_pci_core_device *vdev, int pos, int count)
{
	u32 v = 0;

	memcpy(&v, vdev->vconfig + pos, (size_t)count);
	return v;
}

static void vset(struct vfio_pci_core_device *vdev, int pos, int count, u32 v)
{
	memcpy(vdev->vconfig + pos, &v, (size_t)count);
}

static u16 vget16(struct vfio_pci_core_device *vdev, int pos)
{
	return (u16)vget(vdev, pos, 2);
}

static void vset16(struct vfio_pci_core_device *vdev, int pos, u16 v)
{
	vset(vdev, pos, 2, v);
}

/* ---- the generic read and write ------------------------------------------------ */

static int default_read(struct vfio_pci_core_device *vdev, int pos, int count,
			const struct vfio_pci_cap_perm *perm, int offset, u32 *val)
{
	u32 virt, write, phys = 0;
	int ret;

	perm_masks(perm, offset, count, &virt, &write);
	*val = vget(vdev, pos, count);
	if (virt != count_mask(count)) {
		ret = user_read(vdev->pdev, pos, count, &phys);
		if (ret)
			return ret;
		*val = (phys & ~virt) | (*val & virt);
	}
	return count;
}

static int default_write(struct vfio_pci_core_device *vdev, int pos, int count,
			 const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	u32 virt, write;
	int ret;

	perm_masks(perm, offset, count, &virt, &write);
	if (!write)
		return count;
	if (write & virt) {
		u32 v = vget(vdev, pos, count);

		v = (v & ~(write & virt)) | (val & write & virt);
		vset(vdev, pos, count, v);
	}
	if (write & ~virt) {
		u32 phys = 0;

		ret = user_read(vdev->pdev, pos, count, &phys);
		if (ret)
			return ret;
		phys = (phys & ~(write & ~virt)) | (val & write & ~virt);
		ret = user_write(vdev->pdev, pos, count, phys);
		if (ret)
			return ret;
	}
	return count;
}

/* The device's value, but the capability's ID and next pointer from vconfig. */
static int direct_read(struct vfio_pci_core_device *vdev, int pos, int count,
		       const struct vfio_pci_cap_perm *perm, int offset, u32 *val)
{
	int ret = user_read(vdev->pdev, pos, count, val);

	if (ret)
		return ret;
	if (pos >= PCI_CFG_SPACE_SIZE) {
		if (offset < 4)
			*val = vget(vdev, pos, count);
	} else if (pos >= PCI_STD_HEADER_SIZEOF) {
		if (offset == PCI_CAP_LIST_ID && count > 1)
			*val = (*val & ~0xffffu) | vget(vdev, pos, 2);
		else if (offset == PCI_CAP_LIST_NEXT)
			*val = (*val & ~0xffu) | vget(vdev, pos, 1);
	}
	return count;
}

static int raw_read(struct vfio_pci_core_device *vdev, int pos, int count,
		    const struct vfio_pci_cap_perm *perm, int offset, u32 *val)
{
	int ret = user_read(vdev->pdev, pos, count, val);

	return ret ? ret : count;
}

static int raw_write(struct vfio_pci_core_device *vdev, int pos, int count,
		     const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	int ret = user_write(vdev->pdev, pos, count, val);

	return ret ? ret : count;
}

/* ---- the header ------------------------------------------------------------------ */

static bool is_bar(int offset)
{
	return (offset >= PCI_BASE_ADDRESS_0 && offset < PCI_BASE_ADDRESS_5 + 4) ||
	       (offset >= PCI_ROM_ADDRESS && offset < PCI_ROM_ADDRESS + 4);
}

static u32 bar_flags(struct pci_dev *pdev, int bar)
{
	unsigned long flags = pci_resource_flags(pdev, bar);
	u32 v = 0;

	if (flags & IORESOURCE_IO)
		return PCI_BASE_ADDRESS_SPACE_IO;
	if (flags & IORESOURCE_PREFETCH)
		v |= PCI_BASE_ADDRESS_MEM_PREFETCH;
	if (flags & IORESOURCE_MEM_64)
		v |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	return v;
}

/*
 * The virtual BARs as hardware would answer: only the bits of the size
 * mask stay, the type bits are the BAR's. So a write of all ones reads
 * back the size, and an unassigned BAR reads as unimplemented.
 */
static void bar_fixup(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	if (!vdev->bardirty)
		return;
	for (int i = 0; i < PCI_STD_NUM_BARS; i++) {
		int pos = PCI_BASE_ADDRESS_0 + 4 * i;
		u32 v = vget(vdev, pos, 4);
		u64 mask;

		if (!pci_resource_start(pdev, i)) {
			vset(vdev, pos, 4, 0);
			continue;
		}
		mask = ~(pci_resource_len(pdev, i) - 1);
		v = (v & (u32)mask) | bar_flags(pdev, i);
		vset(vdev, pos, 4, v);
		if ((v & PCI_BASE_ADDRESS_MEM_TYPE_64) && !(v & PCI_BASE_ADDRESS_SPACE_IO) &&
		    i + 1 < PCI_STD_NUM_BARS) {
			i++;
			pos += 4;
			vset(vdev, pos, 4, vget(vdev, pos, 4) & (u32)(mask >> 32));
		}
	}
	if (pci_resource_start(pdev, PCI_ROM_RESOURCE)) {
		u64 mask = ~(pci_resource_len(pdev, PCI_ROM_RESOURCE) - 1);

		mask |= PCI_ROM_ADDRESS_ENABLE;
		vset(vdev, PCI_ROM_ADDRESS, 4, vget(vdev, PCI_ROM_ADDRESS, 4) & (u32)mask);
	} else {
		vset(vdev, PCI_ROM_ADDRESS, 4, 0);
	}
	vdev->bardirty = false;
}

static int basic_read(struct vfio_pci_core_device *vdev, int pos, int count,
		      const struct vfio_pci_cap_perm *perm, int offset, u32 *val)
{
	if (is_bar(offset))
		bar_fixup(vdev);
	return default_read(vdev, pos, count, perm, offset, val);
}

/* Do the device's BARs still hold what they held at open? */
static bool need_bar_restore(struct vfio_pci_core_device *vdev)
{
	for (int i = 0; i < PCI_STD_NUM_BARS; i++) {
		u32 bar;

		if (!vdev->rbar[i])
			continue;
		if (pci_user_read_config_dword(vdev->pdev, PCI_BASE_ADDRESS_0 + 4 * i, &bar) ||
		    bar != vdev->rbar[i])
			return true;
	}
	return false;
}

/* After a reset the user did not go through us for: the real BARs back. */
static void bar_restore(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;

	pci_info(pdev, "vfio_bar_restore: reset recovery - restoring BARs\n");
	for (int i = 0; i < PCI_STD_NUM_BARS; i++)
		pci_user_write_config_dword(pdev, PCI_BASE_ADDRESS_0 + 4 * i, vdev->rbar[i]);
	pci_user_write_config_dword(pdev, PCI_ROM_ADDRESS, vdev->rbar[6]);
	if (vdev->nointx) {
		u16 cmd;

		pci_user_read_config_word(pdev, PCI_COMMAND, &cmd);
		pci_user_write_config_word(pdev, PCI_COMMAND, cmd | PCI_COMMAND_INTX_DISABLE);
	}
}

static int basic_write(struct vfio_pci_core_device *vdev, int pos, int count,
		       const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	u16 new_cmd = 0, vcmd;
	int ret;

	if (offset == PCI_COMMAND) {
		bool virt_mem, virt_io, new_mem, new_io, phys_mem, phys_io;
		u16 phys_cmd;

		ret = pci_user_read_config_word(vdev->pdev, PCI_COMMAND, &phys_cmd);
		if (ret)
			return ret;
		new_cmd = (u16)val;
		vcmd = vget16(vdev, PCI_COMMAND);
		phys_io = phys_cmd & PCI_COMMAND_IO;
		virt_io = vcmd & PCI_COMMAND_IO;
		new_io = new_cmd & PCI_COMMAND_IO;
		phys_mem = phys_cmd & PCI_COMMAND_MEMORY;
		virt_mem = vcmd & PCI_COMMAND_MEMORY;
		new_mem = new_cmd & PCI_COMMAND_MEMORY;
		/*
		 * Enabled as far as we know, but off in the device: it was
		 * reset behind our back; its BARs come back first.
		 */
		if ((new_mem && virt_mem && !phys_mem) || (new_io && virt_io && !phys_io) ||
		    need_bar_restore(vdev))
			bar_restore(vdev);
	}

	ret = default_write(vdev, pos, count, perm, offset, val);
	if (ret < 0)
		return ret;

	/* vconfig remembers Memory/I/O enable for the test above. */
	if (offset == PCI_COMMAND) {
		const u16 mask = PCI_COMMAND_MEMORY | PCI_COMMAND_IO;

		vset16(vdev, PCI_COMMAND, (u16)((vget16(vdev, PCI_COMMAND) & ~mask) | (new_cmd & mask)));
	}
	/* INTx Disable is virtual: it masks the user's INTx, not the device's. */
	if (offset >= PCI_COMMAND && offset <= PCI_COMMAND + 1) {
		bool disable = vget16(vdev, PCI_COMMAND) & PCI_COMMAND_INTX_DISABLE;

		if (disable && !vdev->virq_disabled) {
			vdev->virq_disabled = true;
			vfio_pci_intx_mask(vdev);
		} else if (!disable && vdev->virq_disabled) {
			vdev->virq_disabled = false;
			vfio_pci_intx_unmask(vdev);
		}
	}
	if (is_bar(offset))
		vdev->bardirty = true;
	return ret;
}

static const struct perm_field basic_fields[] = {
	/* Virtual for SR-IOV functions, which read all ones. */
	{ PCI_VENDOR_ID, 2, ALL, 0 },
	{ PCI_DEVICE_ID, 2, ALL, 0 },
	/* INTx Disable is ours, for interrupt control. */
	{ PCI_COMMAND, 2, PCI_COMMAND_INTX_DISABLE, 0xffff },
	/* The capability list bit: we may hide every capability. */
	{ PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0 },
	{ PCI_CACHE_LINE_SIZE, 1, 0, 0xff },
	{ PCI_LATENCY_TIMER, 1, 0, 0xff },
	{ PCI_HEADER_TYPE + 1, 1, 0, 0xff },		/* BIST */
	{ PCI_BASE_ADDRESS_0, 4, ALL, ALL },
	{ PCI_BASE_ADDRESS_0 + 4, 4, ALL, ALL },
	{ PCI_BASE_ADDRESS_0 + 8, 4, ALL, ALL },
	{ PCI_BASE_ADDRESS_0 + 12, 4, ALL, ALL },
	{ PCI_BASE_ADDRESS_0 + 16, 4, ALL, ALL },
	{ PCI_BASE_ADDRESS_5, 4, ALL, ALL },
	{ PCI_ROM_ADDRESS, 4, ALL, ALL },
	{ PCI_CAPABILITY_LIST, 1, 0xff, 0 },
	{ PCI_INTERRUPT_LINE, 1, 0xff, 0xff },
	/* Virtual, so INTx can be hidden. */
	{ PCI_INTERRUPT_PIN, 1, 0xff, 0 },
};

/* ---- Power Management ---------------------------------------------------------- */

/*
 * The user may move the function between D0 and D3hot; vfio-pci makes the
 * change itself (the state bits are not the user's to write). A function
 * without No_Soft_Reset loses its configuration on the way back to D0:
 * vfio-pci saves it on entering D3hot and puts it back (Linux's
 * vfio_pci_set_power_state with needs_pm_restore).
 */
static int pm_write(struct vfio_pci_core_device *vdev, int pos, int count,
		    const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	int ret = default_write(vdev, pos, count, perm, offset, val);
	struct pci_dev *pdev = vdev->pdev;
	u16 ctrl, from, to;
	bool soft_reset;

	if (ret < 0 || offset != PCI_PM_CTRL)
		return ret;
	pci_read_config_word(pdev, pos, &ctrl);
	from = ctrl & PCI_PM_CTRL_STATE_MASK;
	to = val & PCI_PM_CTRL_STATE_MASK;
	soft_reset = !(ctrl & PCI_PM_CTRL_NO_SOFT_RESET);
	if (soft_reset && from < 3 && to == 3)
		pci_save_state(pdev);
	pci_write_config_word(pdev, pos, (u16)((ctrl & ~PCI_PM_CTRL_STATE_MASK) | to));
	if (soft_reset && from == 3 && to == 0)
		pci_restore_state(pdev);
	return ret;
}

static const struct perm_field pm_fields[] = {
	/* The next pointer is always ours, so capabilities can leave the chain. */
	{ PCI_CAP_LIST_NEXT, 1, 0xff, 0 },
	/* PME is the host's: PME_Support, PME_En and PME_Status are virtual. */
	{ PCI_PM_PMC, 2, PCI_PM_CAP_PME_MASK, 0 },
	{ PCI_PM_CTRL, 4, PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS,
	  ~(u32)(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS | PCI_PM_CTRL_STATE_MASK) },
};

/* ---- VPD, PCI-X, vendor (no lab device has them; Linux's tables) ------------- */

static const struct perm_field vpd_fields[] = {
	{ PCI_CAP_LIST_NEXT, 1, 0xff, 0 },
	{ PCI_VPD_ADDR, 2, 0xffff, 0xffff },
	{ PCI_VPD_DATA, 4, ALL, ALL },
};

static const struct perm_field pcix_fields[] = {
	{ PCI_CAP_LIST_NEXT, 1, 0xff, 0 },
	{ PCI_X_CMD, 2, 0, 0xffff },
	{ PCI_X_ECC_CSR, 4, 0, ALL },
};

/* ---- PCI Express ------------------------------------------------------------------ */

/*
 * FLR is virtual: a write of it resets the function (if it can do an FLR)
 * and the bit reads back zero. MPS is the system's: the user's value stays
 * virtual. MRRS goes to the device, but never below its MPS.
 */
static int exp_write(struct vfio_pci_core_device *vdev, int pos, int count,
		     const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	int start = pos - offset, ctrl = start + PCI_EXP_DEVCTL;
	u16 readrq = vget16(vdev, ctrl) & PCI_EXP_DEVCTL_READRQ;
	int ret = default_write(vdev, pos, count, perm, offset, val);

	if (ret < 0)
		return ret;
	if (vget16(vdev, ctrl) & PCI_EXP_DEVCTL_BCR_FLR) {
		u32 cap = 0;

		vset16(vdev, ctrl, vget16(vdev, ctrl) & ~PCI_EXP_DEVCTL_BCR_FLR);
		if (!pci_user_read_config_dword(vdev->pdev, start + PCI_EXP_DEVCAP, &cap) &&
		    (cap & PCI_EXP_DEVCAP_FLR))
			vfio_pci_core_reset(vdev);
	}
	if (readrq != (vget16(vdev, ctrl) & PCI_EXP_DEVCTL_READRQ)) {
		u16 want = (vget16(vdev, ctrl) & PCI_EXP_DEVCTL_READRQ) >> 12, phys = 0, mps;

		pci_read_config_word(vdev->pdev, ctrl, &phys);
		/* Both are 128 << field: the floor is the device's MPS. */
		mps = (phys & PCI_EXP_DEVCTL_PAYLOAD) >> 5;
		if (want < mps)
			want = mps;
		pci_write_config_word(vdev->pdev, ctrl,
				      (u16)((phys & ~PCI_EXP_DEVCTL_READRQ) | (want << 12)));
	}
	return ret;
}

static const struct perm_field exp_fields[] = {
	{ PCI_CAP_LIST_NEXT, 1, 0xff, 0 },
	/* Not Phantom Functions (they would confuse the IOMMU). */
	{ PCI_EXP_DEVCTL, 2, PCI_EXP_DEVCTL_BCR_FLR | PCI_EXP_DEVCTL_PAYLOAD | PCI_EXP_DEVCTL_READRQ,
	  (u16)~PCI_EXP_DEVCTL_PHANTOM },
	/* ARI is set at enumeration. */
	{ PCI_EXP_DEVCTL2, 2, 0, (u16)~PCI_EXP_DEVCTL2_ARI },
};

/* ---- Advanced Features ------------------------------------------------------------ */

static int af_write(struct vfio_pci_core_device *vdev, int pos, int count,
		    const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	int start = pos - offset;
	int ret = default_write(vdev, pos, count, perm, offset, val);
	u8 cap;

	if (ret < 0)
		return ret;
	if (vdev->vconfig[start + PCI_AF_CTRL] & PCI_AF_CTRL_FLR) {
		vdev->vconfig[start + PCI_AF_CTRL] &= (u8)~PCI_AF_CTRL_FLR;
		if (!pci_user_read_config_byte(vdev->pdev, start + PCI_AF_CAP, &cap) &&
		    (cap & PCI_AF_CAP_FLR) && (cap & PCI_AF_CAP_TP))
			vfio_pci_core_reset(vdev);
	}
	return ret;
}

static const struct perm_field af_fields[] = {
	{ PCI_CAP_LIST_NEXT, 1, 0xff, 0 },
	{ PCI_AF_CTRL, 1, PCI_AF_CTRL_FLR, PCI_AF_CTRL_FLR },
};

/* ---- MSI -------------------------------------------------------------------------- */

/*
 * Multiple Message Capable reads as what vfio-pci can give (msi_qmax);
 * Enable and Multiple Message Enable go to the device fixed up: Enable
 * only while SET_IRQS has MSI enabled, the size no larger than allowed.
 */
static int msi_read(struct vfio_pci_core_device *vdev, int pos, int count,
		    const struct vfio_pci_cap_perm *perm, int offset, u32 *val)
{
	if (offset <= PCI_MSI_FLAGS && offset + count >= PCI_MSI_FLAGS) {
		int flags = pos - offset + PCI_MSI_FLAGS;
		u16 v = vget16(vdev, flags) & ~PCI_MSI_FLAGS_QMASK;

		vset16(vdev, flags, (u16)(v | (vdev->msi_qmax << 1)));
	}
	return default_read(vdev, pos, count, perm, offset, val);
}

static int msi_write(struct vfio_pci_core_device *vdev, int pos, int count,
		     const struct vfio_pci_cap_perm *perm, int offset, u32 val)
{
	int ret = default_write(vdev, pos, count, perm, offset, val);

	if (ret < 0)
		return ret;
	if (offset <= PCI_MSI_FLAGS && offset + count >= PCI_MSI_FLAGS) {
		int at = pos - offset + PCI_MSI_FLAGS, err;
		u16 flags = vget16(vdev, at);

		if (vdev->irq_type != VFIO_PCI_MSI_IRQ_INDEX)
			flags &= ~PCI_MSI_FLAGS_ENABLE;
		if (((flags & PCI_MSI_FLAGS_QSIZE) >> 4) > vdev->msi_qmax)
			flags = (u16)((flags & ~PCI_MSI_FLAGS_QSIZE) | (vdev->msi_qmax << 4));
		vset16(vdev, at, flags);
		err = pci_user_write_config_word(vdev->pdev, at, flags);
		if (err)
			return err;
	}
	return ret;
}

/* The MSI fields depend on the capability's own flags (64-bit, per-vector mask). */
struct msi_perm {
	struct perm_field fields[6];
	struct vfio_pci_cap_perm perm;
};

static int msi_cap_len(u16 flags)
{
	int len = 10;

	if (flags & PCI_MSI_FLAGS_64BIT)
		len += 4;
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		len += 10;
	return len;
}

static int msi_perm_init(struct vfio_pci_core_device *vdev, u16 flags)
{
	struct msi_perm *mp = kzalloc(sizeof(*mp));
	struct perm_field *f;
	bool is64 = flags & PCI_MSI_FLAGS_64BIT;

	if (!mp)
		return -ENOMEM;
	f = mp->fields;
	*f++ = (struct perm_field){ PCI_CAP_LIST_NEXT, 1, 0xff, 0 };
	/* The upper byte of Message Control is reserved. */
	*f++ = (struct perm_field){ PCI_MSI_FLAGS, 1, 0xff, 0xff };
	*f++ = (struct perm_field){ PCI_MSI_ADDRESS_LO, 4, ALL, ALL };
	if (is64)
		*f++ = (struct perm_field){ PCI_MSI_ADDRESS_HI, 4, ALL, ALL };
	*f++ = (struct perm_field){ is64 ? PCI_MSI_DATA_64 : PCI_MSI_DATA_32, 2, 0xffff, 0xffff };
	if (flags & PCI_MSI_FLAGS_MASKBIT)
		*f++ = (struct perm_field){ is64 ? PCI_MSI_MASK_64 : PCI_MSI_MASK_32, 4, 0, ALL };
	mp->perm.fields = mp->fields;
	mp->perm.nfields = (unsigned)(f - mp->fields);
	mp->perm.readfn = msi_read;
	mp->perm.writefn = msi_write;
	vdev->msi_perm = mp;
	return 0;
}

/* ---- extended capabilities -------------------------------------------------------- */

static const struct perm_field err_fields[] = {
	/* The first dword of every extended capability holds its next pointer. */
	{ 0, 4, ALL, 0 },
	{ PCI_ERR_UNCOR_STATUS, 4, 0, AER_UNCOR_WRITE },
	{ PCI_ERR_UNCOR_MASK, 4, 0, AER_UNCOR_WRITE },
	{ PCI_ERR_UNCOR_SEVER, 4, 0, AER_UNCOR_WRITE },
	{ PCI_ERR_COR_STATUS, 4, 0, AER_COR_WRITE },
	{ PCI_ERR_COR_MASK, 4, 0, AER_COR_WRITE },
	{ PCI_ERR_CAP, 4, 0, AER_CAP_WRITE },
};

static const struct perm_field pwr_fields[] = {
	{ 0, 4, ALL, 0 },
	/* The data selector: the data stays read-only. */
	{ PCI_PWR_DATA, 1, 0, 0xff },
};

/* ---- the tables by capability ID -------------------------------------------------- */

static const struct vfio_pci_cap_perm basic_perm = {
	FIELDS(basic_fields), .readfn = basic_read, .writefn = basic_write,
};
static const struct vfio_pci_cap_perm pm_perm = {
	FIELDS(pm_fields), .readfn = default_read, .writefn = pm_write,
};
static const struct vfio_pci_cap_perm vpd_perm = {
	FIELDS(vpd_fields), .readfn = default_read, .writefn = default_write,
};
static const struct vfio_pci_cap_perm pcix_perm = {
	FIELDS(pcix_fields), .readfn = default_read, .writefn = default_write,
};
static const struct vfio_pci_cap_perm exp_perm = {
	FIELDS(exp_fields), .readfn = default_read, .writefn = exp_write,
};
static const struct vfio_pci_cap_perm af_perm = {
	FIELDS(af_fields), .readfn = default_read, .writefn = af_write,
};
static const struct vfio_pci_cap_perm err_perm = {
	FIELDS(err_fields), .readfn = default_read, .writefn = default_write,
};
static const struct vfio_pci_cap_perm pwr_perm = {
	FIELDS(pwr_fields), .readfn = default_read, .writefn = default_write,
};
/* Read-only, the device's values (but the chain's pointers). */
static const struct vfio_pci_cap_perm direct_ro_perm = { .readfn = direct_read };
/* Vendor-specific: the device's own business, raw writes. */
static const struct vfio_pci_cap_perm vndr_perm = {
	.readfn = direct_read, .writefn = raw_write,
};
/* Outside any capability: straight to the device. */
static const struct vfio_pci_cap_perm unassigned_perm = {
	.readfn = raw_read, .writefn = raw_write,
};

static const struct vfio_pci_cap_perm *cap_perm(struct vfio_pci_core_device *vdev, u8 id)
{
	switch (id) {
	case PCI_CAP_ID_BASIC: return &basic_perm;
	case PCI_CAP_ID_PM: return &pm_perm;
	case PCI_CAP_ID_VPD: return &vpd_perm;
	case PCI_CAP_ID_PCIX: return &pcix_perm;
	case PCI_CAP_ID_VNDR: return &vndr_perm;
	case PCI_CAP_ID_EXP: return &exp_perm;
	case PCI_CAP_ID_AF: return &af_perm;
	case PCI_CAP_ID_MSI: return &((struct msi_perm *)vdev->msi_perm)->perm;
	default: return &direct_ro_perm;
	}
}

static const struct vfio_pci_cap_perm *ecap_perm(u8 id)
{
	switch (id) {
	case PCI_EXT_CAP_ID_ERR: return &err_perm;
	case PCI_EXT_CAP_ID_PWR: return &pwr_perm;
	case PCI_EXT_CAP_ID_VNDR:
	case PCI_EXT_CAP_ID_DVSEC: return &vndr_perm;
	default: return &direct_ro_perm;
	}
}

/* ---- capability lengths (0: hidden from the user) ---------------------------------- */

static int cap_len(struct vfio_pci_core_device *vdev, u8 cap, u8 pos)
{
	struct pci_dev *pdev = vdev->pdev;
	u32 dword;
	u16 word;
	u8 byte;

	switch (cap) {
	case PCI_CAP_ID_PM: return 8;
	case PCI_CAP_ID_AGP: return 12;
	case PCI_CAP_ID_VPD: return 8;
	case PCI_CAP_ID_MSIX: return 12;
	case PCI_CAP_ID_AF: return 6;
	case PCI_CAP_ID_MSI:
		pci_read_config_word(pdev, pos + PCI_MSI_FLAGS, &word);
		if (!vdev->msi_perm && msi_perm_init(vdev, word))
			return -ENOMEM;
		return msi_cap_len(word);
	case PCI_CAP_ID_PCIX:
		pci_read_config_word(pdev, pos + PCI_X_CMD, &word);
		if (!(word & 0x3000))
			return 8;
		if (pdev->cfg_size > PCI_CFG_SPACE_SIZE) {
			pci_read_config_dword(pdev, PCI_CFG_SPACE_SIZE, &dword);
			vdev->extended_caps = dword != 0;
		}
		return 24;
	case PCI_CAP_ID_VNDR:
		pci_read_config_byte(pdev, pos + PCI_CAP_FLAGS, &byte);
		return byte;
	case PCI_CAP_ID_EXP:
		if (pdev->cfg_size > PCI_CFG_SPACE_SIZE) {
			pci_read_config_dword(pdev, PCI_CFG_SPACE_SIZE, &dword);
			vdev->extended_caps = dword != 0;
		}
		if ((pdev->pcie_flags_reg & PCI_EXP_FLAGS_VERS) == 1)
			return pci_pcie_type(pdev) == PCI_EXP_TYPE_RC_END ? 0xc : 20;
		return pci_pcie_type(pdev) == PCI_EXP_TYPE_RC_END ? 0x2c : 0x34;
	case PCI_CAP_ID_HT:
		pci_read_config_byte(pdev, pos + 3, &byte);
		return (byte & 0xe0) ? 20 : 28;
	case PCI_CAP_ID_SATA:
		pci_read_config_byte(pdev, pos + 2, &byte);
		return (byte & 0xf) == 0xf ? 16 : 8;
	default:
		/* Not yet, or bridge-only, or nothing to show: hidden, as Linux. */
		return 0;
	}
}

static int ecap_len(struct vfio_pci_core_device *vdev, u16 ecap, u16 epos)
{
	struct pci_dev *pdev = vdev->pdev;
	u32 dword;
	u8 byte;

	switch (ecap) {
	case PCI_EXT_CAP_ID_ERR: return PCI_ERR_ROOT_COMMAND;
	case PCI_EXT_CAP_ID_DSN: return 12;
	case PCI_EXT_CAP_ID_PWR: return 0x10;
	case PCI_EXT_CAP_ID_ARI: return 8;
	case PCI_EXT_CAP_ID_ATS: return 8;
	case PCI_EXT_CAP_ID_SRIOV: return 0x40;
	case PCI_EXT_CAP_ID_MCAST: return 40;
	case PCI_EXT_CAP_ID_PRI: return 16;
	case PCI_EXT_CAP_ID_LTR: return 8;
	case PCI_EXT_CAP_ID_VNDR:
		pci_read_config_dword(pdev, epos + PCI_VSEC_HDR, &dword);
		return (int)(dword >> 20);
	case PCI_EXT_CAP_ID_DVSEC:
		pci_read_config_dword(pdev, epos + PCI_DVSEC_HEADER1, &dword);
		return (int)((dword >> 20) & 0xfff);
	case PCI_EXT_CAP_ID_VC:
	case PCI_EXT_CAP_ID_VC9:
	case PCI_EXT_CAP_ID_MFVC:
		/* The base and one entry per extended VC; the tables are never writable. */
		pci_read_config_dword(pdev, epos + 4, &dword);
		return 0x10 + (int)(dword & 7) * 0xc;
	case PCI_EXT_CAP_ID_ACS:
		pci_read_config_byte(pdev, epos + PCI_ACS_CAP, &byte);
		if (byte & PCI_ACS_EC) {
			int bits;

			pci_read_config_byte(pdev, epos + PCI_ACS_CAP + 1, &byte);
			bits = byte ? (byte + 31) / 32 * 32 : 256;
			return 8 + bits / 8;
		}
		return 8;
	case PCI_EXT_CAP_ID_REBAR:
		pci_read_config_byte(pdev, epos + PCI_REBAR_CTRL, &byte);
		return 4 + ((byte & 0xe0) >> 5) * 8;
	case PCI_EXT_CAP_ID_DPA:
		pci_read_config_byte(pdev, epos + PCI_DPA_CAP, &byte);
		return 16 + (byte & 0x1f) + 1;
	case PCI_EXT_CAP_ID_TPH:
		pci_read_config_dword(pdev, epos + PCI_TPH_CAP, &dword);
		if ((dword & 0x600) == 0x200)
			return 12 + (int)((dword >> 16) & 0x7ff) * 2 + 2;
		return 12;
	default:
		return 0;
	}
}

/* ---- building vconfig at open --------------------------------------------------- */

static void fill_vconfig(struct vfio_pci_core_device *vdev, int offset, int size)
{
	while (size) {
		int w = (size >= 4 && !(offset % 4)) ? 4 : (size >= 2 && !(offset % 2)) ? 2 : 1;
		u32 v = 0;

		user_read(vdev->pdev, offset, w, &v);
		vset(vdev, offset, w, v);
		offset += w;
		size -= w;
	}
}

static int cap_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u8 *map = vdev->pci_config_map, *prev, pos, cap, next;
	int loops = (PCI_CFG_SPACE_SIZE - PCI_STD_HEADER_SIZEOF) / PCI_CAP_SIZEOF, caps = 0;
	u16 status;

	pci_read_config_word(pdev, PCI_STATUS, &status);
	if (!(status & PCI_STATUS_CAP_LIST))
		return 0;
	pci_read_config_byte(pdev, PCI_CAPABILITY_LIST, &pos);
	/* Where the pointer to the current capability lives, to skip it. */
	prev = &vdev->vconfig[PCI_CAPABILITY_LIST];
	while (pos && loops--) {
		int len = 0;

		pci_read_config_byte(pdev, pos, &cap);
		pci_read_config_byte(pdev, pos + PCI_CAP_LIST_NEXT, &next);
		/* ID 0 would be taken for the header: a NULL capability is hidden too. */
		if (cap && cap <= PCI_CAP_ID_MAX) {
			len = cap_len(vdev, cap, pos);
			if (len < 0)
				return len;
		}
		if (pos + len > PCI_CFG_SPACE_SIZE)
			len = PCI_CFG_SPACE_SIZE - pos;
		if (!len) {
			pci_dbg(pdev, "vfio_cap_init: hiding cap %#x@%#x\n", cap, pos);
			*prev = next;
			pos = next;
			continue;
		}
		for (int i = 0; i < len; i++)
			if (map[pos + i] != PCI_CAP_ID_INVALID)
				pci_warn(pdev, "vfio_cap_init: PCI config conflict @%#x, was cap %#x now cap %#x\n",
					 pos + i, map[pos + i], cap);
		memset(map + pos, cap, (size_t)len);
		fill_vconfig(vdev, pos, len);
		if (cap == PCI_CAP_ID_PM) {
			vset16(vdev, pos + PCI_PM_PMC, vget16(vdev, pos + PCI_PM_PMC) & ~PCI_PM_CAP_PME_MASK);
			vset16(vdev, pos + PCI_PM_CTRL, vget16(vdev, pos + PCI_PM_CTRL) &
			       ~(PCI_PM_CTRL_PME_ENABLE | PCI_PM_CTRL_PME_STATUS));
		}
		prev = &vdev->vconfig[pos + PCI_CAP_LIST_NEXT];
		pos = next;
		caps++;
	}
	/* Nothing left to show: no capability list at all. */
	if (!caps)
		vset16(vdev, PCI_STATUS, vget16(vdev, PCI_STATUS) & ~PCI_STATUS_CAP_LIST);
	return 0;
}

static int ecap_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	u8 *map = vdev->pci_config_map;
	int loops = (pdev->cfg_size - PCI_CFG_SPACE_SIZE) / PCI_CAP_SIZEOF, ecaps = 0;
	int prev = -1;
	u16 epos = PCI_CFG_SPACE_SIZE;

	if (!vdev->extended_caps)
		return 0;
	while (loops-- && epos >= PCI_CFG_SPACE_SIZE) {
		bool hidden = false;
		u32 header;
		u16 ecap;
		int len = 0;

		pci_read_config_dword(pdev, epos, &header);
		ecap = (u16)PCI_EXT_CAP_ID(header);
		if (ecap <= PCI_EXT_CAP_ID_MAX) {
			len = ecap_len(vdev, ecap, epos);
			if (len < 0)
				return len;
		}
		if (!len) {
			pci_dbg(pdev, "vfio_ecap_init: hiding ecap %#x@%#x\n", ecap, epos);
			/* Not the first: the previous one's next pointer skips it. */
			if (prev >= 0) {
				u32 v = vget(vdev, prev, 4) & ~(0xffcu << 20);

				epos = (u16)PCI_EXT_CAP_NEXT(header);
				vset(vdev, prev, 4, v | ((u32)epos << 20));
				continue;
			}
			/* The first anchors the list: a placeholder with its ID hidden. */
			len = PCI_CAP_SIZEOF;
			hidden = true;
		}
		/* A list running off the end of config space stops there. */
		if (epos + len > pdev->cfg_size)
			len = pdev->cfg_size - epos;
		if (len <= 0)
			break;
		for (int i = 0; i < len; i++)
			if (map[epos + i] != PCI_CAP_ID_INVALID)
				pci_warn(pdev, "vfio_ecap_init: PCI config conflict @%#x, was ecap %#x now ecap %#x\n",
					 epos + i, map[epos + i], ecap);
		/* An unknown ID past the table's end still fits a byte: 0xfe at most. */
		memset(map + epos, ecap > PCI_EXT_CAP_ID_MAX ? PCI_EXT_CAP_ID_MAX + 1 : ecap,
		       (size_t)len);
		fill_vconfig(vdev, epos, len);
		if (hidden)
			vset(vdev, epos, 4, vget(vdev, epos, 4) & (0xffcu << 20));
		else
			ecaps++;
		prev = epos;
		epos = (u16)PCI_EXT_CAP_NEXT(header);
	}
	if (!ecaps)
		vset(vdev, PCI_CFG_SPACE_SIZE, 4, 0);
	return 0;
}

int vfio_config_init(struct vfio_pci_core_device *vdev)
{
	struct pci_dev *pdev = vdev->pdev;
	int ret;

	vdev->pci_config_map = kzalloc((size_t)pdev->cfg_size);
	vdev->vconfig = kzalloc((size_t)pdev->cfg_size);
	if (!vdev->pci_config_map || !vdev->vconfig) {
		ret = -ENOMEM;
		goto out;
	}
	memset(vdev->pci_config_map, PCI_CAP_ID_BASIC, PCI_STD_HEADER_SIZEOF);
	memset(vdev->pci_config_map + PCI_STD_HEADER_SIZEOF, PCI_CAP_ID_INVALID,
	       (size_t)pdev->cfg_size - PCI_STD_HEADER_SIZEOF);
	fill_vconfig(vdev, 0, PCI_STD_HEADER_SIZEOF);
	vdev->bardirty = true;
	/* The real BARs, for restoring after a reset we did not see. */
	for (int i = 0; i < PCI_STD_NUM_BARS; i++)
		vdev->rbar[i] = vget(vdev, PCI_BASE_ADDRESS_0 + 4 * i, 4);
	vdev->rbar[6] = vget(vdev, PCI_ROM_ADDRESS, 4);
	/* No INTx for the user: the pin reads zero. */
	if (vdev->nointx || !pdev->irq)
		vdev->vconfig[PCI_INTERRUPT_PIN] = 0;
	vdev->extended_caps = false;
	ret = cap_init(vdev);
	if (!ret)
		ret = ecap_init(vdev);
	if (!ret)
		return 0;
out:
	vfio_config_free(vdev);
	return ret;
}

void vfio_config_free(struct vfio_pci_core_device *vdev)
{
	kfree(vdev->vconfig);
	vdev->vconfig = NULL;
	kfree(vdev->pci_config_map);
	vdev->pci_config_map = NULL;
	kfree(vdev->msi_perm);
	vdev->msi_perm = NULL;
}

/* ---- the config region ------------------------------------------------------------ */

/* Where the capability holding @pos starts (the header: 0). */
static int find_cap_start(struct vfio_pci_core_device *vdev, int pos)
{
	int base = pos >= PCI_CFG_SPACE_SIZE ? PCI_CFG_SPACE_SIZE : PCI_STD_HEADER_SIZEOF;
	u8 cap = vdev->pci_config_map[pos];

	if (cap == PCI_CAP_ID_BASIC && pos < PCI_STD_HEADER_SIZEOF)
		return 0;
	while (pos - 1 >= base && vdev->pci_config_map[pos - 1] == cap)
		pos--;
	return pos;
}

/* Bytes from @pos to the end of its dword that belong to the same capability. */
static size_t cap_remaining_dword(struct vfio_pci_core_device *vdev, int pos)
{
	u8 cap = vdev->pci_config_map[pos];
	size_t i = 1;

	while ((pos + i) % 4 && vdev->pci_config_map[pos + i] == cap)
		i++;
	return i;
}

static ssize_t config_do_rw(struct vfio_pci_core_device *vdev, u8 *buf, size_t count, int pos,
			    bool iswrite)
{
	const struct vfio_pci_cap_perm *perm;
	int cap_start = 0, n;
	u32 val = 0;
	u8 cap_id;

	count = MIN(count, cap_remaining_dword(vdev, pos));
	n = (count >= 4 && !(pos % 4)) ? 4 : (count >= 2 && !(pos % 2)) ? 2 : 1;
	cap_id = vdev->pci_config_map[pos];
	if (cap_id == PCI_CAP_ID_INVALID) {
		perm = &unassigned_perm;
		cap_start = pos;
	} else if (pos >= PCI_CFG_SPACE_SIZE) {
		perm = cap_id > PCI_EXT_CAP_ID_MAX ? &direct_ro_perm : ecap_perm(cap_id);
		cap_start = find_cap_start(vdev, pos);
	} else {
		perm = cap_perm(vdev, cap_id);
		if (cap_id != PCI_CAP_ID_BASIC)
			cap_start = find_cap_start(vdev, pos);
	}
	if (iswrite) {
		if (!perm->writefn)
			return n;
		if (copy_from_user(&val, buf, (size_t)n))
			return -EFAULT;
		return perm->writefn(vdev, pos, n, perm, pos - cap_start, val);
	}
	if (perm->readfn) {
		int ret = perm->readfn(vdev, pos, n, perm, pos - cap_start, &val);
		if (ret < 0)
			return ret;
	}
	if (copy_to_user(buf, &val, (size_t)n))
		return -EFAULT;
	return n;
}

ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, void *buf, size_t count,
			   u64 pos, bool iswrite)
{
	u64 off = pos & VFIO_PCI_OFFSET_MASK;
	size_t size = (size_t)vdev->pdev->cfg_size;
	ssize_t done = 0;

	/* Past the end, or running over it: Linux's -EFAULT. */
	if (!vdev->vconfig || off >= size || count > size - off)
		return -EFAULT;
	while (count) {
		ssize_t ret = config_do_rw(vdev, (u8 *)buf + done, count, (int)off, iswrite);

		if (ret < 0)
			return ret;
		count -= (size_t)ret;
		done += ret;
		off += (u64)ret;
	}
	return done;
}
