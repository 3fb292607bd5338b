/*
 * kstrtobool (lib/kstrtox.c, Linux 6.12): the one reading of a boolean
 * the whole lab uses (kernel command line, module parameters, sysfs).
 */
#ifndef LAB_COMMON_STRTOBOOL_H
#define LAB_COMMON_STRTOBOOL_H

#include "types.h"

/*
 * Looks at the first character only (two for o/O): y Y t T 1 are true,
 * n N f F 0 false, "on"/"off" in any case true/false. Anything else,
 * NULL and "" are -EINVAL, and @res is left alone.
 */
int kstrtobool(const char *s, bool *res);

#endif
