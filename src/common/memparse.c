#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "memparse.h"

u64 memparse(const char *s, const char **end)
{
	const char *suffixes = "KMGTPE", *k;
	char *stop;
	unsigned shift = 0;
	u64 v;

	errno = 0;
	v = strtoull(s, &stop, 0);
	if (errno == ERANGE)
		v = UINT64_MAX;
	for (k = suffixes; *k && *stop; k++) {
		shift += 10;
		if (*stop == *k || *stop == *k + ('a' - 'A')) {
			stop++;
			v = v > (UINT64_MAX >> shift) ? UINT64_MAX : v << shift;
			break;
		}
	}
	if (end)
		*end = stop;
	return v;
}
