/*
 * A VFIO program that drives the dma-copy engine through an mmap of its
 * registers (docs/uapi.md "Region mmap"), run unmodified under `iommulab
 * preload` and under `iommulab exec` in a session (vfio-mmap.sh):
 *   copy DEV    map the region, program a copy through the mapping, take
 *               the interrupt in an epoll loop, check the bytes; the
 *               mapping outlives close(fd); MAP_DMA of the mapping reaches
 *               the registers (the engine DMAs its own ID); an `add` to a
 *               register is SIGBUS
 *   errors DEV  mmap's refusals (EINVAL) and nothing mapped after them
 *   bench DEV   ns per trapped 32-bit load through the mapping beside a
 *               pread of the same register (printed, not asserted)
 *   posted DEV  in a session (stores are posted, docs/sessions.md): a load
 *               after many stores sees the last, a load after each store
 *               sees it, a pread through the fd after a store sees it, a
 *               copy programmed by stores completes; stores did not wait
 *               for the server (voluntary context switches: far fewer than
 *               for as many loads)
 *   posted-kill DEV  programs a copy and a stream of stores, then is
 *               killed (SIGKILL) with them still in flight
 *   memoff BDF  a PCI function's BAR0 (the NVMe): a store after Memory
 *               Space is turned off in Command is SIGBUS, however many
 *               stores were posted before; on again, stores land
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <linux/vfio.h>

#define REG_ID 0x000
#define REG_SRC_LO 0x008
#define REG_DST_LO 0x010
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024
#define ID_VALUE 0x444d4143u
#define IOVA 0x100000ull
#define P2P_IOVA 0x200000ull

struct lab {
	int container, group, dev, efd;
	uint64_t off, size;
	uint32_t flags;
};

static void die(const char *what)
{
	fprintf(stderr, "vfio-mmap-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void claim(const char *name, struct lab *l)
{
	char link[512], target[512], path[600];
	snprintf(link, sizeof(link), "/sys/bus/%s/devices/%s/iommu_group",
		 strchr(name, ':') ? "pci" : "platform", name);
	ssize_t n = readlink(link, target, sizeof(target) - 1);
	if (n < 0)
		die(link);
	target[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(target, '/') + 1);
	l->container = open("/dev/vfio/vfio", O_RDWR);
	l->group = open(path, O_RDWR);
	if (l->container < 0 || l->group < 0)
		die("open /dev/vfio");
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
	l->off = reg.offset;
	l->size = reg.size;
	l->flags = reg.flags;
}

static volatile uint32_t *map_regs(struct lab *l)
{
	if (!(l->flags & VFIO_REGION_INFO_FLAG_MMAP)) {
		fprintf(stderr, "vfio-mmap-client: region 0 has no MMAP flag\n");
		exit(1);
	}
	void *p = mmap(NULL, l->size, PROT_READ | PROT_WRITE, MAP_SHARED, l->dev, (off_t)l->off);
	if (p == MAP_FAILED)
		die("mmap of region 0");
	return p;
}

static void irq_eventfd(struct lab *l)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *irq = (void *)buf;
	l->efd = eventfd(0, EFD_CLOEXEC);
	*irq = (struct vfio_irq_set){ .argsz = sizeof(buf), .index = 0, .count = 1,
		.flags = VFIO_IRQ_SET_DATA_EVENTFD | VFIO_IRQ_SET_ACTION_TRIGGER };
	memcpy(irq->data, &l->efd, sizeof(l->efd));
	if (l->efd < 0 || ioctl(l->dev, VFIO_DEVICE_SET_IRQS, irq))
		die("VFIO_DEVICE_SET_IRQS");
}

static sigjmp_buf jump;
static volatile sig_atomic_t bus_code;

static void on_sigbus(int sig, siginfo_t *si, void *uc)
{
	bus_code = si->si_code;
	siglongjmp(jump, 1);
}

static int copy(const char *name)
{
	struct lab l;
	claim(name, &l);
	volatile uint32_t *r = map_regs(&l);
	if (r[REG_ID / 4] != ID_VALUE) {
		fprintf(stderr, "vfio-mmap-client: ID reads %#x\n", r[REG_ID / 4]);
		return 1;
	}
	irq_eventfd(&l);
	uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .vaddr = (uintptr_t)buf,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, .iova = IOVA, .size = 8192 };
	if (ioctl(l.container, VFIO_IOMMU_MAP_DMA, &m))
		die("VFIO_IOMMU_MAP_DMA");

	/* The device fd can go: the mapping holds the device. */
	close(l.dev);
	*(volatile uint64_t *)&r[REG_SRC_LO / 4] = IOVA;
	*(volatile uint64_t *)&r[REG_DST_LO / 4] = IOVA + 4096;
	r[REG_LEN / 4] = 4096;
	r[REG_CTRL / 4] = 3;	/* IRQ_EN | START */

	int ep = epoll_create1(EPOLL_CLOEXEC);
	struct epoll_event ev = { .events = EPOLLIN, .data.fd = l.efd }, out;
	uint64_t count;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, l.efd, &ev))
		die("epoll");
	if (epoll_wait(ep, &out, 1, 10000) != 1 || read(l.efd, &count, 8) != 8) {
		fprintf(stderr, "vfio-mmap-client: no interrupt\n");
		return 1;
	}
	uint32_t status = r[REG_STATUS / 4];
	if ((status & 7) != 2 || memcmp(buf, buf + 4096, 4096)) {
		fprintf(stderr, "vfio-mmap-client: status %#x, copy %s\n", status,
			memcmp(buf, buf + 4096, 4096) ? "wrong" : "ok");
		return 1;
	}
	r[REG_STATUS / 4] = 2;
	printf("copy through the mapping: ok (interrupt taken, 4096 bytes checked)\n");

	/*
	 * MAP_DMA of the mapping itself (as QEMU maps a ram_device region):
	 * the IOVA reaches the engine's registers, so it reads its own ID.
	 */
	struct vfio_iommu_type1_dma_map p2p = { .argsz = sizeof(p2p), .vaddr = (uintptr_t)r,
		.flags = VFIO_DMA_MAP_FLAG_READ, .iova = P2P_IOVA, .size = l.size };
	if (ioctl(l.container, VFIO_IOMMU_MAP_DMA, &p2p))
		die("VFIO_IOMMU_MAP_DMA of the mapping");
	memset(buf + 4096, 0, 8);
	*(volatile uint64_t *)&r[REG_SRC_LO / 4] = P2P_IOVA + REG_ID;
	*(volatile uint64_t *)&r[REG_DST_LO / 4] = IOVA + 4096;
	r[REG_LEN / 4] = 8;
	r[REG_CTRL / 4] = 1;	/* START, no interrupt: each load lets time pass */
	for (int i = 0; i < 100000 && (r[REG_STATUS / 4] & 1); i++)
		;
	uint32_t id;
	memcpy(&id, buf + 4096, 4);
	printf("DMA from the mapped registers: status %#x, ID %#x\n", r[REG_STATUS / 4] & 7, id);
	r[REG_STATUS / 4] = 2;
	if (id != ID_VALUE)
		return 1;

	/* What the trap cannot emulate is SIGBUS, as a bad MMIO access. */
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	if (!sigsetjmp(jump, 1))
		__asm__ volatile("addl $1, 0x18(%0)" : : "r"(r) : "memory");
	printf("add to a register: SIGBUS %s\n", bus_code == BUS_ADRERR ? "BUS_ADRERR" : "?");
	if (munmap((void *)r, l.size))
		die("munmap");
	return bus_code == BUS_ADRERR ? 0 : 1;
}

static void expect_einval(void *p, const char *what)
{
	if (p != MAP_FAILED || errno != EINVAL) {
		fprintf(stderr, "vfio-mmap-client: %s: %s, expected EINVAL\n", what,
			p == MAP_FAILED ? strerror(errno) : "mapped");
		exit(1);
	}
	printf("%s: EINVAL\n", what);
}

static int errors(const char *name)
{
	struct lab l;
	const int rw = PROT_READ | PROT_WRITE;
	claim(name, &l);
	expect_einval(mmap(NULL, 4096, rw, MAP_PRIVATE, l.dev, 0), "MAP_PRIVATE");
	expect_einval(mmap(NULL, 8192, rw, MAP_SHARED, l.dev, 0), "past the region");
	expect_einval(mmap(NULL, 4096, rw, MAP_SHARED, l.dev, 1ll << 40), "region 1");
	expect_einval(mmap(NULL, 4096, rw, MAP_SHARED, l.dev, 8), "offset not page aligned");
	return 0;
}

static double now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int bench(const char *name)
{
	struct lab l;
	const int n = 20000;
	uint32_t v, sum = 0;
	claim(name, &l);
	volatile uint32_t *r = map_regs(&l);
	double t0 = now_ns();
	for (int i = 0; i < n; i++)
		sum += r[REG_ID / 4];
	double t1 = now_ns();
	for (int i = 0; i < n; i++) {
		if (pread(l.dev, &v, 4, (off_t)l.off + REG_ID) != 4)
			die("pread");
		sum += v;
	}
	double t2 = now_ns();
	for (int i = 0; i < n; i++)
		r[REG_LEN / 4] = (uint32_t)i;
	double t3 = now_ns();
	if (sum != 2u * n * ID_VALUE)
		return 1;
	printf("bench: trapped 32-bit load %.0f ns, store %.0f ns; pread of the register %.0f ns\n",
	       (t1 - t0) / n, (t3 - t2) / n, (t2 - t1) / n);
	return 0;
}

static long voluntary_switches(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_nvcsw;
}

static int check(bool ok, const char *what)
{
	printf("%s: %s\n", what, ok ? "ok" : "FAILED");
	return ok ? 0 : 1;
}

/* A copy of 4096 bytes at IOVA to IOVA + 4096, programmed by stores only. */
static uint8_t *start_copy(struct lab *l, volatile uint32_t *r)
{
	uint8_t *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	for (int i = 0; i < 4096; i++)
		buf[i] = (uint8_t)(i * 7 + 1);
	struct vfio_iommu_type1_dma_map m = { .argsz = sizeof(m), .vaddr = (uintptr_t)buf,
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE, .iova = IOVA, .size = 8192 };
	if (ioctl(l->container, VFIO_IOMMU_MAP_DMA, &m))
		die("VFIO_IOMMU_MAP_DMA");
	*(volatile uint64_t *)&r[REG_SRC_LO / 4] = IOVA;
	*(volatile uint64_t *)&r[REG_DST_LO / 4] = IOVA + 4096;
	r[REG_LEN / 4] = 4096;
	r[REG_CTRL / 4] = 3;	/* IRQ_EN | START */
	return buf;
}

static int posted(const char *name)
{
	struct lab l;
	int bad = 0;
	const int n = 100;
	claim(name, &l);
	volatile uint32_t *r = map_regs(&l);
	irq_eventfd(&l);

	for (uint32_t i = 0; i < 2000; i++)
		r[REG_LEN / 4] = i;
	bad |= check(r[REG_LEN / 4] == 1999, "2000 stores then a load: the last store");
	bool each = true;
	for (uint32_t i = 0; i < n; i++) {
		r[REG_LEN / 4] = 0x1000 + i;
		each &= r[REG_LEN / 4] == 0x1000 + i;
	}
	bad |= check(each, "a load after each store sees it");
	uint32_t v = 0;
	r[REG_LEN / 4] = 0xabc0;
	bad |= check(pread(l.dev, &v, 4, (off_t)l.off + REG_LEN) == 4 && v == 0xabc0,
		     "a pread through the fd after a store sees it");

	uint8_t *buf = start_copy(&l, r);
	uint64_t count;
	struct pollfd p = { .fd = l.efd, .events = POLLIN };
	bool done = poll(&p, 1, 10000) == 1 && read(l.efd, &count, 8) == 8 &&
		    (r[REG_STATUS / 4] & 7) == 2 && !memcmp(buf, buf + 4096, 4096);
	r[REG_STATUS / 4] = 2;
	bad |= check(done, "a copy programmed by stores completes");

	/* A load waits for the server's answer; a posted store does not. */
	(void)r[REG_LEN / 4];
	long s0 = voluntary_switches();
	for (uint32_t i = 0; i < (uint32_t)n; i++)
		r[REG_LEN / 4] = i;
	long s1 = voluntary_switches();
	uint32_t sum = 0;
	for (int i = 0; i < n; i++)
		sum += r[REG_ID / 4];
	long s2 = voluntary_switches();
	/*
	 * A store that waited would sleep for its answer (a voluntary switch
	 * each, on an idle machine); the loads' count is the yardstick, but on
	 * a busy machine a load can find its answer there without sleeping, so
	 * the bound is on the stores alone.
	 */
	bad |= check(sum == n * ID_VALUE && (s1 - s0) * 4 < n,
		     "stores did not wait for the server");
	if ((s1 - s0) * 4 >= n)
		fprintf(stderr, "voluntary switches: %ld in %d stores, %ld in %d loads\n",
			s1 - s0, n, s2 - s1, n);
	return bad;
}

static int posted_kill(const char *name)
{
	struct lab l;
	claim(name, &l);
	volatile uint32_t *r = map_regs(&l);
	irq_eventfd(&l);
	(void)r[REG_ID / 4];
	start_copy(&l, r);
	for (uint32_t i = 0; i < 1000; i++)
		r[REG_STATUS / 4] = 0;
	kill(getpid(), SIGKILL);
	return 1;
}

#define NVME_AQA 0x24

static uint16_t command(struct lab *l, int set)
{
	struct vfio_region_info cfg = { .argsz = sizeof(cfg),
					.index = VFIO_PCI_CONFIG_REGION_INDEX };
	uint16_t cmd;
	if (ioctl(l->dev, VFIO_DEVICE_GET_REGION_INFO, &cfg) ||
	    pread(l->dev, &cmd, 2, (off_t)cfg.offset + 4) != 2)
		die("Command");
	if (set >= 0) {
		cmd = set ? cmd | 2 : cmd & ~2;	/* PCI_COMMAND_MEMORY */
		if (pwrite(l->dev, &cmd, 2, (off_t)cfg.offset + 4) != 2)
			die("Command write");
	}
	return cmd;
}

static int memoff(const char *name)
{
	struct lab l;
	int bad = 0;
	claim(name, &l);
	command(&l, 1);
	volatile uint32_t *r = map_regs(&l);
	for (uint32_t i = 0; i < 100; i++)
		r[NVME_AQA / 4] = i;
	bad |= check(r[NVME_AQA / 4] == 99, "stores with Memory Space on land");
	for (uint32_t i = 0; i < 100; i++)
		r[NVME_AQA / 4] = i;
	command(&l, 0);
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGBUS, &sa, NULL);
	bus_code = 0;
	if (!sigsetjmp(jump, 1))
		r[NVME_AQA / 4] = 0x5a5a;
	bad |= check(bus_code == BUS_ADRERR, "a store with Memory Space off is SIGBUS");
	command(&l, 1);
	r[NVME_AQA / 4] = 0x1f001f;
	r[NVME_AQA / 4] = 0x0f000f;
	bad |= check(r[NVME_AQA / 4] == 0x0f000f, "on again: stores land");
	return bad;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "copy"))
		return copy(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "errors"))
		return errors(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "bench"))
		return bench(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "posted"))
		return posted(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "posted-kill"))
		return posted_kill(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "memoff"))
		return memoff(argv[2]);
	fprintf(stderr, "usage: vfio-mmap-client copy|errors|bench|posted|posted-kill|memoff DEVICE\n");
	return 2;
}
