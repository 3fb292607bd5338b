/*
 * vfio-fds: what a VMM does with its VFIO descriptors besides ioctls, in
 * plain C against <linux/vfio.h>: find the group through sysfs (readlink,
 * a directory stream), then close, dup, dup2, dup3 and fcntl(F_DUPFD)
 * the container, group and device descriptors, pass them to itself over a
 * UNIX socket (SCM_RIGHTS), fork a child, and finally map a buffer and
 * run a DMA copy through the descriptors it received.
 *
 *   vfio-fds DEVICE        e.g. vfio-fds 1c000000.dma
 *
 * make check runs it under the lab on a board of its own:
 *   iommulab preload --platform examples/vfio-fds.dts \
 *       --cmdline vfio_iommu_type1.allow_unsafe_interrupts=1 \
 *       --setup examples/vfio-fds.setup -- ./vfio-fds 1c000000.dma
 * Exit status 0 when every step behaved as on Linux.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <linux/vfio.h>

#define REG_SRC_LO 0x008
#define REG_SRC_HI 0x00c
#define REG_DST_LO 0x010
#define REG_DST_HI 0x014
#define REG_LEN 0x018
#define REG_CTRL 0x020
#define REG_STATUS 0x024

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "vfio-fds: " __VA_ARGS__);             \
			fprintf(stderr, " (%s)\n", strerror(errno));           \
			failures++;                                            \
		}                                                              \
	} while (0)

static int api_version(int fd)
{
	return ioctl(fd, VFIO_GET_API_VERSION);
}

static int viable(int group)
{
	struct vfio_group_status st = { .argsz = sizeof(st) };
	if (ioctl(group, VFIO_GROUP_GET_STATUS, &st))
		return -1;
	return !!(st.flags & VFIO_GROUP_FLAGS_VIABLE);
}

static int cloexec(int fd)
{
	return !!(fcntl(fd, F_GETFD) & FD_CLOEXEC);
}

/* The group number from the device's iommu_group link, checked against the directory. */
static int find_group(const char *dev)
{
	char path[256], link[256];
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/iommu_group", dev);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s", path);
	if (n <= 0)
		return -1;
	link[n] = 0;
	CHECK(!strncmp(link, "../../../../kernel/iommu_groups/", 32), "link %s", link);
	const char *id = strrchr(link, '/') + 1;
	int seen = 0, groups = 0;
	DIR *d = opendir("/sys/kernel/iommu_groups");
	CHECK(d, "opendir /sys/kernel/iommu_groups");
	for (struct dirent *e; d && (e = readdir(d));) {
		if (e->d_name[0] == '.')
			continue;
		groups++;
		seen |= !strcmp(e->d_name, id);
	}
	if (d)
		closedir(d);
	/* This board has two engines, one group each. */
	CHECK(seen && groups == 2, "iommu_groups: %d groups, %s %s", groups, id,
	      seen ? "listed" : "missing");
	return atoi(id);
}

static void dups(int container, int group)
{
	int d = dup(container);
	CHECK(d >= 0 && api_version(d) == VFIO_API_VERSION, "dup");
	CHECK(close(d) == 0 && api_version(container) == VFIO_API_VERSION, "close of a dup");
	CHECK(close(d) < 0 && errno == EBADF, "second close");

	/* F_DUPFD: the lowest free descriptor at or above the argument. */
	d = fcntl(container, F_DUPFD, 100);
	CHECK(d >= 100 && api_version(d) == VFIO_API_VERSION && !cloexec(d), "F_DUPFD 100: %d", d);
	int e = fcntl(group, F_DUPFD_CLOEXEC, 100);
	CHECK(e > 100 && viable(e) == 1 && cloexec(e), "F_DUPFD_CLOEXEC 100: %d", e);
	/* dup2 onto a lab descriptor replaces it: d becomes the group. */
	CHECK(dup2(group, d) == d && viable(d) == 1, "dup2 onto a lab fd");
	CHECK(dup3(container, e, O_CLOEXEC) == e && api_version(e) == VFIO_API_VERSION &&
	      cloexec(e), "dup3 O_CLOEXEC");
	CHECK(dup2(d, d) == d, "dup2 onto itself");
	/* A plain file dup2'ed over a lab descriptor: it is no lab file any more. */
	int null = open("/dev/null", O_RDWR);
	CHECK(dup2(null, d) == d && ioctl(d, VFIO_GROUP_GET_STATUS, NULL) < 0 && errno == ENOTTY,
	      "dup2 of /dev/null over a lab fd");
	close(null);
	close(d);
	close(e);
	CHECK(api_version(container) == VFIO_API_VERSION && viable(group) == 1, "originals");
}

static int send_fd(int sock, int fd)
{
	char data = 'x';
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &fd, sizeof(int));
	return sendmsg(sock, &m, 0) == 1 ? 0 : -1;
}

static int recv_fd(int sock)
{
	char data;
	struct iovec iov = { .iov_base = &data, .iov_len = 1 };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} u;
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1,
			    .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	if (recvmsg(sock, &m, 0) != 1)
		return -1;
	struct cmsghdr *c = CMSG_FIRSTHDR(&m);
	if (!c || c->cmsg_type != SCM_RIGHTS)
		return -1;
	int fd;
	memcpy(&fd, CMSG_DATA(c), sizeof(int));
	return fd;
}

/* Passes @fd through a socket pair and returns the descriptor received. */
static int pass(int fd)
{
	int sv[2];
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sv))
		return -1;
	int got = send_fd(sv[0], fd) ? -1 : recv_fd(sv[1]);
	close(sv[0]);
	close(sv[1]);
	return got;
}

/* A forked child has the descriptors too; the parent is not disturbed by what it does. */
static void forked(int container, int group)
{
	fflush(NULL);
	pid_t pid = fork();
	if (pid == 0) {
		int ok = api_version(container) == VFIO_API_VERSION;
		close(container);
		close(group);
		exit(ok ? 0 : 3);
	}
	int status = 0;
	CHECK(pid > 0 && waitpid(pid, &status, 0) == pid, "fork/waitpid");
	CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0, "child status %#x", status);
	CHECK(api_version(container) == VFIO_API_VERSION && viable(group) == 1,
	      "parent after the child");
}

static void reg_write(int dev, uint64_t off, uint32_t v)
{
	CHECK(pwrite(dev, &v, 4, off) == 4, "pwrite %#llx", (unsigned long long)off);
}

static uint32_t reg_read(int dev, uint64_t off)
{
	uint32_t v = 0;
	CHECK(pread(dev, &v, 4, off) == 4, "pread %#llx", (unsigned long long)off);
	return v;
}

/* Maps a buffer through @container, copies its first page to its second with @dev. */
static void dma_copy(int container, int dev)
{
	size_t sz = 0x2000;
	uint8_t *buf = mmap(NULL, sz, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	CHECK(buf != MAP_FAILED, "mmap");
	if (buf == MAP_FAILED)
		return;
	for (size_t i = 0; i < 0x1000; i++)
		buf[i] = (uint8_t)(i * 7);
	struct vfio_iommu_type1_dma_map map = { .argsz = sizeof(map),
		.flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
		.vaddr = (uintptr_t)buf, .iova = 0x100000, .size = sz };
	CHECK(ioctl(container, VFIO_IOMMU_MAP_DMA, &map) == 0, "MAP_DMA");
	struct vfio_region_info reg = { .argsz = sizeof(reg), .index = 0 };
	CHECK(ioctl(dev, VFIO_DEVICE_GET_REGION_INFO, &reg) == 0, "GET_REGION_INFO");
	reg_write(dev, reg.offset + REG_SRC_LO, 0x100000);
	reg_write(dev, reg.offset + REG_SRC_HI, 0);
	reg_write(dev, reg.offset + REG_DST_LO, 0x101000);
	reg_write(dev, reg.offset + REG_DST_HI, 0);
	reg_write(dev, reg.offset + REG_LEN, 0x1000);
	reg_write(dev, reg.offset + REG_CTRL, 1);
	uint32_t st = 1;
	for (int i = 0; i < 100000 && (st & 1); i++)
		st = reg_read(dev, reg.offset + REG_STATUS);
	CHECK((st & 7) == 2, "STATUS %#x", st);
	CHECK(!memcmp(buf, buf + 0x1000, 0x1000), "copied bytes");
	struct vfio_iommu_type1_dma_unmap unmap = { .argsz = sizeof(unmap), .iova = 0x100000,
						     .size = sz };
	CHECK(ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap) == 0 && unmap.size == sz, "UNMAP_DMA");
	munmap(buf, sz);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vfio-fds DEVICE\n");
		return 2;
	}
	const char *devname = argv[1];
	int gid = find_group(devname);
	char path[64];
	snprintf(path, sizeof(path), "/dev/vfio/%d", gid);
	int container = open("/dev/vfio/vfio", O_RDWR);
	int group = open(path, O_RDWR);
	CHECK(container >= 0 && group >= 0, "open container and %s", path);
	if (container < 0 || group < 0)
		return 1;
	CHECK(viable(group) == 1, "viable");
	CHECK(ioctl(group, VFIO_GROUP_SET_CONTAINER, &container) == 0, "SET_CONTAINER");
	CHECK(ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU) == 0, "SET_IOMMU");

	dups(container, group);
	forked(container, group);

	/* Passed to ourselves: the received numbers are the same open files. */
	int c2 = pass(container), g2 = pass(group);
	CHECK(c2 >= 0 && c2 != container && api_version(c2) == VFIO_API_VERSION,
	      "container over SCM_RIGHTS: %d", c2);
	CHECK(g2 >= 0 && g2 != group && viable(g2) == 1, "group over SCM_RIGHTS: %d", g2);
	/* The originals go; the received descriptors hold container and group. */
	close(container);
	close(group);
	int dev = ioctl(g2, VFIO_GROUP_GET_DEVICE_FD, devname);
	CHECK(dev >= 0 && cloexec(dev), "GET_DEVICE_FD through the received group");
	int d2 = pass(dev);
	CHECK(d2 >= 0, "device over SCM_RIGHTS");
	close(dev);
	if (d2 >= 0)
		dma_copy(c2, d2);
	close(d2);
	close(g2);
	close(c2);
	if (failures)
		fprintf(stderr, "vfio-fds: %d check(s) failed\n", failures);
	else
		printf("vfio-fds: %s (group %d): dup, fork, SCM_RIGHTS and DMA ok\n", devname, gid);
	return failures ? 1 : 0;
}
