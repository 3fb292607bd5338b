// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>
#include <string.h>

#include "common/errname.h"
#include "common/types.h"

/*
 * Where libc gives two names one value (ENOTSUP is EOPNOTSUPP), the first
 * listed is the name printed, as Linux's lib/errname.c prints EOPNOTSUPP.
 */
static const struct { int err; const char *name; } errnos[] = {
	{ EPERM, "EPERM" }, { ENOENT, "ENOENT" }, { ESRCH, "ESRCH" }, { EIO, "EIO" },
	{ ENXIO, "ENXIO" }, { E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
	{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
	{ EEXIST, "EEXIST" }, { EXDEV, "EXDEV" }, { ENODEV, "ENODEV" },
	{ ENOTDIR, "ENOTDIR" }, { EISDIR, "EISDIR" }, { EINVAL, "EINVAL" },
	{ ENOSPC, "ENOSPC" }, { EROFS, "EROFS" }, { ENOTTY, "ENOTTY" },
	{ ERANGE, "ERANGE" }, { ENAMETOOLONG, "ENAMETOOLONG" }, { ENOSYS, "ENOSYS" },
	{ ELOOP, "ELOOP" }, { EOVERFLOW, "EOVERFLOW" }, { EBADFD, "EBADFD" },
	{ EOPNOTSUPP, "EOPNOTSUPP" }, { ENOTSUP, "ENOTSUP" }, { ETIMEDOUT, "ETIMEDOUT" },
	{ EPROBE_DEFER, "EPROBE_DEFER" },
};

const char *errno_name(int err)
{
	int e = err < 0 ? -err : err;

	for (size_t i = 0; i < ARRAY_SIZE(errnos); i++)
		if (errnos[i].err == e)
			return errnos[i].name;
	return NULL;
}

int errno_by_name(const char *name)
{
	for (size_t i = 0; name && i < ARRAY_SIZE(errnos); i++)
		if (!strcmp(errnos[i].name, name))
			return errnos[i].err;
	return 0;
}
