/*
 * The session's /dev/vfio: a user's script runs `ls /dev/vfio` to find
 * its group, `test -e /dev/vfio/vfio` to see VFIO is there, `stat` a
 * group node. In the session's mount namespace /dev/vfio is the FUSE
 * filesystem's "vfio" folder (fuse_sysfs.c), which lists the lab's
 * devtmpfs nodes: `vfio` and one per group bound to a VFIO driver, as
 * character devices with the lab's device numbers, changing as devices
 * are bound. Opening one still goes through the preload shim, which
 * forwards it to the server: the FUSE mount is nodev, as a program in a
 * user namespace would find any device node of its own, so a program
 * without the shim (a static binary) can list and stat the nodes but
 * opening one fails EACCES.
 *
 * Most hosts (and containers) have no /dev/vfio to mount over, and the
 * host's /dev must stay untouched. Then the session gets a /dev of its
 * own: a tmpfs in the session directory, every entry of the host's /dev
 * bind-mounted into it (recursively: /dev/pts, /dev/shm stay the host's
 * mounts; links copied as links), "vfio" added, and the whole put over
 * /dev. Only the session's namespace sees it; it dies with it.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "session_devfs.h"

static int fail(char *msg, size_t msglen, const char *what, const char *path)
{
	int ret = -errno;

	snprintf(msg, msglen, "%s %s: %s", what, path, strerror(errno));
	return ret;
}

/* A stand-in for the host's /dev/@name at @to, the host's entry bound on it. */
static int copy_entry(const char *name, const char *to, char *msg, size_t msglen)
{
	char from[PATH_MAX], target[PATH_MAX];
	struct stat st;
	ssize_t n;
	int fd;

	snprintf(from, sizeof(from), "/dev/%s", name);
	if (lstat(from, &st) < 0)
		return 0;	/* gone meanwhile */
	if (S_ISLNK(st.st_mode)) {
		n = readlink(from, target, sizeof(target) - 1);
		if (n < 0)
			return 0;
		target[n] = 0;
		return symlink(target, to) < 0 ? fail(msg, msglen, "symlink", to) : 0;
	}
	if (S_ISDIR(st.st_mode)) {
		if (mkdir(to, st.st_mode & 07777) < 0)
			return fail(msg, msglen, "mkdir", to);
	} else {
		fd = open(to, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC, 0600);
		if (fd < 0)
			return fail(msg, msglen, "create", to);
		close(fd);
	}
	/* A node the user may not reach (EACCES in the namespace) is left as an empty file. */
	if (mount(from, to, NULL, MS_BIND | MS_REC, NULL) < 0 && errno != EACCES &&
	    errno != EPERM)
		return fail(msg, msglen, "bind over", to);
	return 0;
}

/* The session's own /dev at @stage: the host's entries and an empty "vfio". */
static int build_dev(const char *stage, char *msg, size_t msglen)
{
	char to[PATH_MAX + 264];
	struct dirent *e;
	DIR *d;
	int ret = 0;

	if (mkdir(stage, 0755) < 0 && errno != EEXIST)
		return fail(msg, msglen, "mkdir", stage);
	if (mount("iommulab-dev", stage, "tmpfs", MS_NOSUID, "mode=755") < 0)
		return fail(msg, msglen, "mount tmpfs on", stage);
	d = opendir("/dev");
	if (!d)
		return fail(msg, msglen, "open", "/dev");
	while (!ret && (e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(to, sizeof(to), "%s/%s", stage, e->d_name);
		ret = copy_entry(e->d_name, to, msg, msglen);
	}
	closedir(d);
	snprintf(to, sizeof(to), "%s/vfio", stage);
	if (!ret && mkdir(to, 0755) < 0)
		ret = fail(msg, msglen, "mkdir", to);
	return ret;
}

int session_devfs_install(const char *dir, const char *from, char *msg, size_t msglen)
{
	char stage[PATH_MAX];
	struct stat st;
	int ret;

	if (stat("/dev/vfio", &st) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(stage, sizeof(stage), "%s/dev", dir);
		ret = build_dev(stage, msg, msglen);
		if (!ret && mount(stage, "/dev", NULL, MS_BIND | MS_REC, NULL) < 0)
			ret = fail(msg, msglen, "bind over /dev:", stage);
		umount2(stage, MNT_DETACH);
		if (ret)
			return ret;
	}
	if (mount(from, "/dev/vfio", NULL, MS_BIND, NULL) < 0)
		return fail(msg, msglen, "bind over /dev/vfio:", from);
	return 0;
}
