/*
 * vfio-bind: what a driver-binding tool (driverctl, dpdk-devbind, a VMM's
 * setup script) does on a real system, in plain C: list the IOMMU groups
 * and their devices, hand a device to vfio-platform through sysfs, and
 * check the group's character device appeared.
 *
 *   vfio-bind DEVICE        e.g. vfio-bind a001000.dma
 *
 * It uses stdio (fopen/fgets), directory streams, stat, readlink,
 * realpath, dup and plain open/write on sysfs, then opens the group and a
 * container and asks the container its API version through a dup'ed fd.
 * Exit status 0 when every step behaved as Linux documents it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <linux/vfio.h>

static int failures;

#define CHECK(cond, ...)                                                       \
	do {                                                                   \
		if (!(cond)) {                                                 \
			fprintf(stderr, "vfio-bind: " __VA_ARGS__);            \
			fprintf(stderr, " (%s)\n", strerror(errno));           \
			failures++;                                            \
		}                                                              \
	} while (0)

static int write_str(const char *path, const char *s)
{
	int fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, s, strlen(s));
	int e = errno;
	close(fd);
	errno = e;
	return n == (ssize_t)strlen(s) ? 0 : -1;
}

static void list_groups(void)
{
	DIR *d = opendir("/sys/kernel/iommu_groups");
	CHECK(d, "opendir iommu_groups");
	if (!d)
		return;
	struct dirent *e;
	while ((e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		char path[PATH_MAX], line[256];
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/devices", e->d_name);
		DIR *devs = opendir(path);
		CHECK(devs, "opendir %s", path);
		printf("group %s:", e->d_name);
		struct dirent *de;
		while (devs && (de = readdir(devs)))
			if (de->d_name[0] != '.')
				printf(" %s", de->d_name);
		if (devs)
			closedir(devs);
		snprintf(path, sizeof(path), "/sys/kernel/iommu_groups/%s/reserved_regions",
			 e->d_name);
		FILE *f = fopen(path, "r");
		CHECK(f, "fopen %s", path);
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			printf(" [%s]", line);
		}
		if (f)
			fclose(f);
		printf("\n");
	}
	closedir(d);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: vfio-bind DEVICE\n");
		return 2;
	}
	const char *dev = argv[1];
	char path[PATH_MAX], link[PATH_MAX], real[PATH_MAX];
	struct stat st;

	list_groups();

	/* The device's group, as vfio.rst does it. */
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/iommu_group", dev);
	ssize_t n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0, "readlink %s", path);
	if (n <= 0)
		return 1;
	link[n] = 0;
	char gid[32];
	snprintf(gid, sizeof(gid), "%s", strrchr(link, '/') + 1);
	CHECK(realpath(path, real) && !strncmp(real, "/sys/kernel/iommu_groups/", 25),
	      "realpath %s", path);

	/* driver_override, unbind, bind, the way driverctl does it. */
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver_override", dev);
	CHECK(access(path, W_OK) == 0, "access %s", path);
	CHECK(write_str(path, "vfio-platform\n") == 0, "write %s", path);
	FILE *f = fopen(path, "r");
	char line[128] = "";
	CHECK(f && fgets(line, sizeof(line), f) && !strcmp(line, "vfio-platform\n"),
	      "read back %s", path);
	if (f)
		fclose(f);
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver/unbind", dev);
	if (access(path, F_OK) == 0)
		CHECK(write_str(path, dev) == 0, "write %s", path);
	CHECK(write_str("/sys/bus/platform/drivers/vfio-platform/bind", dev) == 0, "bind");
	/* Binding twice: -EBUSY, as Linux. */
	CHECK(write_str("/sys/bus/platform/drivers/vfio-platform/bind", dev) < 0 && errno == EBUSY,
	      "second bind");
	snprintf(path, sizeof(path), "/sys/bus/platform/devices/%s/driver", dev);
	n = readlink(path, link, sizeof(link) - 1);
	CHECK(n > 0 && (link[n] = 0, strstr(link, "/vfio-platform")), "driver link");
	CHECK(lstat(path, &st) == 0 && S_ISLNK(st.st_mode), "lstat %s", path);

	/* /dev/vfio/N now exists, a character device. */
	snprintf(path, sizeof(path), "/dev/vfio/%s", gid);
	CHECK(stat(path, &st) == 0 && S_ISCHR(st.st_mode), "stat %s", path);
	DIR *d = opendir("/dev/vfio");
	int seen = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		seen += !strcmp(e->d_name, gid) || !strcmp(e->d_name, "vfio");
	if (d)
		closedir(d);
	CHECK(seen == 2, "/dev/vfio listing");

	int group = open(path, O_RDWR | O_CLOEXEC);
	CHECK(group >= 0, "open %s", path);
	CHECK(open(path, O_RDWR) < 0 && errno == EBUSY, "second open of %s", path);
	struct vfio_group_status status = { .argsz = sizeof(status) };
	CHECK(ioctl(group, VFIO_GROUP_GET_STATUS, &status) == 0 &&
	      (status.flags & VFIO_GROUP_FLAGS_VIABLE), "group status");
	int container = open("/dev/vfio/vfio", O_RDWR);
	CHECK(container >= 0, "open /dev/vfio/vfio");
	int dup_fd = dup(container);
	CHECK(dup_fd >= 0 && ioctl(dup_fd, VFIO_GET_API_VERSION) == VFIO_API_VERSION, "dup");
	CHECK(fstat(dup_fd, &st) == 0 && S_ISCHR(st.st_mode), "fstat");
	close(container);
	/* The duplicate keeps the container open. */
	CHECK(ioctl(dup_fd, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU) == 1, "dup after close");
	close(dup_fd);
	CHECK(ioctl(dup_fd, VFIO_GET_API_VERSION) < 0 && errno == EBADF, "closed fd");
	close(group);
	printf("%s: group %s, bound to vfio-platform: %s\n", dev, gid, failures ? "FAILED" : "ok");
	return failures ? 1 : 0;
}
