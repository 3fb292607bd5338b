/*
 * Fail-the-Nth over every uAPI operation, as iommufd's selftests do: each
 * VFIO ioctl (through the public fd API, iommulab/fd.h) and each sysfs
 * store that changes state runs with kalloc's Nth allocation failing, for
 * N = 1, 2, ... until it no longer meets an injected failure. After each
 * failed attempt: a Linux errno, the state exactly as before (the whole
 * /sys with link targets and file contents, every IOMMU group's refcount,
 * owner and domain, the oracle's counters, kalloc and page counts), and
 * the operation then succeeds with nothing injected. An attempt that
 * succeeds despite the failure (a best-effort allocation) must leave
 * either the state before or the state of a clean success. After each
 * attempt's teardown nothing leaked, and each case ends where it began.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/vfio.h>

#include "iommulab/fd.h"
#include "iommulab/lab.h"
#include "check/oracle.h"
#include "kernel/base/kalloc.h"
#include "kernel/base/page_alloc.h"
#include "kernel/kernel_state.h"
#include "sysfs_snapshot.h"
#include "test_util.h"

#define VDEV "a000000.dma"	/* handed to vfio-platform */
#define PDEV "a001000.dma"	/* stays with dma-copy */
#define PCIDEV "0000:04:00.1"	/* a dma-copy PCI function */
/* Handed to vfio-pci by its cases: alone in group 9 but for the bridge above it. */
#define VPCI "0000:06:01.0"
#define PDEVS "/sys/bus/platform/devices/"
#define PDRVS "/sys/bus/platform/drivers/"
#define PCIDEVS "/sys/bus/pci/devices/"
#define PCIDRVS "/sys/bus/pci/drivers/"

/* ---- the state compared --------------------------------------------- */

struct snap {
	struct buf sys;
	struct buf groups;
	struct oracle_counts oc;
	long kalloc, pages;
};

/* Every IOMMU group as the core holds it: what /sys does not show. */
static void groups_state(struct buf *b)
{
	struct iommu_group *g;
	struct group_device *gd;

	buf_add(b, "", 0);
	list_for_each_entry(g, &kstate->iommu_group.groups, entry) {
		const char *dom = g->domain == g->default_domain ? "default" :
				  g->domain && g->domain == g->blocking_domain ? "blocking" :
				  g->domain ? "other" : "none";
		/* pointers of objects the setup allocates differ from run to run */
		buf_printf(b, "group %d ref %d owner %s cnt %u dom %s type %#x data %s:", g->id,
			   g->refcount, g->owner ? "user" : "none", g->owner_cnt, dom,
			   g->domain ? g->domain->type : 0, g->iommu_data ? "set" : "none");
		for_each_group_device(g, gd)
			buf_printf(b, " %s", gd->name);
		buf_add(b, "\n", 1);
	}
}

static void take(struct snap *s)
{
	s->sys = snapshot(false);
	s->groups = (struct buf){ 0 };
	groups_state(&s->groups);
	oracle_get_counts(&s->oc);
	s->kalloc = kalloc_outstanding();
	s->pages = (long)page_alloc_outstanding();
}

static void drop(struct snap *s)
{
	free(s->sys.p);
	free(s->groups.p);
	memset(s, 0, sizeof(*s));
}

/* Same user-visible and ownership state (@counts: the allocation counts too). */
static bool same_state(const struct snap *a, const struct snap *b, bool counts, bool quiet)
{
	bool ok = true;

	if (!same(&a->sys, &b->sys)) {
		if (!quiet)
			report_diff(&a->sys, &b->sys);
		ok = false;
	}
	if (!same(&a->groups, &b->groups)) {
		if (!quiet)
			print_error("groups:\n--- before\n%s+++ after\n%s", a->groups.p, b->groups.p);
		ok = false;
	}
	if (memcmp(&a->oc, &b->oc, sizeof(a->oc))) {
		if (!quiet)
			print_error("oracle counters changed\n");
		ok = false;
	}
	if (counts && (a->kalloc != b->kalloc || a->pages != b->pages)) {
		if (!quiet)
			print_error("allocations: %ld kalloc %ld pages before, %ld %ld after\n",
				    a->kalloc, a->pages, b->kalloc, b->pages);
		ok = false;
	}
	return ok;
}

/*
 * @s with the contents of the files where an interrupt shows (a PCI
 * function's config space and irq, its msi_irqs) masked: a probe whose
 * MSI-X allocation failed falls back to MSI or INTx and succeeds, as
 * Linux's pci_alloc_irq_vectors does; a valid state, not the clean one.
 */
static struct buf mask_irqs(const struct buf *s)
{
	struct buf out = { 0 };
	const char *p = s->p, *end = s->p + s->len;

	buf_add(&out, "", 0);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		bool masked = p[0] == 'F' &&
			      ((len > 12 && !memcmp(nl - 11, "/config 644", 11)) ||
			       (len > 9 && !memcmp(nl - 8, "/irq 444", 8)) ||
			       memmem(p, len, "/msi_irqs", 9));
		bool dir = (p[0] == 'D' || p[0] == 'L') && memmem(p, len, "/msi_irqs", 9);
		if (!dir)
			buf_add(&out, p, len);
		p += len;
		long n;
		if (p < end && p[0] == ' ' && sscanf(p, "  %ld bytes", &n) == 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			len = (size_t)(nl - p) + 1 + (size_t)n + 1;
			if (!masked)
				buf_add(&out, p, len);
			p += len;
		}
	}
	return out;
}

static bool same_masked(const struct snap *a, const struct snap *b, bool quiet)
{
	struct buf x = mask_irqs(&a->sys), y = mask_irqs(&b->sys);
	bool ok = same(&x, &y) && same(&a->groups, &b->groups) &&
		  !memcmp(&a->oc, &b->oc, sizeof(a->oc));

	if (!ok && !quiet)
		report_diff(&x, &y);
	free(x.p);
	free(y.p);
	return ok;
}

/* ---- the descriptors and helpers the cases share -------------------- */

static int cfd = -1, gfd = -1, dfd = -1, efd = -1, sfd = -1;
static char group_path[64], group_type_path[64], group_type[32];
static uint8_t *mem;
enum { MAP_IOVA = 0x100000, MAP_SIZE = 0x10000 };

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	return tu_sh("%s", line);
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void lab_close_fd(int *fd)
{
	if (*fd >= 0)
		assert_int_equal(lab_close(*fd), 0);
	*fd = -1;
}

static int res(int ret)
{
	return ret < 0 ? -errno : 0;
}

static void open_container(void)
{
	cfd = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	assert_true(cfd >= 0);
}

static void open_group(void)
{
	gfd = lab_open(group_path, O_RDWR, 0);
	assert_true(gfd >= 0);
}

static void set_container(void)
{
	open_container();
	open_group();
	assert_int_equal(lab_ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd), 0);
}

static void set_iommu(void)
{
	set_container();
	assert_int_equal(lab_ioctl(cfd, VFIO_SET_IOMMU, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU), 0);
}

static void open_device(void)
{
	set_iommu();
	dfd = lab_ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, VDEV);
	assert_true(dfd >= 0);
}

static void close_all(void)
{
	lab_close_fd(&dfd);
	lab_close_fd(&gfd);
	lab_close_fd(&cfd);
	close_fd(&efd);
}

static void nothing(void)
{
}

/* ---- the ioctls ------------------------------------------------------ */

static int op_api_version(void)
{
	int r = lab_ioctl(cfd, VFIO_GET_API_VERSION, NULL);
	return r < 0 ? -errno : (r == VFIO_API_VERSION ? 0 : -EPROTO);
}

static int op_check_extension(void)
{
	int r = lab_ioctl(cfd, VFIO_CHECK_EXTENSION, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU);
	return r < 0 ? -errno : (r == 1 ? 0 : -EPROTO);
}

static int op_set_iommu(void)
{
	return res(lab_ioctl(cfd, VFIO_SET_IOMMU, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU));
}

static int op_iommu_info(void)
{
	static uint8_t b[4096];
	struct vfio_iommu_type1_info *info = (void *)b;

	memset(b, 0, sizeof(b));
	info->argsz = sizeof(b);
	return res(lab_ioctl(cfd, VFIO_IOMMU_GET_INFO, info));
}

static int op_map(void)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)mem, .iova = MAP_IOVA, .size = MAP_SIZE,
	};
	return res(lab_ioctl(cfd, VFIO_IOMMU_MAP_DMA, &m));
}

static void setup_mapped(void)
{
	set_iommu();
	assert_int_equal(op_map(), 0);
}

static int op_unmap(void)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .iova = MAP_IOVA, .size = MAP_SIZE,
	};
	int r = lab_ioctl(cfd, VFIO_IOMMU_UNMAP_DMA, &u);
	return r < 0 ? -errno : (u.size == MAP_SIZE ? 0 : -EPROTO);
}

static int op_group_status(void)
{
	struct vfio_group_status s = { .argsz = sizeof(s) };
	return res(lab_ioctl(gfd, VFIO_GROUP_GET_STATUS, &s));
}

static void setup_container_group(void)
{
	open_container();
	open_group();
}

static int op_set_container(void)
{
	return res(lab_ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd));
}

static int op_unset_container(void)
{
	return res(lab_ioctl(gfd, VFIO_GROUP_UNSET_CONTAINER, NULL));
}

static int op_get_device_fd(void)
{
	int r = lab_ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, VDEV);
	if (r < 0)
		return -errno;
	lab_close_fd(&dfd);	/* a success of the retry replaces the first */
	dfd = r;
	return 0;
}

static int op_device_info(void)
{
	struct vfio_device_info i = { .argsz = sizeof(i) };
	return res(lab_ioctl(dfd, VFIO_DEVICE_GET_INFO, &i));
}

static int op_region_info(void)
{
	struct vfio_region_info i = { .argsz = sizeof(i), .index = 0 };
	return res(lab_ioctl(dfd, VFIO_DEVICE_GET_REGION_INFO, &i));
}

static int op_irq_info(void)
{
	struct vfio_irq_info i = { .argsz = sizeof(i), .index = 0 };
	return res(lab_ioctl(dfd, VFIO_DEVICE_GET_IRQ_INFO, &i));
}

static void setup_device_eventfd(void)
{
	open_device();
	efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	assert_true(efd >= 0);
}

static int set_irqs(uint32_t flags, uint32_t count)
{
	union {
		struct vfio_irq_set s;
		uint8_t b[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	} u = { .s = { .argsz = sizeof(u), .flags = flags | VFIO_IRQ_SET_ACTION_TRIGGER,
		       .index = 0, .start = 0, .count = count } };
	memcpy(u.s.data, &efd, sizeof(efd));
	if (!count)
		u.s.argsz = sizeof(u.s);
	return res(lab_ioctl(dfd, VFIO_DEVICE_SET_IRQS, &u.s));
}

static int op_set_irqs_eventfd(void)
{
	return set_irqs(VFIO_IRQ_SET_DATA_EVENTFD, 1);
}

static void setup_irqs_set(void)
{
	setup_device_eventfd();
	assert_int_equal(op_set_irqs_eventfd(), 0);
}

static int op_set_irqs_none(void)
{
	return set_irqs(VFIO_IRQ_SET_DATA_NONE, 0);
}

static int op_reset(void)
{
	return res(lab_ioctl(dfd, VFIO_DEVICE_RESET, NULL));
}

/* ---- the sysfs stores' setups and teardowns ------------------------- */

static void pdev_unbound(void)
{
	assert_int_equal(sh("echo " PDEV " > " PDRVS "dma-copy/unbind"), 0);
}

/* Back with dma-copy (whether the operation ran or not). */
static void pdev_rebind(void)
{
	sh("echo > " PDEVS PDEV "/driver_override");
	sh("echo " PDEV " > " PDRVS "vfio-platform/unbind");
	sh("echo " PDEV " > " PDRVS "dma-copy/bind");
}

static void pdev_for_vfio(void)
{
	pdev_unbound();
	assert_int_equal(sh("echo vfio-platform > " PDEVS PDEV "/driver_override"), 0);
}

static void pdev_group_type_back(void)
{
	sh("echo %s > %s", group_type, group_type_path);
	pdev_rebind();
}

static void unsafe_back(void)
{
	assert_int_equal(sh("echo 1 > /sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts"), 0);
}

static void entry_limit_back(void)
{
	assert_int_equal(sh("echo 65535 > /sys/module/vfio_iommu_type1/parameters/dma_entry_limit"), 0);
}

static void pci_unbound(void)
{
	assert_int_equal(sh("echo " PCIDEV " > " PCIDRVS "dma-copy/unbind"), 0);
}

static void pci_rebind(void)
{
	sh("echo > " PCIDEVS PCIDEV "/driver_override");
	if (sh("test -e " PCIDEVS PCIDEV))
		sh("echo 1 > /sys/bus/pci/rescan");
	/* a fresh probe: one that fell back to INTx goes back to MSI-X */
	sh("echo " PCIDEV " > " PCIDRVS "dma-copy/unbind");
	sh("echo " PCIDEV " > " PCIDRVS "nvme/unbind");
	sh("echo " PCIDEV " > " PCIDRVS "dma-copy/bind");
}

static void pci_probe_again(void)
{
	sh("echo " PCIDEV " > /sys/bus/pci/drivers_probe");
}

static void new_id_added(void)
{
	assert_int_equal(sh("echo 1234 5678 > " PCIDRVS "nvme/new_id"), 0);
}

static void new_id_removed(void)
{
	sh("echo 1234 5678 > " PCIDRVS "nvme/remove_id");
}

static void pci_removed(void)
{
	assert_int_equal(sh("echo 1 > " PCIDEVS PCIDEV "/remove"), 0);
}

/* ---- vfio-pci: the conventional dma-copy behind the PCIe-to-PCI bridge ---- */

static void vpci_for_vfio_pci(void)
{
	assert_int_equal(sh("echo " VPCI " > " PCIDRVS "dma-copy/unbind"), 0);
	assert_int_equal(sh("echo vfio-pci > " PCIDEVS VPCI "/driver_override"), 0);
}

static void vpci_on_vfio_pci(void)
{
	vpci_for_vfio_pci();
	assert_int_equal(sh("echo " VPCI " > /sys/bus/pci/drivers_probe"), 0);
}

/* Back with dma-copy (whether the operation ran or not). */
static void vpci_back(void)
{
	close_all();
	sh("echo > " PCIDEVS VPCI "/driver_override");
	sh("echo " VPCI " > " PCIDRVS "vfio-pci/unbind");
	sh("echo " VPCI " > " PCIDRVS "dma-copy/bind");
}

static void vpci_set_iommu(void)
{
	vpci_on_vfio_pci();
	cfd = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	gfd = lab_open("/dev/vfio/9", O_RDWR, 0);
	assert_true(cfd >= 0 && gfd >= 0);
	assert_int_equal(lab_ioctl(gfd, VFIO_GROUP_SET_CONTAINER, &cfd), 0);
	assert_int_equal(lab_ioctl(cfd, VFIO_SET_IOMMU, (void *)(uintptr_t)VFIO_TYPE1v2_IOMMU), 0);
}

static void vpci_open_device(void)
{
	vpci_set_iommu();
	dfd = lab_ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, VPCI);
	assert_true(dfd >= 0);
	efd = eventfd(0, EFD_CLOEXEC);
	assert_true(efd >= 0);
}

static int op_vpci_device_fd(void)
{
	int r = lab_ioctl(gfd, VFIO_GROUP_GET_DEVICE_FD, VPCI);
	if (r < 0)
		return -errno;
	lab_close_fd(&dfd);
	dfd = r;
	return 0;
}

static int op_hot_reset_info(void)
{
	uint8_t b[sizeof(struct vfio_pci_hot_reset_info) + 4 * sizeof(struct vfio_pci_dependent_device)];
	struct vfio_pci_hot_reset_info *h = (void *)b;

	memset(b, 0, sizeof(b));
	h->argsz = sizeof(b);
	return res(lab_ioctl(dfd, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h));
}

static int op_hot_reset(void)
{
	uint8_t b[sizeof(struct vfio_pci_hot_reset) + sizeof(int32_t)];
	struct vfio_pci_hot_reset *r = (void *)b;

	r->argsz = sizeof(b);
	r->flags = 0;
	r->count = 1;
	r->group_fds[0] = gfd;
	return res(lab_ioctl(dfd, VFIO_DEVICE_PCI_HOT_RESET, r));
}

static int op_ioeventfd(void)
{
	struct vfio_device_ioeventfd e = {
		.argsz = sizeof(e), .flags = 4, .offset = 0x100, .data = 1, .fd = efd,
	};
	int r = res(lab_ioctl(dfd, VFIO_DEVICE_IOEVENTFD, &e));

	/* A success of the retry replaces the first: take it out again. */
	if (!r) {
		e.fd = -1;
		assert_int_equal(lab_ioctl(dfd, VFIO_DEVICE_IOEVENTFD, &e), 0);
	}
	return r;
}

static int op_low_power_wakeup(void)
{
	uint8_t b[sizeof(struct vfio_device_feature) + sizeof(struct vfio_device_low_power_entry_with_wakeup)];
	struct vfio_device_feature *f = (void *)b;
	struct vfio_device_low_power_entry_with_wakeup w = { .wakeup_eventfd = efd };
	struct vfio_device_feature x = {
		.argsz = sizeof(x), .flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_EXIT,
	};

	f->argsz = sizeof(b);
	f->flags = VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP;
	memcpy(f->data, &w, sizeof(w));
	int r = res(lab_ioctl(dfd, VFIO_DEVICE_FEATURE, f));
	if (!r)
		assert_int_equal(lab_ioctl(dfd, VFIO_DEVICE_FEATURE, &x), 0);
	return r;
}

/* ---- the cases --------------------------------------------------------- */

struct fcase {
	const char *name;
	void (*setup)(void);
	int (*op)(void);		/* 0 or -errno; NULL: write @val to @path */
	void (*teardown)(void);
	const char *path, *val;
	/*
	 * A failed map may leave the intermediate tables it installed, as
	 * Linux's io-pgtable-arm does (one kalloc and one page each, at most
	 * a walk's worth); they go with the domain (the teardown's leak check).
	 */
	bool tables;
	/*
	 * An operation that adds devices and probes them (rescan) succeeds
	 * when a probe fails, as Linux's does: the device stays unbound.
	 * @settle probes it again; then the state must be the clean one.
	 */
	void (*settle)(void);
};

static const struct fcase cases[] = {
	{ "GET_API_VERSION", open_container, op_api_version, close_all },
	{ "CHECK_EXTENSION", open_container, op_check_extension, close_all },
	{ "SET_IOMMU", set_container, op_set_iommu, close_all },
	{ "IOMMU_GET_INFO", set_iommu, op_iommu_info, close_all },
	{ "MAP_DMA", set_iommu, op_map, close_all, .tables = true },
	{ "UNMAP_DMA", setup_mapped, op_unmap, close_all },
	{ "GROUP_GET_STATUS", open_group, op_group_status, close_all },
	{ "GROUP_SET_CONTAINER", setup_container_group, op_set_container, close_all },
	{ "GROUP_UNSET_CONTAINER", set_container, op_unset_container, close_all },
	{ "GROUP_UNSET_CONTAINER (iommu set)", setup_mapped, op_unset_container, close_all },
	{ "GROUP_GET_DEVICE_FD", set_iommu, op_get_device_fd, close_all },
	{ "DEVICE_GET_INFO", open_device, op_device_info, close_all },
	{ "DEVICE_GET_REGION_INFO", open_device, op_region_info, close_all },
	{ "DEVICE_GET_IRQ_INFO", open_device, op_irq_info, close_all },
	{ "DEVICE_SET_IRQS eventfd", setup_device_eventfd, op_set_irqs_eventfd, close_all },
	{ "DEVICE_SET_IRQS none", setup_irqs_set, op_set_irqs_none, close_all },
	{ "DEVICE_RESET", open_device, op_reset, close_all },
	{ "platform unbind", nothing, NULL, pdev_rebind, PDRVS "dma-copy/unbind", PDEV },
	{ "platform bind", pdev_unbound, NULL, pdev_rebind, PDRVS "dma-copy/bind", PDEV },
	{ "platform bind vfio-platform", pdev_for_vfio, NULL, pdev_rebind,
	  PDRVS "vfio-platform/bind", PDEV },
	{ "platform driver_override", nothing, NULL, pdev_rebind,
	  PDEVS PDEV "/driver_override", "vfio-platform" },
	{ "platform drivers_probe", pdev_unbound, NULL, pdev_rebind,
	  "/sys/bus/platform/drivers_probe", PDEV },
	{ "group type", pdev_unbound, NULL, pdev_group_type_back, group_type_path, "identity" },
	{ "allow_unsafe_interrupts", nothing, NULL, unsafe_back,
	  "/sys/module/vfio_iommu_type1/parameters/allow_unsafe_interrupts", "0" },
	{ "dma_entry_limit", nothing, NULL, entry_limit_back,
	  "/sys/module/vfio_iommu_type1/parameters/dma_entry_limit", "100" },
	{ "pci unbind", nothing, NULL, pci_rebind, PCIDRVS "dma-copy/unbind", PCIDEV },
	{ "pci bind", pci_unbound, NULL, pci_rebind, PCIDRVS "dma-copy/bind", PCIDEV },
	{ "pci driver_override", nothing, NULL, pci_rebind,
	  PCIDEVS PCIDEV "/driver_override", "nvme" },
	{ "pci drivers_probe", pci_unbound, NULL, pci_rebind, "/sys/bus/pci/drivers_probe", PCIDEV },
	{ "pci new_id", nothing, NULL, new_id_removed, PCIDRVS "nvme/new_id", "1234 5678" },
	{ "pci remove_id", new_id_added, NULL, new_id_removed, PCIDRVS "nvme/remove_id",
	  "1234 5678" },
	{ "pci reset", nothing, NULL, nothing, PCIDEVS PCIDEV "/reset", "1" },
	{ "pci remove", nothing, NULL, pci_rebind, PCIDEVS PCIDEV "/remove", "1" },
	{ "pci rescan", pci_removed, NULL, pci_rebind, "/sys/bus/pci/rescan", "1",
	  .settle = pci_probe_again },
	{ "vfio-pci bind", vpci_for_vfio_pci, NULL, vpci_back, PCIDRVS "vfio-pci/bind", VPCI },
	{ "vfio-pci GROUP_GET_DEVICE_FD", vpci_set_iommu, op_vpci_device_fd, vpci_back },
	{ "vfio-pci DEVICE_RESET", vpci_open_device, op_reset, vpci_back },
	{ "vfio-pci GET_PCI_HOT_RESET_INFO", vpci_open_device, op_hot_reset_info, vpci_back },
	{ "vfio-pci PCI_HOT_RESET", vpci_open_device, op_hot_reset, vpci_back },
	{ "vfio-pci IOEVENTFD", vpci_open_device, op_ioeventfd, vpci_back },
	{ "vfio-pci FEATURE low power", vpci_open_device, op_low_power_wakeup, vpci_back },
};

/* Errors Linux gives for these calls under memory pressure. */
static bool linux_errno(int e)
{
	switch (e) {
	case ENOMEM: case EINVAL: case EBUSY: case ENODEV: case ENOSPC: case EIO:
	case EFAULT: case ENOENT: case EPERM: case EAGAIN: case ENXIO: case EEXIST:
		return true;
	}
	return false;
}

static const struct fcase *cur;

static int run_op(void)
{
	if (cur->op)
		return cur->op();
	ssize_t n = lab_pwrite(sfd, cur->val, strlen(cur->val), 0);
	if (n < 0)
		return -errno;
	return n == (ssize_t)strlen(cur->val) ? 0 : -EPROTO;
}

static void setup(void)
{
	cur->setup();
	if (!cur->op) {
		sfd = lab_open(cur->path, O_WRONLY, 0);
		if (sfd < 0)
			fail_msg("%s: open %s: %s", cur->name, cur->path, strerror(errno));
	}
}

static void teardown(void)
{
	lab_close_fd(&sfd);
	cur->teardown();
}

/* Runs one case over N = 1, 2, ...; returns the number of injected failures. */
static unsigned long run_case(const struct fcase *c)
{
	struct snap base, before, after, now;
	unsigned long n;
	int ret;

	cur = c;
	take(&base);

	/* the reference: a clean run, its state before and after */
	setup();
	take(&before);
	ret = run_op();
	if (ret)
		fail_msg("%s: fails with nothing injected: %s", c->name, strerror(-ret));
	take(&after);
	teardown();
	take(&now);
	if (!same_state(&base, &now, true, false))
		fail_msg("%s: its teardown does not restore the state", c->name);
	drop(&now);

	for (n = 1;; n++) {
		setup();
		kalloc_fail_nth(n);
		ret = run_op();
		bool fired = kalloc_failed();
		kalloc_fail_nth(0);
		if (!fired) {
			if (ret)
				fail_msg("%s: fails with nothing injected: %s", c->name,
					 strerror(-ret));
			teardown();
			break;
		}
		take(&now);
		if (ret) {
			if (!linux_errno(-ret))
				fail_msg("%s: allocation %lu failed: errno %d (%s) is not Linux's",
					 c->name, n, -ret, strerror(-ret));
			long tk = now.kalloc - before.kalloc, tp = now.pages - before.pages;
			if (c->tables && tk == tp && tk >= 0 && tk <= 3)
				now.kalloc = before.kalloc, now.pages = before.pages;
			if (!same_state(&before, &now, true, false))
				fail_msg("%s: allocation %lu failed (%s): state changed", c->name,
					 n, strerror(-ret));
			ret = run_op();
			if (ret)
				fail_msg("%s: after allocation %lu failed, the retry fails: %s",
					 c->name, n, strerror(-ret));
		} else if (!same_state(&after, &now, false, true) &&
			   !same_state(&before, &now, false, true) && !same_masked(&after, &now, !!c->settle)) {
			if (!c->settle)
				fail_msg("%s: succeeded with allocation %lu failed, half done",
					 c->name, n);
			c->settle();
			drop(&now);
			take(&now);
			if (!same_masked(&after, &now, false))
				fail_msg("%s: succeeded with allocation %lu failed, half done "
					 "(a probe again does not complete it)", c->name, n);
		}
		drop(&now);
		teardown();
		if (kalloc_outstanding() != base.kalloc ||
		    (long)page_alloc_outstanding() != base.pages)
			fail_msg("%s: leak with allocation %lu failed: %ld kallocs, %ld pages "
				 "(%ld, %ld before)", c->name, n, kalloc_outstanding(),
				 (long)page_alloc_outstanding(), base.kalloc, base.pages);
	}
	take(&now);
	if (!same_state(&base, &now, true, false))
		fail_msg("%s: the state moved over the runs", c->name);
	drop(&now);
	drop(&base);
	drop(&before);
	drop(&after);
	return n - 1;
}

static void test_fail_nth_uapi(void **state)
{
	char link[128];
	ssize_t len;

	(void)state;
	mem = mmap(NULL, MAP_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(mem != MAP_FAILED);
	assert_int_equal(tu_lab_boot(NULL, NULL), LAB_OK);
	assert_int_equal(sh("modprobe vfio-platform"), 0);
	assert_int_equal(sh("modprobe vfio-pci"), 0);
	unsafe_back();
	assert_int_equal(tu_to_vfio(VDEV, "dma-copy"), 0);
	len = lab_readlink(PDEVS VDEV "/iommu_group", link, sizeof(link) - 1);
	assert_true(len > 0);
	link[len] = 0;
	snprintf(group_path, sizeof(group_path), "/dev/vfio/%s", strrchr(link, '/') + 1);
	len = lab_readlink(PDEVS PDEV "/iommu_group", link, sizeof(link) - 1);
	assert_true(len > 0);
	link[len] = 0;
	snprintf(group_type_path, sizeof(group_type_path), "/sys/kernel/iommu_groups/%s/type",
		 strrchr(link, '/') + 1);
	len = sysfs_read(group_type_path, group_type, sizeof(group_type) - 1);
	assert_true(len > 0);
	group_type[len] = 0;
	group_type[strcspn(group_type, "\n")] = 0;

	unsigned long total = 0;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long runs = run_case(&cases[i]);
		printf("# %-36s %lu injected failures\n", cases[i].name, runs);
		total += runs;
	}
	printf("# %lu injected failures over %zu operations\n", total,
	       sizeof(cases) / sizeof(cases[0]));

	close_all();
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
	munmap(mem, MAP_SIZE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_nth_uapi),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
