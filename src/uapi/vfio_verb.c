/*
 * The shell's `vfio` verb: a VFIO user program in words, for scenarios
 * and sessions. It holds one session (a container, the groups and devices
 * it opened, the buffers it mapped) and speaks only through the lab's fd
 * API, as a program would. Errors are the ioctls' errno values.
 *
 *   vfio container                 open /dev/vfio/vfio
 *   vfio group N                   open /dev/vfio/N
 *   vfio status N                  "viable", "viable container-set" or "not viable"
 *   vfio set-container N | unset-container N
 *   vfio set-iommu type1|type1v2|NUMBER
 *   vfio extension NAME|NUMBER     CHECK_EXTENSION's answer
 *   vfio info                      page sizes, DMA mappings available, IOVA ranges
 *   vfio map IOVA SIZE [r|w|rw]    map a fresh zeroed buffer of the session
 *   vfio unmap IOVA SIZE | unmap all   prints the bytes unmapped
 *   vfio device NAME               GET_DEVICE_FD from the open group holding it
 *   vfio regions NAME | irqs NAME  region / IRQ info
 *   vfio write NAME OFFSET VALUE | read NAME OFFSET   32-bit region 0 access
 *   vfio irq NAME | irq-count NAME trigger eventfd; how often it fired
 *   vfio wait NAME [MS]            poll the trigger eventfd: virtual time runs
 *                                  (at most MS, default 1000) until it fires
 *   vfio mask NAME | unmask NAME | trigger NAME   SET_IRQS with DATA_NONE
 *   vfio reset NAME
 *   vfio fill IOVA LEN BYTE | check IOVA LEN BYTE   the buffer behind an IOVA
 *   vfio close container | close group N | close device NAME
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/vfio.h>

#include "common/types.h"
#include "iommulab/fd.h"

LAB_API int lab_vfio_command(int argc, char **argv, FILE *out, char *msg, size_t msglen);
LAB_API void lab_vfio_reset(void);

#define MAX_OBJS 64

struct vbuf { u64 iova, size; u8 *mem; };
struct vgroup { int id, fd; };
struct vdev { char name[64]; int fd, efd; };

static struct {
	int container;
	struct vgroup groups[MAX_OBJS];
	struct vdev devs[MAX_OBJS];
	struct vbuf bufs[1024];
	unsigned nbufs;
	bool init;
} S;

static void init(void)
{
	if (S.init)
		return;
	S.container = -1;
	for (int i = 0; i < MAX_OBJS; i++) {
		S.groups[i].fd = -1;
		S.devs[i].fd = S.devs[i].efd = -1;
	}
	S.init = true;
}

void lab_vfio_reset(void)
{
	init();
	/* Descriptors first: the mappings go with the last group, then the memory. */
	for (int i = 0; i < MAX_OBJS; i++) {
		if (S.devs[i].efd >= 0)
			close(S.devs[i].efd);
		if (S.devs[i].fd >= 0 && lab_fd_is_lab(S.devs[i].fd))
			lab_close(S.devs[i].fd);
		if (S.groups[i].fd >= 0 && lab_fd_is_lab(S.groups[i].fd))
			lab_close(S.groups[i].fd);
	}
	if (S.container >= 0 && lab_fd_is_lab(S.container))
		lab_close(S.container);
	for (unsigned i = 0; i < S.nbufs; i++)
		munmap(S.bufs[i].mem, S.bufs[i].size);
	memset(&S, 0, sizeof(S));
	init();
}

static bool num(const char *s, u64 *v)
{
	char *end;
	if (!s || !*s)
		return false;
	errno = 0;
	*v = strtoull(s, &end, 0);
	return !*end && !errno;
}

static struct vgroup *group(int id)
{
	for (int i = 0; i < MAX_OBJS; i++)
		if (S.groups[i].fd >= 0 && S.groups[i].id == id)
			return &S.groups[i];
	return NULL;
}

static struct vdev *dev(const char *name)
{
	for (int i = 0; i < MAX_OBJS; i++)
		if (S.devs[i].fd >= 0 && !strcmp(S.devs[i].name, name))
			return &S.devs[i];
	return NULL;
}

#define FAIL(e) return -(e)
#define SYS(call) do { if ((call) < 0) return -errno; } while (0)

static int do_status(int id, FILE *out)
{
	struct vgroup *g = group(id);
	if (!g)
		FAIL(EBADF);
	struct vfio_group_status st = { .argsz = sizeof(st) };
	SYS(lab_ioctl(g->fd, VFIO_GROUP_GET_STATUS, &st));
	if (!(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		fprintf(out, "not viable\n");
	else if (st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET)
		fprintf(out, "viable container-set\n");
	else
		fprintf(out, "viable\n");
	return 0;
}

static int do_info(FILE *out)
{
	struct vfio_iommu_type1_info probe = { .argsz = sizeof(probe) };
	SYS(lab_ioctl(S.container, VFIO_IOMMU_GET_INFO, &probe));
	struct vfio_iommu_type1_info *info = calloc(1, probe.argsz);
	if (!info)
		FAIL(ENOMEM);
	info->argsz = probe.argsz;
	if (lab_ioctl(S.container, VFIO_IOMMU_GET_INFO, info) < 0) {
		int e = errno;
		free(info);
		FAIL(e);
	}
	fprintf(out, "iova_pgsizes 0x%llx\n", (unsigned long long)info->iova_pgsizes);
	for (u32 off = (info->flags & VFIO_IOMMU_INFO_CAPS) ? info->cap_offset : 0; off;) {
		struct vfio_info_cap_header *h = (void *)((char *)info + off);
		if (h->id == VFIO_IOMMU_TYPE1_INFO_DMA_AVAIL) {
			fprintf(out, "dma_avail %u\n",
				((struct vfio_iommu_type1_info_dma_avail *)h)->avail);
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_IOVA_RANGE) {
			struct vfio_iommu_type1_info_cap_iova_range *r = (void *)h;
			for (u32 i = 0; i < r->nr_iovas; i++)
				fprintf(out, "iova_range 0x%016llx 0x%016llx\n",
					(unsigned long long)r->iova_ranges[i].start,
					(unsigned long long)r->iova_ranges[i].end);
		} else if (h->id == VFIO_IOMMU_TYPE1_INFO_CAP_MIGRATION) {
			struct vfio_iommu_type1_info_cap_migration *m = (void *)h;
			fprintf(out, "migration pgsize 0x%llx\n",
				(unsigned long long)m->pgsize_bitmap);
		}
		off = h->next;
	}
	free(info);
	return 0;
}

static int do_map(u64 iova, u64 size, const char *mode)
{
	u32 flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE;
	if (mode && !strcmp(mode, "r"))
		flags = VFIO_DMA_MAP_FLAG_READ;
	else if (mode && !strcmp(mode, "w"))
		flags = VFIO_DMA_MAP_FLAG_WRITE;
	else if (mode && strcmp(mode, "rw"))
		FAIL(EINVAL);
	if (S.nbufs == ARRAY_SIZE(S.bufs))
		FAIL(ENOMEM);
	u64 len = size ? ALIGN_UP(size, PAGE_SIZE) : PAGE_SIZE;
	u8 *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (mem == MAP_FAILED)
		FAIL(ENOMEM);
	struct vfio_iommu_type1_dma_map m = {
		.argsz = sizeof(m), .flags = flags, .vaddr = (uintptr_t)mem, .iova = iova,
		.size = size,
	};
	if (lab_ioctl(S.container, VFIO_IOMMU_MAP_DMA, &m) < 0) {
		int e = errno;
		munmap(mem, len);
		FAIL(e);
	}
	S.bufs[S.nbufs++] = (struct vbuf){ iova, len, mem };
	return 0;
}

static int do_unmap(int argc, char **argv, FILE *out)
{
	struct vfio_iommu_type1_dma_unmap u = { .argsz = sizeof(u) };
	if (argc == 3 && !strcmp(argv[2], "all")) {
		u.flags = VFIO_DMA_UNMAP_FLAG_ALL;
	} else {
		u64 iova, size;
		if (argc != 4 || !num(argv[2], &iova) || !num(argv[3], &size))
			FAIL(EINVAL);
		u.iova = iova;
		u.size = size;
	}
	SYS(lab_ioctl(S.container, VFIO_IOMMU_UNMAP_DMA, &u));
	fprintf(out, "unmapped 0x%llx\n", (unsigned long long)u.size);
	/* Forget the buffers whose IOVA went. */
	u64 last = u.flags ? UINT64_MAX : u.iova + (u.size ? u.size : 1) - 1;
	for (unsigned i = 0; i < S.nbufs;) {
		if (u.size && S.bufs[i].iova >= (u.flags ? 0 : u.iova) && S.bufs[i].iova <= last) {
			munmap(S.bufs[i].mem, S.bufs[i].size);
			S.bufs[i] = S.bufs[--S.nbufs];
		} else {
			i++;
		}
	}
	return 0;
}

static u8 *buf_at(u64 iova, u64 len)
{
	for (unsigned i = 0; i < S.nbufs; i++)
		if (iova >= S.bufs[i].iova && iova + len <= S.bufs[i].iova + S.bufs[i].size)
			return S.bufs[i].mem + (iova - S.bufs[i].iova);
	return NULL;
}

static int do_device(const char *name)
{
	if (dev(name))
		FAIL(EBUSY);
	int slot = -1;
	for (int i = 0; i < MAX_OBJS; i++)
		if (S.devs[i].fd < 0)
			slot = i;
	if (slot < 0)
		FAIL(EMFILE);
	int err = ENODEV;
	for (int i = 0; i < MAX_OBJS; i++) {
		if (S.groups[i].fd < 0)
			continue;
		int fd = lab_ioctl(S.groups[i].fd, VFIO_GROUP_GET_DEVICE_FD, (void *)name);
		if (fd >= 0) {
			S.devs[slot].fd = fd;
			S.devs[slot].efd = -1;
			snprintf(S.devs[slot].name, sizeof(S.devs[slot].name), "%s", name);
			return 0;
		}
		/* The group that has the device decides the errno. */
		if (errno != ENODEV)
			err = errno;
	}
	FAIL(err);
}

static int irq_none(struct vdev *d, u32 action)
{
	struct vfio_irq_set s = { .argsz = sizeof(s), .flags = VFIO_IRQ_SET_DATA_NONE | action,
				  .index = 0, .start = 0, .count = 1 };
	SYS(lab_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, &s));
	return 0;
}

static int do_irq(struct vdev *d)
{
	if (d->efd < 0) {
		d->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (d->efd < 0)
			FAIL(errno);
	}
	char b[sizeof(struct vfio_irq_set) + 4];
	struct vfio_irq_set *s = (void *)b;
	s->argsz = sizeof(b);
	s->flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER;
	s->index = 0;
	s->start = 0;
	s->count = 1;
	memcpy(s->data, &d->efd, 4);
	SYS(lab_ioctl(d->fd, VFIO_DEVICE_SET_IRQS, s));
	return 0;
}

static int do_close(int argc, char **argv)
{
	u64 v;
	if (argc == 3 && !strcmp(argv[2], "container")) {
		if (S.container < 0)
			FAIL(EBADF);
		SYS(lab_close(S.container));
		S.container = -1;
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "group") && num(argv[3], &v)) {
		struct vgroup *g = group((int)v);
		if (!g)
			FAIL(EBADF);
		SYS(lab_close(g->fd));
		g->fd = -1;
		return 0;
	}
	if (argc == 4 && !strcmp(argv[2], "device")) {
		struct vdev *d = dev(argv[3]);
		if (!d)
			FAIL(EBADF);
		if (d->efd >= 0)
			close(d->efd);
		SYS(lab_close(d->fd));
		d->fd = d->efd = -1;
		return 0;
	}
	FAIL(EINVAL);
}

static int run(int argc, char **argv, FILE *out)
{
	const char *sub = argv[1];
	u64 a, b, c;

	if (!strcmp(sub, "container") && argc == 2) {
		if (S.container >= 0)
			FAIL(EBUSY);
		SYS(S.container = lab_open("/dev/vfio/vfio", O_RDWR, 0));
		return 0;
	}
	if (!strcmp(sub, "close"))
		return do_close(argc, argv);
	if (!strcmp(sub, "group") && argc == 3 && num(argv[2], &a)) {
		if (group((int)a))
			FAIL(EBUSY);
		for (int i = 0; i < MAX_OBJS; i++) {
			if (S.groups[i].fd >= 0)
				continue;
			char path[64];
			snprintf(path, sizeof(path), "/dev/vfio/%llu", (unsigned long long)a);
			SYS(S.groups[i].fd = lab_open(path, O_RDWR, 0));
			S.groups[i].id = (int)a;
			return 0;
		}
		FAIL(EMFILE);
	}
	if ((!strcmp(sub, "status") || !strcmp(sub, "set-container") ||
	     !strcmp(sub, "unset-container")) && argc == 3 && num(argv[2], &a)) {
		if (!strcmp(sub, "status"))
			return do_status((int)a, out);
		struct vgroup *g = group((int)a);
		if (!g)
			FAIL(EBADF);
		if (!strcmp(sub, "set-container"))
			SYS(lab_ioctl(g->fd, VFIO_GROUP_SET_CONTAINER, &S.container));
		else
			SYS(lab_ioctl(g->fd, VFIO_GROUP_UNSET_CONTAINER, NULL));
		return 0;
	}
	if ((!strcmp(sub, "set-iommu") || !strcmp(sub, "extension")) && argc == 3) {
		if (!strcmp(argv[2], "type1"))
			a = VFIO_TYPE1_IOMMU;
		else if (!strcmp(argv[2], "type1v2"))
			a = VFIO_TYPE1v2_IOMMU;
		else if (!strcmp(argv[2], "unmap-all"))
			a = VFIO_UNMAP_ALL;
		else if (!num(argv[2], &a))
			FAIL(EINVAL);
		int r = lab_ioctl(S.container, !strcmp(sub, "set-iommu") ? VFIO_SET_IOMMU
							   : VFIO_CHECK_EXTENSION, (void *)(uintptr_t)a);
		SYS(r);
		if (!strcmp(sub, "extension"))
			fprintf(out, "%d\n", r);
		return 0;
	}
	if (!strcmp(sub, "info") && argc == 2)
		return do_info(out);
	if (!strcmp(sub, "map") && (argc == 4 || argc == 5) && num(argv[2], &a) && num(argv[3], &b))
		return do_map(a, b, argc == 5 ? argv[4] : NULL);
	if (!strcmp(sub, "unmap"))
		return do_unmap(argc, argv, out);
	if (!strcmp(sub, "device") && argc == 3)
		return do_device(argv[2]);
	if ((!strcmp(sub, "fill") || !strcmp(sub, "check")) && argc == 5 && num(argv[2], &a) &&
	    num(argv[3], &b) && num(argv[4], &c) && c <= 0xff) {
		u8 *p = buf_at(a, b);
		if (!p)
			FAIL(EFAULT);
		if (!strcmp(sub, "fill")) {
			memset(p, (int)c, b);
			return 0;
		}
		for (u64 i = 0; i < b; i++) {
			if (p[i] != c) {
				fprintf(out, "mismatch at iova 0x%llx: 0x%02x\n",
					(unsigned long long)(a + i), p[i]);
				FAIL(EIO);
			}
		}
		fprintf(out, "ok\n");
		return 0;
	}
	/* Device subcommands: SUB NAME [...] */
	if (argc < 3)
		FAIL(EINVAL);
	struct vdev *d = dev(argv[2]);
	if (!d)
		FAIL(EBADF);
	if (!strcmp(sub, "write") && argc == 5 && num(argv[3], &a) && num(argv[4], &b)) {
		u32 v = (u32)b;
		SYS(lab_pwrite(d->fd, &v, 4, (off_t)a));
		return 0;
	}
	if (!strcmp(sub, "read") && argc == 4 && num(argv[3], &a)) {
		u32 v = 0;
		SYS(lab_pread(d->fd, &v, 4, (off_t)a));
		fprintf(out, "0x%08x\n", v);
		return 0;
	}
	if (!strcmp(sub, "regions") && argc == 3) {
		struct vfio_device_info di = { .argsz = sizeof(di) };
		SYS(lab_ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di));
		for (u32 i = 0; i < di.num_regions; i++) {
			struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
			/* An index a device does not have (vfio-pci's VGA): say so, go on. */
			if (lab_ioctl(d->fd, VFIO_DEVICE_GET_REGION_INFO, &ri)) {
				fprintf(out, "region %u: %s\n", i, strerror(errno));
				continue;
			}
			fprintf(out, "region %u: size 0x%llx offset 0x%llx flags 0x%x\n", i,
				(unsigned long long)ri.size, (unsigned long long)ri.offset, ri.flags);
		}
		return 0;
	}
	if (!strcmp(sub, "irqs") && argc == 3) {
		struct vfio_device_info di = { .argsz = sizeof(di) };
		SYS(lab_ioctl(d->fd, VFIO_DEVICE_GET_INFO, &di));
		for (u32 i = 0; i < di.num_irqs; i++) {
			struct vfio_irq_info ii = { .argsz = sizeof(ii), .index = i };
			if (lab_ioctl(d->fd, VFIO_DEVICE_GET_IRQ_INFO, &ii)) {
				fprintf(out, "irq %u: %s\n", i, strerror(errno));
				continue;
			}
			fprintf(out, "irq %u: count %u flags 0x%x\n", i, ii.count, ii.flags);
		}
		return 0;
	}
	if (!strcmp(sub, "irq") && argc == 3)
		return do_irq(d);
	if (!strcmp(sub, "irq-count") && argc == 3) {
		u64 n = 0;
		/* A raw read: counting is not waiting (no time passes). */
		if (d->efd >= 0 && syscall(SYS_read, d->efd, &n, 8) != 8)
			n = 0;
		fprintf(out, "%llu\n", (unsigned long long)n);
		return 0;
	}
	if (!strcmp(sub, "wait") && (argc == 3 || argc == 4)) {
		u64 ms = 1000;
		if (d->efd < 0 || (argc == 4 && (!num(argv[3], &ms) || ms > 0x7fffffff)))
			FAIL(EINVAL);
		struct pollfd p = { .fd = d->efd, .events = POLLIN };
		if (lab_irq_wait(&p, 1, (int)ms) != 1)
			FAIL(ETIMEDOUT);
		return 0;
	}
	if (!strcmp(sub, "mask") && argc == 3)
		return irq_none(d, VFIO_IRQ_SET_ACTION_MASK);
	if (!strcmp(sub, "unmask") && argc == 3)
		return irq_none(d, VFIO_IRQ_SET_ACTION_UNMASK);
	if (!strcmp(sub, "trigger") && argc == 3)
		return irq_none(d, VFIO_IRQ_SET_ACTION_TRIGGER);
	if (!strcmp(sub, "reset") && argc == 3) {
		SYS(lab_ioctl(d->fd, VFIO_DEVICE_RESET, NULL));
		return 0;
	}
	FAIL(EINVAL);
}

/*
 * Runs `vfio ARGS...` (argv[0] is "vfio"). Returns 0 or -errno; on -EINVAL
 * from bad usage @msg holds the usage line.
 */
int lab_vfio_command(int argc, char **argv, FILE *out, char *msg, size_t msglen)
{
	init();
	if (msg && msglen)
		msg[0] = 0;
	if (argc < 2) {
		if (msg)
			snprintf(msg, msglen, "usage: vfio container|group|status|set-container|"
				 "unset-container|set-iommu|extension|info|map|unmap|device|regions|"
				 "irqs|read|write|irq|irq-count|wait|mask|unmask|trigger|reset|fill|check|"
				 "close ...");
		return -EINVAL;
	}
	return run(argc, argv, out);
}
