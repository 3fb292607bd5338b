// SPDX-License-Identifier: GPL-2.0-only
#include <errno.h>

#include "common/strtobool.h"

/* "o" needs its second letter: "on" is true, "of..." false, "o" alone nothing. */
static int on_off(char c, bool *res)
{
	switch (c) {
	case 'n': case 'N':
		*res = true;
		return 0;
	case 'f': case 'F':
		*res = false;
		return 0;
	}
	return -EINVAL;
}

int kstrtobool(const char *s, bool *res)
{
	if (!s)
		return -EINVAL;
	switch (s[0]) {
	case 'y': case 'Y': case 't': case 'T': case '1':
		*res = true;
		return 0;
	case 'n': case 'N': case 'f': case 'F': case '0':
		*res = false;
		return 0;
	case 'o': case 'O':
		return on_off(s[1], res);
	}
	return -EINVAL;
}
