/*
 * Scenario files (docs/scenarios.md): each input is run by
 * lab_run_script as `iommulab run` runs a file. A `#! platform` header
 * would make the harness read host files, so those lines are dropped;
 * `#! cmdline` stays. lab_skip_tlbi is kept off (fuzz_shell.c).
 */
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz_util.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char path[64];
	int fd;

	if (!sink)
		sink = fopen("/dev/null", "w");
	if (memmem(data, size, "platform", 8) || memmem(data, size, "skip_tlbi", 9))
		return 0;
	fd = memfd_create("scenario", 0);
	if (fd < 0 || write(fd, data, size) != (ssize_t)size)
		abort();
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	int st = lab_run_script(path, NULL, NULL, 0, sink, sink);
	close(fd);
	/* An escape makes status 1: none may happen without the test hook. */
	char buf[256];
	lab_oracle_report(buf, sizeof(buf));
	if (strstr(buf, "ESCAPE") || kalloc_outstanding()) {
		fprintf(stderr, "fuzz: status %d, escape or leak:\n%s\n", st, buf);
		abort();
	}
	return 0;
}
