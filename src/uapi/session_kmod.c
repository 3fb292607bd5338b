/*
 * modprobe, rmmod and lsmod inside a session act on the lab's modules:
 * a small script in the session directory, bind-mounted in the session's
 * mount namespace over the host's programs (over /bin/kmod itself where
 * they are its links, as on Debian), runs `iommulab kmod` under the name
 * it was called by. The host's files are never touched.
 */
#include <errno.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "session_up.h"

static const char *const kmod_progs[] = {
	"/sbin/modprobe", "/sbin/rmmod", "/sbin/lsmod",
	"/usr/sbin/modprobe", "/usr/sbin/rmmod", "/usr/sbin/lsmod", "/bin/lsmod",
};

static int write_helper(const struct session_up_opts *o, const char *path)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	/* $0 without its folder: the name it was run by (modprobe, rmmod, lsmod, kmod). */
	fprintf(f, "#!/bin/sh\n"
		"# iommulab session helper: kmod's commands act on the session's lab.\n"
		"exec '%s' kmod --session '%s' \"${0##*/}\" \"$@\"\n", o->self, o->dir);
	if (fclose(f))
		return -errno;
	return chmod(path, 0755) ? -errno : 0;
}

int session_kmod_install(const struct session_up_opts *o, char *msg, size_t msglen)
{
	char helper[PATH_MAX], done[8][PATH_MAX];
	unsigned int ndone = 0;
	int ret;

	if (strchr(o->self, '\'') || strchr(o->dir, '\'')) {
		snprintf(msg, msglen, "a quote in %s or %s: cannot write the kmod helper",
			 o->self, o->dir);
		return -EINVAL;
	}
	snprintf(helper, sizeof(helper), "%s/kmod", o->dir);
	ret = write_helper(o, helper);
	if (ret) {
		snprintf(msg, msglen, "%s: %s", helper, strerror(-ret));
		return ret;
	}
	for (size_t i = 0; i < sizeof(kmod_progs) / sizeof(kmod_progs[0]); i++) {
		char real[PATH_MAX];
		bool seen = false;

		if (!realpath(kmod_progs[i], real))
			continue;	/* not on this host: nothing to cover */
		for (unsigned int j = 0; j < ndone; j++)
			seen |= !strcmp(done[j], real);
		if (seen || ndone == 8)
			continue;
		if (mount(helper, real, NULL, MS_BIND, NULL) < 0) {
			ret = -errno;
			snprintf(msg, msglen, "bind %s over %s: %s", helper, real, strerror(-ret));
			return ret;
		}
		snprintf(done[ndone++], PATH_MAX, "%s", real);
	}
	return 0;
}
