// SPDX-License-Identifier: GPL-2.0-only
/*
 * vfio-pci interrupts (Linux 6.12's drivers/vfio/pci/vfio_pci_intrs.c and
 * the irq ioctls of vfio_pci_core.c are the behavioural reference):
 * VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS for the five indexes.
 *
 * One interrupt type at a time: INTx, MSI or MSI-X (vdev->irq_type), its
 * vectors in vdev->ctx (one slot per vector the index offers; a slot
 * holds a context while the user has a trigger there). ERR and REQ are
 * single eventfds beside them.
 *
 * - INTx is level and shared: the handler masks at the function
 *   (Command.INTx Disable, when the function honours it: pci_2_3) or at
 *   the interrupt controller, and signals once; UNMASK (an ioctl, the
 *   user's Command write, or the unmask eventfd) lets it through again,
 *   and a condition still pending then is signalled at once.
 * - MSI and MSI-X vectors come from the PCI MSI layer; each vector with a
 *   trigger has its request_irq. A vector set to -1 keeps its interrupt
 *   allocated until the index is disabled, as Linux. MSI-X vectors past
 *   the ones enabled are added while enabled (dynamic MSI-X).
 * - Loopback: DATA_NONE or DATA_BOOL on TRIGGER signals the eventfd.
 *
 * Every call changes nothing on error.
 */
#include <errno.h>
#include <string.h>
#include <linux/vfio.h>

#include "kernel/base/interrupt.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/printk.h"
#include "kernel/base/uaccess.h"
#include "kernel/irqchip/msi.h"
#include "kernel/kernel.h"
#include "kernel/kernel_state.h"
#include "kernel/pci/pci-msi.h"
#include "kernel/pci/pci.h"
#include "vfio_pci.h"
#include "vfio_pci_priv.h"

/* The Status register's Interrupt Status bit (PCI 2.3). */
#define VFIO_PCI_STATUS_INTERRUPT 0x0008

/* ---- contexts ------------------------------------------------------------ */

static bool irq_is(struct vfio_pci_core_device *vdev, int type)
{
	return vdev->irq_type == type;
}

static bool is_intx(struct vfio_pci_core_device *vdev)
{
	return irq_is(vdev, VFIO_PCI_INTX_IRQ_INDEX);
}

static bool is_irq_none(struct vfio_pci_core_device *vdev)
{
	return !is_intx(vdev) && !irq_is(vdev, VFIO_PCI_MSI_IRQ_INDEX) &&
	       !irq_is(vdev, VFIO_PCI_MSIX_IRQ_INDEX);
}

static struct vfio_pci_irq_ctx *ctx_get(struct vfio_pci_core_device *vdev, unsigned index)
{
	return vdev->ctx && index < vdev->num_ctx ? vdev->ctx[index] : NULL;
}

/* The slots of an interrupt type being enabled: @n vectors at most. */
static int ctx_table_alloc(struct vfio_pci_core_device *vdev, unsigned n)
{
	vdev->ctx = kcalloc(n, sizeof(*vdev->ctx));
	if (!vdev->ctx)
		return -ENOMEM;
	vdev->num_ctx = n;
	return 0;
}

static void ctx_table_free(struct vfio_pci_core_device *vdev)
{
	kfree(vdev->ctx);
	vdev->ctx = NULL;
	vdev->num_ctx = 0;
}

static struct vfio_pci_irq_ctx *ctx_alloc(struct vfio_pci_core_device *vdev, unsigned index)
{
	struct vfio_pci_irq_ctx *ctx;

	if (index >= vdev->num_ctx || vdev->ctx[index])
		return NULL;
	ctx = kzalloc(sizeof(*ctx));
	if (!ctx)
		return NULL;
	ctx->vdev = vdev;
	INIT_LIST_HEAD(&ctx->trigger_link);
	vdev->ctx[index] = ctx;
	return ctx;
}

/*
 * The context's trigger becomes @trigger (NULL: none); the old one is put.
 * The contexts with a trigger are on the module's list, so that a program
 * waiting on one lets virtual time run (vfio_pci_is_trigger).
 */
static void ctx_set_trigger(struct vfio_pci_irq_ctx *ctx, struct eventfd_ctx *trigger)
{
	if (ctx->trigger) {
		list_del_init(&ctx->trigger_link);
		eventfd_ctx_put(ctx->trigger);
	}
	ctx->trigger = trigger;
	if (trigger)
		list_add_tail(&ctx->trigger_link, &kstate->vfio_pci.trigger_list);
}

static void ctx_free(struct vfio_pci_core_device *vdev, unsigned index)
{
	struct vfio_pci_irq_ctx *ctx = vdev->ctx[index];

	ctx_set_trigger(ctx, NULL);
	kfree(ctx->name);
	kfree(ctx);
	vdev->ctx[index] = NULL;
}

static void send_eventfd(struct eventfd_ctx *trigger)
{
	if (trigger)
		eventfd_signal(trigger);
}

/* ---- the function's Command register -------------------------------------- */

/*
 * Linux's pci_check_and_mask_intx / pci_check_and_unmask_intx: masking
 * succeeds only when the function has its interrupt pending (it is ours
 * on a shared line), unmasking only when nothing is pending (else the
 * caller re-sends the pending one instead). Command and Status are read
 * as one dword, as Linux does, so no interrupt slips in between.
 */
static bool check_and_set_intx_mask(struct pci_dev *pdev, bool mask)
{
	u32 cmd_status = 0;
	u16 cmd, newcmd;
	bool pending;

	pci_read_config_dword(pdev, PCI_COMMAND, &cmd_status);
	pending = (cmd_status >> 16) & VFIO_PCI_STATUS_INTERRUPT;
	if (mask != pending)
		return false;
	cmd = (u16)cmd_status;
	newcmd = cmd & (u16)~PCI_COMMAND_INTX_DISABLE;
	if (mask)
		newcmd |= PCI_COMMAND_INTX_DISABLE;
	if (newcmd != cmd)
		pci_write_config_word(pdev, PCI_COMMAND, newcmd);
	return true;
}

/*
 * The MSI-X table and the MSI layer's writes need the memory decode on,
 * whatever the user left in Command (Linux's
 * vfio_pci_memory_lock_and_enable). Only the Memory Space bit is put
 * back afterwards: the MSI layer's own INTx Disable write stays.
 */
static u16 memory_enable(struct vfio_pci_core_device *vdev)
{
	u16 cmd = 0;

	pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	if (!(cmd & PCI_COMMAND_MEMORY))
		pci_write_config_word(vdev->pdev, PCI_COMMAND, cmd | PCI_COMMAND_MEMORY);
	return cmd;
}

static void memory_restore(struct vfio_pci_core_device *vdev, u16 old)
{
	u16 cmd = 0;

	if (old & PCI_COMMAND_MEMORY)
		return;
	pci_read_config_word(vdev->pdev, PCI_COMMAND, &cmd);
	pci_write_config_word(vdev->pdev, PCI_COMMAND, cmd & (u16)~PCI_COMMAND_MEMORY);
}

/* ---- INTx ------------------------------------------------------------------ */

static void send_intx_eventfd(struct vfio_pci_core_device *vdev, struct vfio_pci_irq_ctx *ctx)
{
	if (is_intx(vdev) && !vdev->virq_disabled && ctx)
		send_eventfd(ctx->trigger);
}

/* Masks from the ioctl, the user's INTx Disable, or the handler. */
static bool intx_mask(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_ctx *ctx;

	/* Not INTx: the physical bit follows the user's virtual one. */
	if (!is_intx(vdev)) {
		if (vdev->pci_2_3)
			pci_intx(vdev->pdev, 0);
		return false;
	}
	ctx = ctx_get(vdev, 0);
	if (!ctx || ctx->masked)
		return false;
	/* Always masked here, pending or not: no check_and_mask. */
	if (vdev->pci_2_3)
		pci_intx(vdev->pdev, 0);
	else
		disable_irq_nosync(ctx->irq);
	ctx->masked = true;
	return true;
}

/*
 * Unmasks (the ioctl, the user's INTx Disable, the unmask eventfd); > 0
 * when the function still has its interrupt pending: it stays masked and
 * the caller re-sends the interrupt instead of taking it again.
 */
static int intx_unmask_handler(struct vfio_pci_core_device *vdev, struct vfio_pci_irq_ctx *ctx)
{
	if (!is_intx(vdev)) {
		if (vdev->pci_2_3)
			pci_intx(vdev->pdev, 1);
		return 0;
	}
	if (!ctx->masked || vdev->virq_disabled)
		return 0;
	if (vdev->pci_2_3) {
		if (!check_and_set_intx_mask(vdev->pdev, false))
			return 1;
		ctx->masked = false;
		return 0;
	}
	/* Masked at the controller: a line still high is delivered again by the IRQ core. */
	ctx->masked = false;
	enable_irq(ctx->irq);
	return 0;
}

static void intx_unmask(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_ctx *ctx = ctx_get(vdev, 0);

	if (intx_unmask_handler(vdev, ctx) > 0)
		send_intx_eventfd(vdev, ctx);
}

bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev)
{
	return intx_mask(vdev);
}

void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev)
{
	intx_unmask(vdev);
}

static irqreturn_t vfio_intx_handler(int irq, void *dev_id)
{
	struct vfio_pci_irq_ctx *ctx = dev_id;
	struct vfio_pci_core_device *vdev = ctx->vdev;

	(void)irq;
	if (!vdev->pci_2_3) {
		disable_irq_nosync(ctx->irq);
		ctx->masked = true;
	} else if (ctx->masked || !check_and_set_intx_mask(vdev->pdev, true)) {
		return IRQ_NONE;   /* the line is shared: another function's */
	} else {
		ctx->masked = true;
	}
	send_intx_eventfd(vdev, ctx);
	return IRQ_HANDLED;
}

static int intx_enable(struct vfio_pci_core_device *vdev, struct eventfd_ctx *trigger)
{
	struct pci_dev *pdev = vdev->pdev;
	struct vfio_pci_irq_ctx *ctx;
	unsigned long flags;
	int ret;

	if (!is_irq_none(vdev))
		return -EINVAL;
	if (!pdev->irq)
		return -ENODEV;
	ret = ctx_table_alloc(vdev, 1);
	if (ret)
		return ret;
	ctx = ctx_alloc(vdev, 0);
	if (ctx)
		ctx->name = kasprintf("vfio-intx(%s)", pci_name(pdev));
	if (!ctx || !ctx->name) {
		if (ctx)
			ctx_free(vdev, 0);
		ctx_table_free(vdev);
		return -ENOMEM;
	}
	ctx->irq = pdev->irq;
	/*
	 * The user's INTx Disable decides the first mask state. A function
	 * that masks itself shares its line; otherwise the line is the
	 * function's alone and masked at the controller.
	 */
	ctx->masked = vdev->virq_disabled;
	if (vdev->pci_2_3) {
		pci_intx(pdev, !ctx->masked);
		flags = IRQF_SHARED;
	} else {
		flags = ctx->masked ? IRQF_NO_AUTOEN : 0;
	}
	/* Set before request_irq: a pending interrupt is delivered from inside it. */
	vdev->irq_type = VFIO_PCI_INTX_IRQ_INDEX;
	ctx_set_trigger(ctx, trigger);
	ret = request_irq_flags(ctx->irq, vfio_intx_handler, flags, ctx->name, ctx);
	if (ret) {
		ctx->trigger = NULL;     /* the caller keeps its reference */
		list_del_init(&ctx->trigger_link);
		vdev->irq_type = VFIO_PCI_NUM_IRQS;
		ctx_free(vdev, 0);
		ctx_table_free(vdev);
		return ret;
	}
	ctx->requested = true;
	return 0;
}

static void intx_unmask_fd_drop(struct vfio_pci_irq_ctx *ctx);

static void intx_disable(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_ctx *ctx = ctx_get(vdev, 0);

	if (ctx) {
		intx_unmask_fd_drop(ctx);
		if (ctx->requested)
			free_irq(ctx->irq, ctx);
		ctx_free(vdev, 0);
	}
	ctx_table_free(vdev);
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
}

/*
 * ---- the INTx unmask eventfd (Linux's virqfd) ----------------------------
 *
 * Linux unmasks from the eventfd's wakeup, the moment the user (or KVM's
 * resampler) writes it. The lab's kernel runs only when called, so it
 * looks at the eventfd when the program waits for an interrupt
 * (vfio_pci_virqfd_poll, from the uapi's wait) and when it calls SET_IRQS:
 * a write is acted on before anything the program does after it can
 * depend on the unmask. The count is consumed, as the wakeup does.
 */
static void intx_unmask_fd_drop(struct vfio_pci_irq_ctx *ctx)
{
	if (!ctx->unmask)
		return;
	eventfd_ctx_put(ctx->unmask);
	ctx->unmask = NULL;
}

static int intx_unmask_fd_set(struct vfio_pci_irq_ctx *ctx, int fd)
{
	struct eventfd_ctx *efd;
	int ret;

	if (fd < 0) {
		intx_unmask_fd_drop(ctx);
		return 0;
	}
	ret = eventfd_ctx_fdget(fd, &efd);
	if (ret)
		return ret;
	/* As Linux's vfio_virqfd_enable: one at a time. */
	if (ctx->unmask) {
		eventfd_ctx_put(efd);
		return -EBUSY;
	}
	/* A count already there is a signal too (the wakeup fires at once). */
	ctx->unmask = efd;
	return 0;
}

static void intx_unmask_fd_poll(struct vfio_pci_core_device *vdev)
{
	struct vfio_pci_irq_ctx *ctx = is_intx(vdev) ? ctx_get(vdev, 0) : NULL;

	if (ctx && ctx->unmask && eventfd_ctx_read(ctx->unmask))
		intx_unmask(vdev);
}

void vfio_pci_virqfd_poll(void)
{
	struct vfio_pci_core_device *vdev;

	if (!kstate)
		return;
	list_for_each_entry(vdev, &kstate->vfio_pci.devices, next) {
		intx_unmask_fd_poll(vdev);
		vfio_pci_ioeventfd_poll(vdev);
	}
}

/* ---- MSI and MSI-X ------------------------------------------------------------ */

static irqreturn_t vfio_msihandler(int irq, void *arg)
{
	struct vfio_pci_irq_ctx *ctx = arg;

	(void)irq;
	send_eventfd(ctx->trigger);
	return IRQ_HANDLED;
}

static unsigned fls_u32(u32 x)
{
	unsigned r = 0;

	while (x) {
		x >>= 1;
		r++;
	}
	return r;
}

static int vfio_pci_get_irq_count(struct vfio_pci_core_device *vdev, unsigned index);

/* Allocates @nvec vectors; a positive count when fewer are to be had (Linux answers it). */
static int msi_enable(struct vfio_pci_core_device *vdev, int nvec, bool msix)
{
	unsigned index = msix ? VFIO_PCI_MSIX_IRQ_INDEX : VFIO_PCI_MSI_IRQ_INDEX;
	int ret;
	u16 cmd;

	if (!is_irq_none(vdev))
		return -EINVAL;
	ret = ctx_table_alloc(vdev, (unsigned)vfio_pci_get_irq_count(vdev, index));
	if (ret)
		return ret;
	cmd = memory_enable(vdev);
	ret = pci_alloc_irq_vectors(vdev->pdev, 1, (unsigned)nvec, msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	if (ret < nvec) {
		if (ret > 0)
			pci_free_irq_vectors(vdev->pdev);
		memory_restore(vdev, cmd);
		ctx_table_free(vdev);
		return ret;
	}
	memory_restore(vdev, cmd);
	vdev->irq_type = (int)index;
	/* The Multiple Message Enable the user sees: log2 of the vectors. */
	if (!msix)
		vdev->msi_qmax = (u8)(fls_u32((u32)nvec * 2 - 1) - 1);
	return 0;
}

/*
 * Vector @vector's interrupt: the one allocated, else (dynamic MSI-X) a
 * new one at that table entry. Vectors stay allocated until the index is
 * disabled, as Linux's cache of them.
 */
static int msi_alloc_irq(struct vfio_pci_core_device *vdev, unsigned vector, bool msix)
{
	struct msi_map map;
	int irq;
	u16 cmd;

	irq = pci_irq_vector(vdev->pdev, vector);
	if (irq > 0 || !msix || !vdev->has_dyn_msix)
		return irq;
	cmd = memory_enable(vdev);
	map = pci_msix_alloc_irq_at(vdev->pdev, vector, NULL);
	memory_restore(vdev, cmd);
	return map.index < 0 ? map.index : map.virq;
}

/*
 * The table entry gets its message again before the vector is enabled:
 * a reset behind the kernel's back may have cleared it (Linux's
 * get_cached_msi_msg + pci_write_msi_msg).
 */
static void msix_refresh_entry(struct vfio_pci_core_device *vdev, unsigned vector)
{
	struct msi_desc *desc = msi_get_desc(&vdev->pdev->dev, vector);
	u64 entry;

	if (!desc || desc->msi_index != vector || vdev->msix_bar < 0 ||
	    !vdev->bar_addr[vdev->msix_bar])
		return;
	entry = vdev->bar_addr[vdev->msix_bar] + vdev->msix_offset +
		(u64)vector * PCI_MSIX_ENTRY_SIZE;
	writel(desc->msg.address_lo, entry + PCI_MSIX_ENTRY_LOWER_ADDR);
	writel(desc->msg.address_hi, entry + PCI_MSIX_ENTRY_UPPER_ADDR);
	writel(desc->msg.data, entry + PCI_MSIX_ENTRY_DATA);
}

static void msi_vector_release(struct vfio_pci_core_device *vdev, unsigned vector)
{
	struct vfio_pci_irq_ctx *ctx = ctx_get(vdev, vector);
	u16 cmd;

	if (!ctx)
		return;
	cmd = memory_enable(vdev);
	free_irq(ctx->irq, ctx);
	memory_restore(vdev, cmd);
	ctx_free(vdev, vector);
}

static int msi_set_vector_signal(struct vfio_pci_core_device *vdev, unsigned vector, int fd,
				 bool msix)
{
	struct vfio_pci_irq_ctx *ctx = ctx_get(vdev, vector);
	struct eventfd_ctx *trigger;
	int irq = -EINVAL, ret;
	u16 cmd;

	if (ctx) {
		irq = (int)ctx->irq;
		msi_vector_release(vdev, vector);
	}
	if (fd < 0)
		return 0;
	if (irq == -EINVAL) {
		irq = msi_alloc_irq(vdev, vector, msix);
		if (irq < 0)
			return irq;
	}
	ctx = ctx_alloc(vdev, vector);
	if (!ctx)
		return -ENOMEM;
	ctx->irq = (unsigned)irq;
	ctx->name = kasprintf("vfio-msi%s[%u](%s)", msix ? "x" : "", vector,
			      pci_name(vdev->pdev));
	if (!ctx->name) {
		ret = -ENOMEM;
		goto out_free_ctx;
	}
	ret = eventfd_ctx_fdget(fd, &trigger);
	if (ret)
		goto out_free_ctx;
	cmd = memory_enable(vdev);
	if (msix)
		msix_refresh_entry(vdev, vector);
	ctx_set_trigger(ctx, trigger);
	ret = request_irq(ctx->irq, vfio_msihandler, ctx->name, ctx);
	memory_restore(vdev, cmd);
	if (ret)
		goto out_free_ctx;
	ctx->requested = true;
	return 0;

out_free_ctx:
	ctx_free(vdev, vector);
	return ret;
}

/* Vectors @start.. get @fds (NULL: all -1); on failure the ones set are unset again. */
static int msi_set_block(struct vfio_pci_core_device *vdev, unsigned start, unsigned count,
			 const s32 *fds, bool msix)
{
	unsigned i, j;
	int ret = 0;

	for (i = 0, j = start; i < count && !ret; i++, j++)
		ret = msi_set_vector_signal(vdev, j, fds ? fds[i] : -1, msix);
	if (ret) {
		for (i = start; i < j; i++)
			msi_set_vector_signal(vdev, i, -1, msix);
	}
	return ret;
}

static void msi_disable(struct vfio_pci_core_device *vdev, bool msix)
{
	u16 cmd;

	for (unsigned i = 0; i < vdev->num_ctx; i++)
		msi_vector_release(vdev, i);
	(void)msix;
	cmd = memory_enable(vdev);
	pci_free_irq_vectors(vdev->pdev);
	memory_restore(vdev, cmd);
	/* MSI's shutdown lets INTx through again; a function without INTx stays quiet. */
	if (vdev->nointx)
		pci_intx(vdev->pdev, 0);
	ctx_table_free(vdev);
	vdev->irq_type = VFIO_PCI_NUM_IRQS;
}

/* ---- SET_IRQS per index and action --------------------------------------------- */

typedef int (*set_irqs_fn)(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			   unsigned count, u32 flags, void *data);

static int set_intx_unmask(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			   unsigned count, u32 flags, void *data)
{
	(void)index;
	if (!is_intx(vdev) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		intx_unmask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			intx_unmask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		s32 fd;

		memcpy(&fd, data, sizeof(fd));
		return intx_unmask_fd_set(ctx_get(vdev, 0), fd);
	}
	return 0;
}

static int set_intx_mask(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			 unsigned count, u32 flags, void *data)
{
	(void)index;
	if (!is_intx(vdev) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		intx_mask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (*(u8 *)data)
			intx_mask(vdev);
	} else if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		return -ENOTTY;   /* Linux 6.12 has no mask eventfd ("XXX implement me") */
	}
	return 0;
}

static int set_intx_trigger(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			    unsigned count, u32 flags, void *data)
{
	(void)index;
	if (is_intx(vdev) && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		intx_disable(vdev);
		return 0;
	}
	if (!(is_intx(vdev) || is_irq_none(vdev)) || start != 0 || count != 1)
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		struct eventfd_ctx *trigger = NULL;
		s32 fd;
		int ret = 0;

		memcpy(&fd, data, sizeof(fd));
		if (fd >= 0) {
			ret = eventfd_ctx_fdget(fd, &trigger);
			if (ret)
				return ret;
		}
		if (is_intx(vdev))
			ctx_set_trigger(ctx_get(vdev, 0), trigger);
		else
			ret = intx_enable(vdev, trigger);
		if (ret && trigger)
			eventfd_ctx_put(trigger);
		return ret;
	}
	if (!is_intx(vdev))
		return -EINVAL;
	if ((flags & VFIO_IRQ_SET_DATA_NONE) || *(u8 *)data)
		send_intx_eventfd(vdev, ctx_get(vdev, 0));
	return 0;
}

static int set_msi_trigger(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			   unsigned count, u32 flags, void *data)
{
	bool msix = index == VFIO_PCI_MSIX_IRQ_INDEX;
	int ret;

	if (irq_is(vdev, (int)index) && !count && (flags & VFIO_IRQ_SET_DATA_NONE)) {
		msi_disable(vdev, msix);
		return 0;
	}
	if (!(irq_is(vdev, (int)index) || is_irq_none(vdev)))
		return -EINVAL;
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		if (irq_is(vdev, (int)index))
			return msi_set_block(vdev, start, count, data, msix);
		ret = msi_enable(vdev, (int)(start + count), msix);
		if (ret)
			return ret;
		ret = msi_set_block(vdev, start, count, data, msix);
		if (ret)
			msi_disable(vdev, msix);
		return ret;
	}
	if (!irq_is(vdev, (int)index))
		return -EINVAL;
	for (unsigned i = start; i < start + count; i++) {
		struct vfio_pci_irq_ctx *ctx = ctx_get(vdev, i);

		if (!ctx)
			continue;
		if ((flags & VFIO_IRQ_SET_DATA_NONE) || ((u8 *)data)[i - start])
			send_eventfd(ctx->trigger);
	}
	return 0;
}

/* ERR and REQ: one eventfd each (Linux's vfio_pci_set_ctx_trigger_single). */
static void single_replace(struct eventfd_ctx **slot, struct eventfd_ctx *efd)
{
	if (*slot)
		eventfd_ctx_put(*slot);
	*slot = efd;
}

static int set_ctx_trigger_single(struct eventfd_ctx **slot, unsigned count, u32 flags,
				  void *data)
{
	if (flags & VFIO_IRQ_SET_DATA_NONE) {
		if (!*slot)
			return -EINVAL;
		if (count)
			eventfd_signal(*slot);
		else
			single_replace(slot, NULL);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_BOOL) {
		if (!count)
			return -EINVAL;
		if (*(u8 *)data)
			send_eventfd(*slot);
		return 0;
	}
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD) {
		struct eventfd_ctx *efd;
		s32 fd;
		int ret;

		if (!count)
			return -EINVAL;
		memcpy(&fd, data, sizeof(fd));
		if (fd == -1) {
			single_replace(slot, NULL);
			return 0;
		}
		if (fd < 0)
			return -EINVAL;
		ret = eventfd_ctx_fdget(fd, &efd);
		if (ret)
			return ret;
		single_replace(slot, efd);
		return 0;
	}
	return -EINVAL;
}

static int set_err_trigger(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			   unsigned count, u32 flags, void *data)
{
	if (index != VFIO_PCI_ERR_IRQ_INDEX || start != 0 || count > 1)
		return -EINVAL;
	return set_ctx_trigger_single(&vdev->err_trigger, count, flags, data);
}

static int set_req_trigger(struct vfio_pci_core_device *vdev, unsigned index, unsigned start,
			   unsigned count, u32 flags, void *data)
{
	if (index != VFIO_PCI_REQ_IRQ_INDEX || start != 0 || count > 1)
		return -EINVAL;
	return set_ctx_trigger_single(&vdev->req_trigger, count, flags, data);
}

/* The handler for (index, action), or NULL: -ENOTTY (MSI masking is not offered, as Linux). */
static set_irqs_fn set_irqs_func(struct vfio_pci_core_device *vdev, unsigned index, u32 flags)
{
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		if (action == VFIO_IRQ_SET_ACTION_MASK)
			return set_intx_mask;
		if (action == VFIO_IRQ_SET_ACTION_UNMASK)
			return set_intx_unmask;
		if (action == VFIO_IRQ_SET_ACTION_TRIGGER)
			return set_intx_trigger;
		return NULL;
	case VFIO_PCI_MSI_IRQ_INDEX:
	case VFIO_PCI_MSIX_IRQ_INDEX:
		return action == VFIO_IRQ_SET_ACTION_TRIGGER ? set_msi_trigger : NULL;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return action == VFIO_IRQ_SET_ACTION_TRIGGER && pci_is_pcie(vdev->pdev) ?
		       set_err_trigger : NULL;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return action == VFIO_IRQ_SET_ACTION_TRIGGER ? set_req_trigger : NULL;
	default:
		return NULL;
	}
}

/* ---- the ioctls ----------------------------------------------------------------- */

/* How many interrupts @index offers: 0 when the function has none of that kind. */
static int vfio_pci_get_irq_count(struct vfio_pci_core_device *vdev, unsigned index)
{
	struct pci_dev *pdev = vdev->pdev;
	int n;

	switch (index) {
	case VFIO_PCI_INTX_IRQ_INDEX:
		/* The pin the user sees (hidden for a function without INTx masking). */
		return (vdev->vconfig ? vdev->vconfig[PCI_INTERRUPT_PIN] : pdev->pin) ? 1 : 0;
	case VFIO_PCI_MSI_IRQ_INDEX:
		n = pci_msi_vec_count(pdev);
		return n > 0 ? n : 0;
	case VFIO_PCI_MSIX_IRQ_INDEX:
		n = pci_msix_vec_count(pdev);
		return n > 0 ? n : 0;
	case VFIO_PCI_ERR_IRQ_INDEX:
		return pci_is_pcie(pdev) ? 1 : 0;
	case VFIO_PCI_REQ_IRQ_INDEX:
		return 1;
	default:
		return 0;
	}
}

long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_irq_info info;

	if (copy_from_user(&info, (void *)arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz || info.index >= VFIO_PCI_NUM_IRQS)
		return -EINVAL;
	if (info.index == VFIO_PCI_ERR_IRQ_INDEX && !pci_is_pcie(vdev->pdev))
		return -EINVAL;
	info.flags = VFIO_IRQ_INFO_EVENTFD;
	info.count = (u32)vfio_pci_get_irq_count(vdev, info.index);
	if (info.index == VFIO_PCI_INTX_IRQ_INDEX)
		info.flags |= VFIO_IRQ_INFO_MASKABLE | VFIO_IRQ_INFO_AUTOMASKED;
	else if (info.index != VFIO_PCI_MSIX_IRQ_INDEX || !vdev->has_dyn_msix)
		info.flags |= VFIO_IRQ_INFO_NORESIZE;
	return copy_to_user((void *)arg, &info, minsz) ? -EFAULT : 0;
}

/* Linux's vfio_set_irqs_validate_and_prepare: the header's checks and the data's size. */
static int set_irqs_validate(const struct vfio_irq_set *hdr, unsigned num_irqs,
			     unsigned max_irq_type, size_t *data_size)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count);
	size_t size;

	if (hdr->argsz < minsz || hdr->index >= max_irq_type ||
	    hdr->count >= UINT32_MAX - hdr->start ||
	    (hdr->flags & ~(VFIO_IRQ_SET_DATA_TYPE_MASK | VFIO_IRQ_SET_ACTION_TYPE_MASK)))
		return -EINVAL;
	*data_size = 0;
	if (hdr->start >= num_irqs || hdr->start + hdr->count > num_irqs)
		return -EINVAL;
	switch (hdr->flags & VFIO_IRQ_SET_DATA_TYPE_MASK) {
	case VFIO_IRQ_SET_DATA_NONE:
		size = 0;
		break;
	case VFIO_IRQ_SET_DATA_BOOL:
		size = sizeof(u8);
		break;
	case VFIO_IRQ_SET_DATA_EVENTFD:
		size = sizeof(s32);
		break;
	default:
		return -EINVAL;
	}
	if (size) {
		if (hdr->argsz - minsz < (u64)hdr->count * size)
			return -EINVAL;
		*data_size = hdr->count * size;
	}
	return 0;
}

long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev, unsigned long arg)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	set_irqs_fn fn;
	u8 *data = NULL;
	int ret;

	intx_unmask_fd_poll(vdev);
	if (copy_from_user(&hdr, (void *)arg, minsz))
		return -EFAULT;
	ret = set_irqs_validate(&hdr, (unsigned)vfio_pci_get_irq_count(vdev, hdr.index),
				VFIO_PCI_NUM_IRQS, &data_size);
	if (ret)
		return ret;
	if (data_size) {
		data = kmalloc(data_size);
		if (!data)
			return -ENOMEM;
		if (copy_from_user(data, (u8 *)arg + minsz, data_size)) {
			kfree(data);
			return -EFAULT;
		}
	}
	fn = set_irqs_func(vdev, hdr.index, hdr.flags);
	ret = fn ? fn(vdev, hdr.index, hdr.start, hdr.count, hdr.flags, data) : -ENOTTY;
	kfree(data);
	return ret;
}

/* ---- the core's calls ------------------------------------------------------------ */

void vfio_pci_irqs_disable_all(struct vfio_pci_core_device *vdev)
{
	if (is_intx(vdev))
		intx_disable(vdev);
	else if (irq_is(vdev, VFIO_PCI_MSI_IRQ_INDEX))
		msi_disable(vdev, false);
	else if (irq_is(vdev, VFIO_PCI_MSIX_IRQ_INDEX))
		msi_disable(vdev, true);
	single_replace(&vdev->err_trigger, NULL);
	single_replace(&vdev->req_trigger, NULL);
}

/* The core logs the request (vfio_pci_core.c); this only relays it. */
void vfio_pci_signal_request(struct vfio_pci_core_device *vdev, unsigned int count)
{
	(void)count;
	send_eventfd(vdev->req_trigger);
}

void vfio_pci_signal_err(struct vfio_pci_core_device *vdev)
{
	send_eventfd(vdev->err_trigger);
}

bool vfio_pci_is_trigger(int fd)
{
	struct vfio_pci_irq_ctx *ctx;

	list_for_each_entry(ctx, &kstate->vfio_pci.trigger_list, trigger_link)
		if (eventfd_ctx_is_fd(ctx->trigger, fd))
			return true;
	return false;
}

bool vfio_pci_any_trigger(void)
{
	return !list_empty(&kstate->vfio_pci.trigger_list);
}
