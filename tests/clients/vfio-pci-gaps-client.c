/*
 * vfio-pci-gaps-client: what a session (and `iommulab preload`) must do as
 * Linux does for a vfio-pci program, one check per subcommand, on the
 * dma-copy engine's PCI face bound to vfio-pci
 * (examples/vfio-pci-dma-copy.setup):
 *
 *   ioeventfd BDF   a copy started by an ioeventfd on the CTRL register:
 *                   eventfd_write, then only a poll on the MSI-X eventfd
 *                   (nothing else reaches the device), the bytes checked
 *   exec BDF        the container, group and device opened without
 *                   O_CLOEXEC (the device's cleared with F_SETFD) and a
 *                   second container with it, then the
 *                   program execs itself ("exec-child"): the kept
 *                   descriptors are the same files there, the other closed
 *   api FD          VFIO_GET_API_VERSION on an inherited descriptor
 *   memfd           shared anonymous memory mapped and unmapped: the
 *                   session's memfd for it is gone with the munmap
 *   hotreset BDF    VFIO_DEVICE_GET_PCI_HOT_RESET_INFO's affected devices
 *   fork BDF        BAR0 mapped, then fork(): the parent unmaps it, the
 *                   child reads the ID and writes a register through its
 *                   inherited mapping (Linux: the child's own MAP_SHARED
 *                   mapping), the parent sees the write through pread
 */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <dirent.h>
#include <linux/pci_regs.h>
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
#define BUF_SIZE (64 * 1024)
#define IOVA 0x100000ull

struct vdev {
	int container, group, dev;
	uint64_t bar0, cfg;
};

static void die(const char *what)
{
	fprintf(stderr, "vfio-pci-gaps-client: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint64_t region_offset(int dev, unsigned index)
{
	struct vfio_region_info r = { .argsz = sizeof(r), .index = index };

	if (ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &r))
		die("VFIO_DEVICE_GET_REGION_INFO");
	return r.offset;
}

static void dev_open(const char *bdf, struct vdev *v)
{
	char link[300], buf[300], path[320];
	ssize_t n;

	snprintf(link, sizeof(link), "/sys/bus/pci/devices/%s/iommu_group", bdf);
	n = readlink(link, buf, sizeof(buf) - 1);
	if (n < 0)
		die(link);
	buf[n] = 0;
	snprintf(path, sizeof(path), "/dev/vfio/%s", strrchr(buf, '/') + 1);
	v->container = open("/dev/vfio/vfio", O_RDWR);
	if (v->container < 0)
		die("/dev/vfio/vfio");
	v->group = open(path, O_RDWR);
	if (v->group < 0)
		die(path);
	if (ioctl(v->group, VFIO_GROUP_SET_CONTAINER, &v->container))
		die("VFIO_GROUP_SET_CONTAINER");
	if (ioctl(v->container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
		die("VFIO_SET_IOMMU");
	v->dev = ioctl(v->group, VFIO_GROUP_GET_DEVICE_FD, bdf);
	if (v->dev < 0)
		die("VFIO_GROUP_GET_DEVICE_FD");
	v->bar0 = region_offset(v->dev, VFIO_PCI_BAR0_REGION_INDEX);
	v->cfg = region_offset(v->dev, VFIO_PCI_CONFIG_REGION_INDEX);
}

static void reg_write(struct vdev *v, uint32_t off, uint32_t val)
{
	if (pwrite(v->dev, &val, 4, (off_t)(v->bar0 + off)) != 4)
		die("BAR0 write");
}

static void msix_vector0(struct vdev *v, int efd)
{
	char buf[sizeof(struct vfio_irq_set) + sizeof(int32_t)];
	struct vfio_irq_set *set = (void *)buf;

	*set = (struct vfio_irq_set){ .argsz = sizeof(buf), .index = VFIO_PCI_MSIX_IRQ_INDEX,
				      .flags = VFIO_IRQ_SET_DATA_EVENTFD |
					       VFIO_IRQ_SET_ACTION_TRIGGER,
				      .count = 1 };
	memcpy(set->data, &efd, sizeof(efd));
	if (ioctl(v->dev, VFIO_DEVICE_SET_IRQS, set))
		die("VFIO_DEVICE_SET_IRQS");
}

static int do_ioeventfd(const char *bdf)
{
	struct vdev v;
	uint16_t cmd = PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER;
	uint64_t count;

	dev_open(bdf, &v);
	if (pwrite(v.dev, &cmd, 2, (off_t)(v.cfg + PCI_COMMAND)) != 2)
		die("config write");
	uint8_t *buf = mmap(NULL, BUF_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die("mmap");
	struct vfio_iommu_type1_dma_map map = {
		.argsz = sizeof(map), .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf, .iova = IOVA, .size = BUF_SIZE,
	};
	if (ioctl(v.container, VFIO_IOMMU_MAP_DMA, &map))
		die("VFIO_IOMMU_MAP_DMA");
	for (int i = 0; i < BUF_SIZE / 2; i++)
		buf[i] = (uint8_t)(i * 13 + 5);
	int irq = eventfd(0, EFD_CLOEXEC), kick = eventfd(0, EFD_CLOEXEC);
	if (irq < 0 || kick < 0)
		die("eventfd");
	msix_vector0(&v, irq);
	reg_write(&v, REG_SRC_LO, (uint32_t)IOVA);
	reg_write(&v, REG_SRC_HI, 0);
	reg_write(&v, REG_DST_LO, (uint32_t)(IOVA + BUF_SIZE / 2));
	reg_write(&v, REG_DST_HI, 0);
	reg_write(&v, REG_LEN, BUF_SIZE / 2);
	struct vfio_device_ioeventfd ioe = {
		.argsz = sizeof(ioe), .flags = VFIO_DEVICE_IOEVENTFD_32,
		.offset = v.bar0 + REG_CTRL, .data = CTRL_IRQ_EN | CTRL_START, .fd = kick,
	};
	if (ioctl(v.dev, VFIO_DEVICE_IOEVENTFD, &ioe))
		die("VFIO_DEVICE_IOEVENTFD");
	/* The doorbell: from here on nothing but the interrupt eventfd. */
	if (eventfd_write(kick, 1))
		die("eventfd_write");
	struct pollfd p = { .fd = irq, .events = POLLIN };
	if (poll(&p, 1, 5000) != 1) {
		printf("ioeventfd: no interrupt within 5 s (the write was not done)\n");
		return 1;
	}
	if (read(irq, &count, sizeof(count)) != sizeof(count))
		die("read");
	printf("ioeventfd: copy started by the eventfd, interrupt taken, %s\n",
	       memcmp(buf, buf + BUF_SIZE / 2, BUF_SIZE / 2) ? "bytes differ" : "bytes checked");
	return 0;
}

static int do_hotreset(const char *bdf)
{
	struct vdev v;
	char buf[sizeof(struct vfio_pci_hot_reset_info) + 16 * sizeof(struct vfio_pci_dependent_device)];
	struct vfio_pci_hot_reset_info *info = (void *)buf;

	dev_open(bdf, &v);
	memset(buf, 0, sizeof(buf));
	info->argsz = sizeof(buf);
	if (ioctl(v.dev, VFIO_DEVICE_GET_PCI_HOT_RESET_INFO, info)) {
		printf("hot reset info: %s\n", strerror(errno));
		return 0;
	}
	printf("hot reset info: %u affected\n", info->count);
	for (unsigned i = 0; i < info->count && i < 16; i++)
		printf("  %04x:%02x:%02x.%x group %u\n", info->devices[i].segment,
		       info->devices[i].bus, info->devices[i].devfn >> 3,
		       info->devices[i].devfn & 7, info->devices[i].group_id);
	return 0;
}

static int do_fork(const char *bdf)
{
	struct vdev v;
	uint16_t cmd = PCI_COMMAND_MEMORY;
	int go[2], status;
	uint32_t val = 0;

	dev_open(bdf, &v);
	if (pwrite(v.dev, &cmd, 2, (off_t)(v.cfg + PCI_COMMAND)) != 2)
		die("config write");
	volatile uint32_t *bar = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, v.dev,
				      (off_t)v.bar0);
	if (bar == MAP_FAILED)
		die("mmap BAR0");
	if (pipe(go))
		die("pipe");
	pid_t pid = fork();
	if (pid < 0)
		die("fork");
	if (!pid) {
		char c;
		close(go[1]);
		/* Only once the parent's mapping is gone. */
		if (read(go[0], &c, 1) != 1)
			_exit(3);
		printf("child: ID 0x%x through the inherited mapping\n", bar[0]);
		bar[REG_SRC_LO / 4] = 0x5a5a0000;
		printf("child: SRC_LO 0x%x after its store\n", bar[REG_SRC_LO / 4]);
		_exit(munmap((void *)bar, 4096) ? 4 : 0);
	}
	close(go[0]);
	if (munmap((void *)bar, 4096))
		die("munmap");
	if (write(go[1], "g", 1) != 1)
		die("write");
	if (waitpid(pid, &status, 0) != pid)
		die("waitpid");
	if (pread(v.dev, &val, 4, (off_t)(v.bar0 + REG_SRC_LO)) != 4)
		die("pread");
	printf("parent: child %s, SRC_LO 0x%x through pread\n",
	       WIFEXITED(status) ? (WEXITSTATUS(status) ? "failed" : "exited 0")
				 : WTERMSIG(status) == SIGBUS ? "killed by SIGBUS" : "killed",
	       val);
	return 0;
}

static int do_exec(const char *self, const char *bdf)
{
	struct vdev v;
	char a[4][16];

	dev_open(bdf, &v);
	/* A device fd is close-on-exec from GET_DEVICE_FD (Linux): kept on purpose. */
	if (fcntl(v.dev, F_SETFD, 0))
		die("F_SETFD");
	int extra = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	if (extra < 0)
		die("/dev/vfio/vfio");
	snprintf(a[0], sizeof(a[0]), "%d", v.container);
	snprintf(a[1], sizeof(a[1]), "%d", v.group);
	snprintf(a[2], sizeof(a[2]), "%d", v.dev);
	snprintf(a[3], sizeof(a[3]), "%d", extra);
	execl(self, self, "exec-child", a[0], a[1], a[2], a[3], (char *)NULL);
	die("execl");
	return 1;
}

static int exec_child(char **fd)
{
	int container = atoi(fd[0]), group = atoi(fd[1]), dev = atoi(fd[2]), extra = atoi(fd[3]);
	struct vfio_group_status st = { .argsz = sizeof(st) };
	struct vfio_device_info info = { .argsz = sizeof(info) };
	uint64_t bar0;
	uint32_t id = 0;

	printf("after exec: container API version %d\n", ioctl(container, VFIO_GET_API_VERSION));
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st))
		die("VFIO_GROUP_GET_STATUS");
	printf("after exec: group %s%s\n", st.flags & VFIO_GROUP_FLAGS_VIABLE ? "viable" : "not viable",
	       st.flags & VFIO_GROUP_FLAGS_CONTAINER_SET ? ", container set" : "");
	if (ioctl(dev, VFIO_DEVICE_GET_INFO, &info))
		die("VFIO_DEVICE_GET_INFO");
	bar0 = region_offset(dev, VFIO_PCI_BAR0_REGION_INDEX);
	if (pread(dev, &id, 4, (off_t)bar0) != 4)
		die("pread");
	printf("after exec: device %u regions, ID 0x%x\n", info.num_regions, id);
	/* Its number may be reused since (the shim's new connection): no VFIO file there. */
	printf("after exec: the close-on-exec container %s\n",
	       ioctl(extra, VFIO_GET_API_VERSION) < 0 ? "closed" : "still open");
	return 0;
}

/* Descriptors of the process open on the shim's memfd for shared anonymous memory. */
static int shared_memfds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	char path[300], link[300];
	int n = 0;

	if (!d)
		die("/proc/self/fd");
	while ((e = readdir(d))) {
		snprintf(path, sizeof(path), "/proc/self/fd/%s", e->d_name);
		ssize_t len = readlink(path, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = 0;
			n += strstr(link, "memfd:iommulab-shared") != NULL;
		}
	}
	closedir(d);
	return n;
}

static int do_memfd(void)
{
	size_t len = 256 * 1024;
	char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		die("mmap");
	memset(p, 1, len);
	printf("mapped: %d memfd(s)\n", shared_memfds());
	if (munmap(p, len))
		die("munmap");
	printf("unmapped: %d memfd(s)\n", shared_memfds());
	return 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IONBF, 0);
	if (argc == 3 && !strcmp(argv[1], "ioeventfd"))
		return do_ioeventfd(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "exec"))
		return do_exec(argv[0], argv[2]);
	if (argc == 6 && !strcmp(argv[1], "exec-child"))
		return exec_child(argv + 2);
	if (argc == 3 && !strcmp(argv[1], "api")) {
		printf("fd %s: VFIO API version %d\n", argv[2],
		       ioctl(atoi(argv[2]), VFIO_GET_API_VERSION));
		return 0;
	}
	if (argc == 2 && !strcmp(argv[1], "memfd"))
		return do_memfd();
	if (argc == 3 && !strcmp(argv[1], "fork"))
		return do_fork(argv[2]);
	if (argc == 3 && !strcmp(argv[1], "hotreset"))
		return do_hotreset(argv[2]);
	fprintf(stderr, "usage: vfio-pci-gaps-client ioeventfd|fork|exec|hotreset BDF | api FD\n");
	return 2;
}
