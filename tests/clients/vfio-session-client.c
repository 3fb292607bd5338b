/*
 * vfio-session-client: a VFIO program that ends badly, for the session
 * tests (tests/clients/vfio-session.sh). Plain <linux/vfio.h> code, run
 * under `iommulab exec` (the shim forwards /dev/vfio to the server):
 *
 *   vfio-session-client kill DEVICE   claims the device's group, maps a
 *       buffer, registers an eventfd, starts a long copy and is killed
 *       (SIGKILL) while the DMA is in flight;
 *   vfio-session-client leak DEVICE   the same, waits for the copy's
 *       interrupt in its own epoll loop, checks the bytes landed in its
 *       buffer, then exits without closing a descriptor or unmapping;
 *   vfio-session-client map SIZE_MIB DEVICE  maps one buffer of SIZE_MIB
 *       MiB (MAP_DMA), copies its last 4 KiB to its first by the device,
 *       checks it; the buffer is never touched but there;
 *   vfio-session-client shared DEVICE  maps a memfd (as QEMU's
 *       memory-backend-memfd) and shared anonymous memory, MAP_DMAs both,
 *       has the device copy from one into the other and back, and checks
 *       the bytes, also through a second mapping of the memfd and in a
 *       fork()ed child that shares the anonymous memory;
 *   vfio-session-client fork DEVICE  claims the group and forks: the child
 *       runs a copy through its inherited descriptors after the parent
 *       closed its device fd, then closes them all; the parent's stay open
 *       (a second copy), and after its own last close the group is free
 *       to claim again;
 *   vfio-session-client daemon DEVICE  claims the group and daemonizes
 *       as a daemon does (fork, the middle process exits at once): the
 *       grandchild runs a copy through the descriptors it inherited after
 *       the process that forked it is gone;
 *   vfio-session-client bench DEVICE  prints the cost of a forwarded
 *       ioctl, of a device interrupt reaching the eventfd, of MAP_DMA +
 *       UNMAP_DMA of one 4 KiB page, and a 1 MiB device copy into the
 *       mapped buffer against memcpy (printed, not asserted).
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <linux/vfio.h>

#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define CTRL_START 0x1
#define CTRL_IRQ_EN 0x2
#define STATUS_DONE 0x2

#define IOVA 0x100000ull

static void die(const char *what)
{
	fprintf(stderr, "vfio-session-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void reg_write(int dev, uint64_t base, uint32_t off, uint32_t val)
{
	if (pwrite(dev, &val, sizeof(val), base + off) != sizeof(val))
		die("region write");
}

static uint32_t reg_read(int dev, uint64_t base, uint32_t off)
{
	uint32_t val;
	if (pread(dev, &val, sizeof(val), base + off) != sizeof(val))
		die("region read");
	return val;
}

struct lab {
	int container, group, dev, efd;
	uint64_t regs;
};

static void set_trigger(struct lab *l);

static void claim(const char *name, struct lab *l)
{
	char link[512], target[512], path[600];
	snprintf(link, sizeof(link), "/sys/bus/platform/devices/%s/iommu_group", name);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die(link);
	target[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(target, '/') + 1);
	l->container = open("/dev/vfio/vfio", O_RDWR);
	l->group = open(path, O_RDWR);
	if (l->container < 0 || l->group < 0)
		die("open /dev/vfio");
	struct vfio_group_status st = { .argsz = sizeof(st) };
	if (ioctl(l->group, VFIO_GROUP_GET_STATUS, &st) || !(st.flags & VFIO_GROUP_FLAGS_VIABLE))
		die("group not viable");
	if (ioctl(l->group, VFIO_GROUP_SET_CONTAINER, &l->container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(l->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	l->dev = ioctl(l->group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (l->dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	if (ioctl(l->dev, VFIO_DEVICE_GET_REGION_INFO, &reg))
		die("VFIO_DEVICE_GET_REGION_INFO");
	l->regs = reg.offset;
	l->efd = eventfd(0, EFD_CLOEXEC);
	set_trigger(l);
}

/* The copy engine's interrupt signals l->efd. */
static void set_trigger(struct lab *l)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *irq = (void *)buf;
	*irq = (struct vfio_irq_set){ .argsz = sizeof(buf), .index = 0, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	memcpy(irq->data, &l->efd, sizeof(l->efd));
	if (l->efd < 0 || ioctl(l->dev, VFIO_DEVICE_SET_IRQS, irq))
		die("VFIO_DEVICE_SET_IRQS");
}

static uint8_t *map(struct lab *l, uint64_t iova, size_t size)
{
	uint8_t *buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
			    MAP_NORESERVE, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .vaddr = (uintptr_t)buf,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = iova, .size = size };
	if (ioctl(l->container, VFIO_IOMMU_MAP_DMA, &m))
		die("VFIO_IOMMU_MAP_DMA");
	return buf;
}

static void start_copy(struct lab *l, uint64_t src, uint64_t dst, uint32_t len)
{
	reg_write(l->dev, l->regs, REG_SRC_LO, (uint32_t)src);
	reg_write(l->dev, l->regs, REG_SRC_HI, (uint32_t)(src >> 32));
	reg_write(l->dev, l->regs, REG_DST_LO, (uint32_t)dst);
	reg_write(l->dev, l->regs, REG_DST_HI, (uint32_t)(dst >> 32));
	reg_write(l->dev, l->regs, REG_LEN, len);
	reg_write(l->dev, l->regs, REG_CTRL, CTRL_IRQ_EN | CTRL_START);
}

/* The interrupt, in this program's own epoll loop: nothing interposes it. */
static void wait_irq(struct lab *l)
{
	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l->efd }, out;
	uint64_t count;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l->efd, &ev))
		die("epoll");
	if (epoll_wait(ep, &out, 1, 10000) != 1 || out.data.fd != l->efd) {
		fprintf(stderr, "vfio-session-client: no interrupt\n");
		exit(1);
	}
	if (read(l->efd, &count, sizeof(count)) != sizeof(count) || count != 1)
		die("eventfd read");
	if (!(reg_read(l->dev, l->regs, REG_STATUS) & STATUS_DONE)) {
		fprintf(stderr, "vfio-session-client: copy not done\n");
		exit(1);
	}
}

static void check(const uint8_t *a, const uint8_t *b, size_t n, const char *what)
{
	if (memcmp(a, b, n)) {
		fprintf(stderr, "vfio-session-client: %s: the copy did not land\n", what);
		exit(1);
	}
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static void unmask(struct lab *l)
{
	struct vfio_irq_set u = { .argsz = sizeof(u), .index = 0, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_NONE | VFIO_IRQ_SET_ACTION_UNMASK };
	reg_write(l->dev, l->regs, REG_STATUS, STATUS_DONE);
	if (ioctl(l->dev, VFIO_DEVICE_SET_IRQS, &u))
		die("unmask");
}

static int bench(const char *name)
{
	struct lab l;
	const int n = 2000;
	claim(name, &l);
	double t = now_ns();
	for (int i = 0; i < n; i++)
		if (ioctl(l.container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) != 1)
			die("CHECK_EXTENSION");
	printf("bench: ioctl (CHECK_EXTENSION): %.2f us\n", (now_ns() - t) / n / 1e3);

	uint8_t *page = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .vaddr = (uintptr_t)page,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = 1ull << 32, .size = 4096 };
	struct vfio_iommu_type1_dma_unmap um = { .argsz = sizeof(um), .iova = 1ull << 32,
		.size = 4096 };
	if (page == MAP_FAILED)
		die("mmap");
	double tm = 0, tu = 0;
	for (int i = 0; i < n / 4; i++) {
		t = now_ns();
		if (ioctl(l.container, VFIO_IOMMU_MAP_DMA, &m))
			die("MAP_DMA");
		double t2 = now_ns();
		if (ioctl(l.container, VFIO_IOMMU_UNMAP_DMA, &um))
			die("UNMAP_DMA");
		tm += t2 - t;
		tu += now_ns() - t2;
	}
	printf("bench: MAP_DMA 4 KiB: %.2f us, UNMAP_DMA: %.2f us\n", tm / (n / 4) / 1e3,
	       tu / (n / 4) / 1e3);

	const size_t len = 1 << 20;
	uint8_t *buf = map(&l, IOVA, 2 * len);
	memset(buf, 0x3c, len);
	t = now_ns();
	const int irqs = 200;
	for (int i = 0; i < irqs; i++) {
		start_copy(&l, IOVA, IOVA + 64, 64);
		wait_irq(&l);
		unmask(&l);
	}
	printf("bench: 64-byte copy, start to interrupt in epoll, then unmask: %.2f us\n",
	       (now_ns() - t) / irqs / 1e3);
	double tc = 0, tmc = 0;
	for (int i = 0; i < 20; i++) {
		t = now_ns();
		start_copy(&l, IOVA, IOVA + len, (uint32_t)len);
		wait_irq(&l);
		tc += now_ns() - t;
		unmask(&l);
		t = now_ns();
		memcpy(buf + len, buf, len);
		tmc += now_ns() - t;
	}
	check(buf, buf + len, len, "bench");
	printf("bench: 1 MiB device copy into the mapped buffer: %.0f MB/s, memcpy %.0f MB/s (%.2fx)\n",
	       20.0 * len / tc * 1e3, 20.0 * len / tmc * 1e3, tmc / tc);
	return 0;
}

static uint8_t *map_at(struct lab *l, uint8_t *buf, uint64_t iova, size_t size)
{
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .vaddr = (uintptr_t)buf,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.iova = iova, .size = size };
	if (buf == MAP_FAILED)
		die("mmap");
	if (ioctl(l->container, VFIO_IOMMU_MAP_DMA, &m))
		die("VFIO_IOMMU_MAP_DMA");
	return buf;
}

static void fill(uint8_t *p, size_t n, unsigned seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(i * seed + (i >> 12) + 1);
}

/* The device copies @len bytes from @src to @dst (IOVAs) and says it is done. */
static void copy(struct lab *l, uint64_t src, uint64_t dst, uint32_t len)
{
	start_copy(l, src, dst, len);
	wait_irq(l);
	unmask(l);
}

static int shared(const char *name)
{
	const size_t ram = 2 << 20, anon = 64 << 10;
	const uint64_t iova_ram = 1ull << 32, iova_anon = 2ull << 32;
	struct lab l;

	claim(name, &l);
	int mfd = memfd_create("guest-ram", MFD_CLOEXEC);
	if (mfd < 0 || ftruncate(mfd, ram))
		die("memfd");
	uint8_t *g = map_at(&l, mmap(NULL, ram, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0),
			    iova_ram, ram);
	uint8_t *a = map_at(&l, mmap(NULL, anon, PROT_READ | PROT_WRITE,
				     MAP_SHARED | MAP_ANONYMOUS, -1, 0), iova_anon, anon);
	fill(g, anon, 7);
	copy(&l, iova_ram, iova_anon, anon);
	check(g, a, anon, "memfd to shared anonymous");
	fill(a, anon / 2, 13);
	copy(&l, iova_anon, iova_ram + ram - anon / 2, anon / 2);
	check(a, g + ram - anon / 2, anon / 2, "shared anonymous to memfd");
	/* The DMA wrote the memfd's own pages: another mapping of them sees it. */
	uint8_t *again = mmap(NULL, ram, PROT_READ, MAP_SHARED, mfd, 0);
	if (again == MAP_FAILED)
		die("mmap again");
	check(a, again + ram - anon / 2, anon / 2, "the memfd's pages");
	/* Shared anonymous memory stays shared with a child, as on Linux. */
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		fill(a, anon, 29);
		_exit(0);
	}
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st))
		die("child");
	copy(&l, iova_anon, iova_ram, anon);
	check(a, g, anon, "what the child wrote, copied by the device");
	uint8_t want[64];
	fill(want, sizeof(want), 29);
	check(want, g, sizeof(want), "the child's bytes");
	printf("shared: memfd and shared anonymous memory mapped, the copies landed\n");
	return 0;
}

static int forked(const char *name)
{
	const size_t sz = 64 << 10;
	struct lab l;
	int go[2];

	claim(name, &l);
	uint8_t *buf = map(&l, IOVA, sz);
	fill(buf, sz / 2, 11);
	if (pipe(go))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char c;
		/* The parent has closed its device fd: this process's is still open. */
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		copy(&l, IOVA, IOVA + sz / 2, sz / 4);
		if (close(l.dev) || close(l.group) || close(l.container))
			_exit(4);
		_exit(0);
	}
	if (close(l.dev))
		die("close device");
	if (write(go[1], "g", 1) != 1)
		die("pipe write");
	int st;
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st)) {
		fprintf(stderr, "vfio-session-client: child status %#x\n", st);
		exit(1);
	}
	/* The child's DMA landed in the pinned pages: this process's. */
	check(buf, buf + sz / 2, sz / 4, "the child's copy");
	/* The child's closes left this process's container and group open. */
	l.dev = ioctl(l.group, VFIO_GROUP_GET_DEVICE_FD, name);
	if (l.dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD after the child");
	/* The device's last close (the child's) tore its interrupts down, as on Linux. */
	set_trigger(&l);
	copy(&l, IOVA + sz / 4, IOVA + sz / 2 + sz / 4, sz / 4);
	check(buf + sz / 4, buf + sz / 2 + sz / 4, sz / 4, "the parent's copy");
	/* The last close releases: the group is free for a new container. */
	close(l.efd);
	if (close(l.dev) || close(l.group) || close(l.container))
		die("close");
	claim(name, &l);
	printf("fork: the child's inherited descriptors worked, the parent's stayed open\n");
	return 0;
}

static int daemonized(const char *name)
{
	const size_t sz = 64 << 10;
	struct lab l;
	int res[2];

	claim(name, &l);
	uint8_t *buf = map(&l, IOVA, sz);
	fill(buf, sz / 2, 17);
	if (pipe(res))
		die("pipe");
	pid_t mid = fork();
	if (mid < 0)
		die("fork");
	if (mid == 0) {
		if (fork() != 0)
			_exit(0);	/* the middle process: gone at once */
		/* The grandchild, once its parent has exited. */
		while (getppid() == mid)
			usleep(1000);
		copy(&l, IOVA, IOVA + sz / 2, sz / 2);
		if (write(res[1], "y", 1) != 1)
			_exit(1);
		_exit(0);
	}
	close(res[1]);
	int st;
	char c = 0;
	if (waitpid(mid, &st, 0) != mid || read(res[0], &c, 1) != 1 || c != 'y') {
		fprintf(stderr, "vfio-session-client: the daemon's copy failed\n");
		exit(1);
	}
	check(buf, buf + sz / 2, sz / 2, "the daemon's copy");
	printf("daemon: the grandchild's inherited descriptors worked\n");
	return 0;
}

int main(int argc, char **argv)
{
	struct lab l;
	if (argc == 3 && !strcmp(argv[1], "kill")) {
		claim(argv[2], &l);
		uint8_t *buf = map(&l, IOVA, 4 << 20);
		memset(buf, 0x5a, 2 << 20);
		start_copy(&l, IOVA, IOVA + (2 << 20), 2 << 20);
		printf("killed mid-DMA\n");
		fflush(stdout);
		raise(SIGKILL);
	}
	if (argc == 3 && !strcmp(argv[1], "leak")) {
		claim(argv[2], &l);
		uint8_t *buf = map(&l, IOVA, 64 << 10);
		for (int i = 0; i < 32 << 10; i++)
			buf[i] = (uint8_t)(i * 13 + 1);
		start_copy(&l, IOVA, IOVA + (32 << 10), 32 << 10);
		wait_irq(&l);
		check(buf, buf + (32 << 10), 32 << 10, "leak");
		printf("copy landed in the program's buffer; exiting with every fd open\n");
		return 0;
	}
	if (argc == 4 && !strcmp(argv[1], "map")) {
		size_t size = (size_t)strtoull(argv[2], NULL, 0) << 20;
		claim(argv[3], &l);
		/* Above the MSI doorbell's reserved window: one range of any size. */
		uint64_t iova = 1ull << 32;
		uint8_t *buf = map(&l, iova, size);
		memset(buf + size - 4096, 0xa5, 4096);
		start_copy(&l, iova + size - 4096, iova, 4096);
		wait_irq(&l);
		check(buf, buf + size - 4096, 4096, "map");
		printf("mapped %zu MiB, copy landed\n", size >> 20);
		return 0;
	}
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return bench(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "shared"))
		return shared(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "fork"))
		return forked(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "daemon"))
		return daemonized(argv[2]);
	fprintf(stderr, "usage: vfio-session-client kill|leak|bench|shared|fork DEVICE | "
		"map SIZE_MIB DEVICE\n");
	return 2;
}
