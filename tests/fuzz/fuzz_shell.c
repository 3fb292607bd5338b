/*
 * Shell lines: each input is up to 32 lines run in a fresh lab of the
 * built-in platform, as a user types them (`iommulab boot`). arm-smmu's
 * lab_skip_tlbi test hook is turned off after every line, so that only a
 * real defect can make the oracle see an escape (as test_shell_fuzz).
 */
#include <stdint.h>
#include <string.h>

#include "fuzz_util.h"

static FILE *sink;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char line[1024];
	size_t at = 0;

	if (!sink)
		sink = fopen("/dev/null", "w");
	fuzz_boot("");
	for (int n = 0; n < 32 && at < size; n++) {
		const uint8_t *nl = memchr(data + at, '\n', size - at);
		size_t len = (nl ? (size_t)(nl - data) : size) - at;

		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		memcpy(line, data + at, len);
		line[len] = '\0';
		at += len + 1;
		if (strlen(line) != len)
			continue;   /* a NUL in a line: no shell reads one */
		lab_exec(line, sink);
		lab_exec("echo 0 > /sys/module/arm_smmu/parameters/lab_skip_tlbi", sink);
	}
	fuzz_shutdown();
	return 0;
}
