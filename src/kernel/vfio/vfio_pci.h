/*
 * vfio-pci: hands a PCI function to user space (Linux's drivers/vfio/pci/
 * vfio_pci.c, vfio_pci_core.c, vfio_pci_config.c, vfio_pci_rdwr.c and
 * vfio_pci_intrs.c are the behavioural reference).
 *
 * The files:
 *   vfio_pci_core.c    the pci_driver "vfio-pci", probe/remove, open/close,
 *                      the device ioctls (GET_INFO, regions, RESET, hot
 *                      reset, IOEVENTFD, FEATURE) and the read/write entry
 *   vfio_pci_config.c  the virtualized config space (permission tables)
 *   vfio_pci_rdwr.c    BAR, ROM and ioeventfd accesses to the device
 *   vfio_pci_intrs.c   INTx, MSI, MSI-X, ERR and REQ (GET_IRQ_INFO,
 *                      SET_IRQS); the interface below is all the core
 *                      knows of it
 *
 * Region offsets on the device fd are index << 40, as Linux's.
 */
#ifndef LAB_KERNEL_VFIO_VFIO_PCI_H
#define LAB_KERNEL_VFIO_VFIO_PCI_H

#include "common/list.h"
#include "common/types.h"
#include "vfio.h"

struct pci_dev;
struct eventfd_ctx;

#define VFIO_PCI_OFFSET_SHIFT 40
#define VFIO_PCI_OFFSET_TO_INDEX(off) ((off) >> VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_INDEX_TO_OFFSET(index) ((u64)(index) << VFIO_PCI_OFFSET_SHIFT)
#define VFIO_PCI_OFFSET_MASK (((u64)1 << VFIO_PCI_OFFSET_SHIFT) - 1)

/* Virtual time a BAR or config read takes (a non-posted round trip). */
#define VFIO_PCI_READ_NS 200ull

/*
 * One interrupt vector handed to the user (Linux's vfio_pci_irq_ctx): for
 * INTx ctx[0], for MSI/MSI-X one per vector the user set a trigger on.
 */
struct vfio_pci_irq_ctx {
	struct vfio_pci_core_device *vdev;
	struct eventfd_ctx *trigger;   /* the user's eventfd, NULL: none */
	struct eventfd_ctx *unmask;    /* INTx: the unmask irqfd, NULL: none */
	struct eventfd_ctx *mask;      /* INTx: the mask irqfd, NULL: none */
	char *name;                    /* "vfio-msix[%d](%s)", as Linux names it */
	unsigned int irq;              /* the kernel's interrupt number (INTID) */
	bool masked;                   /* INTx masked (automask or MASK) */
	bool requested;                /* request_irq done for @irq */
	struct list_head trigger_link; /* vfio_pci_state.trigger_list */
};

/* An ioeventfd (VFIO_DEVICE_IOEVENTFD): a write the kernel does on a signal. */
struct vfio_pci_ioeventfd {
	struct list_head next;
	struct vfio_pci_core_device *vdev;
	struct eventfd_ctx *ctx;
	u64 pos;           /* offset in the BAR */
	u64 data;
	int bar;
	int count;         /* 1, 2, 4 or 8 */
	bool test_mem;     /* a memory BAR: honour the Command register */
};

struct vfio_pci_core_device {
	struct vfio_device vdev;
	struct pci_dev *pdev;

	/* ---- regions (core) ---- */
	u64 bar_addr[7];               /* BAR0-5, ROM: the CPU address, 0 unassigned */
	u64 bar_size[7];               /* 0: no BAR there (the upper half of a 64-bit BAR) */
	bool bar_mmap_supported[6];    /* a memory BAR of at least a page */
	u32 rbar[7];                   /* the BARs' raw values, restored around resets */

	/* ---- config space (vfio_pci_config.c) ---- */
	u8 *vconfig;                   /* the user's view, cfg_size bytes */
	u8 *pci_config_map;            /* capability ID per byte (0xff: none) */
	void *msi_perm;                /* MSI's permission bits (their size varies) */
	bool bardirty;                 /* the virtual BARs need their masks applied */
	bool extended_caps;            /* the function has extended config space */
	bool has_vga;

	/* ---- MSI-X table location (core, read by intrs and rdwr) ---- */
	int msix_bar;                  /* -1: no MSI-X */
	u32 msix_offset;               /* the table's offset in the BAR */
	u32 msix_size;                 /* the table's size in bytes */
	u16 msix_entries;              /* the table size (vectors) */
	u8 msi_qmax;                   /* log2 of the MSI vectors enabled (config.c reads) */

	/* ---- interrupts (vfio_pci_intrs.c owns these; the core reads irq_type) ---- */
	int irq_type;                  /* VFIO_PCI_{INTX,MSI,MSIX}_IRQ_INDEX, VFIO_PCI_NUM_IRQS: none */
	struct vfio_pci_irq_ctx **ctx; /* num_ctx slots, NULL: no vector (dynamic MSI-X) */
	unsigned int num_ctx;
	bool virq_disabled;            /* the user set Command.INTx Disable (config.c) */
	bool pci_2_3;                  /* INTx masking at the device (Command/Status) works */
	bool nointx;                   /* INTx hidden from the user (no pin, or nointxmask) */
	bool has_dyn_msix;             /* MSI-X vectors can be added while enabled */
	struct eventfd_ctx *err_trigger;
	struct eventfd_ctx *req_trigger;
	void *intrs_priv;              /* anything else vfio_pci_intrs.c keeps */

	/* ---- core state ---- */
	bool reset_works;
	bool needs_reset;
	u32 saved_config[16];          /* the header at open, restored at close */
	bool pm_runtime_engaged;       /* VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY* */
	struct eventfd_ctx *pm_wake_eventfd_ctx;
	struct list_head ioeventfds_list;
	int ioeventfds_nr;
	struct list_head next;         /* vfio_pci_state.devices */
};

static inline struct vfio_pci_core_device *to_vfio_pci(struct vfio_device *vdev)
{
	return container_of(vdev, struct vfio_pci_core_device, vdev);
}

/* ---- the interface between the core and vfio_pci_intrs.c --------------- */

/* VFIO_DEVICE_GET_IRQ_INFO and VFIO_DEVICE_SET_IRQS: @arg is user memory. */
long vfio_pci_ioctl_get_irq_info(struct vfio_pci_core_device *vdev, unsigned long arg);
long vfio_pci_ioctl_set_irqs(struct vfio_pci_core_device *vdev, unsigned long arg);
/* Every index back to none, triggers dropped (close_device, reset). */
void vfio_pci_irqs_disable_all(struct vfio_pci_core_device *vdev);
/* The device is to be removed while open: the REQ eventfd (Linux's request). */
void vfio_pci_signal_request(struct vfio_pci_core_device *vdev, unsigned int count);
/* An uncorrectable error was reported for the device: the ERR eventfd. */
void vfio_pci_signal_err(struct vfio_pci_core_device *vdev);
/*
 * The user wrote Command.INTx Disable (vfio_pci_config.c), as Linux's
 * vfio_pci_intx_mask/unmask: mask returns whether it masked.
 */
bool vfio_pci_intx_mask(struct vfio_pci_core_device *vdev);
void vfio_pci_intx_unmask(struct vfio_pci_core_device *vdev);
/*
 * Is @fd (or a dup) an interrupt eventfd set with SET_IRQS on a vfio-pci
 * device? The uapi lets virtual time run while a program waits on one.
 */
bool vfio_pci_is_trigger(int fd);
bool vfio_pci_any_trigger(void);
/*
 * Acts on the eventfds the user wrote since the last look (Linux's virqfd
 * wakeups): INTx unmask eventfds unmask, ioeventfds do their write. The
 * uapi calls it while a program waits, and when a watched eventfd is
 * written (eventfd_ctx_watch).
 */
void vfio_pci_virqfd_poll(void);

/* ---- between the core, config and rdwr --------------------------------- */

int vfio_config_init(struct vfio_pci_core_device *vdev);
void vfio_config_free(struct vfio_pci_core_device *vdev);
/* The config region: @buf user memory, @pos its offset; bytes or -errno. */
ssize_t vfio_pci_config_rw(struct vfio_pci_core_device *vdev, void *buf, size_t count,
			   u64 pos, bool iswrite);
/* BAR0-5 and the ROM. */
ssize_t vfio_pci_bar_rw(struct vfio_pci_core_device *vdev, void *buf, size_t count,
			u64 pos, bool iswrite);
/* VFIO_DEVICE_IOEVENTFD's work. */
int vfio_pci_ioeventfd(struct vfio_pci_core_device *vdev, u64 offset, u64 data,
		       int count, int fd);
void vfio_pci_ioeventfd_remove_all(struct vfio_pci_core_device *vdev);
/* Is the memory decode on (the hardware Command register)? */
bool vfio_pci_memory_enabled(struct vfio_pci_core_device *vdev);
/* A function reset (FLR through the config write or VFIO_DEVICE_RESET). */
int vfio_pci_core_reset(struct vfio_pci_core_device *vdev);

/* ---- the module ---------------------------------------------------------- */

/* vfio-pci's kernel state (struct kernel.vfio_pci). */
struct vfio_pci_state {
	struct list_head devices;        /* every vfio_pci_core_device */
	struct list_head trigger_list;   /* vfio_pci_irq_ctx with a trigger (intrs) */
	struct {
		char *ids;               /* ids= (added as dynamic IDs at load) */
		bool nointxmask;         /* nointxmask= */
		bool disable_vga;        /* disable_vga= */
		bool disable_idle_d3;    /* disable_idle_d3= (no meaning: no D3 in the lab) */
		bool enable_sriov;       /* enable_sriov= (no SR-IOV in the lab) */
		bool disable_denylist;   /* disable_denylist= */
	} param;
};

void vfio_pci_state_init(struct vfio_pci_state *vps);

int vfio_pci_init(void);
void vfio_pci_exit(void);

#endif
