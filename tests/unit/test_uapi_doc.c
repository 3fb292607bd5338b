/*
 * docs/uapi.md's coverage tables, checked against the lab through the
 * public fd API. Each table row names a call, its status and the errnos it
 * can fail with (format: docs/uapi.md, "Coverage tables"). For every row
 * this test knows the call (a row it does not know fails, and so does a
 * call it knows that the page lacks); a supported or partial call must
 * succeed in a minimal valid state; every errno the row lists must be
 * provoked here with a cause the row names, unless it is in the short list
 * of causes the built-in platform cannot produce (below, each with why);
 * and an errno provoked here that the row does not list fails too. Each
 * call and each provocation runs on a lab of its own.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <linux/vfio.h>
#include <cmocka.h>

#include "test_util.h"
#include "iommulab/fd.h"
#include "iommulab/lab.h"

#define DEV0 "a000000.dma"
#define SHARED_A "a002000.dma"
#define SHARED_B "a003000.dma"
#define UNSAFE "vfio_iommu_type1.allow_unsafe_interrupts=1"
#define UNKNOWN_IOCTL _IO(VFIO_TYPE, VFIO_BASE + 40)

/* ---- the page's rows ---------------------------------------------------- */

enum section { SEC_NONE, SEC_CONTAINER, SEC_GROUP, SEC_DEVICE, SEC_PCI };
static const char *const section_names[] = { "", "container", "group", "device", "vfio-pci device" };

struct doc_row {
	enum section sec;
	char call[64];      /* backquotes dropped; "anything else" is "other" */
	char status[32];    /* supported, partial, not supported */
	int errnos[16];
	int nerrnos;
	int line;
};

static struct doc_row rows[96];
static int nrows;

static const struct { const char *name; int value; } errno_names[] = {
	{ "EPERM", EPERM }, { "ENOENT", ENOENT }, { "EIO", EIO }, { "EBADF", EBADF },
	{ "ENOMEM", ENOMEM }, { "EACCES", EACCES }, { "EFAULT", EFAULT }, { "EBUSY", EBUSY },
	{ "EEXIST", EEXIST }, { "ENODEV", ENODEV }, { "EINVAL", EINVAL }, { "ENOTTY", ENOTTY },
	{ "ENOSPC", ENOSPC }, { "EBADFD", EBADFD },
};

static const char *errno_name(int e)
{
	for (size_t i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
		if (errno_names[i].value == e)
			return errno_names[i].name;
	return "?";
}

/* Splits a table line on '|' not escaped as "\|"; returns the cell count. */
static int split_cells(char *line, char **cells, int max)
{
	int n = 0;
	char *p = line, *start = NULL;
	for (; *p; p++) {
		if (*p == '\\' && p[1] == '|') {
			p++;
			continue;
		}
		if (*p != '|')
			continue;
		*p = 0;
		if (start && n < max)
			cells[n++] = start;
		start = p + 1;
	}
	for (int i = 0; i < n; i++) {
		while (*cells[i] == ' ')
			cells[i]++;
		char *e = cells[i] + strlen(cells[i]);
		while (e > cells[i] && e[-1] == ' ')
			*--e = 0;
	}
	return n;
}

static void parse_errnos(struct doc_row *r, const char *cell)
{
	for (const char *p = strstr(cell, "`E"); p; p = strstr(p + 1, "`E")) {
		const char *end = strchr(p + 1, '`');
		assert_non_null(end);
		char name[16] = "";
		snprintf(name, sizeof(name), "%.*s", (int)(end - p - 1), p + 1);
		size_t i;
		for (i = 0; i < sizeof(errno_names) / sizeof(errno_names[0]); i++)
			if (!strcmp(errno_names[i].name, name))
				break;
		if (i == sizeof(errno_names) / sizeof(errno_names[0]))
			fail_msg("docs/uapi.md:%d: errno %s unknown to test_uapi_doc", r->line, name);
		assert_true(r->nerrnos < (int)(sizeof(r->errnos) / sizeof(r->errnos[0])));
		r->errnos[r->nerrnos++] = errno_names[i].value;
	}
}

static void parse_doc(void)
{
	FILE *f = fopen(LAB_SRCDIR "/docs/uapi.md", "r");
	assert_non_null(f);
	char line[4096];
	enum section sec = SEC_NONE;
	bool in_table = false;
	int lineno = 0;
	nrows = 0;
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		line[strcspn(line, "\n")] = 0;
		if (!strncmp(line, "## ", 3)) {
			sec = strstr(line, "Container") ? SEC_CONTAINER
			    : strstr(line, "Group")     ? SEC_GROUP
			    : strstr(line, "Device fd (vfio-pci)") ? SEC_PCI
			    : strstr(line, "Device fd") ? SEC_DEVICE : SEC_NONE;
			continue;
		}
		if (line[0] != '|') {
			in_table = false;
			continue;
		}
		if (!strcmp(line, "| call | status | coverage | errors |")) {
			assert_int_not_equal(sec, SEC_NONE);
			in_table = true;
			continue;
		}
		if (!in_table || !strncmp(line, "|---", 4))
			continue;
		char *cells[8];
		if (split_cells(line, cells, 8) != 4)
			fail_msg("docs/uapi.md:%d: a coverage row needs 4 cells", lineno);
		assert_true(nrows < (int)(sizeof(rows) / sizeof(rows[0])));
		struct doc_row *r = &rows[nrows++];
		memset(r, 0, sizeof(*r));
		r->sec = sec;
		r->line = lineno;
		size_t k = 0;
		for (const char *c = cells[0]; *c && k < sizeof(r->call) - 1; c++)
			if (*c != '`')
				r->call[k++] = *c;
		if (!strcmp(r->call, "anything else"))
			strcpy(r->call, "other");
		snprintf(r->status, sizeof(r->status), "%s", cells[1]);
		if (strcmp(r->status, "supported") && strcmp(r->status, "partial") &&
		    strcmp(r->status, "not supported"))
			fail_msg("docs/uapi.md:%d: status '%s'", lineno, r->status);
		parse_errnos(r, cells[3]);
	}
	fclose(f);
	assert_true(nrows > 0);
}

/* ---- a lab at a given stage --------------------------------------------- */

enum stage { ST_BOUND, ST_OPEN, ST_ATTACHED, ST_BACKEND, ST_DEVICE };

struct fx {
	int container, group, device, gid;
	unsigned long type;   /* the backend ST_BACKEND sets */
	bool pci;             /* the NVMe on vfio-pci instead of DEV0 on vfio-platform */
};

#define NVME "0000:01:00.0"
#define NVME_GROUP 3

static int group_of(const char *dev)
{
	char link[256], target[256];
	snprintf(link, sizeof(link), "/sys/bus/platform/devices/%s/iommu_group", dev);
	ssize_t n = lab_readlink(link, target, sizeof(target) - 1);
	assert_true(n > 0);
	target[n] = 0;
	return atoi(strrchr(target, '/') + 1);
}

/* Boots with @cmdline (NULL: allow_unsafe_interrupts) and takes DEV0 to @st. */
static void fx_up(struct fx *x, const char *cmdline, enum stage st)
{
	unsigned long type = x->type;
	bool pci = x->pci;
	memset(x, 0, sizeof(*x));
	x->type = type;
	x->pci = pci;
	x->container = x->group = x->device = -1;
	assert_int_equal(tu_lab_boot(NULL, cmdline ? cmdline : UNSAFE), LAB_OK);
	if (pci) {
		assert_int_equal(tu_sh("modprobe vfio-pci"), 0);
		assert_int_equal(tu_sh("echo %s > /sys/bus/pci/drivers/nvme/unbind", NVME), 0);
		assert_int_equal(tu_sh("echo vfio-pci > /sys/bus/pci/devices/%s/driver_override", NVME), 0);
		assert_int_equal(tu_sh("echo %s > /sys/bus/pci/drivers/vfio-pci/bind", NVME), 0);
		x->gid = NVME_GROUP;
	} else {
		assert_int_equal(tu_sh("modprobe vfio-platform"), 0);
		assert_int_equal(tu_to_vfio(DEV0, "dma-copy"), 0);
		x->gid = group_of(DEV0);
	}
	if (st < ST_OPEN)
		return;
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", x->gid);
	x->container = lab_open("/dev/vfio/vfio", O_RDWR, 0);
	x->group = lab_open(path, O_RDWR, 0);
	assert_true(x->container >= 0 && x->group >= 0);
	if (st < ST_ATTACHED)
		return;
	assert_int_equal(lab_ioctl(x->group, VFIO_GROUP_SET_CONTAINER, &x->container), 0);
	if (st < ST_BACKEND)
		return;
	if (!x->type)
		x->type = VFIO_TYPE1v2_IOMMU;
	assert_int_equal(lab_ioctl(x->container, VFIO_SET_IOMMU, (void *)x->type), 0);
	if (st < ST_DEVICE)
		return;
	x->device = lab_ioctl(x->group, VFIO_GROUP_GET_DEVICE_FD, pci ? NVME : DEV0);
	assert_true(x->device >= 0);
}

static void fx_down(void)
{
	lab_close_all();
	assert_int_equal(tu_lab_shutdown(), 0);
}

/* 0 on success, else errno. */
static int err(long ret)
{
	return ret < 0 ? errno : 0;
}

/* A descriptor number open nowhere. */
static int closed_fd(void)
{
	int fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	return fd;
}

static void *buffer(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	assert_true(p != MAP_FAILED);
	return p;
}

static int map(struct fx *x, void *vaddr, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)vaddr,
		.iova = iova, .size = size,
	};
	return err(lab_ioctl(x->container, VFIO_IOMMU_MAP_DMA, &m));
}

#define RW (VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE)

static int unmap(struct fx *x, uint64_t iova, uint64_t size, uint32_t flags)
{
	struct vfio_iommu_type1_dma_unmap u = {
		.argsz = sizeof(u), .flags = flags, .iova = iova, .size = size,
	};
	return err(lab_ioctl(x->container, VFIO_IOMMU_UNMAP_DMA, &u));
}

static int dirty(struct fx *x, uint32_t flags)
{
	struct vfio_iommu_type1_dirty_bitmap d = { .argsz = sizeof(d), .flags = flags };
	return err(lab_ioctl(x->container, VFIO_IOMMU_DIRTY_PAGES, &d));
}

static int set_irqs(struct fx *x, uint32_t flags, int32_t efd)
{
	char b[sizeof(struct vfio_irq_set) + 4];
	struct vfio_irq_set *s = (void *)b;
	s->argsz = sizeof(b);
	s->flags = flags;
	s->index = 0;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &efd, 4);
	return err(lab_ioctl(x->device, VFIO_DEVICE_SET_IRQS, s));
}

/* ---- container ---------------------------------------------------------- */

static int api_version(struct fx *x)
{
	return lab_ioctl(x->container, VFIO_GET_API_VERSION, NULL) == VFIO_API_VERSION ? 0 : -1;
}

static int check_extension(struct fx *x)
{
	return lab_ioctl(x->container, VFIO_CHECK_EXTENSION, (void *)VFIO_TYPE1v2_IOMMU) == 1 ? 0
											     : -1;
}

static int set_iommu(struct fx *x)
{
	return err(lab_ioctl(x->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1v2_IOMMU));
}

static int set_iommu_nesting(struct fx *x)
{
	return err(lab_ioctl(x->container, VFIO_SET_IOMMU, (void *)VFIO_TYPE1_NESTING_IOMMU));
}

static int get_info(struct fx *x)
{
	struct vfio_iommu_type1_info i = { .argsz = sizeof(i) };
	return err(lab_ioctl(x->container, VFIO_IOMMU_GET_INFO, &i));
}

static int map_ok(struct fx *x)
{
	return map(x, buffer(0x1000), 0x100000, 0x1000, RW);
}

static int map_size0(struct fx *x)
{
	return map(x, buffer(0x1000), 0x100000, 0, RW);
}

static int map_vaddr_none(struct fx *x)
{
	return map(x, buffer(0x1000), 0x100000, 0x1000, VFIO_DMA_MAP_FLAG_VADDR);
}

static int map_twice(struct fx *x)
{
	void *b = buffer(0x1000);
	assert_int_equal(map(x, b, 0x100000, 0x1000, RW), 0);
	return map(x, b, 0x100000, 0x1000, RW);
}

static int map_two(struct fx *x)
{
	void *b = buffer(0x2000);
	assert_int_equal(map(x, b, 0x100000, 0x1000, RW), 0);
	return map(x, (char *)b + 0x1000, 0x101000, 0x1000, RW);
}

static int map_unmapped_memory(struct fx *x)
{
	void *b = buffer(0x1000);
	munmap(b, 0x1000);
	return map(x, b, 0x100000, 0x1000, RW);
}

static int unmap_ok(struct fx *x)
{
	assert_int_equal(map_ok(x), 0);
	return unmap(x, 0x100000, 0x1000, 0);
}

static int unmap_size0(struct fx *x)
{
	return unmap(x, 0x100000, 0, 0);
}

static int unmap_null_bitmap(struct fx *x)
{
	assert_int_equal(map_ok(x), 0);
	assert_int_equal(dirty(x, VFIO_IOMMU_DIRTY_PAGES_FLAG_START), 0);
	char b[sizeof(struct vfio_iommu_type1_dma_unmap) + sizeof(struct vfio_bitmap)];
	struct vfio_iommu_type1_dma_unmap *u = (void *)b;
	struct vfio_bitmap bm = { .pgsize = 0x1000, .size = 8, .data = NULL };
	*u = (struct vfio_iommu_type1_dma_unmap){ .argsz = sizeof(b),
		.flags = VFIO_DMA_UNMAP_FLAG_GET_DIRTY_BITMAP, .iova = 0x100000, .size = 0x1000 };
	memcpy(u->data, &bm, sizeof(bm));
	int e = err(lab_ioctl(x->container, VFIO_IOMMU_UNMAP_DMA, u));
	/* Nothing unmapped: the mapping is still there. */
	assert_int_equal(map(x, buffer(0x1000), 0x100000, 0x1000, RW), EEXIST);
	return e;
}

static int dirty_start(struct fx *x)
{
	return dirty(x, VFIO_IOMMU_DIRTY_PAGES_FLAG_START);
}

static int dirty_noflags(struct fx *x)
{
	return dirty(x, 0);
}

static int unknown_container(struct fx *x)
{
	return err(lab_ioctl(x->container, UNKNOWN_IOCTL, NULL));
}

/* ---- group --------------------------------------------------------------- */

static int unbind_dev0(void)
{
	return tu_sh("echo %s > /sys/bus/platform/drivers/vfio-platform/unbind", DEV0);
}

static int group_status(struct fx *x)
{
	struct vfio_group_status s = { .argsz = sizeof(s) };
	return err(lab_ioctl(x->group, VFIO_GROUP_GET_STATUS, &s));
}

static int group_status_short(struct fx *x)
{
	struct vfio_group_status s = { .argsz = 4 };
	return err(lab_ioctl(x->group, VFIO_GROUP_GET_STATUS, &s));
}

static int group_status_torn_down(struct fx *x)
{
	assert_int_equal(unbind_dev0(), 0);
	return group_status(x);
}

static int set_container(struct fx *x)
{
	return err(lab_ioctl(x->group, VFIO_GROUP_SET_CONTAINER, &x->container));
}

static int set_container_badf(struct fx *x)
{
	int fd = closed_fd();
	return err(lab_ioctl(x->group, VFIO_GROUP_SET_CONTAINER, &fd));
}

static int set_container_not_container(struct fx *x)
{
	return err(lab_ioctl(x->group, VFIO_GROUP_SET_CONTAINER, &x->group));
}

static int set_container_torn_down(struct fx *x)
{
	assert_int_equal(unbind_dev0(), 0);
	return set_container(x);
}

/* SHARED_A's group, with SHARED_B still on its DMA-using kernel driver. */
static int set_container_not_viable(struct fx *x)
{
	char path[64];
	assert_int_equal(tu_to_vfio(SHARED_A, "dma-copy"), 0);
	assert_int_equal(group_of(SHARED_A), group_of(SHARED_B));
	snprintf(path, sizeof(path), "/dev/vfio/%d", group_of(SHARED_A));
	int g = lab_open(path, O_RDWR, 0);
	assert_true(g >= 0);
	return err(lab_ioctl(g, VFIO_GROUP_SET_CONTAINER, &x->container));
}

static int unset_container(struct fx *x)
{
	return err(lab_ioctl(x->group, VFIO_GROUP_UNSET_CONTAINER, NULL));
}

static int get_device_fd(struct fx *x)
{
	int fd = lab_ioctl(x->group, VFIO_GROUP_GET_DEVICE_FD, DEV0);
	return err(fd);
}

static int get_device_fd_nosuch(struct fx *x)
{
	return err(lab_ioctl(x->group, VFIO_GROUP_GET_DEVICE_FD, "nosuch.dma"));
}

static int unknown_group(struct fx *x)
{
	return err(lab_ioctl(x->group, UNKNOWN_IOCTL, NULL));
}

/* ---- device -------------------------------------------------------------- */

static int device_info(struct fx *x)
{
	struct vfio_device_info i = { .argsz = sizeof(i) };
	return err(lab_ioctl(x->device, VFIO_DEVICE_GET_INFO, &i));
}

static int device_info_short(struct fx *x)
{
	struct vfio_device_info i = { .argsz = 4 };
	return err(lab_ioctl(x->device, VFIO_DEVICE_GET_INFO, &i));
}

static int region_info_at(struct fx *x, uint32_t index)
{
	struct vfio_region_info i = { .argsz = sizeof(i), .index = index };
	int e = err(lab_ioctl(x->device, VFIO_DEVICE_GET_REGION_INFO, &i));
	/* The dma-copy window is one page: mmap is offered. */
	if (!e)
		assert_int_equal(i.flags & VFIO_REGION_INFO_FLAG_MMAP, VFIO_REGION_INFO_FLAG_MMAP);
	return e;
}

static int region_info(struct fx *x) { return region_info_at(x, 0); }
static int region_info_index(struct fx *x) { return region_info_at(x, 1); }

static int irq_info_at(struct fx *x, uint32_t index)
{
	struct vfio_irq_info i = { .argsz = sizeof(i), .index = index };
	return err(lab_ioctl(x->device, VFIO_DEVICE_GET_IRQ_INFO, &i));
}

static int irq_info(struct fx *x) { return irq_info_at(x, 0); }
static int irq_info_index(struct fx *x) { return irq_info_at(x, 1); }

static int set_irqs_trigger(struct fx *x)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	int e = set_irqs(x, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, efd);
	assert_int_equal(set_irqs(x, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, -1),
			 0);
	close(efd);
	return e;
}

static int set_irqs_two_data(struct fx *x)
{
	return set_irqs(x, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_DATA_BOOL |
			       VFIO_IRQ_SET_ACTION_TRIGGER, 0);
}

static int set_irqs_bad_eventfd(struct fx *x)
{
	return set_irqs(x, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, closed_fd());
}

static int set_irqs_two_actions(struct fx *x)
{
	return set_irqs(x, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_MASK |
			       VFIO_IRQ_SET_ACTION_UNMASK, 0);
}

static int device_reset(struct fx *x)
{
	return err(lab_ioctl(x->device, VFIO_DEVICE_RESET, NULL));
}

static int device_feature(struct fx *x)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f), .flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_MIGRATION,
	};
	return err(lab_ioctl(x->device, VFIO_DEVICE_FEATURE, &f));
}

/* Get and set at once, without probe: a malformed request. */
static int device_feature_get_and_set(struct fx *x)
{
	struct vfio_device_feature f = {
		.argsz = sizeof(f),
		.flags = VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_MIGRATION,
	};
	return err(lab_ioctl(x->device, VFIO_DEVICE_FEATURE, &f));
}

static int device_feature_short_argsz(struct fx *x)
{
	struct vfio_device_feature f = { .argsz = 4, .flags = VFIO_DEVICE_FEATURE_GET };
	return err(lab_ioctl(x->device, VFIO_DEVICE_FEATURE, &f));
}

static int region_rw(struct fx *x)
{
	uint32_t v = 0;
	if (lab_pread(x->device, &v, 4, 0) != 4)
		return errno;
	return lab_pwrite(x->device, &v, 4, 0x8) == 4 ? 0 : errno;   /* SRC_LO */
}

static int region_rw_bad_index(struct fx *x)
{
	uint32_t v;
	return err(lab_pread(x->device, &v, 4, 1ll << 40));
}

/* A load through the mapping reads the ID register (trap and emulate, x86-64). */
static int region_mmap(struct fx *x)
{
	volatile uint32_t *p = lab_mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, x->device, 0);
	if (p == MAP_FAILED)
		return errno;
	assert_int_equal(p[0], 0x444d4143);
	assert_int_equal(lab_munmap((void *)p, 4096), 0);
	return 0;
}

static int region_mmap_err(struct fx *x, size_t len, int flags, off_t off)
{
	void *p = lab_mmap(NULL, len, PROT_READ | PROT_WRITE, flags, x->device, off);
	if (p != MAP_FAILED)
		lab_munmap(p, len);
	return p == MAP_FAILED ? errno : 0;
}

static int region_mmap_private(struct fx *x) { return region_mmap_err(x, 4096, MAP_PRIVATE, 0); }
static int region_mmap_past(struct fx *x) { return region_mmap_err(x, 8192, MAP_SHARED, 0); }
static int region_mmap_index(struct fx *x) { return region_mmap_err(x, 4096, MAP_SHARED, 1ll << 40); }
static int region_mmap_unaligned(struct fx *x) { return region_mmap_err(x, 4096, MAP_SHARED, 12); }

static int unknown_device(struct fx *x)
{
	return err(lab_ioctl(x->device, UNKNOWN_IOCTL, NULL));
}

/* ---- vfio-pci device (the NVMe, 0000:01:00.0) ----------------------------- */

#define CFG ((off_t)VFIO_PCI_CONFIG_REGION_INDEX << 40)

static int pci_region_info_at(struct fx *x, uint32_t index, uint32_t argsz)
{
	struct vfio_region_info i = { .argsz = argsz, .index = index };
	return err(lab_ioctl(x->device, VFIO_DEVICE_GET_REGION_INFO, &i));
}

static int pci_region_info(struct fx *x) { return pci_region_info_at(x, 0, 64); }
static int pci_region_info_vga(struct fx *x)
{
	return pci_region_info_at(x, VFIO_PCI_VGA_REGION_INDEX, 32);
}

static int pci_irq_info(struct fx *x) { return irq_info_at(x, VFIO_PCI_MSIX_IRQ_INDEX); }
static int pci_irq_info_index(struct fx *x) { return irq_info_at(x, VFIO_PCI_NUM_IRQS); }
static int pci_irq_info_fault(struct fx *x)
{
	return err(lab_ioctl(x->device, VFIO_DEVICE_GET_IRQ_INFO, (void *)8));
}

/* Loopback on INTx before it is enabled. */
static int pci_set_irqs(struct fx *x)
{
	return set_irqs(x, VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_TRIGGER, 0);
}

static int pci_set_irqs_fault(struct fx *x)
{
	return err(lab_ioctl(x->device, VFIO_DEVICE_SET_IRQS, (void *)8));
}

/* A second INTx unmask eventfd while one is set. */
static int pci_set_irqs_unmask_busy(struct fx *x)
{
	int a = eventfd(0, EFD_CLOEXEC), b = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(set_irqs(x, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER, a), 0);
	assert_int_equal(set_irqs(x, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, a), 0);
	int e = set_irqs(x, VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_UNMASK, b);
	close(a);
	close(b);
	return e;
}

static int pci_hot_reset_info(struct fx *x, uint32_t argsz)
{
	char b[sizeof(struct vfio_pci_hot_reset_info) + 4 * sizeof(struct vfio_pci_dependent_device)];
	struct vfio_pci_hot_reset_info *h = (void *)b;
	h->argsz = argsz;
	return err(lab_ioctl(x->device, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, h));
}

static int hot_reset_info(struct fx *x) { return pci_hot_reset_info(x, 64); }
static int hot_reset_info_short(struct fx *x) { return pci_hot_reset_info(x, 8); }
static int hot_reset_info_small(struct fx *x) { return pci_hot_reset_info(x, 16); }

static int pci_hot_reset(struct fx *x, int32_t fd, uint32_t count, uint32_t flags)
{
	char b[sizeof(struct vfio_pci_hot_reset) + 4 * sizeof(int32_t)];
	struct vfio_pci_hot_reset *r = (void *)b;
	r->argsz = sizeof(b);
	r->flags = flags;
	r->count = count;
	for (int i = 0; i < 4; i++)
		r->group_fds[i] = fd;
	return err(lab_ioctl(x->device, VFIO_DEVICE_PCI_HOT_RESET, r));
}

static int hot_reset(struct fx *x) { return pci_hot_reset(x, x->group, 1, 0); }
static int hot_reset_flags(struct fx *x) { return pci_hot_reset(x, x->group, 1, 1); }
static int hot_reset_closed(struct fx *x) { return pci_hot_reset(x, closed_fd(), 1, 0); }

static int pci_ioeventfd(struct fx *x, uint64_t off, uint32_t flags, uint64_t data, int fd)
{
	struct vfio_device_ioeventfd e = {
		.argsz = sizeof(e), .flags = flags, .offset = off, .data = data, .fd = fd,
	};
	return err(lab_ioctl(x->device, VFIO_DEVICE_IOEVENTFD, &e));
}

static int ioeventfd_ok(struct fx *x)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	int e = pci_ioeventfd(x, 0x1000, 4, 0, efd);
	close(efd);
	return e;
}

static int ioeventfd_flags(struct fx *x) { return pci_ioeventfd(x, 0x1000, 3, 0, -1); }
static int ioeventfd_remove_none(struct fx *x) { return pci_ioeventfd(x, 0x1000, 4, 0, -1); }
static int ioeventfd_closed(struct fx *x) { return pci_ioeventfd(x, 0x1000, 4, 0, closed_fd()); }

static int ioeventfd_twice(struct fx *x)
{
	int efd = eventfd(0, EFD_CLOEXEC);
	assert_int_equal(pci_ioeventfd(x, 0x1000, 4, 0, efd), 0);
	int e = pci_ioeventfd(x, 0x1000, 4, 0, efd);
	close(efd);
	return e;
}

static int ioeventfd_limit(struct fx *x)
{
	int efd = eventfd(0, EFD_CLOEXEC), e = 0;
	for (uint64_t i = 0; i <= 1000 && !e; i++)
		e = pci_ioeventfd(x, 0x1000, 4, i, efd);
	close(efd);
	return e;
}

static int pci_feature(struct fx *x, uint32_t flags)
{
	struct vfio_device_feature f = { .argsz = sizeof(f), .flags = flags };
	return err(lab_ioctl(x->device, VFIO_DEVICE_FEATURE, &f));
}

static int feature_low_power(struct fx *x)
{
	return pci_feature(x, VFIO_DEVICE_FEATURE_SET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
}

static int feature_low_power_get(struct fx *x)
{
	return pci_feature(x, VFIO_DEVICE_FEATURE_GET | VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY);
}

static int feature_vf_token(struct fx *x)
{
	return pci_feature(x, VFIO_DEVICE_FEATURE_PROBE | VFIO_DEVICE_FEATURE_SET |
			      VFIO_DEVICE_FEATURE_PCI_VF_TOKEN);
}

static int pci_rw(struct fx *x)
{
	uint32_t v = 0;
	if (lab_pread(x->device, &v, 4, CFG) != 4)
		return errno;
	return lab_pwrite(x->device, &v, 2, CFG + 0x3c) == 2 ? 0 : errno;   /* Interrupt Line */
}

static int pci_rw_vga(struct fx *x)
{
	uint32_t v;
	return err(lab_pread(x->device, &v, 4, (off_t)VFIO_PCI_VGA_REGION_INDEX << 40));
}

/* BAR0 with Memory Space off in the user's Command register. */
static int pci_rw_decode_off(struct fx *x)
{
	uint16_t cmd = 0;
	uint32_t v;
	assert_int_equal(lab_pread(x->device, &cmd, 2, CFG + 4), 2);
	cmd &= (uint16_t)~2u;
	assert_int_equal(lab_pwrite(x->device, &cmd, 2, CFG + 4), 2);
	return err(lab_pread(x->device, &v, 4, 8));
}

static int pci_rw_cfg_past(struct fx *x)
{
	uint32_t v;
	return err(lab_pread(x->device, &v, 4, CFG + 4094));
}

static int pci_mmap(struct fx *x)
{
	volatile uint32_t *p = lab_mmap(NULL, 0x4000, PROT_READ | PROT_WRITE, MAP_SHARED,
					x->device, 0);
	if (p == MAP_FAILED)
		return errno;
	uint16_t cmd = 0;
	assert_int_equal(lab_pread(x->device, &cmd, 2, CFG + 4), 2);
	cmd |= 2;
	assert_int_equal(lab_pwrite(x->device, &cmd, 2, CFG + 4), 2);
	assert_int_equal(p[2], 0x00010400);   /* NVMe VS */
	assert_int_equal(lab_munmap((void *)p, 0x4000), 0);
	return 0;
}

static int pci_mmap_config(struct fx *x) { return region_mmap_err(x, 4096, MAP_SHARED, CFG); }

/* ---- what the test knows ------------------------------------------------- */

typedef int (*probe_fn)(struct fx *x);

/* One way to call a row's call: errno 0 is the valid call (it must succeed). */
struct probe {
	enum section sec;
	const char *call;
	int err;
	enum stage stage;
	const char *cmdline;    /* NULL: allow_unsafe_interrupts */
	unsigned long type;     /* backend at ST_BACKEND (0: TYPE1v2) */
	probe_fn fn;
};

#define C SEC_CONTAINER
#define G SEC_GROUP
#define D SEC_DEVICE
#define P SEC_PCI
static const struct probe probes[] = {
	{ C, "VFIO_GET_API_VERSION", 0, ST_OPEN, NULL, 0, api_version },
	{ C, "VFIO_CHECK_EXTENSION", 0, ST_OPEN, NULL, 0, check_extension },
	{ C, "VFIO_SET_IOMMU", 0, ST_ATTACHED, NULL, 0, set_iommu },
	{ C, "VFIO_SET_IOMMU", EINVAL, ST_OPEN, NULL, 0, set_iommu },              /* no group */
	{ C, "VFIO_SET_IOMMU", ENODEV, ST_ATTACHED, NULL, 0, set_iommu_nesting },
	{ C, "VFIO_SET_IOMMU", EPERM, ST_ATTACHED, "", 0, set_iommu },            /* no MSI isolation */
	{ C, "VFIO_IOMMU_GET_INFO", 0, ST_BACKEND, NULL, 0, get_info },
	{ C, "VFIO_IOMMU_GET_INFO", EINVAL, ST_ATTACHED, NULL, 0, get_info },      /* no backend */
	{ C, "VFIO_IOMMU_MAP_DMA", 0, ST_BACKEND, NULL, 0, map_ok },
	{ C, "VFIO_IOMMU_MAP_DMA", EINVAL, ST_BACKEND, NULL, 0, map_size0 },
	{ C, "VFIO_IOMMU_MAP_DMA", ENOENT, ST_BACKEND, NULL, 0, map_vaddr_none },
	{ C, "VFIO_IOMMU_MAP_DMA", EEXIST, ST_BACKEND, NULL, 0, map_twice },
	{ C, "VFIO_IOMMU_MAP_DMA", ENOSPC, ST_BACKEND,
	  UNSAFE " vfio_iommu_type1.dma_entry_limit=1", 0, map_two },
	{ C, "VFIO_IOMMU_MAP_DMA", EFAULT, ST_BACKEND, NULL, 0, map_unmapped_memory },
	{ C, "VFIO_IOMMU_UNMAP_DMA", 0, ST_BACKEND, NULL, 0, unmap_ok },
	{ C, "VFIO_IOMMU_UNMAP_DMA", EINVAL, ST_BACKEND, NULL, 0, unmap_size0 },
	{ C, "VFIO_IOMMU_UNMAP_DMA", EFAULT, ST_BACKEND, NULL, 0, unmap_null_bitmap },
	{ C, "VFIO_IOMMU_DIRTY_PAGES", 0, ST_BACKEND, NULL, 0, dirty_start },
	{ C, "VFIO_IOMMU_DIRTY_PAGES", EINVAL, ST_BACKEND, NULL, 0, dirty_noflags },
	{ C, "VFIO_IOMMU_DIRTY_PAGES", EACCES, ST_BACKEND, NULL, VFIO_TYPE1_IOMMU, dirty_start },
	{ C, "other", EINVAL, ST_ATTACHED, NULL, 0, unknown_container },         /* no backend */
	{ C, "other", ENOTTY, ST_BACKEND, NULL, 0, unknown_container },
	{ G, "VFIO_GROUP_GET_STATUS", 0, ST_OPEN, NULL, 0, group_status },
	{ G, "VFIO_GROUP_GET_STATUS", EINVAL, ST_OPEN, NULL, 0, group_status_short },
	{ G, "VFIO_GROUP_GET_STATUS", ENODEV, ST_OPEN, NULL, 0, group_status_torn_down },
	{ G, "VFIO_GROUP_SET_CONTAINER", 0, ST_OPEN, NULL, 0, set_container },
	{ G, "VFIO_GROUP_SET_CONTAINER", EBADF, ST_OPEN, NULL, 0, set_container_badf },
	{ G, "VFIO_GROUP_SET_CONTAINER", EINVAL, ST_ATTACHED, NULL, 0, set_container },
	/* Already set wins over a descriptor that is no container (Linux checks it first). */
	{ G, "VFIO_GROUP_SET_CONTAINER", EINVAL, ST_ATTACHED, NULL, 0, set_container_not_container },
	{ G, "VFIO_GROUP_SET_CONTAINER", ENODEV, ST_OPEN, NULL, 0, set_container_torn_down },
	{ G, "VFIO_GROUP_SET_CONTAINER", EBADFD, ST_OPEN, NULL, 0, set_container_not_container },
	{ G, "VFIO_GROUP_SET_CONTAINER", EPERM, ST_OPEN, NULL, 0, set_container_not_viable },
	{ G, "VFIO_GROUP_UNSET_CONTAINER", 0, ST_ATTACHED, NULL, 0, unset_container },
	{ G, "VFIO_GROUP_UNSET_CONTAINER", EINVAL, ST_OPEN, NULL, 0, unset_container },
	{ G, "VFIO_GROUP_UNSET_CONTAINER", EBUSY, ST_DEVICE, NULL, 0, unset_container },
	{ G, "VFIO_GROUP_GET_DEVICE_FD", 0, ST_BACKEND, NULL, 0, get_device_fd },
	{ G, "VFIO_GROUP_GET_DEVICE_FD", ENODEV, ST_BACKEND, NULL, 0, get_device_fd_nosuch },
	{ G, "VFIO_GROUP_GET_DEVICE_FD", EINVAL, ST_OPEN, NULL, 0, get_device_fd }, /* no container */
	{ G, "other", ENOTTY, ST_OPEN, NULL, 0, unknown_group },
	{ D, "VFIO_DEVICE_GET_INFO", 0, ST_DEVICE, NULL, 0, device_info },
	{ D, "VFIO_DEVICE_GET_INFO", EINVAL, ST_DEVICE, NULL, 0, device_info_short },
	{ D, "VFIO_DEVICE_GET_REGION_INFO", 0, ST_DEVICE, NULL, 0, region_info },
	{ D, "VFIO_DEVICE_GET_REGION_INFO", EINVAL, ST_DEVICE, NULL, 0, region_info_index },
	{ D, "VFIO_DEVICE_GET_IRQ_INFO", 0, ST_DEVICE, NULL, 0, irq_info },
	{ D, "VFIO_DEVICE_GET_IRQ_INFO", EINVAL, ST_DEVICE, NULL, 0, irq_info_index },
	{ D, "VFIO_DEVICE_SET_IRQS", 0, ST_DEVICE, NULL, 0, set_irqs_trigger },
	{ D, "VFIO_DEVICE_SET_IRQS", EINVAL, ST_DEVICE, NULL, 0, set_irqs_two_data },
	{ D, "VFIO_DEVICE_SET_IRQS", EBADF, ST_DEVICE, NULL, 0, set_irqs_bad_eventfd },
	{ D, "VFIO_DEVICE_SET_IRQS", ENOTTY, ST_DEVICE, NULL, 0, set_irqs_two_actions },
	{ D, "VFIO_DEVICE_RESET", 0, ST_DEVICE, NULL, 0, device_reset },
	{ D, "VFIO_DEVICE_FEATURE", ENOTTY, ST_DEVICE, NULL, 0, device_feature },
	{ D, "VFIO_DEVICE_FEATURE", EINVAL, ST_DEVICE, NULL, 0, device_feature_get_and_set },
	{ D, "VFIO_DEVICE_FEATURE", EINVAL, ST_DEVICE, NULL, 0, device_feature_short_argsz },
	{ D, "pread/pwrite", 0, ST_DEVICE, NULL, 0, region_rw },
	{ D, "pread/pwrite", EINVAL, ST_DEVICE, NULL, 0, region_rw_bad_index },
	{ D, "mmap", 0, ST_DEVICE, NULL, 0, region_mmap },
	{ D, "mmap", EINVAL, ST_DEVICE, NULL, 0, region_mmap_private },
	{ D, "mmap", EINVAL, ST_DEVICE, NULL, 0, region_mmap_past },
	{ D, "mmap", EINVAL, ST_DEVICE, NULL, 0, region_mmap_index },
	{ D, "mmap", EINVAL, ST_DEVICE, NULL, 0, region_mmap_unaligned },
	{ D, "other", ENOTTY, ST_DEVICE, NULL, 0, unknown_device },
	{ P, "VFIO_DEVICE_GET_INFO", 0, ST_DEVICE, NULL, 0, device_info },
	{ P, "VFIO_DEVICE_GET_INFO", EINVAL, ST_DEVICE, NULL, 0, device_info_short },
	{ P, "VFIO_DEVICE_GET_REGION_INFO", 0, ST_DEVICE, NULL, 0, pci_region_info },
	{ P, "VFIO_DEVICE_GET_REGION_INFO", EINVAL, ST_DEVICE, NULL, 0, pci_region_info_vga },
	{ P, "VFIO_DEVICE_GET_IRQ_INFO", 0, ST_DEVICE, NULL, 0, pci_irq_info },
	{ P, "VFIO_DEVICE_GET_IRQ_INFO", EINVAL, ST_DEVICE, NULL, 0, pci_irq_info_index },
	{ P, "VFIO_DEVICE_GET_IRQ_INFO", EFAULT, ST_DEVICE, NULL, 0, pci_irq_info_fault },
	{ P, "VFIO_DEVICE_SET_IRQS", 0, ST_DEVICE, NULL, 0, set_irqs_trigger },
	{ P, "VFIO_DEVICE_SET_IRQS", EINVAL, ST_DEVICE, NULL, 0, pci_set_irqs },
	{ P, "VFIO_DEVICE_SET_IRQS", EINVAL, ST_DEVICE, NULL, 0, set_irqs_two_data },
	{ P, "VFIO_DEVICE_SET_IRQS", EBADF, ST_DEVICE, NULL, 0, set_irqs_bad_eventfd },
	{ P, "VFIO_DEVICE_SET_IRQS", EBUSY, ST_DEVICE, NULL, 0, pci_set_irqs_unmask_busy },
	{ P, "VFIO_DEVICE_SET_IRQS", ENOTTY, ST_DEVICE, NULL, 0, set_irqs_two_actions },
	{ P, "VFIO_DEVICE_SET_IRQS", EFAULT, ST_DEVICE, NULL, 0, pci_set_irqs_fault },
	{ P, "VFIO_DEVICE_RESET", 0, ST_DEVICE, NULL, 0, device_reset },
	{ P, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", 0, ST_DEVICE, NULL, 0, hot_reset_info },
	{ P, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", EINVAL, ST_DEVICE, NULL, 0, hot_reset_info_short },
	{ P, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", ENOSPC, ST_DEVICE, NULL, 0, hot_reset_info_small },
	{ P, "VFIO_DEVICE_PCI_HOT_RESET", 0, ST_DEVICE, NULL, 0, hot_reset },
	{ P, "VFIO_DEVICE_PCI_HOT_RESET", EINVAL, ST_DEVICE, NULL, 0, hot_reset_flags },
	{ P, "VFIO_DEVICE_PCI_HOT_RESET", EBADF, ST_DEVICE, NULL, 0, hot_reset_closed },
	{ P, "VFIO_DEVICE_IOEVENTFD", 0, ST_DEVICE, NULL, 0, ioeventfd_ok },
	{ P, "VFIO_DEVICE_IOEVENTFD", EINVAL, ST_DEVICE, NULL, 0, ioeventfd_flags },
	{ P, "VFIO_DEVICE_IOEVENTFD", EEXIST, ST_DEVICE, NULL, 0, ioeventfd_twice },
	{ P, "VFIO_DEVICE_IOEVENTFD", ENODEV, ST_DEVICE, NULL, 0, ioeventfd_remove_none },
	{ P, "VFIO_DEVICE_IOEVENTFD", ENOSPC, ST_DEVICE, NULL, 0, ioeventfd_limit },
	{ P, "VFIO_DEVICE_IOEVENTFD", EBADF, ST_DEVICE, NULL, 0, ioeventfd_closed },
	{ P, "VFIO_DEVICE_FEATURE", 0, ST_DEVICE, NULL, 0, feature_low_power },
	{ P, "VFIO_DEVICE_FEATURE", EINVAL, ST_DEVICE, NULL, 0, feature_low_power_get },
	{ P, "VFIO_DEVICE_FEATURE", ENOTTY, ST_DEVICE, NULL, 0, feature_vf_token },
	{ P, "pread/pwrite", 0, ST_DEVICE, NULL, 0, pci_rw },
	{ P, "pread/pwrite", EINVAL, ST_DEVICE, NULL, 0, pci_rw_vga },
	{ P, "pread/pwrite", EIO, ST_DEVICE, NULL, 0, pci_rw_decode_off },
	{ P, "pread/pwrite", EFAULT, ST_DEVICE, NULL, 0, pci_rw_cfg_past },
	{ P, "mmap", 0, ST_DEVICE, NULL, 0, pci_mmap },
	{ P, "mmap", EINVAL, ST_DEVICE, NULL, 0, pci_mmap_config },
	{ P, "other", ENOTTY, ST_DEVICE, NULL, 0, unknown_device },
};

/*
 * Errnos a row lists that no call through the fd API can produce on the
 * built-in platform, and why. A row naming one must still list it.
 */
static const struct { enum section sec; const char *call; int err; const char *why; } unprovoked[] = {
	{ C, "VFIO_SET_IOMMU", EIO, "domain allocation failing: kernel fail-the-Nth only" },
	{ C, "VFIO_IOMMU_MAP_DMA", ENOMEM, "allocation failure: kernel fail-the-Nth only" },
	{ G, "VFIO_GROUP_SET_CONTAINER", EBUSY,
	  "a group off its default domain without an owner: no user path reaches it" },
	{ D, "VFIO_DEVICE_SET_IRQS", EBUSY, "no interrupt line shared with another driver" },
	{ D, "VFIO_DEVICE_RESET", EINVAL,
	  "every device vfio-platform can take has the dma-copy reset handler" },
	{ P, "VFIO_DEVICE_SET_IRQS", ENODEV,
	  "every PCI function of the built-in platform has an INTx line (interrupt-map)" },
	{ P, "VFIO_DEVICE_RESET", EINVAL, "every lab PCI function can do an FLR" },
	{ P, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", ENODEV,
	  "every function of the built-in platform sits behind a bridge (test_vfio_pci's test_v2m)" },
	{ P, "VFIO_DEVICE_GET_PCI_HOT_RESET_INFO", EPERM,
	  "every function the built-in platform enumerates is in an IOMMU group" },
	{ P, "VFIO_DEVICE_PCI_HOT_RESET", ENODEV,
	  "every function of the built-in platform sits behind a bridge (test_vfio_pci's test_v2m)" },
};
#undef C
#undef G
#undef D
#undef P

static const struct doc_row *row_of(enum section sec, const char *call)
{
	for (int i = 0; i < nrows; i++)
		if (rows[i].sec == sec && !strcmp(rows[i].call, call))
			return &rows[i];
	return NULL;
}

static bool row_lists(const struct doc_row *r, int e)
{
	for (int i = 0; i < r->nerrnos; i++)
		if (r->errnos[i] == e)
			return true;
	return false;
}

static bool probed(enum section sec, const char *call, int e)
{
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (probes[i].sec == sec && !strcmp(probes[i].call, call) && probes[i].err == e)
			return true;
	for (size_t i = 0; i < sizeof(unprovoked) / sizeof(unprovoked[0]); i++)
		if (unprovoked[i].sec == sec && !strcmp(unprovoked[i].call, call) &&
		    unprovoked[i].err == e)
			return true;
	return false;
}

/* ---- tests ----------------------------------------------------------------- */

/* Every row is known here, every errno it lists is provoked (or said why not). */
static void test_rows_known(void **state)
{
	(void)state;
	parse_doc();
	for (int i = 0; i < nrows; i++) {
		const struct doc_row *r = &rows[i];
		bool usable = strcmp(r->status, "not supported") != 0;
		if (!probed(r->sec, r->call, 0) && usable)
			fail_msg("docs/uapi.md:%d: %s %s is %s but has no valid call here", r->line,
				 section_names[r->sec], r->call, r->status);
		if (probed(r->sec, r->call, 0) && !usable)
			fail_msg("docs/uapi.md:%d: %s %s works here but the page says not supported",
				 r->line, section_names[r->sec], r->call);
		for (int k = 0; k < r->nerrnos; k++)
			if (!probed(r->sec, r->call, r->errnos[k]))
				fail_msg("docs/uapi.md:%d: %s %s lists %s, not provoked here", r->line,
					 section_names[r->sec], r->call, errno_name(r->errnos[k]));
	}
	for (size_t i = 0; i < sizeof(unprovoked) / sizeof(unprovoked[0]); i++) {
		const struct doc_row *r = row_of(unprovoked[i].sec, unprovoked[i].call);
		if (!r || !row_lists(r, unprovoked[i].err))
			fail_msg("docs/uapi.md: %s %s does not list %s", section_names[unprovoked[i].sec],
				 unprovoked[i].call, errno_name(unprovoked[i].err));
	}
}

/* Each call: a valid one succeeds, each provocation gets the errno its row lists. */
static void test_calls(void **state)
{
	(void)state;
	parse_doc();
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		const struct probe *p = &probes[i];
		const struct doc_row *r = row_of(p->sec, p->call);
		if (!r)
			fail_msg("docs/uapi.md has no %s row for %s", section_names[p->sec], p->call);
		if (p->err && !row_lists(r, p->err))
			fail_msg("docs/uapi.md:%d: %s %s does not list %s", r->line,
				 section_names[p->sec], p->call, errno_name(p->err));
		struct fx x;
		memset(&x, 0, sizeof(x));
		x.type = p->type;
		x.pci = p->sec == SEC_PCI;
		fx_up(&x, p->cmdline, p->stage);
		int got = p->fn(&x);
		fx_down();
		if (got != p->err)
			fail_msg("%s %s (docs/uapi.md:%d): got %s (%d), expected %s", section_names[p->sec],
				 p->call, r->line, got ? errno_name(got) : "success", got,
				 p->err ? errno_name(p->err) : "success");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rows_known),
		cmocka_unit_test(test_calls),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
